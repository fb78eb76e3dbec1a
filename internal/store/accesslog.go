package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
)

// accessLogLockKey is the PostgreSQL advisory lock that serialises appends
// to the access log across every dancu node sharing the database (7245001
// guards migrations). On SQLite the single write connection and IMMEDIATE
// transactions serialise them already.
const accessLogLockKey = 7245002

// accessLogColumns are accesslog_entries' columns in the order of
// accesslog.LeafData, which the inserts and queryAccessLogEntries follow.
const accessLogColumns = `seq, at, actor, actor_role, org, unit, purpose, legal_basis,
	subject, action, fields, outcome, request_id`

// Rows per multi-row INSERT on SQLite: 13 × 500 and 2 × 2000 parameters
// stay far below its limit of 32766. (PostgreSQL inserts from arrays,
// which have no such limit.)
const (
	accessLogEntryChunk = 500
	accessLogHashChunk  = 2000
	accessLogEntryCols  = 13
)

// AccessLogAppend implements accesslog.Storage: fn runs in a write
// transaction holding the log's lock (pg_advisory_xact_lock on PostgreSQL,
// taken first so that every later statement sees the other nodes' appends).
func (db *DB) AccessLogAppend(ctx context.Context, fn func(accesslog.AppendTx) error) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if db.Engine == Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, accessLogLockKey); err != nil {
				return mapErr(err, "lock access log")
			}
		}
		return fn(accessLogTx{tx})
	})
}

// accessLogTx implements accesslog.AppendTx.
type accessLogTx struct{ tx *Tx }

// StoredHashCount implements accesslog.AppendTx.
func (t accessLogTx) StoredHashCount(ctx context.Context) (int64, error) {
	return accessLogHashCount(ctx, t.tx)
}

// ReadHashes implements accesslog.AppendTx.
func (t accessLogTx) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return readAccessLogHashes(ctx, t.tx, indexes)
}

// InsertEntries implements accesslog.AppendTx with multi-row INSERTs: on
// PostgreSQL one INSERT … SELECT FROM unnest(arrays), whose text never
// changes, so that its prepared statement is reused whatever the batch
// size; on SQLite VALUES lists in chunks below the parameter limit.
func (t accessLogTx) InsertEntries(ctx context.Context, entries []accesslog.Entry) error {
	if t.tx.Engine() == Postgres {
		return t.insertEntriesUnnest(ctx, entries)
	}
	for start := 0; start < len(entries); start += accessLogEntryChunk {
		chunk := entries[start:min(start+accessLogEntryChunk, len(entries))]
		args := make([]any, 0, len(chunk)*accessLogEntryCols)
		for _, e := range chunk {
			args = append(args, e.Seq, micros(e.At), e.Actor, e.ActorRole, e.Org, e.Unit, e.Purpose,
				e.LegalBasis, e.Subject, e.Action, e.Fields, e.Outcome, e.RequestID)
		}
		q := `INSERT INTO accesslog_entries (` + accessLogColumns + `) VALUES ` +
			accessLogValues(len(chunk), accessLogEntryCols)
		if _, err := t.tx.ExecContext(ctx, q, args...); err != nil {
			return mapErr(err, "insert access log entries")
		}
	}
	return nil
}

// InsertHashes implements accesslog.AppendTx with multi-row INSERTs, as
// InsertEntries does.
func (t accessLogTx) InsertHashes(ctx context.Context, firstIndex int64, hashes []tlog.Hash) error {
	if t.tx.Engine() == Postgres {
		idx := make([]int64, len(hashes))
		raw := make([][]byte, len(hashes))
		for i := range hashes {
			idx[i], raw[i] = firstIndex+int64(i), hashes[i][:]
		}
		_, err := t.tx.ExecContext(ctx, `INSERT INTO accesslog_hashes (idx, hash)
			SELECT * FROM unnest($1::bigint[], $2::bytea[])`, idx, raw)
		return mapErr(err, "insert access log hashes")
	}
	for start := 0; start < len(hashes); start += accessLogHashChunk {
		chunk := hashes[start:min(start+accessLogHashChunk, len(hashes))]
		args := make([]any, 0, 2*len(chunk))
		for i, h := range chunk {
			args = append(args, firstIndex+int64(start+i), h[:])
		}
		q := `INSERT INTO accesslog_hashes (idx, hash) VALUES ` + accessLogValues(len(chunk), 2)
		if _, err := t.tx.ExecContext(ctx, q, args...); err != nil {
			return mapErr(err, "insert access log hashes")
		}
	}
	return nil
}

// insertEntriesUnnest inserts entries on PostgreSQL from one array per
// column.
func (t accessLogTx) insertEntriesUnnest(ctx context.Context, entries []accesslog.Entry) error {
	n := len(entries)
	seq, at := make([]int64, n), make([]int64, n)
	var text [11][]string
	for c := range text {
		text[c] = make([]string, n)
	}
	for i, e := range entries {
		seq[i], at[i] = e.Seq, micros(e.At)
		for c, v := range [11]string{e.Actor, e.ActorRole, e.Org, e.Unit, e.Purpose, e.LegalBasis,
			e.Subject, e.Action, e.Fields, e.Outcome, e.RequestID} {
			text[c][i] = v
		}
	}
	args := []any{seq, at}
	for c := range text {
		args = append(args, text[c])
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO accesslog_entries (`+accessLogColumns+`)
		SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
			$7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])`, args...)
	return mapErr(err, "insert access log entries")
}

// AddCheckpoint implements accesslog.AppendTx.
func (t accessLogTx) AddCheckpoint(ctx context.Context, cp accesslog.Checkpoint) (accesslog.Checkpoint, error) {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO accesslog_checkpoints (size, root, note, created_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (size) DO NOTHING`, cp.Size, cp.Root[:], cp.Note, micros(t.tx.Now()))
	if err != nil {
		return cp, mapErr(err, "insert access log checkpoint")
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		return cp, nil
	}
	row := t.tx.QueryRowContext(ctx, `SELECT size, root, note FROM accesslog_checkpoints WHERE size = $1`, cp.Size)
	stored, err := scanAccessLogCheckpoint(row)
	return stored, mapErr(err, "read access log checkpoint")
}

// accessLogQueryer is what both transactions and pools offer for reading.
type accessLogQueryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// accessLogHashCount returns the highest stored-hash index plus one; the
// primary key answers it without a scan.
func accessLogHashCount(ctx context.Context, q accessLogQueryer) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(idx) + 1, 0) FROM accesslog_hashes`).Scan(&n)
	return n, mapErr(err, "count access log hashes")
}

// readAccessLogHashes returns the stored hashes at indexes, in that order.
func readAccessLogHashes(ctx context.Context, q accessLogQueryer, indexes []int64) ([]tlog.Hash, error) {
	found := make(map[int64]tlog.Hash, len(indexes))
	for start := 0; start < len(indexes); start += accessLogHashChunk {
		chunk := indexes[start:min(start+accessLogHashChunk, len(indexes))]
		args := make([]any, len(chunk))
		for i, idx := range chunk {
			args[i] = idx
		}
		rows, err := q.QueryContext(ctx, `SELECT idx, hash FROM accesslog_hashes WHERE idx IN (`+
			accessLogParams(1, len(chunk))+`)`, args...)
		if err != nil {
			return nil, mapErr(err, "read access log hashes")
		}
		hs, err := scanIndexedHashes(rows)
		if err != nil {
			return nil, err
		}
		for _, h := range hs {
			found[h.Index] = h.Hash
		}
	}
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		h, ok := found[idx]
		if !ok {
			return nil, apperr.E(apperr.NotFound, "access log stored hash %d: not found", idx)
		}
		out[i] = h
	}
	return out, nil
}

// scanIndexedHashes reads (idx, hash) rows and closes them. A hash that is
// not 32 bytes reads as the zero hash, as accesslog.Reader documents.
func scanIndexedHashes(rows *sql.Rows) ([]accesslog.IndexedHash, error) {
	defer rows.Close()
	var out []accesslog.IndexedHash
	for rows.Next() {
		var h accesslog.IndexedHash
		var raw []byte
		if err := rows.Scan(&h.Index, &raw); err != nil {
			return nil, mapErr(err, "scan access log hash")
		}
		h.Hash = accessLogHash(raw)
		out = append(out, h)
	}
	return out, mapErr(rows.Err(), "read access log hashes")
}

// accessLogHash converts a stored hash, mapping a wrong length to zero.
func accessLogHash(raw []byte) tlog.Hash {
	var h tlog.Hash
	if len(raw) == len(h) {
		copy(h[:], raw)
	}
	return h
}

// accessLogValuesCache holds the VALUES lists built by accessLogValues.
var accessLogValuesCache sync.Map // [2]int{rows, cols} → string

// accessLogValues returns "(?, …, ?), (…)": rows tuples of cols anonymous
// parameters, for SQLite only (PostgreSQL inserts from arrays). Anonymous,
// because SQLite looks up each $n (a named parameter to it) by a linear
// search when preparing and binding: thousands of them made a 1000-entry
// batch take 300 ms. The text is built once per shape.
func accessLogValues(rows, cols int) string {
	key := [2]int{rows, cols}
	if s, ok := accessLogValuesCache.Load(key); ok {
		return s.(string)
	}
	tuple := "(?" + strings.Repeat(", ?", cols-1) + ")"
	s := tuple + strings.Repeat(", "+tuple, rows-1)
	accessLogValuesCache.Store(key, s)
	return s
}

// accessLogParams returns "$from, …, $(from+n-1)".
func accessLogParams(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

// AccessLogHashCount implements accesslog.Reader.
func (db *DB) AccessLogHashCount(ctx context.Context) (n int64, err error) {
	err = db.inReadTx(ctx, func(tx *Tx) error {
		n, err = accessLogHashCount(ctx, tx)
		return err
	})
	return n, err
}

// AccessLogHashes implements accesslog.Reader.
func (db *DB) AccessLogHashes(ctx context.Context, indexes []int64) (hashes []tlog.Hash, err error) {
	err = db.inReadTx(ctx, func(tx *Tx) error {
		hashes, err = readAccessLogHashes(ctx, tx, indexes)
		return err
	})
	return hashes, err
}

// AccessLogLatestCheckpoint implements accesslog.Reader.
func (db *DB) AccessLogLatestCheckpoint(ctx context.Context) (cp accesslog.Checkpoint, err error) {
	err = db.inReadTx(ctx, func(tx *Tx) error {
		row := tx.QueryRowContext(ctx, `SELECT size, root, note FROM accesslog_checkpoints ORDER BY size DESC LIMIT 1`)
		cp, err = scanAccessLogCheckpoint(row)
		return mapErr(err, "latest access log checkpoint")
	})
	return cp, err
}

// scanAccessLogCheckpoint reads one (size, root, note) row.
func scanAccessLogCheckpoint(row scanner) (accesslog.Checkpoint, error) {
	var cp accesslog.Checkpoint
	var root []byte
	if err := row.Scan(&cp.Size, &root, &cp.Note); err != nil {
		return cp, err
	}
	cp.Root = accessLogHash(root)
	return cp, nil
}

// AccessLogEntries implements accesslog.Reader. The subject filter is
// served by accesslog_subject (subject, seq); the actor filter by
// accesslog_actor (actor, at), then sorted.
func (db *DB) AccessLogEntries(ctx context.Context, f accesslog.Filter) ([]accesslog.Entry, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Subject != "" {
		add("subject = $%d", f.Subject)
	}
	if f.Actor != "" {
		add("actor = $%d", f.Actor)
	}
	if f.ExceptActor != "" {
		add("actor <> $%d", f.ExceptActor)
	}
	if f.AfterSeq != nil {
		add("seq > $%d", *f.AfterSeq)
	}
	if f.BeforeSeq != nil {
		add("seq < $%d", *f.BeforeSeq)
	}
	q := `SELECT ` + accessLogColumns + ` FROM accesslog_entries`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	order := "ASC"
	if f.Newest {
		order = "DESC"
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(` ORDER BY seq %s LIMIT $%d`, order, len(args))
	return db.queryAccessLogEntries(ctx, q, args...)
}

// AccessLogEntryPage implements accesslog.Reader.
func (db *DB) AccessLogEntryPage(ctx context.Context, fromSeq int64, limit int) ([]accesslog.Entry, error) {
	return db.queryAccessLogEntries(ctx, `SELECT `+accessLogColumns+` FROM accesslog_entries
		WHERE seq >= $1 ORDER BY seq LIMIT $2`, fromSeq, limit)
}

// queryAccessLogEntries runs a query that selects accessLogColumns.
func (db *DB) queryAccessLogEntries(ctx context.Context, query string, args ...any) (out []accesslog.Entry, err error) {
	err = db.inReadTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return mapErr(err, "query access log entries")
		}
		defer rows.Close()
		for rows.Next() {
			var e accesslog.Entry
			var at int64
			if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.ActorRole, &e.Org, &e.Unit, &e.Purpose,
				&e.LegalBasis, &e.Subject, &e.Action, &e.Fields, &e.Outcome, &e.RequestID); err != nil {
				return mapErr(err, "scan access log entry")
			}
			e.At = fromMicros(at)
			out = append(out, e)
		}
		return mapErr(rows.Err(), "read access log entries")
	})
	return out, err
}

// AccessLogHashPage implements accesslog.Reader.
func (db *DB) AccessLogHashPage(ctx context.Context, fromIndex int64, limit int) (out []accesslog.IndexedHash, err error) {
	err = db.inReadTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT idx, hash FROM accesslog_hashes
			WHERE idx >= $1 ORDER BY idx LIMIT $2`, fromIndex, limit)
		if err != nil {
			return mapErr(err, "query access log hashes")
		}
		out, err = scanIndexedHashes(rows)
		return err
	})
	return out, err
}

// AccessLogCheckpointPage implements accesslog.Reader.
func (db *DB) AccessLogCheckpointPage(ctx context.Context, fromSize int64, limit int) (out []accesslog.Checkpoint, err error) {
	err = db.inReadTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT size, root, note FROM accesslog_checkpoints
			WHERE size >= $1 ORDER BY size LIMIT $2`, fromSize, limit)
		if err != nil {
			return mapErr(err, "query access log checkpoints")
		}
		defer rows.Close()
		for rows.Next() {
			cp, err := scanAccessLogCheckpoint(rows)
			if err != nil {
				return mapErr(err, "scan access log checkpoint")
			}
			out = append(out, cp)
		}
		return mapErr(rows.Err(), "read access log checkpoints")
	})
	return out, err
}

// LoadOrCreateSecret implements accesslog.SecretStore on the secrets table.
// Racing nodes all insert with ON CONFLICT DO NOTHING and then read back
// the value that won.
func (db *DB) LoadOrCreateSecret(ctx context.Context, name string, create func() ([]byte, error)) ([]byte, error) {
	stored, err := db.loadOrCreateSecret(ctx, name, create)
	if err != nil || name == sealKeyName { // the sealing key cannot seal itself
		return stored, err
	}
	return db.openBytes(ctx, stored, sealPlace("secrets", "value", name))
}

// loadOrCreateSecret is LoadOrCreateSecret as stored: a new secret other
// than the sealing key is sealed before it is written.
func (db *DB) loadOrCreateSecret(ctx context.Context, name string, create func() ([]byte, error)) ([]byte, error) {
	var value []byte
	err := db.inReadTx(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&value)
	})
	if err == nil {
		return value, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, mapErr(err, "read secret")
	}
	fresh, err := create()
	if err != nil {
		return nil, err
	}
	if name != sealKeyName {
		if fresh, err = db.sealBytes(ctx, fresh, sealPlace("secrets", "value", name)); err != nil {
			return nil, err
		}
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO secrets (name, value, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO NOTHING`, name, fresh, micros(tx.Now())); err != nil {
			return mapErr(err, "store secret")
		}
		return mapErr(tx.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&value), "read secret")
	})
	return value, err
}

// Interface checks: *DB is the access log's storage and secret store.
var (
	_ accesslog.Storage     = (*DB)(nil)
	_ accesslog.SecretStore = (*DB)(nil)
)
