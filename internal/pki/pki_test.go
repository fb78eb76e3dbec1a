package pki_test

import (
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/pki"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

func initOptions(now time.Time) pki.InitOptions {
	return pki.InitOptions{
		CSCA:           pki.CSCAOptions{Country: "VN", Organisation: "Bộ Công an", CommonName: "CSCA Việt Nam", Validity: 15 * 365 * 24 * time.Hour, Now: now},
		SignerValidity: 90 * 24 * time.Hour, QRValidity: 30 * 24 * time.Hour,
	}
}

func TestPKI_Lifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now()
		dir := pki.KeyDir{Path: filepath.Join(t.TempDir(), "pki"), Passphrase: []byte("correct horse battery")}
		svc := &pki.Service{Store: db}
		if _, err := svc.Signer(ctx, pki.RoleDocumentSigner); !apperr.Is(err, pki.NotInitialised) {
			t.Fatalf("signer before init: %v", err)
		}
		ca, signers, err := pki.Init(ctx, db, dir, initOptions(now))
		if err != nil {
			t.Fatal(err)
		}
		svc.Forget() // nodes learn of new certificates within the cache's 10 s
		t.Run("the CSCA's key stays in its folder, encrypted, 0600", func(t *testing.T) {
			st, err := os.Stat(filepath.Join(dir.Path, "csca-"+ca.Serial+".key"))
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("key file: %v %v", st, err)
			}
			if d, _ := os.Stat(dir.Path); d.Mode().Perm() != 0o700 {
				t.Errorf("folder mode %v", d.Mode().Perm())
			}
			raw, _ := os.ReadFile(filepath.Join(dir.Path, "csca-"+ca.Serial+".key"))
			if !strings.Contains(string(raw), "DANCU ENCRYPTED PRIVATE KEY") {
				t.Errorf("the key is not encrypted")
			}
			cert, _ := x509.ParseCertificate(ca.DER)
			if _, err := (pki.KeyDir{Path: dir.Path, Passphrase: []byte("wrong passphrase!")}).LoadCSCA(cert); err == nil {
				t.Error("a wrong passphrase opened the key")
			}
			if _, err := (pki.KeyDir{Path: dir.Path}).LoadCSCA(cert); err == nil {
				t.Error("no passphrase opened the key")
			}
			if _, err := dir.LoadCSCA(cert); err != nil {
				t.Error(err)
			}
			certs, _ := db.Certificates(ctx)
			for _, c := range certs {
				if c.Role == pki.RoleCSCA && len(c.PrivateKey) != 0 {
					t.Error("the CSCA's key is in the database")
				}
			}
		})
		t.Run("a second init is refused", func(t *testing.T) {
			if _, _, err := pki.Init(ctx, db, dir, initOptions(now)); !apperr.Is(err, apperr.Conflict) {
				t.Errorf("second init: %v", err)
			}
		})
		t.Run("signers: chained, typed, in use", func(t *testing.T) {
			trust, err := pki.TrustFromStore(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			if len(trust.CSCAs) != 1 || len(trust.Signers()) != 2 {
				t.Fatalf("trust: %d CSCAs, %d signers", len(trust.CSCAs), len(trust.Signers()))
			}
			for _, s := range signers {
				cert, _ := x509.ParseCertificate(s.DER)
				if err := trust.Check(cert, pki.DocTypeOf(s.Role), now); err != nil {
					t.Errorf("%s: %v", s.Role, err)
				}
				other := pki.DocTypeIDCard
				if s.Role == pki.RoleDocumentSigner {
					other = pki.DocTypeIdentityQR
				}
				if err := trust.Check(cert, other, now); err == nil {
					t.Errorf("%s may sign %s", s.Role, other)
				}
				if err := trust.Check(cert, pki.DocTypeOf(s.Role), now.AddDate(1, 0, 0)); err == nil {
					t.Errorf("%s valid a year on", s.Role)
				}
				sg, err := svc.Signer(ctx, s.Role)
				if err != nil || sg.Serial != s.Serial {
					t.Errorf("signer of %s: %v %v", s.Role, sg, err)
				}
			}
		})
		t.Run("rotation: the new signer signs, the old stays published", func(t *testing.T) {
			old, _ := svc.Signer(ctx, pki.RoleDocumentSigner)
			s, retired, err := pki.Rotate(ctx, db, dir, pki.SignerOptions{Role: pki.RoleDocumentSigner, Validity: 90 * 24 * time.Hour, Now: now})
			if err != nil || len(retired) != 1 || retired[0] != old.Serial {
				t.Fatalf("rotate: %v %v", retired, err)
			}
			svc.Forget()
			if sg, _ := svc.Signer(ctx, pki.RoleDocumentSigner); sg.Serial != s.Serial {
				t.Errorf("signing with %s, want %s", sg.Serial, s.Serial)
			}
			trust, _ := svc.Trust(ctx)
			if _, err := trust.Signer(old.Serial, pki.DocTypeIDCard, now); err != nil {
				t.Errorf("the retired signer no longer verifies: %v", err)
			}
		})
		t.Run("revocation: CRL signed by the CSCA", func(t *testing.T) {
			sg, _ := svc.Signer(ctx, pki.RoleIdentitySigner)
			crl, err := pki.Revoke(ctx, db, dir, strings.ToUpper(sg.Serial), "keyCompromise", 30*24*time.Hour, now)
			if err != nil {
				t.Fatal(err)
			}
			cert, _ := x509.ParseCertificate(ca.DER)
			list, err := x509.ParseRevocationList(crl.DER)
			if err != nil || list.CheckSignatureFrom(cert) != nil || len(list.RevokedCertificateEntries) != 1 {
				t.Fatalf("CRL: %v", err)
			}
			// A verifier with the certificates and the CRL only.
			var certs []*x509.Certificate
			stored, _ := db.Certificates(ctx)
			for _, c := range stored {
				x, _ := x509.ParseCertificate(c.DER)
				certs = append(certs, x)
			}
			trust := pki.NewTrust(certs, [][]byte{crl.DER})
			if _, err := trust.Signer(sg.Serial, pki.DocTypeIdentityQR, now); !strings.Contains(err.Error(), pki.ErrSignerRevoked.Error()) {
				t.Errorf("revoked signer: %v", err)
			}
			svc.Forget()
			if _, err := svc.Signer(ctx, pki.RoleIdentitySigner); !apperr.Is(err, pki.NotInitialised) {
				t.Errorf("a revoked signer still signs: %v", err)
			}
			if _, err := pki.Revoke(ctx, db, dir, ca.Serial, "keyCompromise", time.Hour, now); err == nil {
				t.Error("the CSCA revoked itself")
			}
			next, err := pki.NewCRL(ctx, db, dir, time.Hour, now)
			if err != nil || next.Number != crl.Number+1 {
				t.Errorf("next CRL: %v %v", next, err)
			}
		})
		t.Run("a new CSCA: old cards still verify", func(t *testing.T) {
			newCA, _, err := pki.RotateCSCA(ctx, db, dir, initOptions(now.Add(time.Second)))
			if err != nil {
				t.Fatal(err)
			}
			svc.Forget()
			trust, _ := svc.Trust(ctx)
			if len(trust.CSCAs) != 2 {
				t.Errorf("%d CSCAs published", len(trust.CSCAs))
			}
			sg, err := svc.Signer(ctx, pki.RoleDocumentSigner)
			if err != nil || sg.CSCA.Equal(mustCert(t, ca.DER)) || !sg.CSCA.Equal(mustCert(t, newCA.DER)) {
				t.Errorf("the signer in use is not under the new CSCA: %v", err)
			}
		})
	})
}

func mustCert(t *testing.T, der []byte) *x509.Certificate {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
