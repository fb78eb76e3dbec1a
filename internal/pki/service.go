package pki

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"sync"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// cacheTTL is how long a node keeps the certificates in memory. A signer
// issued or rotated by `dancu pki` is used by every node within it.
const cacheTTL = 10 * time.Second

// Signer is a signer certificate with its key, ready to sign.
type Signer struct {
	Serial string
	Cert   *x509.Certificate
	Key    crypto.Signer
	CSCA   *x509.Certificate
}

// Service gives serving nodes the current signers and the published
// Trust, from the store, cached.
type Service struct {
	Store Store
	Now   func() time.Time

	mu      sync.Mutex
	loaded  time.Time
	certs   []*Certificate
	signers map[string]*Signer
	trust   *Trust
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Forget drops the cache (after a change made by this process).
func (s *Service) Forget() {
	s.mu.Lock()
	s.loaded = time.Time{}
	s.mu.Unlock()
}

func (s *Service) load(ctx context.Context) error {
	now := s.now()
	if !s.loaded.IsZero() && now.Sub(s.loaded) < cacheTTL && now.After(s.loaded) {
		return nil
	}
	certs, err := s.Store.Certificates(ctx)
	if err != nil {
		return err
	}
	trust, err := TrustFromStore(ctx, s.Store)
	if err != nil {
		return err
	}
	signers := map[string]*Signer{}
	for _, c := range certs { // newest first: the first usable of a role signs
		if c.Role == RoleCSCA || signers[c.Role] != nil || c.RetiredAt != nil || c.RevokedAt != nil || len(c.PrivateKey) == 0 {
			continue
		}
		if now.Before(c.NotBefore) || !now.Before(c.NotAfter.Add(-time.Hour)) {
			continue // leave the last hour to the next signer: identity QRs outlive their signing by minutes
		}
		cert, err := x509.ParseCertificate(c.DER)
		if err != nil {
			return fmt.Errorf("signer %s: %w", c.Serial, err)
		}
		k, err := x509.ParsePKCS8PrivateKey(c.PrivateKey)
		if err != nil {
			return fmt.Errorf("signer %s: %w", c.Serial, err)
		}
		key, ok := k.(crypto.Signer)
		if !ok {
			return fmt.Errorf("signer %s: the key cannot sign", c.Serial)
		}
		st, ok := trust.signers[c.Serial]
		if !ok {
			continue // not issued by a stored CSCA
		}
		signers[c.Role] = &Signer{Serial: c.Serial, Cert: cert, Key: key, CSCA: st.csca}
	}
	s.certs, s.signers, s.trust, s.loaded = certs, signers, trust, now
	return nil
}

// Signer returns the certificate and key that sign for a role now.
func (s *Service) Signer(ctx context.Context, role string) (*Signer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	if sg := s.signers[role]; sg != nil {
		return sg, nil
	}
	return nil, apperr.E(NotInitialised, "no %s certificate is valid now: an operator runs `dancu pki issue-signer`", role)
}

// Trust returns the Trust of the published certificates.
func (s *Service) Trust(ctx context.Context) (*Trust, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	return s.trust, nil
}

// Certificates returns the published certificates, newest first, and the
// serials of the signers in use.
func (s *Service) Certificates(ctx context.Context) ([]*Certificate, map[string]bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(ctx); err != nil {
		return nil, nil, err
	}
	current := map[string]bool{}
	for _, sg := range s.signers {
		current[sg.Serial] = true
	}
	return s.certs, current, nil
}

// CurrentCSCA returns the newest CSCA certificate valid at now.
func CurrentCSCA(certs []*Certificate, now time.Time) (*x509.Certificate, error) {
	for _, c := range certs {
		if c.Role == RoleCSCA && c.RevokedAt == nil && !now.Before(c.NotBefore) && now.Before(c.NotAfter) {
			return x509.ParseCertificate(c.DER)
		}
	}
	return nil, apperr.E(NotInitialised, "there is no CSCA: run `dancu pki init`")
}

// InitOptions configure `dancu pki init`.
type InitOptions struct {
	CSCA           CSCAOptions
	SignerCurve    string
	SignerValidity time.Duration // document signers
	QRValidity     time.Duration // identity signers
}

// Init makes the CSCA (its key into dir) and a first signer of each role.
// It refuses when a CSCA exists: a new one is `pki rotate --csca`.
func Init(ctx context.Context, st Store, dir KeyDir, o InitOptions) (*Certificate, []*Certificate, error) {
	certs, err := st.Certificates(ctx)
	if err != nil {
		return nil, nil, err
	}
	if _, err := CurrentCSCA(certs, o.CSCA.Now); err == nil {
		return nil, nil, apperr.E(apperr.Conflict, "a CSCA exists already: see `dancu pki list`")
	}
	return newCSCA(ctx, st, dir, o)
}

// RotateCSCA makes a new CSCA and first signers under it. The old CSCA
// stays published (cards it signed stay verifiable) until it expires.
func RotateCSCA(ctx context.Context, st Store, dir KeyDir, o InitOptions) (*Certificate, []*Certificate, error) {
	certs, err := st.Certificates(ctx)
	if err != nil {
		return nil, nil, err
	}
	ca, signers, err := newCSCA(ctx, st, dir, o)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range certs { // the old signers stop signing
		if c.Role != RoleCSCA && c.RetiredAt == nil {
			if err := st.RetireCertificate(ctx, c.Serial, o.CSCA.Now); err != nil && !apperr.Is(err, apperr.NotFound) {
				return nil, nil, err
			}
		}
	}
	return ca, signers, nil
}

func newCSCA(ctx context.Context, st Store, dir KeyDir, o InitOptions) (*Certificate, []*Certificate, error) {
	cert, key, err := NewCSCA(o.CSCA)
	if err != nil {
		return nil, nil, err
	}
	if err := dir.SaveCSCA(cert, key); err != nil {
		return nil, nil, err
	}
	ca := StoredCSCA(cert, o.CSCA.Now)
	if err := st.AddCertificate(ctx, ca); err != nil {
		return nil, nil, err
	}
	var signers []*Certificate
	for _, role := range []string{RoleDocumentSigner, RoleIdentitySigner} {
		validity := o.SignerValidity
		if role == RoleIdentitySigner {
			validity = o.QRValidity
		}
		sg, err := NewSigner(cert, key, SignerOptions{Role: role, Curve: o.SignerCurve, Validity: validity, Now: o.CSCA.Now})
		if err != nil {
			return nil, nil, err
		}
		if err := st.AddCertificate(ctx, sg); err != nil {
			return nil, nil, err
		}
		signers = append(signers, sg)
	}
	return ca, signers, nil
}

// loadCSCA returns the current CSCA certificate and its key from dir.
func loadCSCA(ctx context.Context, st Store, dir KeyDir, now time.Time) (*x509.Certificate, crypto.Signer, []*Certificate, error) {
	certs, err := st.Certificates(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	ca, err := CurrentCSCA(certs, now)
	if err != nil {
		return nil, nil, nil, err
	}
	key, err := dir.LoadCSCA(ca)
	if err != nil {
		return nil, nil, nil, err
	}
	return ca, key, certs, nil
}

// IssueSigner makes a new signer of a role under the current CSCA. Being
// the newest, it signs from now on; the previous one stays published and
// could still sign until retired (Rotate does both).
func IssueSigner(ctx context.Context, st Store, dir KeyDir, o SignerOptions) (*Certificate, error) {
	ca, key, _, err := loadCSCA(ctx, st, dir, o.Now)
	if err != nil {
		return nil, err
	}
	sg, err := NewSigner(ca, key, o)
	if err != nil {
		return nil, err
	}
	return sg, st.AddCertificate(ctx, sg)
}

// Rotate issues a new signer of a role and retires the others of that
// role: they stop signing and stay published, so that what they signed
// still verifies.
func Rotate(ctx context.Context, st Store, dir KeyDir, o SignerOptions) (*Certificate, []string, error) {
	ca, key, certs, err := loadCSCA(ctx, st, dir, o.Now)
	if err != nil {
		return nil, nil, err
	}
	sg, err := NewSigner(ca, key, o)
	if err != nil {
		return nil, nil, err
	}
	if err := st.AddCertificate(ctx, sg); err != nil {
		return nil, nil, err
	}
	var retired []string
	for _, c := range certs {
		if c.Role == o.Role && c.RetiredAt == nil && c.RevokedAt == nil {
			if err := st.RetireCertificate(ctx, c.Serial, o.Now); err != nil {
				return nil, nil, err
			}
			retired = append(retired, c.Serial)
		}
	}
	return sg, retired, nil
}

// Revoke revokes a signer certificate and issues a new CRL at once.
func Revoke(ctx context.Context, st Store, dir KeyDir, serial, reason string, crlValidity time.Duration, now time.Time) (*CRL, error) {
	if !ValidRevocationReason(reason) {
		return nil, apperr.Field(apperr.Invalid, "reason", "unknown revocation reason %q", reason)
	}
	ca, key, certs, err := loadCSCA(ctx, st, dir, now)
	if err != nil {
		return nil, err
	}
	c, err := FindCertificate(certs, serial)
	if err != nil {
		return nil, err
	}
	if c.Role == RoleCSCA {
		return nil, apperr.Field(apperr.Invalid, "serial", "a CSCA is not revoked by its own CRL: rotate it (`pki rotate --csca`)")
	}
	if err := st.RevokeCertificate(ctx, c.Serial, reason, now); err != nil {
		return nil, err
	}
	return IssueCRL(ctx, st, ca, key, crlValidity, now)
}

// NewCRL issues the current CSCA's next CRL.
func NewCRL(ctx context.Context, st Store, dir KeyDir, validity time.Duration, now time.Time) (*CRL, error) {
	ca, key, _, err := loadCSCA(ctx, st, dir, now)
	if err != nil {
		return nil, err
	}
	return IssueCRL(ctx, st, ca, key, validity, now)
}
