package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/officer"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/pki"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// TestSeal_TOTPSeeds: a TOTP seed is stored sealed (the column never
// holds it), read back whole, bound to its row (copied to another row it
// does not open), unreadable with another key, and a seed stored before
// sealing is still read.
func TestSeal_TOTPSeeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const seed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
		for _, u := range []string{"sealed", "copied", "legacy"} {
			if err := db.CreateOfficer(ctx, &auth.Officer{Username: u, FullName: "Cán bộ " + u, Role: auth.RoleRegistrar,
				UnitLevel: auth.LevelCentral}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.SaveOfficerCredential(ctx, &officer.Credential{Username: "sealed", PasswordHash: "h", TOTPSecret: seed,
			UpdatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		raw := mainDB(t, db)
		var stored string
		if err := raw.QueryRowContext(ctx, `SELECT totp_secret FROM officer_credentials WHERE username = 'sealed'`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, seed) || !strings.HasPrefix(stored, "sealed:v1:") {
			t.Fatalf("stored seed %q: not sealed", stored)
		}
		if c, err := db.OfficerCredential(ctx, "sealed"); err != nil || c.TOTPSecret != seed {
			t.Fatalf("OfficerCredential() = %+v, %v", c, err)
		}
		// Bound to its row: the sealed value under another officer.
		if _, err := raw.ExecContext(ctx, `INSERT INTO officer_credentials (username, password_hash, totp_secret, updated_at)
			VALUES ('copied', 'h', $1, 0), ('legacy', 'h', $2, 0)`, stored, seed); err != nil {
			t.Fatal(err)
		}
		if _, err := db.OfficerCredential(ctx, "copied"); err == nil {
			t.Error("a sealed seed copied to another row opened")
		}
		if c, err := db.OfficerCredential(ctx, "legacy"); err != nil || c.TOTPSecret != seed {
			t.Errorf("a seed stored before sealing = %+v, %v", c, err)
		}
		// Another key (a key file other than the one it was sealed with).
		other, err := store.Open(ctx, db.DSN)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		if err := other.SetSealKey(bytes.Repeat([]byte{7}, 32)); err != nil {
			t.Fatal(err)
		}
		if _, err := other.OfficerCredential(ctx, "sealed"); err == nil || !strings.Contains(err.Error(), "does not open") {
			t.Errorf("opened with another key: %v", err)
		}
		if err := other.SetSealKey([]byte("short")); err == nil {
			t.Error("a 5-byte key accepted")
		}
	})
}

// TestSeal_Keys: the secrets table's values, the OpenID provider's and
// the card signers' private keys are stored sealed and read back whole.
func TestSeal_Keys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now()
		plain := []byte("a private key, in PKCS #8 DER")
		got, err := db.LoadOrCreateSecret(ctx, "test_key", func() ([]byte, error) { return plain, nil })
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("LoadOrCreateSecret() = %q, %v", got, err)
		}
		if again, err := db.LoadOrCreateSecret(ctx, "test_key", nil); err != nil || !bytes.Equal(again, plain) {
			t.Fatalf("LoadOrCreateSecret() again = %q, %v", again, err)
		}
		if err := db.AddOIDCSigningKey(ctx, &oidc.SigningKey{ID: "k1", Algorithm: "ES256", Private: plain, CreatedAt: now, UseFrom: now},
			now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if keys, err := db.OIDCSigningKeys(ctx, now); err != nil || len(keys) != 1 || !bytes.Equal(keys[0].Private, plain) {
			t.Fatalf("OIDCSigningKeys() = %v, %v", keys, err)
		}
		if err := db.AddCertificate(ctx, &pki.Certificate{Serial: "0a", Role: pki.RoleDocumentSigner, Subject: "CN=DS", DER: []byte("der"),
			PrivateKey: plain, NotBefore: now, NotAfter: now.Add(time.Hour), CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		if certs, err := db.Certificates(ctx); err != nil || len(certs) != 1 || !bytes.Equal(certs[0].PrivateKey, plain) {
			t.Fatalf("Certificates() = %v, %v", certs, err)
		}
		raw := mainDB(t, db)
		for _, q := range []string{
			`SELECT value FROM secrets WHERE name = 'test_key'`,
			`SELECT private_key FROM oidc_signing_keys WHERE kid = 'k1'`,
			`SELECT private_key FROM pki_certificates WHERE serial = '0a'`,
		} {
			var stored []byte
			if err := raw.QueryRowContext(ctx, q).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(stored, plain) || !bytes.HasPrefix(stored, []byte("sealed:v1:")) {
				t.Errorf("%s: stored %q, not sealed", q, stored)
			}
		}
	})
}

// mainDB opens the register's database directly, around the store.
func mainDB(t *testing.T, db *store.DB) *sql.DB { return openRaw(t, db, db.DSN) }

// TestSeal_Reseal: rotating to a key file reseals every secret (and the
// ones stored before sealing), removes the database's own key, and from
// then on only the new key opens them.
func TestSeal_Reseal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now()
		plain := []byte("a private key")
		if err := db.CreateOfficer(ctx, &auth.Officer{Username: "an", FullName: "Cán bộ An", Role: auth.RoleRegistrar,
			UnitLevel: auth.LevelCentral}); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveOfficerCredential(ctx, &officer.Credential{Username: "an", PasswordHash: "h", TOTPSecret: "SEED", UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.LoadOrCreateSecret(ctx, "k", func() ([]byte, error) { return plain, nil }); err != nil {
			t.Fatal(err)
		}
		if err := db.AddOIDCSigningKey(ctx, &oidc.SigningKey{ID: "k1", Algorithm: "ES256", Private: plain, CreatedAt: now, UseFrom: now},
			now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		raw := mainDB(t, db)
		if _, err := raw.ExecContext(ctx, `INSERT INTO secrets (name, value, created_at) VALUES ('legacy', $1, 0)`, []byte("old plain")); err != nil {
			t.Fatal(err)
		}
		newKey := bytes.Repeat([]byte{9}, 32)
		if n, err := db.Reseal(ctx, newKey); err != nil || n != 4 {
			t.Fatalf("Reseal() = %d, %v; want 4 values", n, err)
		}
		var left int
		if err := raw.QueryRowContext(ctx, `SELECT count(*) FROM secrets WHERE name = 'totp_seal_key'`).Scan(&left); err != nil || left != 0 {
			t.Fatalf("the database still holds its sealing key (%d, %v)", left, err)
		}
		var legacy []byte
		if err := raw.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = 'legacy'`).Scan(&legacy); err != nil ||
			!bytes.HasPrefix(legacy, []byte("sealed:v1:")) {
			t.Fatalf("a value stored before sealing was not sealed: %q, %v", legacy, err)
		}
		check := func(t *testing.T, db *store.DB) {
			t.Helper()
			if c, err := db.OfficerCredential(ctx, "an"); err != nil || c.TOTPSecret != "SEED" {
				t.Errorf("OfficerCredential() = %+v, %v", c, err)
			}
			if v, err := db.LoadOrCreateSecret(ctx, "legacy", nil); err != nil || string(v) != "old plain" {
				t.Errorf("legacy secret = %q, %v", v, err)
			}
			if keys, err := db.OIDCSigningKeys(ctx, now); err != nil || len(keys) != 1 || !bytes.Equal(keys[0].Private, plain) {
				t.Errorf("OIDCSigningKeys() = %v, %v", keys, err)
			}
		}
		check(t, db) // the same handle now seals with the new key
		withKey, err := store.Open(ctx, db.DSN)
		if err != nil {
			t.Fatal(err)
		}
		defer withKey.Close()
		withKey.SetSealKey(newKey)
		check(t, withKey)
		without, err := store.Open(ctx, db.DSN)
		if err != nil {
			t.Fatal(err)
		}
		defer without.Close()
		if _, err := without.OfficerCredential(ctx, "an"); err == nil {
			t.Error("a handle without the new key opened a resealed seed")
		}
	})
}
