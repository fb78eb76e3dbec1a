// Package pki is the country signing certificate authority (CSCA) of the
// chip ID cards and its signers, in the manner of ICAO Doc 9303 part 12:
// an offline CSCA whose key stays in a folder of the operator's, document
// signers whose certificates it issues and whose keys sign each card's
// chip data and printed seal, identity signers that sign the short-lived
// identity QR codes of e-ID holders, key rotation, a published list of
// certificates and a CRL. Trust is what a verifier holds: the published
// certificates and CRLs, from the database or from a folder, with no
// private key and no connection.
package pki

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"math/big"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// Roles of certificates.
const (
	RoleCSCA           = "csca"            // the country signing CA: self-signed, issues the others and the CRL
	RoleDocumentSigner = "document_signer" // signs chip data (SOD) and printed seals of ID cards
	RoleIdentitySigner = "identity_signer" // signs e-ID holders' short-lived identity QR codes
)

// Document types of the ICAO documentTypeList extension of a signer
// certificate: "ID" is ICAO's code of identity cards; "IQ" is dancu's own
// code of identity QR codes.
const (
	DocTypeIDCard     = "ID"
	DocTypeIdentityQR = "IQ"
)

// DocTypeOf returns the document type a signer role may sign.
func DocTypeOf(role string) string {
	switch role {
	case RoleDocumentSigner:
		return DocTypeIDCard
	case RoleIdentitySigner:
		return DocTypeIdentityQR
	}
	return ""
}

// Certificate is a certificate as stored and published. PrivateKey (PKCS
// #8) is set for signers only: the CSCA's key never enters the database.
type Certificate struct {
	Serial       string     `json:"serial"` // lower-case hex
	Role         string     `json:"role"`
	Subject      string     `json:"subject"`
	DER          []byte     `json:"-"`
	PrivateKey   []byte     `json:"-"`
	NotBefore    time.Time  `json:"not_before"`
	NotAfter     time.Time  `json:"not_after"`
	CreatedAt    time.Time  `json:"created_at"`
	RetiredAt    *time.Time `json:"retired_at,omitempty"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	RevokeReason string     `json:"revoke_reason,omitempty"`
}

// Status says what a certificate is doing at now: signing (the newest
// valid signer of its role), published (valid, not signing), retired,
// expired or revoked. The CSCA is "active" while valid.
func (c *Certificate) Status(now time.Time, current bool) string {
	switch {
	case c.RevokedAt != nil:
		return "revoked"
	case !now.Before(c.NotAfter):
		return "expired"
	case c.Role == RoleCSCA:
		return "active"
	case c.RetiredAt != nil:
		return "retired"
	case current:
		return "signing"
	}
	return "published"
}

// CRL is a certificate revocation list issued by the CSCA.
type CRL struct {
	Number     int64
	Issuer     string // serial of the CSCA certificate
	DER        []byte
	ThisUpdate time.Time
	NextUpdate time.Time
}

// Store keeps certificates and CRLs.
type Store interface {
	// AddCertificate stores a new certificate (conflict if its serial exists).
	AddCertificate(ctx context.Context, c *Certificate) error
	// Certificates returns every certificate, newest first.
	Certificates(ctx context.Context) ([]*Certificate, error)
	// RetireCertificate stops a signer from signing; not_found if there is
	// no such certificate not yet retired.
	RetireCertificate(ctx context.Context, serial string, at time.Time) error
	// RevokeCertificate marks a certificate revoked; not_found if there is
	// no such certificate not yet revoked.
	RevokeCertificate(ctx context.Context, serial, reason string, at time.Time) error
	// AddCRL stores a CRL; LatestCRL returns the newest (not_found if none).
	AddCRL(ctx context.Context, c *CRL) error
	LatestCRL(ctx context.Context) (*CRL, error)
}

// Error codes of PKI operations.
const (
	// NotInitialised: there is no CSCA, or no signer of a role valid now.
	NotInitialised = apperr.PKINotInitialised
)

// SerialHex writes a certificate serial as stored and referenced.
func SerialHex(n *big.Int) string { return hex.EncodeToString(n.Bytes()) }

// SerialOf returns a certificate's serial as stored.
func SerialOf(c *x509.Certificate) string { return SerialHex(c.SerialNumber) }

// normaliseSerial accepts a serial typed by an operator: hex, with or
// without colons, any case.
func normaliseSerial(s string) string {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), ":", ""))
	return strings.TrimLeft(s, "0")
}

// FindCertificate returns the stored certificate whose serial matches s
// (hex, colons and case forgiven).
func FindCertificate(certs []*Certificate, s string) (*Certificate, error) {
	want := normaliseSerial(s)
	for _, c := range certs {
		if normaliseSerial(c.Serial) == want && want != "" {
			return c, nil
		}
	}
	return nil, apperr.E(apperr.NotFound, "no certificate with serial %s", s)
}
