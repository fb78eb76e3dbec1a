package card

import (
	"context"
	"crypto/ecdsa"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/smallstep/pkcs7"

	"github.com/dancu-vn/dancu/internal/pki"
	"github.com/dancu-vn/dancu/internal/register"
)

// Verification results: stable strings that verifiers act on.
const (
	ResultValid         = "valid"
	ResultTampered      = "tampered"       // a signature or a data group does not match: Field says which
	ResultUnknownSigner = "unknown_signer" // not signed by a published signer of a known CSCA
	ResultSignerRevoked = "signer_revoked" // the signer's certificate is on the CSCA's CRL
	ResultExpired       = "expired"        // the card is past its expiry date, or the identity QR past its minutes
	ResultRevoked       = "revoked"        // the card was reported lost or revoked
	ResultMalformed     = "malformed"      // not a card's chip data or QR
	ResultUnsigned      = "unsigned"       // the printed QR alone: nothing to verify it with
)

// Documents a result is about.
const (
	DocIDCard     = "id_card"
	DocIdentityQR = "identity_qr"
)

// Result is the outcome of verifying a card's chip data, a seal or an
// identity QR. Holder is what the document says, shown only when its
// signature verified.
type Result struct {
	Result            string     `json:"result"`
	Message           string     `json:"message"`
	Field             string     `json:"field,omitempty"`
	Document          string     `json:"document,omitempty"`
	Source            string     `json:"source,omitempty"` // chip, seal, printed
	Holder            *Holder    `json:"holder,omitempty"`
	Signer            string     `json:"signer,omitempty"`
	SignedAt          *time.Time `json:"signed_at,omitempty"`
	ValidUntil        *time.Time `json:"valid_until,omitempty"` // identity QR
	EIDLevel          int        `json:"eid_level,omitempty"`   // identity QR
	RevocationChecked bool       `json:"revocation_checked"`
}

// Revocations tells whether a card (by serial) is revoked: online from
// the register, offline from the signed list of revoked cards.
type Revocations interface {
	CardRevoked(ctx context.Context, serial string) (revoked bool, reason string, err error)
}

// Verifier checks cards and QR codes with the published certificates.
type Verifier struct {
	Trust       *pki.Trust
	Revocations Revocations // nil: revocation is not checked
	Now         func() time.Time
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// Verify checks any input a verifier scans or reads: a seal or identity
// QR (DCS1:…), a chip file (JSON), a printed QR, or a printed QR and a
// seal on two lines (the two codes of one card).
func (v *Verifier) Verify(ctx context.Context, input string) Result {
	input = strings.TrimSpace(input)
	if strings.HasPrefix(input, "{") {
		var c Chip
		if err := json.Unmarshal([]byte(input), &c); err != nil || c.Format != ChipFormat {
			return malformed("", fmt.Errorf("not a %s file", ChipFormat))
		}
		return v.VerifyChip(ctx, &c)
	}
	var printed, seal string
	for _, line := range strings.Split(input, "\n") {
		switch line = strings.TrimSpace(line); {
		case strings.HasPrefix(line, SealPrefix):
			seal = line
		case line != "":
			printed = line
		}
	}
	switch {
	case seal != "" && printed != "":
		return v.VerifyPrinted(ctx, printed, seal)
	case seal != "":
		return v.VerifySeal(ctx, seal)
	case printed != "":
		if _, err := ParsePrintedQR(printed); err != nil {
			return malformed("printed", err)
		}
		return Result{Result: ResultUnsigned, Document: DocIDCard, Source: "printed",
			Message: "the printed QR carries no signature: scan the card's signed QR (" + SealPrefix + "…) or read its chip"}
	}
	return malformed("", errors.New("nothing to verify"))
}

func malformed(source string, err error) Result {
	return Result{Result: ResultMalformed, Source: source, Message: strings.TrimPrefix(err.Error(), "malformed: ")}
}

// signerResult maps a Trust error to a result.
func signerResult(r Result, err error) Result {
	r.Result = ResultUnknownSigner
	if errors.Is(err, pki.ErrSignerRevoked) {
		r.Result = ResultSignerRevoked
	}
	r.Message = err.Error()
	return r
}

// VerifySeal checks a card's seal or an identity QR.
func (v *Verifier) VerifySeal(ctx context.Context, text string) Result {
	s, err := ParseSeal(text)
	if err != nil {
		return malformed("seal", err)
	}
	r := Result{Source: "seal", Signer: s.SignerSerial}
	var docType string
	switch s.DocType {
	case pki.DocTypeIDCard:
		r.Document, docType = DocIDCard, pki.DocTypeIDCard
	case pki.DocTypeIdentityQR:
		r.Document, docType = DocIdentityQR, pki.DocTypeIdentityQR
	default:
		return malformed("seal", fmt.Errorf("unknown document type %q", s.DocType))
	}
	signedAt := s.SignedAt
	r.SignedAt = &signedAt
	cert, err := v.Trust.Signer(s.SignerSerial, docType, s.SignedAt)
	if err != nil {
		return signerResult(r, err)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !verifyRaw(pub, s.signed, s.Signature) {
		r.Result, r.Field, r.Message = ResultTampered, "signature", "the seal's signature does not match its content: it was altered"
		return r
	}
	h, err := s.Holder()
	if err != nil {
		return malformed("seal", err)
	}
	r.Holder = h
	if r.Document == DocIdentityQR {
		return v.identityChecks(ctx, r, s)
	}
	return v.cardChecks(ctx, r, h)
}

// identityChecks finishes an identity QR: fresh, and its card (if it
// names one) not revoked.
func (v *Verifier) identityChecks(ctx context.Context, r Result, s *Seal) Result {
	until := s.Fields[tagValidUntil]
	if len(until) != 4 {
		return malformed("seal", errors.New("the identity QR has no validity"))
	}
	vu := time.Unix(int64(binary.BigEndian.Uint32(until)), 0).UTC()
	r.ValidUntil = &vu
	if l := s.Fields[tagLevel]; len(l) == 1 {
		r.EIDLevel = int(l[0])
	}
	now := v.now()
	if s.SignedAt.After(now.Add(clockSkew)) {
		r.Result, r.Field, r.Message = ResultTampered, "signed_at", "the identity QR is signed in the future: check the clock"
		return r
	}
	if now.After(vu.Add(clockSkew)) {
		r.Result, r.Message = ResultExpired, "the identity QR expired at "+vu.Format(time.RFC3339)+": ask the holder to show a new one"
		return r
	}
	if r.Holder.Serial != "" {
		res, done := v.revocation(ctx, r, r.Holder.Serial)
		if done {
			return res
		}
		r = res
	} else {
		r.RevocationChecked = v.Revocations != nil
	}
	r.Result, r.Message = ResultValid, "a valid identity QR of an e-ID holder"
	return r
}

// clockSkew is the clock difference between a phone and a verifier that
// is forgiven.
const clockSkew = 30 * time.Second

// cardChecks finishes a card whose signature verified: revoked, expired.
func (v *Verifier) cardChecks(ctx context.Context, r Result, h *Holder) Result {
	if h.Serial == "" || h.IssueDate == "" {
		return malformed(r.Source, errors.New("the card has no serial or issue date"))
	}
	r, done := v.revocation(ctx, r, h.Serial)
	if done {
		return r
	}
	if today := register.Today(v.now()); h.ExpiryDate != "" && string(h.ExpiryDate) < today {
		r.Result, r.Message = ResultExpired, "the card expired on "+string(h.ExpiryDate)+": its holder must renew it"
		return r
	}
	r.Result, r.Message = ResultValid, "a genuine card"
	if !r.RevocationChecked {
		r.Message += " (revocation not checked: no list of revoked cards)"
	}
	return r
}

// revocation checks a card's serial; done when the card is revoked or
// the check failed.
func (v *Verifier) revocation(ctx context.Context, r Result, serial string) (Result, bool) {
	if v.Revocations == nil {
		return r, false
	}
	revoked, reason, err := v.Revocations.CardRevoked(ctx, serial)
	if err != nil {
		r.Result, r.Message = ResultMalformed, "revocation could not be checked"
		return r, true
	}
	r.RevocationChecked = true
	if revoked {
		r.Result, r.Message = ResultRevoked, "the card was revoked ("+reason+"): it is no longer valid"
		return r, true
	}
	return r, false
}

// VerifyChip checks a card's chip data: the SOD's signature and signer,
// every data group against its signed hash, then revocation and expiry.
func (v *Verifier) VerifyChip(ctx context.Context, c *Chip) Result {
	r := Result{Source: "chip", Document: DocIDCard}
	sod, err := ParseSOD(c.SOD)
	if err != nil {
		return malformed("chip", err)
	}
	r.Signer = pki.SerialOf(sod.Signer)
	at := sod.SignedAt
	r.SignedAt = &at
	if err := sod.checkSignature(); err != nil {
		var st *pkcs7.SigningTimeNotValidError
		if errors.As(err, &st) {
			return signerResult(r, fmt.Errorf("%w: signed outside the signer's validity", pki.ErrUnknownSigner))
		}
		r.Result, r.Field, r.Message = ResultTampered, "sod", "the document security object's signature does not match: it was altered"
		return r
	}
	if err := v.Trust.Check(sod.Signer, pki.DocTypeIDCard, sod.SignedAt); err != nil {
		return signerResult(r, err)
	}
	if bad := sod.checkDataGroups(c); bad != "" {
		r.Result, r.Field = ResultTampered, bad
		r.Message = "data group " + strings.ToUpper(bad) + " does not match its signed hash: it was altered"
		return r
	}
	h, err := decodeDG13(c.DG13)
	if err != nil {
		return malformed("chip", err)
	}
	h.PhotoRef = PhotoRef(c.DG2)
	r.Holder = h
	return v.cardChecks(ctx, r, h)
}

// VerifyPrinted checks the two codes of a card: the seal, and the printed
// QR against it field by field, naming the first field that differs.
func (v *Verifier) VerifyPrinted(ctx context.Context, printed, seal string) Result {
	r := v.VerifySeal(ctx, seal)
	if r.Holder == nil || r.Document != DocIDCard {
		return r
	}
	p, err := ParsePrintedQR(printed)
	if err != nil {
		return malformed("printed", err)
	}
	s := r.Holder
	for _, f := range []struct{ name, printed, sealed string }{
		{"id_number", p.IDNumber, s.IDNumber}, {"old_id_number", p.OldIDNumber, s.OldIDNumber},
		{"full_name", p.FullName, s.FullName}, {"birth_date", string(p.BirthDate), string(s.BirthDate)},
		{"gender", string(p.Gender), string(s.Gender)}, {"address", p.Address, strings.ReplaceAll(s.Address, "|", "/")},
		{"issue_date", string(p.IssueDate), string(s.IssueDate)},
	} {
		if f.printed != f.sealed {
			return Result{Result: ResultTampered, Field: f.name, Document: DocIDCard, Source: "printed", Signer: r.Signer,
				SignedAt: r.SignedAt, Message: "the printed QR's " + f.name + " differs from the signed seal's: the printed code was altered"}
		}
	}
	r.Source = "printed+seal"
	return r
}
