// Package store implements dancu's storage on SQL: embedded SQLite (pure Go,
// modernc.org/sqlite) by default and PostgreSQL (pgx) in production. Both
// engines run the same queries through database/sql with $n placeholders;
// the few places where they differ (bulk load, locking, conflict handling)
// branch on DB.Engine.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/dancu-vn/dancu/internal/apperr"
)

// Engine names a database engine.
type Engine string

// Supported engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is an open database. SQLite gets two pools: one connection for writes
// (SQLite has a single writer; queuing in Go is cheaper than busy retries)
// and several for reads under WAL. PostgreSQL uses one pool for both.
type DB struct {
	Engine Engine
	DSN    string
	write  *sql.DB
	read   *sql.DB

	// Now is the clock, injected so that expiry logic is testable.
	Now func() time.Time

	tokens tokenCache
	seal   sealState // seal.go
}

// IsPostgresURL reports whether dsn selects PostgreSQL.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the database named by dsn: a postgres:// URL, or else a SQLite
// file path (created with its folder if missing). It does not migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{DSN: dsn, Now: time.Now}
	if IsPostgresURL(dsn) {
		db.Engine = Postgres
		pool, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		pool.SetMaxOpenConns(32)
		pool.SetMaxIdleConns(32)
		pool.SetConnMaxIdleTime(5 * time.Minute)
		db.write, db.read = pool, pool
	} else {
		db.Engine = SQLite
		if err := os.MkdirAll(filepath.Dir(dsn), 0o750); err != nil {
			return nil, fmt.Errorf("create data folder: %w", err)
		}
		w, err := openSQLite(dsn, false)
		if err != nil {
			return nil, err
		}
		w.SetMaxOpenConns(1)
		r, err := openSQLite(dsn, true)
		if err != nil {
			w.Close()
			return nil, err
		}
		r.SetMaxOpenConns(8)
		r.SetMaxIdleConns(8)
		db.write, db.read = w, r
	}
	if err := db.write.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", db.Engine, err)
	}
	return db, nil
}

// Close closes every pool.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Tx is a transaction with the time captured when it began, so that every
// row it writes carries one consistent instant.
type Tx struct {
	*sql.Tx
	db  *DB
	now time.Time
}

// Now returns the transaction's instant.
func (tx *Tx) Now() time.Time { return tx.now }

// Engine returns the engine the transaction runs on.
func (tx *Tx) Engine() Engine { return tx.db.Engine }

// begin starts a transaction on the write pool, or on the read pool when
// readOnly (SQLite readers then never wait for the writer).
func (db *DB) begin(ctx context.Context, readOnly bool) (*Tx, error) {
	pool := db.write
	if readOnly {
		pool = db.read
	}
	var opts *sql.TxOptions
	if readOnly && db.Engine == Postgres {
		opts = &sql.TxOptions{ReadOnly: true}
	}
	tx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return nil, apperr.Wrap(err, "begin transaction")
	}
	return &Tx{Tx: tx, db: db, now: db.Now().UTC()}, nil
}

// inTx runs fn in a write transaction, committing when fn returns nil.
func (db *DB) inTx(ctx context.Context, fn func(*Tx) error) error {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return mapErr(err, "commit")
	}
	return nil
}

// inReadTx runs fn in a read-only transaction.
func (db *DB) inReadTx(ctx context.Context, fn func(*Tx) error) error {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

// micros converts an instant to the unix microseconds stored in *_at columns.
// Both engines store instants as integers so that they compare, index and
// partition the same way.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros is the inverse of micros.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// mapErr turns driver errors into application errors in one place:
// unique-constraint failures become conflict, a missing row not_found.
func mapErr(err error, context string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.E(apperr.NotFound, "%s: not found", context)
	}
	msg := err.Error()
	if strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505") {
		return &apperr.Error{Code: apperr.Conflict, Message: context + ": already exists", Err: err}
	}
	return apperr.Wrap(err, context)
}

// only returns the single row a lookup by key found, or not_found with
// the message given to the function it returns:
//
//	return only(db.stays(ctx, `WHERE id = $1`, id))("no such stay")
func only[T any](rows []*T, err error) func(notFound string) (*T, error) {
	return func(notFound string) (*T, error) {
		if err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			return nil, apperr.E(apperr.NotFound, "%s", notFound)
		}
		return rows[0], nil
	}
}
