package store

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/register"
)

// ImportRecord ties a legacy source record to the person it became.
type ImportRecord struct {
	Source   string
	RecordID string
	IDNumber string
}

// Batch is a set of first registrations written together by seed and
// import: households, persons with their first event, and import records.
type Batch struct {
	Households []*register.Household
	Records    []register.Record
	Imports    []ImportRecord
}

// InsertBatch writes a batch in one transaction: all of it or none. On
// PostgreSQL it streams rows with COPY, the engine's fastest path; on
// SQLite it runs prepared statements on the single writer connection.
func (db *DB) InsertBatch(ctx context.Context, b *Batch) error {
	if db.Engine == Postgres {
		return db.copyBatch(ctx, b)
	}
	return db.inTx(ctx, func(tx *Tx) error {
		for _, h := range b.Households {
			if err := upsertHousehold(ctx, tx, h); err != nil {
				return err
			}
		}
		idStmt, err := tx.PrepareContext(ctx, `INSERT INTO id_numbers (id_number, allocated_at) VALUES ($1, $2)`)
		if err != nil {
			return mapErr(err, "prepare")
		}
		personStmt, err := tx.PrepareContext(ctx, `INSERT INTO persons (`+personColumns+`) VALUES (`+placeholders(1, personColumnCount)+`)`)
		if err != nil {
			return mapErr(err, "prepare")
		}
		eventStmt, err := tx.PrepareContext(ctx, `INSERT INTO person_events (person_id, seq, kind, effective_date,
			recorded_at, officer_id, officer_unit, legal_doc_no, legal_doc_date, legal_issuer, group_id, payload)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`)
		if err != nil {
			return mapErr(err, "prepare")
		}
		now := micros(tx.Now())
		for _, r := range b.Records {
			if _, err := idStmt.ExecContext(ctx, r.Person.IDNumber, now); err != nil {
				return mapErr(err, "allocate ID number")
			}
			args, err := personArgs(r.Person)
			if err != nil {
				return err
			}
			firstPayload(r, args)
			if _, err := personStmt.ExecContext(ctx, args...); err != nil {
				return mapErr(err, "insert person")
			}
			if _, err := eventStmt.ExecContext(ctx, eventArgs(r.Event)...); err != nil {
				return mapErr(err, "insert event")
			}
		}
		for _, ir := range b.Imports {
			if _, err := tx.ExecContext(ctx, `INSERT INTO import_records (source, record_id, id_number, created_at)
				VALUES ($1, $2, $3, $4)`, ir.Source, ir.RecordID, ir.IDNumber, now); err != nil {
				return mapErr(err, "insert import record")
			}
		}
		return nil
	})
}

// firstPayload fills in the payload of a first registration left empty
// by seed and import: the record it creates, wrapped as
// register.RegistrationPayload, from the record's JSON already encoded in
// args (personColumns' "record"), so that a bulk row is encoded once.
func firstPayload(r register.Record, args []any) {
	if r.Event.Payload != nil || (r.Event.Kind != register.KindInitial && r.Event.Kind != register.KindBirth) {
		return
	}
	raw := args[recordArg].(string)
	r.Event.Payload = append(append([]byte(`{"person":`), raw...), '}')
}

func eventArgs(e *register.Event) []any {
	return []any{e.PersonID, e.Seq, string(e.Kind), string(e.EffectiveDate), micros(e.RecordedAt), e.Officer,
		e.OfficerUnit, e.Legal.DocumentNo, string(e.Legal.DocumentDate), e.Legal.Issuer, e.GroupID, string(e.Payload)}
}

// copyBatch is InsertBatch for PostgreSQL, with COPY in one transaction.
func (db *DB) copyBatch(ctx context.Context, b *Batch) error {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return apperr.Wrap(err, "bulk connection")
	}
	defer conn.Close()
	now := micros(db.Now())
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		households := make([][]any, len(b.Households))
		for i, h := range b.Households {
			households[i] = []any{h.ID, nullable(h.HeadID), h.Commune, h.Province, h.Address, micros(h.CreatedAt), micros(h.UpdatedAt)}
		}
		ids := make([][]any, len(b.Records))
		persons := make([][]any, len(b.Records))
		events := make([][]any, len(b.Records))
		for i, r := range b.Records {
			ids[i] = []any{r.Person.IDNumber, now}
			if persons[i], err = personArgs(r.Person); err != nil {
				return err
			}
			firstPayload(r, persons[i])
			events[i] = eventArgs(r.Event)
		}
		imports := make([][]any, len(b.Imports))
		for i, ir := range b.Imports {
			imports[i] = []any{ir.Source, ir.RecordID, ir.IDNumber, now}
		}
		copies := []struct {
			table string
			cols  []string
			rows  [][]any
		}{
			{"households", []string{"id", "head_id", "commune_code", "province_code", "address", "created_at", "updated_at"}, households},
			{"id_numbers", []string{"id_number", "allocated_at"}, ids},
			{"persons", []string{"id_number", "full_name", "name_key", "gender", "birth_date", "birth_year", "status", "household_id",
				"perm_commune", "perm_province", "temp_commune", "temp_province", "cur_commune", "cur_province", "record", "version",
				"created_at", "updated_at", "merged_into"}, persons},
			{"person_events", []string{"person_id", "seq", "kind", "effective_date", "recorded_at", "officer_id", "officer_unit",
				"legal_doc_no", "legal_doc_date", "legal_issuer", "group_id", "payload"}, events},
			{"import_records", []string{"source", "record_id", "id_number", "created_at"}, imports},
		}
		for _, c := range copies {
			if len(c.rows) == 0 {
				continue
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
				return err
			}
		}
		return tx.Commit(ctx)
	})
	return mapErr(err, "bulk insert")
}

// ImportedIDs returns, for the given source record ids, the ID numbers of
// the persons they already became.
func (db *DB) ImportedIDs(ctx context.Context, source string, recordIDs []string) (map[string]string, error) {
	out := make(map[string]string, len(recordIDs))
	err := db.lookupIn(ctx, `SELECT record_id, id_number FROM import_records WHERE source = $1 AND record_id`, []any{source}, recordIDs,
		func(rows *sql.Rows) error {
			var rid, id string
			if err := rows.Scan(&rid, &id); err != nil {
				return err
			}
			out[rid] = id
			return nil
		})
	return out, mapErr(err, "imported ids")
}

// ExistingIDs returns which of the given ID numbers are already allocated.
func (db *DB) ExistingIDs(ctx context.Context, ids []string) (map[string]bool, error) {
	out, err := db.lookupSet(ctx, `SELECT id_number FROM id_numbers WHERE id_number`, nil, ids)
	return out, mapErr(err, "existing ids")
}

// lookupSet runs lookupIn for a query selecting the key column and
// returns which of the keys it found.
func (db *DB) lookupSet(ctx context.Context, query string, args []any, keys []string) (map[string]bool, error) {
	out := make(map[string]bool, len(keys))
	err := db.lookupIn(ctx, query, args, keys, func(rows *sql.Rows) error {
		var k string
		if err := rows.Scan(&k); err != nil {
			return err
		}
		out[k] = true
		return nil
	})
	return out, err
}

// lookupIn runs query (ending in the column to match) for a set of keys.
// PostgreSQL gets one array parameter, = ANY($n): a list of placeholders
// would make it cache a generic plan that scans instead of probing the
// index once a batch has run five times. SQLite has no arrays and gets
// IN lists of at most 500.
func (db *DB) lookupIn(ctx context.Context, query string, args []any, keys []string, scan func(*sql.Rows) error) error {
	var stmts [][]any
	if db.Engine == Postgres {
		stmts = append(stmts, append(append([]any{}, args...), keys))
	} else {
		for _, chunk := range chunks(keys, 500) {
			a := append([]any{}, args...)
			for _, k := range chunk {
				a = append(a, k)
			}
			stmts = append(stmts, a)
		}
	}
	for _, a := range stmts {
		q := query + ` = ANY($` + strconv.Itoa(len(args)+1) + `)`
		if db.Engine == SQLite {
			q = query + ` IN (` + placeholders(len(args)+1, len(a)-len(args)) + `)`
		}
		if err := db.scanQuery(ctx, q, a, scan); err != nil {
			return err
		}
	}
	return nil
}

func chunks(s []string, n int) [][]string {
	var out [][]string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	if len(s) > 0 {
		out = append(out, s)
	}
	return out
}

// CountPersons returns how many persons the register holds.
func (db *DB) CountPersons(ctx context.Context) (int64, error) {
	var n int64
	err := db.inReadTx(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM persons`).Scan(&n)
	})
	return n, mapErr(err, "count persons")
}
