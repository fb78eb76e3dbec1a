package card

import (
	"context"
	"crypto/x509"
	"encoding/asn1"
	"encoding/json"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/pki"
)

// tamperSeal changes one byte of a seal's message zone and re-encodes it.
func tamperSeal(t *testing.T, seal string, old, repl string) string {
	t.Helper()
	b, err := base45Decode(strings.TrimPrefix(seal, SealPrefix))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), old, repl, 1)
	if s == string(b) {
		t.Fatalf("%q not in the seal", old)
	}
	return SealPrefix + base45Encode([]byte(s))
}

func TestVerifier_Seal(t *testing.T) {
	now := time.Now()
	p := newTestPKI(t, now)
	c, h := testCard(t, p, now)
	other := newTestPKI(t, now)
	ctx := context.Background()
	later := now.AddDate(30, 0, 0) // past the card's expiry (2035)
	crl := func() *pki.Trust {
		der, err := x509.CreateRevocationList(nil, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: now, NextUpdate: now.Add(time.Hour),
			RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: p.doc.Cert.SerialNumber, RevocationTime: now}}}, p.csca, p.cscaKey)
		if err != nil {
			t.Fatal(err)
		}
		return pki.NewTrust([]*x509.Certificate{p.csca, p.doc.Cert}, [][]byte{der})
	}()
	tests := []struct {
		name  string
		v     *Verifier
		input string
		want  string
		field string
	}{
		{"valid", &Verifier{Trust: p.trust}, c.Seal, ResultValid, ""},
		{"valid, revocation checked", &Verifier{Trust: p.trust, Revocations: revokedSerials{}}, c.Seal, ResultValid, ""},
		{"name altered", &Verifier{Trust: p.trust}, tamperSeal(t, c.Seal, "Hoà", "Hòa"), ResultTampered, "signature"},
		{"expiry altered", &Verifier{Trust: p.trust}, tamperSeal(t, c.Seal, "2035", "2045"), ResultTampered, "signature"},
		{"signer of another CSCA", &Verifier{Trust: other.trust}, c.Seal, ResultUnknownSigner, ""},
		{"signer revoked", &Verifier{Trust: crl}, c.Seal, ResultSignerRevoked, ""},
		{"expired card", &Verifier{Trust: p.trust, Now: func() time.Time { return later }}, c.Seal, ResultExpired, ""},
		{"revoked card", &Verifier{Trust: p.trust, Revocations: revokedSerials{h.Serial: ReasonLost}}, c.Seal, ResultRevoked, ""},
		{"not a seal", &Verifier{Trust: p.trust}, "DCS1:hello", ResultMalformed, ""},
		{"printed alone", &Verifier{Trust: p.trust}, c.PrintedQR, ResultUnsigned, ""},
		{"printed and seal", &Verifier{Trust: p.trust}, c.PrintedQR + "\n" + c.Seal, ResultValid, ""},
		{"printed name altered", &Verifier{Trust: p.trust}, strings.Replace(c.PrintedQR, "Hoà", "Hòa", 1) + "\n" + c.Seal, ResultTampered, "full_name"},
		{"printed issue date altered", &Verifier{Trust: p.trust}, strings.Replace(c.PrintedQR, "|27112026", "|27112025", 1) + "\n" + c.Seal, ResultTampered, "issue_date"},
	}
	// Every case twice: with crypto/ecdsa while the signer is cold, then
	// with the signer's precomputed table (p256verify) once it is warm.
	for _, pass := range []string{"cold", "warm"} {
		if pass == "warm" {
			for range 40 {
				(&Verifier{Trust: p.trust}).Verify(ctx, c.Seal)
			}
		}
		for _, tt := range tests {
			t.Run(pass+"/"+tt.name, func(t *testing.T) {
				r := tt.v.Verify(ctx, tt.input)
				if r.Result != tt.want || r.Field != tt.field {
					t.Fatalf("result %q field %q (%s), want %q field %q", r.Result, r.Field, r.Message, tt.want, tt.field)
				}
				if (r.Holder != nil) != (tt.want == ResultValid || tt.want == ResultExpired || tt.want == ResultRevoked) {
					t.Errorf("holder shown = %v for %s", r.Holder != nil, r.Result)
				}
				if r.Result == ResultValid && (r.Holder.FullName != h.FullName || r.Holder.ExpiryDate != h.ExpiryDate || r.Holder.PhotoRef == "") {
					t.Errorf("holder = %+v", r.Holder)
				}
			})
		}
	}
}

func TestVerifier_Chip(t *testing.T) {
	now := time.Now()
	p := newTestPKI(t, now)
	c, _ := testCard(t, p, now)
	ctx := context.Background()
	chipJSON := func(ch Chip) string {
		b, _ := json.Marshal(ch)
		return string(b)
	}
	alteredDG13 := *c.Chip
	h, _ := decodeDG13(c.Chip.DG13)
	h.FullName = "Nguyễn Thị Hoa"
	alteredDG13.DG13, _ = encodeDG13(h)
	alteredDG1 := *c.Chip
	alteredDG1.DG1 = append([]byte{}, c.Chip.DG1...)
	alteredDG1.DG1[10] ^= 1
	alteredSig := *c.Chip
	alteredSig.SOD = append([]byte{}, c.Chip.SOD...)
	alteredSig.SOD[len(alteredSig.SOD)-3] ^= 1
	other := newTestPKI(t, now)
	foreign := *c.Chip
	foreign.SOD, _ = signSOD(&foreign, other.doc.Cert, other.doc.Key)
	wrongRole := *c.Chip
	wrongRole.SOD, _ = signSOD(&wrongRole, p.id.Cert, p.id.Key)
	tests := []struct {
		name, input, want, field string
		v                        *Verifier
	}{
		{"valid", chipJSON(*c.Chip), ResultValid, "", &Verifier{Trust: p.trust}},
		{"DG13 altered", chipJSON(alteredDG13), ResultTampered, "dg13", &Verifier{Trust: p.trust}},
		{"DG1 altered", chipJSON(alteredDG1), ResultTampered, "dg1", &Verifier{Trust: p.trust}},
		{"SOD signature altered", chipJSON(alteredSig), ResultTampered, "sod", &Verifier{Trust: p.trust}},
		{"signed by another CSCA's signer", chipJSON(foreign), ResultUnknownSigner, "", &Verifier{Trust: p.trust}},
		{"signed by an identity signer", chipJSON(wrongRole), ResultUnknownSigner, "", &Verifier{Trust: p.trust}},
		{"expired", chipJSON(*c.Chip), ResultExpired, "", &Verifier{Trust: p.trust, Now: func() time.Time { return now.AddDate(30, 0, 0) }}},
		{"revoked", chipJSON(*c.Chip), ResultRevoked, "", &Verifier{Trust: p.trust, Revocations: revokedSerials{c.Serial: ReasonLost}}},
		{"not a chip file", `{"format":"other"}`, ResultMalformed, "", &Verifier{Trust: p.trust}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.v.Verify(ctx, tt.input)
			if r.Result != tt.want || r.Field != tt.field {
				t.Fatalf("result %q field %q (%s), want %q field %q", r.Result, r.Field, r.Message, tt.want, tt.field)
			}
		})
	}
}

// TestSOD_OpenSSL checks EF.SOD with an independent implementation:
// `openssl cms -verify` against the CSCA alone, and the content it
// extracts is the LDS security object with the data groups' hashes.
func TestSOD_OpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	now := time.Now()
	p := newTestPKI(t, now)
	c, _ := testCard(t, p, now)
	sod, err := ParseSOD(c.Chip.SOD)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	in := write("sod.der", sod.CMS)
	ca := write("csca.pem", pki.PEMBundle([]*pki.Certificate{{DER: p.csca.Raw}}))
	out := filepath.Join(dir, "content.der")
	cmd := exec.Command("openssl", "cms", "-verify", "-inform", "DER", "-in", in, "-binary", "-CAfile", ca, "-purpose", "any", "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl cms -verify: %v\n%s", err, b)
	}
	content, _ := os.ReadFile(out)
	var lds ldsSecurityObject
	if _, err := asn1.Unmarshal(content, &lds); err != nil || len(lds.Hashes) != 3 {
		t.Fatalf("openssl's content is not the LDS security object: %v", err)
	}
	if sod.checkDataGroups(c.Chip) != "" {
		t.Error("the data groups do not match the hashes")
	}
	// openssl refuses the same SOD against another CSCA, and a SOD whose
	// signature was altered.
	other := newTestPKI(t, now)
	wrongCA := write("other.pem", pki.PEMBundle([]*pki.Certificate{{DER: other.csca.Raw}}))
	if err := exec.Command("openssl", "cms", "-verify", "-inform", "DER", "-in", in, "-binary", "-CAfile", wrongCA, "-purpose", "any", "-out", out).Run(); err == nil {
		t.Error("openssl verified the SOD against another CSCA")
	}
	bad := append([]byte{}, sod.CMS...)
	bad[len(bad)-3] ^= 1
	badIn := write("bad.der", bad)
	if err := exec.Command("openssl", "cms", "-verify", "-inform", "DER", "-in", badIn, "-binary", "-CAfile", ca, "-purpose", "any", "-out", out).Run(); err == nil {
		t.Error("openssl verified an altered SOD")
	}
}

func TestIdentitySeal_Signer(t *testing.T) {
	// A card's seal signed with the identity signer's key names a
	// certificate that may not sign cards: unknown signer.
	now := time.Now()
	p := newTestPKI(t, now)
	seal, err := signSeal(pki.DocTypeIDCard, p.id.Serial, p.id.Key, now, holderFields(testHolder(), true))
	if err != nil {
		t.Fatal(err)
	}
	if r := (&Verifier{Trust: p.trust}).Verify(context.Background(), seal); r.Result != ResultUnknownSigner {
		t.Errorf("result %q (%s), want unknown_signer", r.Result, r.Message)
	}
}
