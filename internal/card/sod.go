package card

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"github.com/smallstep/pkcs7"
)

// ICAO 9303 part 10 object identifiers.
var (
	// id-icao-mrtd-security-ldsSecurityObject: the eContentType of EF.SOD.
	oidLDSSecurityObject = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 1}
	oidSHA256            = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384            = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSignedData        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
)

// ldsSecurityObject is LDSSecurityObject version 0 (V0).
type ldsSecurityObject struct {
	Version       int
	HashAlgorithm pkix.AlgorithmIdentifier
	Hashes        []dataGroupHash
}

type dataGroupHash struct {
	Number int
	Hash   []byte
}

// sodTag wraps EF.SOD's CMS on the chip: [APPLICATION 23] (tag 77).
const sodTag = 23

// signSOD makes EF.SOD: the LDS security object over the data groups'
// SHA-256 hashes, as the eContent of a CMS SignedData (version 3, signed
// attributes contentType, messageDigest and signingTime) signed by a
// document signer whose certificate it carries.
func signSOD(c *Chip, cert *x509.Certificate, key crypto.Signer) ([]byte, error) {
	lds := ldsSecurityObject{HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidSHA256}}
	for _, n := range []int{1, 2, 13} {
		sum := sha256.Sum256(c.DataGroups()[n])
		lds.Hashes = append(lds.Hashes, dataGroupHash{n, sum[:]})
	}
	content, err := asn1.Marshal(lds)
	if err != nil {
		return nil, err
	}
	sd, err := pkcs7.NewSignedData(content)
	if err != nil {
		return nil, err
	}
	sd.SetDigestAlgorithm(digestFor(key))
	inner := sd.GetSignedData()
	inner.ContentInfo.ContentType = oidLDSSecurityObject
	inner.Version = 3 // RFC 5652 §5.1: eContentType other than id-data
	if err := sd.AddSigner(cert, key, pkcs7.SignerInfoConfig{}); err != nil {
		return nil, fmt.Errorf("sign SOD: %w", err)
	}
	der, err := sd.Finish()
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(asn1.RawValue{Class: asn1.ClassApplication, Tag: sodTag, IsCompound: true, Bytes: der})
}

// digestFor picks the digest that matches the key's curve.
func digestFor(key crypto.Signer) asn1.ObjectIdentifier {
	if pub, ok := key.Public().(*ecdsa.PublicKey); ok && pub.Curve.Params().BitSize > 256 {
		return oidSHA384
	}
	return oidSHA256
}

// SOD is a parsed document security object.
type SOD struct {
	CMS      []byte // the CMS SignedData, without the chip's 77 wrapper
	Signer   *x509.Certificate
	SignedAt time.Time
	Hashes   map[int][]byte
	p7       *pkcs7.PKCS7
}

// errMalformed marks input that cannot be read at all.
var errMalformed = errors.New("malformed")

// ParseSOD reads EF.SOD (with or without its 77 wrapper) without checking
// any signature: the CMS structure, its content type, the LDS security
// object and the signer's certificate and signing time.
func ParseSOD(b []byte) (sod *SOD, err error) {
	defer func() {
		// The CMS parser is outside input's first reader: never let it
		// take the process down.
		if r := recover(); r != nil {
			sod, err = nil, fmt.Errorf("%w: SOD: %v", errMalformed, r)
		}
	}()
	der := b
	var outer asn1.RawValue
	if rest, e := asn1.Unmarshal(b, &outer); e == nil && len(rest) == 0 && outer.Class == asn1.ClassApplication && outer.Tag == sodTag {
		der = outer.Bytes
	}
	// Check the structure ourselves first: the library's parser forgives
	// too much (trailing data, a wrong content type).
	var ci struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"explicit,tag:0"`
	}
	if rest, e := asn1.Unmarshal(der, &ci); e != nil || len(rest) != 0 || !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("%w: SOD is not a CMS SignedData", errMalformed)
	}
	var sd struct {
		Version          int
		DigestAlgorithms asn1.RawValue
		EncapContentInfo struct {
			EContentType asn1.ObjectIdentifier
			EContent     asn1.RawValue `asn1:"explicit,optional,tag:0"`
		}
		Rest asn1.RawValue `asn1:"optional"`
	}
	if _, e := asn1.Unmarshal(ci.Content.Bytes, &sd); e != nil || !sd.EncapContentInfo.EContentType.Equal(oidLDSSecurityObject) {
		return nil, fmt.Errorf("%w: SOD does not hold an LDS security object", errMalformed)
	}
	p7, e := pkcs7.Parse(der)
	if e != nil {
		return nil, fmt.Errorf("%w: SOD: %v", errMalformed, e)
	}
	signer := p7.GetOnlySigner()
	if signer == nil {
		return nil, fmt.Errorf("%w: SOD has no single signer with its certificate", errMalformed)
	}
	var at time.Time
	if e := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &at); e != nil {
		return nil, fmt.Errorf("%w: SOD has no signing time", errMalformed)
	}
	var lds ldsSecurityObject
	if rest, e := asn1.Unmarshal(p7.Content, &lds); e != nil || len(rest) != 0 || !lds.HashAlgorithm.Algorithm.Equal(oidSHA256) {
		return nil, fmt.Errorf("%w: SOD's LDS security object is not SHA-256 data-group hashes", errMalformed)
	}
	hashes := map[int][]byte{}
	for _, h := range lds.Hashes {
		hashes[h.Number] = h.Hash
	}
	return &SOD{CMS: der, Signer: signer, SignedAt: at, Hashes: hashes, p7: p7}, nil
}

// checkSignature verifies the CMS signature with the certificate it
// carries (the chain is the Trust's to judge).
func (s *SOD) checkSignature() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("SOD signature: %v", r)
		}
	}()
	return s.p7.Verify()
}

// checkDataGroups compares the data groups with their signed hashes and
// names the first that differs.
func (s *SOD) checkDataGroups(c *Chip) (bad string) {
	for _, n := range []int{1, 2, 13} {
		want, ok := s.Hashes[n]
		sum := sha256.Sum256(c.DataGroups()[n])
		if !ok || !bytes.Equal(want, sum[:]) {
			return fmt.Sprintf("dg%d", n)
		}
	}
	return ""
}
