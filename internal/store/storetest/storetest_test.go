package storetest

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/store"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// postgresSkipped reports whether PostgreSQL subtests skip themselves
// because no server can be had on this machine.
func postgresSkipped() bool {
	return errors.Is(pgErr, errNoBinaries) && os.Getenv("CI") == ""
}

func TestEachRunsEveryEngine(t *testing.T) {
	var mu sync.Mutex
	var seen []store.Engine
	Each(t, func(t *testing.T, db *store.DB) {
		// The subtest's name must match the engine it was handed.
		if want := store.Engine(t.Name()[strings.LastIndex(t.Name(), "/")+1:]); db.Engine != want {
			t.Errorf("subtest %s got a %s database", t.Name(), db.Engine)
		}
		if err := db.Ping(t.Context()); err != nil {
			t.Fatalf("ping: %v", err)
		}
		mu.Lock()
		seen = append(seen, db.Engine)
		mu.Unlock()
	})
	for _, e := range Engines() {
		if !slices.Contains(seen, e) && !(e == store.Postgres && postgresSkipped()) {
			t.Errorf("Each did not run on %s (ran on %v)", e, seen)
		}
	}
}

func TestFreshDatabaseIsMigrated(t *testing.T) {
	Each(t, func(t *testing.T, db *store.DB) {
		n, err := db.PendingMigrations(t.Context())
		if err != nil {
			t.Fatalf("PendingMigrations: %v", err)
		}
		if n != 0 {
			t.Errorf("fresh database has %d pending migrations, want 0", n)
		}
	})
}

func TestOpenGivesIndependentDatabases(t *testing.T) {
	Each(t, func(t *testing.T, a *store.DB) {
		b := Open(t, a.Engine)
		if a.DSN == b.DSN {
			t.Fatalf("two Open calls share DSN %q", a.DSN)
		}
		execSQL(t, a, `CREATE TABLE only_in_a (x INTEGER)`)
		if !hasTable(t, a, "only_in_a") {
			t.Fatal("table created in a is missing from a")
		}
		if hasTable(t, b, "only_in_a") {
			t.Error("table created in a is visible in b")
		}
	})
}

func TestDSNIsMigratedAndUnopened(t *testing.T) {
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			dsn := DSN(t, e)
			if got := store.IsPostgresURL(dsn); got != (e == store.Postgres) {
				t.Fatalf("DSN %q for %s: IsPostgresURL = %v", dsn, e, got)
			}
			db, err := store.Open(t.Context(), dsn)
			if err != nil {
				t.Fatalf("open %s: %v", dsn, err)
			}
			defer db.Close()
			if n, err := db.PendingMigrations(t.Context()); err != nil || n != 0 {
				t.Errorf("PendingMigrations = %d, %v; want 0, nil", n, err)
			}
		})
	}
}

// TestParallelOpen checks that concurrent tests can each get a database,
// which on PostgreSQL means concurrent CREATE DATABASE from one template.
func TestParallelOpen(t *testing.T) {
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			for i := range 8 {
				t.Run(string(rune('a'+i)), func(t *testing.T) {
					t.Parallel()
					db := Open(t, e)
					execSQL(t, db, `CREATE TABLE mine (x INTEGER)`)
				})
			}
		})
	}
}

func TestParseEngines(t *testing.T) {
	both := []store.Engine{store.SQLite, store.Postgres}
	for _, tc := range []struct {
		in   string
		want []store.Engine
	}{
		{"", both},
		{"  ", both},
		{"sqlite", []store.Engine{store.SQLite}},
		{"postgres", []store.Engine{store.Postgres}},
		{"Postgres, sqlite", []store.Engine{store.Postgres, store.SQLite}},
		{"sqlite,sqlite", []store.Engine{store.SQLite}},
	} {
		got, err := parseEngines(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("parseEngines(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	if _, err := parseEngines("mysql"); err == nil {
		t.Error("parseEngines(mysql) succeeded, want an error")
	}
}

// BenchmarkOpen measures how long a fresh test database takes, the cost
// every storage test pays.
func BenchmarkOpen(b *testing.B) {
	for _, e := range Engines() {
		b.Run(string(e), func(b *testing.B) {
			Open(b, e) // build the template outside the timing
			b.ResetTimer()
			for b.Loop() {
				Open(b, e)
			}
		})
	}
}

// execSQL runs a statement on db through a connection of its own, since
// store.DB exposes no raw SQL.
func execSQL(t *testing.T, db *store.DB, query string) {
	t.Helper()
	raw := rawConn(t, db)
	if _, err := raw.ExecContext(t.Context(), query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// hasTable reports whether db holds a table named name.
func hasTable(t *testing.T, db *store.DB, name string) bool {
	t.Helper()
	q := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1`
	if db.Engine == store.Postgres {
		q = `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = $1`
	}
	var n int
	if err := rawConn(t, db).QueryRowContext(t.Context(), q, name).Scan(&n); err != nil {
		t.Fatalf("look for table %s: %v", name, err)
	}
	return n > 0
}

// rawConn opens a plain database/sql pool on db's DSN, closed at cleanup.
func rawConn(t *testing.T, db *store.DB) *sql.DB {
	t.Helper()
	driver, dsn := "sqlite", "file:"+db.DSN+"?_pragma=busy_timeout(10000)"
	if db.Engine == store.Postgres {
		driver, dsn = "pgx", db.DSN
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", db.DSN, err)
	}
	t.Cleanup(func() { raw.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := raw.PingContext(ctx); err != nil {
		t.Fatalf("connect to %s: %v", db.DSN, err)
	}
	return raw
}
