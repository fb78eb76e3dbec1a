package pki

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Verification failures, distinct so that a verifier can say which.
var (
	// ErrUnknownSigner: the signer is not published, does not chain to a
	// CSCA, may not sign this document type, or signed outside its
	// validity.
	ErrUnknownSigner = errors.New("unknown signer")
	// ErrSignerRevoked: the CSCA revoked the signer's certificate.
	ErrSignerRevoked = errors.New("signer revoked")
)

// Trust is what a verifier holds: the CSCA certificates (trust anchors),
// the published signer certificates, and revocations from CRLs that the
// CSCAs signed. It holds no private key. Signers are checked against
// their CSCA once, when the Trust is built, so that verifying a document
// costs one signature check.
type Trust struct {
	CSCAs   []*x509.Certificate
	signers map[string]*signer // by serial (lower-case hex)
	revoked map[string]time.Time
	// Files holds the other files of a folder (LoadDir), by base name,
	// for the documents' own lists (revoked cards).
	Files map[string][]byte
}

type signer struct {
	cert     *x509.Certificate
	csca     *x509.Certificate
	docTypes []string // the certificate's document types, read once
}

func newSigner(cert, csca *x509.Certificate) *signer {
	return &signer{cert: cert, csca: csca, docTypes: DocTypes(cert)}
}

// NewTrust builds a Trust from certificates (CSCAs are recognised as
// self-signed CA certificates) and DER CRLs. A CRL is used only if a CSCA
// signed it; a signer only if a CSCA issued it.
func NewTrust(certs []*x509.Certificate, crls [][]byte) *Trust {
	t := &Trust{signers: map[string]*signer{}, revoked: map[string]time.Time{}, Files: map[string][]byte{}}
	for _, c := range certs {
		if c.IsCA && bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil &&
			!slices.ContainsFunc(t.CSCAs, func(x *x509.Certificate) bool { return x.Equal(c) }) {
			t.CSCAs = append(t.CSCAs, c)
		}
	}
	for _, c := range certs {
		if c.IsCA {
			continue
		}
		for _, ca := range t.CSCAs {
			if bytes.Equal(c.RawIssuer, ca.RawSubject) && c.CheckSignatureFrom(ca) == nil {
				t.signers[SerialOf(c)] = newSigner(c, ca)
				break
			}
		}
	}
	for _, der := range crls {
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			continue
		}
		for _, ca := range t.CSCAs {
			if crl.CheckSignatureFrom(ca) != nil {
				continue
			}
			for _, e := range crl.RevokedCertificateEntries {
				if s, ok := t.signers[SerialHex(e.SerialNumber)]; ok && s.csca.Equal(ca) {
					t.revoked[SerialHex(e.SerialNumber)] = e.RevocationTime
				}
			}
		}
	}
	return t
}

// Signers returns the usable signer certificates.
func (t *Trust) Signers() []*x509.Certificate {
	var out []*x509.Certificate
	for _, s := range t.signers {
		out = append(out, s.cert)
	}
	slices.SortFunc(out, func(a, b *x509.Certificate) int { return b.NotBefore.Compare(a.NotBefore) })
	return out
}

// Signer returns the published signer with a serial, checked for a
// document type and a signing time.
func (t *Trust) Signer(serial, docType string, signedAt time.Time) (*x509.Certificate, error) {
	s, ok := t.signers[serial]
	if !ok {
		return nil, fmt.Errorf("%w: no published signer with serial %s", ErrUnknownSigner, serial)
	}
	return s.cert, t.check(s, docType, signedAt)
}

// Check checks a signer certificate carried by a document (a SOD's):
// issued by a CSCA, for the document type, valid at the signing time, not
// revoked.
func (t *Trust) Check(cert *x509.Certificate, docType string, signedAt time.Time) error {
	if s, ok := t.signers[SerialOf(cert)]; ok && s.cert.Equal(cert) {
		return t.check(s, docType, signedAt)
	}
	for _, ca := range t.CSCAs {
		if bytes.Equal(cert.RawIssuer, ca.RawSubject) && cert.CheckSignatureFrom(ca) == nil {
			return t.check(newSigner(cert, ca), docType, signedAt)
		}
	}
	return fmt.Errorf("%w: %q was not issued by a known CSCA", ErrUnknownSigner, cert.Subject.CommonName)
}

// check applies the chain model: the signer and its CSCA must have been
// valid when the document was signed, which lets a card outlive the
// usage period of the key that signed it (docs/cards.md).
func (t *Trust) check(s *signer, docType string, signedAt time.Time) error {
	switch {
	case s.cert.KeyUsage&x509.KeyUsageDigitalSignature == 0 || !slices.Contains(s.docTypes, docType):
		return fmt.Errorf("%w: the certificate may not sign documents of type %s", ErrUnknownSigner, docType)
	case signedAt.Before(s.cert.NotBefore) || signedAt.After(s.cert.NotAfter),
		signedAt.Before(s.csca.NotBefore) || signedAt.After(s.csca.NotAfter):
		return fmt.Errorf("%w: signed at %s, outside the signer's validity", ErrUnknownSigner, signedAt.UTC().Format(time.RFC3339))
	}
	if at, ok := t.revoked[SerialOf(s.cert)]; ok {
		return fmt.Errorf("%w: the signer's certificate was revoked on %s", ErrSignerRevoked, at.UTC().Format(time.DateOnly))
	}
	return nil
}

// TrustFromStore builds the Trust of the published certificates: every
// stored certificate, the latest CRL, and revocations recorded since it
// (a serving node knows them before the next CRL is issued).
func TrustFromStore(ctx context.Context, st Store) (*Trust, error) {
	stored, err := st.Certificates(ctx)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for _, c := range stored {
		cert, err := x509.ParseCertificate(c.DER)
		if err != nil {
			return nil, fmt.Errorf("stored certificate %s: %w", c.Serial, err)
		}
		certs = append(certs, cert)
	}
	var crls [][]byte
	if crl, err := st.LatestCRL(ctx); err == nil {
		crls = append(crls, crl.DER)
	}
	t := NewTrust(certs, crls)
	for _, c := range stored {
		if c.RevokedAt != nil {
			if _, ok := t.signers[c.Serial]; ok {
				t.revoked[c.Serial] = *c.RevokedAt
			}
		}
	}
	return t, nil
}

// LoadDir reads a verifier's folder: certificates (.pem, .crt, .cer, .der;
// PEM may hold several), CRLs (.crl, DER or PEM), and any other file into
// Files. `dancu pki export` writes such a folder; so does downloading the
// public URLs (docs/cards.md).
func LoadDir(dir string) (*Trust, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read certificates folder: %w", err)
	}
	var certs []*x509.Certificate
	var crls [][]byte
	files := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".pem", ".crt", ".cer", ".der":
			cs, err := parseCertificates(raw)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", e.Name(), err)
			}
			certs = append(certs, cs...)
		case ".crl":
			if b, _ := pem.Decode(raw); b != nil {
				raw = b.Bytes
			}
			crls = append(crls, raw)
		default:
			files[e.Name()] = raw
		}
	}
	t := NewTrust(certs, crls)
	t.Files = files
	if len(t.CSCAs) == 0 {
		return nil, fmt.Errorf("%s holds no CSCA certificate", dir)
	}
	return t, nil
}

// parseCertificates reads PEM certificates, or one DER certificate.
func parseCertificates(raw []byte) ([]*x509.Certificate, error) {
	if !bytes.Contains(raw, []byte("-----BEGIN")) {
		c, err := x509.ParseCertificate(raw)
		if err != nil {
			return nil, err
		}
		return []*x509.Certificate{c}, nil
	}
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, raw = pem.Decode(raw)
		if b == nil {
			return out, nil
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
}

// PEMBundle encodes certificates as one PEM file.
func PEMBundle(certs []*Certificate) []byte {
	var b bytes.Buffer
	for _, c := range certs {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.DER})
	}
	return b.Bytes()
}
