package card

import (
	"context"
	"crypto"
	"crypto/x509"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/pki"
)

// testPKI is a CSCA with a document signer and an identity signer, in
// memory, and the Trust a verifier builds from their certificates.
type testPKI struct {
	csca    *x509.Certificate
	cscaKey crypto.Signer
	doc, id *pki.Signer
	trust   *pki.Trust
}

func signerOf(t testing.TB, c *pki.Certificate, csca *x509.Certificate) *pki.Signer {
	t.Helper()
	cert, err := x509.ParseCertificate(c.DER)
	if err != nil {
		t.Fatal(err)
	}
	k, err := x509.ParsePKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return &pki.Signer{Serial: c.Serial, Cert: cert, Key: k.(crypto.Signer), CSCA: csca}
}

func newTestPKI(t testing.TB, now time.Time) *testPKI {
	t.Helper()
	csca, key, err := pki.NewCSCA(pki.CSCAOptions{Country: "VN", Organisation: "Bộ Công an", CommonName: "CSCA Test",
		Validity: 20 * 365 * 24 * time.Hour, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	p := &testPKI{csca: csca, cscaKey: key}
	doc, err := pki.NewSigner(csca, key, pki.SignerOptions{Role: pki.RoleDocumentSigner, Validity: 90 * 24 * time.Hour, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	id, err := pki.NewSigner(csca, key, pki.SignerOptions{Role: pki.RoleIdentitySigner, Validity: 30 * 24 * time.Hour, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	p.doc, p.id = signerOf(t, doc, csca), signerOf(t, id, csca)
	p.trust = pki.NewTrust([]*x509.Certificate{csca, p.doc.Cert, p.id.Cert}, nil)
	return p
}

// testHolder is a holder born in 1995, card issued on 2026-11-27.
func testHolder() *Holder {
	return &Holder{IDNumber: "046195000123", FullName: "Nguyễn Thị Hoà", BirthDate: "1995-03-14", Gender: idnum.Female,
		Nationality: "VNM", Ethnicity: "Kinh", Religion: "Không", Hometown: "Quảng Trị",
		Address: "Số 5 Lê Lợi, Phường Thuận Hóa, Thành phố Huế", Serial: "AB2C3D4EF", IssueDate: "2026-11-27",
		ExpiryDate: ExpiryDate("1995-03-14", "2026-11-27"), Issuer: DefaultIssuer}
}

// testCard personalises a card for testHolder.
func testCard(t testing.TB, p *testPKI, now time.Time) (*Card, *Holder) {
	t.Helper()
	h := testHolder()
	c := &Card{ID: "card_test", IDNumber: h.IDNumber}
	if err := (&Service{}).sign(c, h, p.doc, now); err != nil {
		t.Fatal(err)
	}
	return c, h
}

// revokedSerials is a Revocations for tests.
type revokedSerials map[string]string

func (r revokedSerials) CardRevoked(_ context.Context, serial string) (bool, string, error) {
	reason, ok := r[serial]
	return ok, reason, nil
}

// identitySealForTest signs an identity QR for testHolder without a
// register.
func (s *Service) identitySealForTest(p *testPKI, now time.Time) (string, error) {
	h := testHolder()
	fs := append(holderFields(h, false), sealField{tagValidUntil, []byte{0x7f, 0, 0, 0}}, sealField{tagLevel, []byte{2}})
	return signSeal(pki.DocTypeIdentityQR, p.id.Serial, p.id.Key, now, fs)
}
