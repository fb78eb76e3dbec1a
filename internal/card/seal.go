package card

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/p256verify"
	"github.com/dancu-vn/dancu/internal/register"
)

// A seal is a signed QR code in the manner of an ICAO Visible Digital
// Seal (Doc 9303 part 13): a header naming the document type, the signer
// certificate and the signing time; a message zone of tagged fields; and
// an ECDSA signature over both. Its text is SealPrefix and the bytes in
// base45. Layout (docs/cards.md):
//
//	DC 01 | type (2 ASCII) | serial length, signer serial | signed at (uint32, unix s)
//	tag, length, value …  (length: 1 byte < 0x80, or 81 xx, or 82 xx xx)
//	FF | signature length | r ‖ s
const SealPrefix = "DCS1:"

const (
	sealMagic     = 0xDC
	sealVersion   = 0x01
	sealSigMarker = 0xFF
	maxSealBytes  = 4096 // far above what a QR code holds
)

// Message-zone tags.
const (
	tagIDNumber    = 1
	tagOldIDNumber = 2
	tagFullName    = 3
	tagBirthDate   = 4
	tagGender      = 5 // "M" or "F"
	tagNationality = 6
	tagAddress     = 7
	tagIssueDate   = 8
	tagExpiryDate  = 9 // absent: valid for life
	tagSerial      = 10
	tagPhotoRef    = 11 // 16 bytes
	tagValidUntil  = 12 // uint32 unix seconds (identity QR)
	tagNonce       = 13 // 8 bytes (identity QR)
	tagLevel       = 14 // 1 byte: e-ID level (identity QR)
)

// Seal is a parsed seal. Its fields are what it says, signed or not:
// Verifier checks the signature.
type Seal struct {
	DocType      string
	SignerSerial string // lower-case hex
	SignedAt     time.Time
	Fields       map[byte][]byte
	Signature    []byte
	signed       []byte // header and message zone: what the signature covers
}

type sealField struct {
	tag   byte
	value []byte
}

// appendLength writes a length in one to three bytes.
func appendLength(b []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(b, byte(n))
	case n <= 0xff:
		return append(b, 0x81, byte(n))
	}
	return append(b, 0x82, byte(n>>8), byte(n))
}

// signSeal builds, signs and encodes a seal.
func signSeal(docType, signerSerial string, key crypto.Signer, signedAt time.Time, fields []sealField) (string, error) {
	serial, err := hex.DecodeString(signerSerial)
	if err != nil || len(serial) == 0 || len(serial) > 20 || len(docType) != 2 {
		return "", fmt.Errorf("seal: bad signer serial or document type")
	}
	b := []byte{sealMagic, sealVersion, docType[0], docType[1], byte(len(serial))}
	b = append(b, serial...)
	b = binary.BigEndian.AppendUint32(b, uint32(signedAt.Unix()))
	for _, f := range fields {
		if len(f.value) == 0 {
			continue
		}
		if len(f.value) > 0xffff {
			return "", fmt.Errorf("seal: field %d too long", f.tag)
		}
		b = appendLength(append(b, f.tag), len(f.value))
		b = append(b, f.value...)
	}
	sig, err := signRaw(key, b)
	if err != nil {
		return "", err
	}
	b = append(append(b, sealSigMarker, byte(len(sig))), sig...)
	return SealPrefix + base45Encode(b), nil
}

// signRaw signs msg with ECDSA and returns r ‖ s, each the curve's size.
func signRaw(key crypto.Signer, msg []byte) ([]byte, error) {
	pub, ok := key.Public().(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("seal: the signer's key is not ECDSA")
	}
	h, digest := hashFor(pub, msg)
	der, err := key.Sign(rand.Reader, digest, h)
	if err != nil {
		return nil, err
	}
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &rs); err != nil {
		return nil, err
	}
	size := (pub.Curve.Params().BitSize + 7) / 8
	out := make([]byte, 2*size)
	rs.R.FillBytes(out[:size])
	rs.S.FillBytes(out[size:])
	return out, nil
}

func hashFor(pub *ecdsa.PublicKey, msg []byte) (crypto.Hash, []byte) {
	if pub.Curve.Params().BitSize > 256 {
		s := sha512.Sum384(msg)
		return crypto.SHA384, s[:]
	}
	s := sha256.Sum256(msg)
	return crypto.SHA256, s[:]
}

// verifyRaw checks an r ‖ s signature.
func verifyRaw(pub *ecdsa.PublicKey, msg, sig []byte) bool {
	size := (pub.Curve.Params().BitSize + 7) / 8
	if len(sig) != 2*size {
		return false
	}
	_, digest := hashFor(pub, msg)
	r := new(big.Int).SetBytes(sig[:size])
	s := new(big.Int).SetBytes(sig[size:])
	// Seals come from a few signers, verified over and over: their keys
	// get precomputed tables (p256verify), the rest goes to crypto/ecdsa.
	return p256verify.Verify(pub, digest, r, s)
}

// ParseSeal reads a seal's text. It checks the structure only, never the
// signature.
func ParseSeal(text string) (*Seal, error) {
	bad := func(why string) error { return fmt.Errorf("%w: seal: %s", errMalformed, why) }
	body, ok := strings.CutPrefix(strings.TrimSpace(text), SealPrefix)
	if !ok {
		return nil, bad("it does not start with " + SealPrefix)
	}
	if len(body) > maxSealBytes*3/2+2 {
		return nil, bad("too long")
	}
	b, err := base45Decode(body)
	if err != nil {
		return nil, bad("not base45")
	}
	if len(b) < 10 || b[0] != sealMagic || b[1] != sealVersion {
		return nil, bad("unknown header")
	}
	s := &Seal{DocType: string(b[2:4]), Fields: map[byte][]byte{}}
	n := int(b[4])
	if n == 0 || n > 20 || len(b) < 5+n+4 {
		return nil, bad("bad signer reference")
	}
	s.SignerSerial = hex.EncodeToString(b[5 : 5+n])
	s.SignedAt = time.Unix(int64(binary.BigEndian.Uint32(b[5+n:])), 0).UTC()
	i := 5 + n + 4
	for {
		if i >= len(b) {
			return nil, bad("no signature")
		}
		tag := b[i]
		if tag == sealSigMarker {
			break
		}
		l, w, ok := readLength(b[i+1:])
		if !ok || i+1+w+l > len(b) {
			return nil, bad("truncated field")
		}
		if _, dup := s.Fields[tag]; dup {
			return nil, bad("repeated field")
		}
		s.Fields[tag] = b[i+1+w : i+1+w+l]
		i += 1 + w + l
	}
	s.signed = b[:i]
	if i+2 > len(b) || int(b[i+1]) != len(b)-i-2 {
		return nil, bad("bad signature length")
	}
	s.Signature = b[i+2:]
	return s, nil
}

// readLength reads a length written by appendLength, refusing
// non-minimal forms; it returns the length and the bytes it took.
func readLength(b []byte) (n, width int, ok bool) {
	switch {
	case len(b) == 0:
		return 0, 0, false
	case b[0] < 0x80:
		return int(b[0]), 1, true
	case b[0] == 0x81 && len(b) >= 2 && b[1] >= 0x80:
		return int(b[1]), 2, true
	case b[0] == 0x82 && len(b) >= 3 && (int(b[1])<<8|int(b[2])) > 0xff:
		return int(b[1])<<8 | int(b[2]), 3, true
	}
	return 0, 0, false
}

// text returns a field as UTF-8 text, or "".
func (s *Seal) text(tag byte) string {
	v := s.Fields[tag]
	if !utf8.Valid(v) {
		return ""
	}
	return string(v)
}

// Holder returns what a seal says of its holder.
func (s *Seal) Holder() (*Holder, error) {
	h := &Holder{IDNumber: s.text(tagIDNumber), OldIDNumber: s.text(tagOldIDNumber), FullName: s.text(tagFullName),
		BirthDate: register.Date(s.text(tagBirthDate)), Nationality: s.text(tagNationality), Address: s.text(tagAddress),
		IssueDate: register.Date(s.text(tagIssueDate)), ExpiryDate: register.Date(s.text(tagExpiryDate)), Serial: s.text(tagSerial)}
	switch s.text(tagGender) {
	case "M":
		h.Gender = idnum.Male
	case "F":
		h.Gender = idnum.Female
	}
	if p := s.Fields[tagPhotoRef]; len(p) > 0 {
		h.PhotoRef = base64.RawURLEncoding.EncodeToString(p)
	}
	if _, err := idnum.Parse(h.IDNumber); err != nil || (s.DocType == "ID" && h.FullName == "") {
		return nil, fmt.Errorf("%w: seal: no valid ID number and name", errMalformed)
	}
	return h, nil
}

// holderFields lists a holder's fields for a seal.
func holderFields(h *Holder, withCard bool) []sealField {
	g := "M"
	if h.Gender == idnum.Female {
		g = "F"
	}
	photo, _ := base64.RawURLEncoding.DecodeString(h.PhotoRef)
	fs := []sealField{{tagIDNumber, []byte(h.IDNumber)}, {tagFullName, []byte(h.FullName)},
		{tagBirthDate, []byte(h.BirthDate)}, {tagGender, []byte(g)}, {tagNationality, []byte(h.Nationality)},
		{tagPhotoRef, photo}}
	if withCard {
		fs = append(fs, sealField{tagOldIDNumber, []byte(h.OldIDNumber)}, sealField{tagAddress, []byte(h.Address)},
			sealField{tagIssueDate, []byte(h.IssueDate)}, sealField{tagExpiryDate, []byte(h.ExpiryDate)},
			sealField{tagSerial, []byte(h.Serial)})
	}
	return fs
}
