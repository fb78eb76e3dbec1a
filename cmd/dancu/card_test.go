package main_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/card"
	"github.com/dancu-vn/dancu/internal/pki"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// issueCard runs a card through its life in the database behind dsn, as
// the officers' API does, and returns it.
func issueCard(t *testing.T, dsn string, lost bool) *card.Card {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	signer, _, err := accesslog.LoadOrCreateSigner(ctx, db, "accesslog-signer")
	if err != nil {
		t.Fatal(err)
	}
	alog := accesslog.New(db, signer, accesslog.Options{})
	defer alog.Close()
	ps, err := db.SearchPersons(ctx, register.Filter{Province: "46", Status: register.Living, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var p *register.Person
	for _, x := range ps {
		if len(x.BirthDate) == 10 && x.BirthDate.Year() > 1980 && x.BirthDate.Year() < 2005 {
			if cs, _ := db.PersonCards(ctx, x.IDNumber); len(cs) == 0 {
				p = x
				break
			}
		}
	}
	svc := &card.Service{Store: db, People: db, PKI: &pki.Service{Store: db}, Log: alog}
	a := auth.Actor{ID: "a", Role: auth.RoleRegistrar, UnitLevel: auth.LevelCentral}
	b := auth.Actor{ID: "b", Role: auth.RoleRegistrar, UnitLevel: auth.LevelCentral}
	req := card.Request{Type: card.First, Legal: register.LegalBasis{DocumentNo: "CC01", DocumentDate: "2026-11-01", Issuer: "Công an"}}
	c, err := svc.Apply(ctx, a, p.IDNumber, req)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []func(context.Context, auth.Actor, string, card.Request) (*card.Card, error){svc.Approve, svc.Personalise, svc.Issue} {
		if c, err = step(ctx, b, c.ID, req); err != nil {
			t.Fatal(err)
		}
	}
	if lost {
		if _, err := svc.ReportLost(ctx, a, c.ID, req); err != nil {
			t.Fatal(err)
		}
	}
	if c, err = db.Card(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	c.Fill()
	return c
}

func TestCLI_PKIAndCardVerify(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			dir := t.TempDir()
			keys := filepath.Join(dir, "pki")
			pass := filepath.Join(dir, "pass")
			os.WriteFile(pass, []byte("a long enough passphrase\n"), 0o600)
			pkiArgs := func(args ...string) []string {
				return append([]string{"--db", dsn, "pki", "--pki-dir", keys, "--pki-passphrase-file", pass}, args...)
			}
			if out, code := run(t, "--db", dsn, "seed", "--province", "46", "--people", "200", "--seed", "4"); code != 0 {
				t.Fatalf("seed: %s", out)
			}
			out, code := run(t, pkiArgs("init")...)
			if code != 0 || !strings.Contains(out, "CSCA ") || !strings.Contains(out, "document_signer") || !strings.Contains(out, "identity_signer") {
				t.Fatalf("pki init: exit %d\n%s", code, out)
			}
			if out, code := run(t, pkiArgs("init")...); code == 0 || !strings.Contains(out, "exists") {
				t.Errorf("second init: exit %d\n%s", code, out)
			}
			if out, code := run(t, "--db", dsn, "pki", "--pki-dir", keys, "issue-signer", "--role", "identity"); code == 0 || !strings.Contains(out, "encrypted") {
				t.Errorf("without the passphrase: exit %d\n%s", code, out)
			}
			if out, code := run(t, pkiArgs("issue-signer", "--role", "identity", "--days", "7")...); code != 0 || !strings.Contains(out, "identity_signer") {
				t.Errorf("issue-signer: exit %d\n%s", code, out)
			}
			if out, code := run(t, pkiArgs("rotate", "--role", "document")...); code != 0 || !strings.Contains(out, "retired: [") {
				t.Errorf("rotate: exit %d\n%s", code, out)
			}
			out, code = run(t, pkiArgs("list")...)
			if code != 0 || strings.Count(out, "retired") != 1 || strings.Count(out, "signing") != 2 || strings.Count(out, "active") != 1 ||
				strings.Count(out, "published") != 1 {
				t.Errorf("list: exit %d\n%s", code, out)
			}

			good, lost := issueCard(t, dsn, false), issueCard(t, dsn, true)
			certs := filepath.Join(dir, "certs")
			if out, code := run(t, pkiArgs("export", certs)...); code != 0 {
				t.Fatalf("export: %s", out)
			}
			chip, _ := json.Marshal(good.Chip)
			chipFile := filepath.Join(dir, "chip.json")
			os.WriteFile(chipFile, chip, 0o644)
			verify := func(want int, args ...string) string {
				t.Helper()
				out, code := run(t, append([]string{"card", "verify", "--certs", certs}, args...)...)
				if code != want {
					t.Errorf("card verify %.40q: exit %d, want %d\n%s", args, code, want, out)
				}
				return out
			}
			if out := verify(0, chipFile); !strings.Contains(out, "result: valid") || !strings.Contains(out, good.IDNumber) || !strings.Contains(out, "revocation_checked: true") {
				t.Errorf("chip: %s", out)
			}
			verify(0, good.Seal)
			verify(0, good.PrintedQR, good.Seal)
			if out := verify(2, strings.Replace(good.PrintedQR, "|"+string(good.IssueDate[8:10]), "|01", 1), good.Seal); !strings.Contains(out, "field: issue_date") {
				t.Errorf("altered printed QR: %s", out)
			}
			var altered card.Chip
			json.Unmarshal(chip, &altered)
			altered.DG13[len(altered.DG13)-2] ^= 1
			b, _ := json.Marshal(altered)
			os.WriteFile(chipFile, b, 0o644)
			if out := verify(2, chipFile); !strings.Contains(out, "field: dg13") {
				t.Errorf("altered chip: %s", out)
			}
			verify(6, lost.Seal)
			verify(5, "--at", "2099-01-01", good.Seal)
			verify(8, good.PrintedQR)
			verify(7, "DCS1:not-a-seal")
			if out := verify(0, "--json", good.Seal); !strings.Contains(out, `"result": "valid"`) {
				t.Errorf("--json: %s", out)
			}

			// Another country's certificates know none of our signers.
			otherDSN := storetest.DSN(t, engine)
			otherKeys := filepath.Join(dir, "other-pki")
			run(t, "--db", otherDSN, "pki", "--pki-dir", otherKeys, "init")
			otherCerts := filepath.Join(dir, "other-certs")
			run(t, "--db", otherDSN, "pki", "--pki-dir", otherKeys, "export", otherCerts)
			if out, code := run(t, "card", "verify", "--certs", otherCerts, good.Seal); code != 3 || !strings.Contains(out, "unknown_signer") {
				t.Errorf("foreign certificates: exit %d\n%s", code, out)
			}

			// The CSCA revokes the signer: its cards report it.
			crlFile := filepath.Join(dir, "csca.crl")
			if out, code := run(t, pkiArgs("crl", "--revoke", good.SignerSerial, "--out", crlFile)...); code != 0 {
				t.Fatalf("crl --revoke: %s", out)
			}
			raw, _ := os.ReadFile(crlFile)
			if crl, err := x509.ParseRevocationList(raw); err != nil || len(crl.RevokedCertificateEntries) != 1 {
				t.Errorf("CRL file: %v", err)
			}
			os.RemoveAll(certs)
			if out, code := run(t, pkiArgs("export", certs)...); code != 0 || !strings.Contains(out, "no list of revoked cards") {
				t.Errorf("export with no valid signer: exit %d\n%s", code, out)
			}
			if out := verify(4, good.Seal); !strings.Contains(out, "signer_revoked") {
				t.Errorf("revoked signer: %s", out)
			}
		})
	}
}

func TestCLI_PKIHelp(t *testing.T) {
	for _, args := range [][]string{{"pki", "--help"}, {"pki", "init", "--help"}, {"pki", "rotate", "--help"}, {"pki", "crl", "--help"},
		{"pki", "export", "--help"}, {"card", "verify", "--help"}} {
		if out, code := run(t, args...); code != 0 || len(out) < 10 {
			t.Errorf("dancu %s: exit %d\n%s", strings.Join(args, " "), code, out)
		}
	}
}
