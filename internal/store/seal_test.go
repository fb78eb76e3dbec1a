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

// mainDB opens the register's database directly, around the store.
func mainDB(t *testing.T, db *store.DB) *sql.DB { return openRaw(t, db, db.DSN) }
