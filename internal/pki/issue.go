package pki

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// oidDocumentTypeList is ICAO 9303 part 12's documentTypeList extension
// (id-icao-mrtd-security-extensions-documentTypeList), which says what
// document types a document signer may sign.
var oidDocumentTypeList = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 6, 2}

// documentTypeList is DocumentTypeListSyntax.
type documentTypeList struct {
	Version  int
	DocTypes []string `asn1:"set"`
}

// DocTypes returns the document types a signer certificate lists (nil if
// it has no documentTypeList extension).
func DocTypes(c *x509.Certificate) []string {
	for _, e := range c.Extensions {
		if e.Id.Equal(oidDocumentTypeList) {
			var l documentTypeList
			if rest, err := asn1.Unmarshal(e.Value, &l); err == nil && len(rest) == 0 {
				return l.DocTypes
			}
		}
	}
	return nil
}

// Curve returns the named curve: P-256 or P-384.
func Curve(name string) (elliptic.Curve, error) {
	switch name {
	case "P-256", "p256", "":
		return elliptic.P256(), nil
	case "P-384", "p384":
		return elliptic.P384(), nil
	}
	return nil, apperr.Field(apperr.Invalid, "curve", "the curve must be P-256 or P-384")
}

// newSerial returns a random positive 72-bit serial: unpredictable (CA/B
// baseline requirements ask for 64 bits of entropy) and short enough for a
// seal to reference in 9 bytes.
func newSerial() *big.Int {
	b := make([]byte, 9)
	rand.Read(b)
	b[0] &= 0x7f
	if b[0] == 0 {
		b[0] = 1 // keep all 9 bytes, so that serials have one length
	}
	return new(big.Int).SetBytes(b)
}

// keyID is the subject key identifier of RFC 5280 §4.2.1.2 method 1.
func keyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		Key       asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, err
	}
	sum := sha1.Sum(spki.Key.Bytes)
	return sum[:], nil
}

// CSCAOptions describe a new country signing CA.
type CSCAOptions struct {
	Country      string // ISO 3166 alpha-2, "VN"
	Organisation string
	CommonName   string
	Curve        string // P-384 by default
	Validity     time.Duration
	Now          time.Time
}

// NewCSCA makes a self-signed CSCA certificate and its private key.
func NewCSCA(o CSCAOptions) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	if o.Curve == "" {
		o.Curve = "P-384"
	}
	curve, err := Curve(o.Curve)
	if err != nil {
		return nil, nil, err
	}
	if o.Validity < 24*time.Hour {
		return nil, nil, apperr.Field(apperr.Invalid, "validity", "a CSCA is valid for at least a day")
	}
	key, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	ski, err := keyID(key.Public())
	if err != nil {
		return nil, nil, err
	}
	subject := pkix.Name{Country: []string{o.Country}, Organization: []string{o.Organisation}, CommonName: o.CommonName}
	tmpl := &x509.Certificate{
		SerialNumber: newSerial(), Subject: subject,
		NotBefore: o.Now.Add(-time.Minute).UTC(), NotAfter: o.Now.Add(o.Validity).UTC(),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true, MaxPathLen: 0, MaxPathLenZero: true,
		SubjectKeyId: ski,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, fmt.Errorf("create CSCA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

// SignerOptions describe a new signer certificate.
type SignerOptions struct {
	Role       string // RoleDocumentSigner or RoleIdentitySigner
	CommonName string // default: the role and the date
	Curve      string // P-256 by default
	Validity   time.Duration
	Now        time.Time
}

// NewSigner makes a signer key and its certificate issued by the CSCA.
// The certificate's validity is the key's usage period: verifiers check a
// card's signature at its signing time (docs/cards.md).
func NewSigner(csca *x509.Certificate, cscaKey crypto.Signer, o SignerOptions) (*Certificate, error) {
	docType := DocTypeOf(o.Role)
	if docType == "" {
		return nil, apperr.Field(apperr.Invalid, "role", "a signer is a document_signer or an identity_signer")
	}
	curve, err := Curve(o.Curve)
	if err != nil {
		return nil, err
	}
	if o.Validity < time.Hour {
		return nil, apperr.Field(apperr.Invalid, "validity", "a signer is valid for at least an hour")
	}
	notAfter := o.Now.Add(o.Validity).UTC()
	if notAfter.After(csca.NotAfter) {
		return nil, apperr.Field(apperr.Invalid, "validity", "the signer would outlive the CSCA (valid until %s)", csca.NotAfter.Format(time.DateOnly))
	}
	if o.CommonName == "" {
		o.CommonName = map[string]string{RoleDocumentSigner: "Document Signer", RoleIdentitySigner: "Identity QR Signer"}[o.Role] +
			" " + o.Now.UTC().Format("2006-01-02 15:04")
	}
	key, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		return nil, err
	}
	ski, err := keyID(key.Public())
	if err != nil {
		return nil, err
	}
	ext, err := asn1.Marshal(documentTypeList{Version: 0, DocTypes: []string{docType}})
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: newSerial(),
		Subject: pkix.Name{Country: csca.Subject.Country, Organization: csca.Subject.Organization,
			CommonName: o.CommonName},
		NotBefore: o.Now.Add(-time.Minute).UTC(), NotAfter: notAfter,
		KeyUsage:        x509.KeyUsageDigitalSignature,
		SubjectKeyId:    ski,
		ExtraExtensions: []pkix.Extension{{Id: oidDocumentTypeList, Value: ext}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, csca, key.Public(), cscaKey)
	if err != nil {
		return nil, fmt.Errorf("create signer certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &Certificate{Serial: SerialOf(cert), Role: o.Role, Subject: cert.Subject.String(), DER: der, PrivateKey: pk,
		NotBefore: cert.NotBefore, NotAfter: cert.NotAfter, CreatedAt: o.Now.UTC()}, nil
}

// StoredCSCA wraps a CSCA certificate for the store.
func StoredCSCA(cert *x509.Certificate, now time.Time) *Certificate {
	return &Certificate{Serial: SerialOf(cert), Role: RoleCSCA, Subject: cert.Subject.String(), DER: cert.Raw,
		NotBefore: cert.NotBefore, NotAfter: cert.NotAfter, CreatedAt: now.UTC()}
}

// Revocation reasons of RFC 5280 §5.3.1 that an operator may give.
var revocationReasons = map[string]int{
	"unspecified": 0, "keyCompromise": 1, "cACompromise": 2, "affiliationChanged": 3, "superseded": 4,
	"cessationOfOperation": 5,
}

// ValidRevocationReason reports whether r is a reason IssueCRL accepts.
func ValidRevocationReason(r string) bool { _, ok := revocationReasons[r]; return ok }

// IssueCRL makes the CSCA's next CRL listing every revoked certificate it
// issued, valid for validity, numbered one above the latest stored.
func IssueCRL(ctx context.Context, st Store, csca *x509.Certificate, key crypto.Signer, validity time.Duration, now time.Time) (*CRL, error) {
	certs, err := st.Certificates(ctx)
	if err != nil {
		return nil, err
	}
	number := int64(1)
	if last, err := st.LatestCRL(ctx); err == nil {
		number = last.Number + 1
	} else if !apperr.Is(err, apperr.NotFound) {
		return nil, err
	}
	tmpl := &x509.RevocationList{Number: big.NewInt(number), ThisUpdate: now.UTC(), NextUpdate: now.Add(validity).UTC()}
	for _, c := range certs {
		if c.RevokedAt == nil || c.Role == RoleCSCA {
			continue
		}
		cert, err := x509.ParseCertificate(c.DER)
		if err != nil || cert.CheckSignatureFrom(csca) != nil {
			continue // issued by another CSCA: that one's CRL lists it
		}
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{
			SerialNumber: cert.SerialNumber, RevocationTime: c.RevokedAt.UTC(), ReasonCode: revocationReasons[c.RevokeReason]})
	}
	slices.SortFunc(tmpl.RevokedCertificateEntries, func(a, b x509.RevocationListEntry) int { return a.SerialNumber.Cmp(b.SerialNumber) })
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, csca, key)
	if err != nil {
		return nil, fmt.Errorf("create CRL: %w", err)
	}
	crl := &CRL{Number: number, Issuer: SerialOf(csca), DER: der, ThisUpdate: tmpl.ThisUpdate, NextUpdate: tmpl.NextUpdate}
	return crl, st.AddCRL(ctx, crl)
}
