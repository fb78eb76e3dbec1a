package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/quality"
	"github.com/dancu-vn/dancu/internal/register"
)

var _ quality.Store = (*DB)(nil)

// provinceScope is the WHERE clause of a province's records for the
// quality scan: its permanent residents, and those without a permanent
// residence who live there temporarily or currently.
const provinceScope = `(perm_province = $1 OR perm_province = '' AND (temp_province = $1 OR cur_province = $1))`

// ScanPersons implements quality.Store.
func (db *DB) ScanPersons(ctx context.Context, province, after string, limit int) ([]*register.Person, error) {
	where := `WHERE id_number > $2 AND merged_into = ''`
	args := []any{province, after, limit}
	if province != "" {
		where += ` AND ` + provinceScope
	} else {
		where += ` AND $1 = ''`
	}
	return db.scanRecords(ctx, `SELECT record FROM persons `+where+` ORDER BY id_number LIMIT $3`, args...)
}

// DuplicateBlocks implements quality.Store: the records sharing folded
// name, gender and birth year with another, grouped so. Only the facts
// the record linkage compares are read (JSON fields and columns), so the
// sort stays small at a million records.
func (db *DB) DuplicateBlocks(ctx context.Context, province string) ([][]*register.Person, error) {
	scope := `$1 = ''`
	if province != "" {
		scope = provinceScope
	}
	rows, err := db.read.QueryContext(ctx, `SELECT p.name_key, p.gender, p.birth_year, p.id_number, p.birth_date,
		p.record->>'birth_place', p.record->>'hometown', p.record->>'ethnicity', p.record->>'father_id',
		p.record->>'mother_id', p.record->>'spouse_id', p.perm_commune, p.perm_province, p.temp_commune,
		p.temp_province, p.cur_commune, p.cur_province
		FROM persons p
		JOIN (SELECT name_key, gender, birth_year FROM persons WHERE `+scope+` AND merged_into = ''
		      GROUP BY name_key, gender, birth_year HAVING COUNT(*) > 1) d
		  ON p.name_key = d.name_key AND p.gender = d.gender AND p.birth_year = d.birth_year
		WHERE `+scope+` AND p.merged_into = ''
		ORDER BY p.name_key, p.gender, p.birth_year, p.id_number`, province)
	if err != nil {
		return nil, mapErr(err, "duplicate blocks")
	}
	defer rows.Close()
	var out [][]*register.Person
	last := ""
	for rows.Next() {
		var key, gender, birth string
		var year int
		var p register.Person
		var place, home, eth, father, mother, spouse sql.NullString
		var res [3]register.Residence
		if err := rows.Scan(&key, &gender, &year, &p.IDNumber, &birth, &place, &home, &eth, &father, &mother, &spouse,
			&res[0].Commune, &res[0].Province, &res[1].Commune, &res[1].Province, &res[2].Commune, &res[2].Province); err != nil {
			return nil, mapErr(err, "duplicate blocks")
		}
		p.Gender, p.BirthDate = idnum.Gender(gender), register.Date(birth)
		p.BirthPlace, p.Hometown, p.Ethnicity = place.String, home.String, eth.String
		p.FatherID, p.MotherID, p.SpouseID = father.String, mother.String, spouse.String
		for i, r := range []**register.Residence{&p.Permanent, &p.Temporary, &p.Current} {
			if res[i].Commune != "" {
				*r = &res[i]
			}
		}
		if k := key + "|" + gender + "|" + strconv.Itoa(year); k != last || len(out) == 0 {
			out, last = append(out, nil), k
		}
		out[len(out)-1] = append(out[len(out)-1], &p)
	}
	return out, mapErr(rows.Err(), "duplicate blocks")
}

func (db *DB) scanRecords(ctx context.Context, q string, args ...any) ([]*register.Person, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, mapErr(err, "persons")
	}
	defer rows.Close()
	var out []*register.Person
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return nil, mapErr(err, "persons")
		}
		p, err := decodePerson(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, mapErr(rows.Err(), "persons")
}

// SyncFlags implements quality.Store in one transaction. The province's
// flags are compared in memory, so that a rescan that finds what the
// last one found writes nothing but the summaries.
func (db *DB) SyncFlags(ctx context.Context, province string, found []*quality.Flag, sums []quality.Summary, now time.Time) (opened, resolved int, err error) {
	err = db.inTx(ctx, func(tx *Tx) error {
		have, err := knownFlags(ctx, tx, province)
		if err != nil {
			return err
		}
		seen := make(map[string]bool, len(found))
		var fresh []*quality.Flag
		for _, f := range found {
			k := flagKey(f)
			seen[k] = true
			h, ok := have[k]
			switch {
			case !ok:
				fresh = append(fresh, f)
			case h.Status == quality.Resolved:
				// The fault came back (a correction undone): open again.
				if err := setFlag(ctx, tx, h.ID, quality.Open, f, now); err != nil {
					return err
				}
				opened++
			case h.Commune != f.Commune || h.Province != f.Province || h.Score != f.Score ||
				h.OtherCommune != f.OtherCommune || h.OtherProvince != f.OtherProvince:
				if err := setFlag(ctx, tx, h.ID, h.Status, f, h.UpdatedAt); err != nil {
					return err
				}
			}
		}
		if err := insertFlags(ctx, tx, fresh); err != nil {
			return err
		}
		opened += len(fresh)
		for k, h := range have {
			if !seen[k] && h.Status == quality.Open {
				if _, err := tx.ExecContext(ctx, `UPDATE quality_flags SET status = 'resolved', reviewed_by = 'system:quality',
					updated_at = $2 WHERE id = $1`, h.ID, micros(now)); err != nil {
					return mapErr(err, "quality flag")
				}
				resolved++
			}
		}
		return replaceSummaries(ctx, tx, province, sums)
	})
	return opened, resolved, err
}

func flagKey(f *quality.Flag) string { return f.Rule + "|" + f.PersonID + "|" + f.OtherID }

// knownFlags returns a province's flags ("" for all) by finding.
func knownFlags(ctx context.Context, tx *Tx, province string) (map[string]*quality.Flag, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+flagColumns+` FROM quality_flags WHERE province = $1 OR $1 = ''`, province)
	if err != nil {
		return nil, mapErr(err, "quality flags")
	}
	fs, err := scanFlags(rows)
	if err != nil {
		return nil, err
	}
	have := make(map[string]*quality.Flag, len(fs))
	for _, f := range fs {
		have[flagKey(f)] = f
	}
	return have, nil
}

// setFlag moves a known flag to where a scan found it, with a status.
func setFlag(ctx context.Context, tx *Tx, id string, status quality.Status, f *quality.Flag, at time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE quality_flags SET status = $2, commune = $3, province = $4, other_commune = $5,
		other_province = $6, score = $7, updated_at = $8 WHERE id = $1`,
		id, string(status), f.Commune, f.Province, f.OtherCommune, f.OtherProvince, f.Score, micros(at))
	return mapErr(err, "quality flag")
}

// insertFlags writes new flags, many rows a statement. A finding already
// flagged in another province's scope (the person moved) is taken over.
func insertFlags(ctx context.Context, tx *Tx, fs []*quality.Flag) error {
	const perStatement = 500
	for len(fs) > 0 {
		n := min(len(fs), perStatement)
		var b strings.Builder
		args := make([]any, 0, n*11)
		b.WriteString(`INSERT INTO quality_flags (id, rule, person_id, other_id, score, commune, province, other_commune,
			other_province, status, created_at, updated_at) VALUES `)
		for i, f := range fs[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			k := len(args)
			b.WriteString("(")
			for j := 1; j <= 11; j++ {
				b.WriteString("$" + strconv.Itoa(k+j) + ", ")
			}
			b.WriteString("$" + strconv.Itoa(k+11) + ")")
			args = append(args, f.ID, f.Rule, f.PersonID, f.OtherID, f.Score, f.Commune, f.Province, f.OtherCommune,
				f.OtherProvince, string(f.Status), micros(f.CreatedAt))
		}
		b.WriteString(` ON CONFLICT (person_id, rule, other_id) DO UPDATE SET commune = excluded.commune,
			province = excluded.province, other_commune = excluded.other_commune, other_province = excluded.other_province,
			score = excluded.score`)
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return mapErr(err, "quality flags")
		}
		fs = fs[n:]
	}
	return nil
}

// replaceSummaries writes a scan's commune summaries over the last ones.
func replaceSummaries(ctx context.Context, tx *Tx, province string, sums []quality.Summary) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM quality_summaries WHERE province = $1 OR $1 = ''`, province); err != nil {
		return mapErr(err, "quality summaries")
	}
	for _, s := range sums {
		open, _ := json.Marshal(s.Findings)
		if _, err := tx.ExecContext(ctx, `INSERT INTO quality_summaries (commune, province, persons, completeness, findings, scanned_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (commune) DO UPDATE SET province = excluded.province,
			persons = excluded.persons, completeness = excluded.completeness, findings = excluded.findings,
			scanned_at = excluded.scanned_at`, s.Commune, s.Province, s.Persons, s.Completeness, string(open), micros(s.ScannedAt)); err != nil {
			return mapErr(err, "quality summary")
		}
	}
	return nil
}

const flagColumns = `id, rule, person_id, other_id, score, commune, province, other_commune, other_province, status,
	reviewed_by, note, created_at, updated_at`

func (db *DB) flags(ctx context.Context, q string, args ...any) ([]*quality.Flag, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+flagColumns+` FROM quality_flags `+q, args...)
	if err != nil {
		return nil, mapErr(err, "quality flags")
	}
	return scanFlags(rows)
}

func scanFlags(rows *sql.Rows) ([]*quality.Flag, error) {
	defer rows.Close()
	out := []*quality.Flag{}
	for rows.Next() {
		var f quality.Flag
		var created, updated int64
		if err := rows.Scan(&f.ID, &f.Rule, &f.PersonID, &f.OtherID, &f.Score, &f.Commune, &f.Province, &f.OtherCommune,
			&f.OtherProvince, &f.Status, &f.ReviewedBy, &f.Note, &created, &updated); err != nil {
			return nil, mapErr(err, "quality flags")
		}
		f.CreatedAt, f.UpdatedAt = fromMicros(created), fromMicros(updated)
		out = append(out, &f)
	}
	return out, mapErr(rows.Err(), "quality flags")
}

// Flags implements quality.Store: a page of the queue in id order.
func (db *DB) Flags(ctx context.Context, f quality.Filter) ([]*quality.Flag, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Commune != "" {
		c := arg(f.Commune)
		where = append(where, "(commune = "+c+" OR other_commune = "+c+")")
	}
	if f.Province != "" {
		p := arg(f.Province)
		where = append(where, "(province = "+p+" OR other_province = "+p+")")
	}
	if f.Rule != "" {
		where = append(where, "rule = "+arg(f.Rule))
	}
	if f.Status != "" {
		where = append(where, "status = "+arg(string(f.Status)))
	}
	if f.Person != "" {
		p := arg(f.Person)
		where = append(where, "(person_id = "+p+" OR other_id = "+p+")")
	}
	if f.After != "" {
		where = append(where, "id > "+arg(f.After))
	}
	q := ""
	if len(where) > 0 {
		q = "WHERE " + strings.Join(where, " AND ")
	}
	return db.flags(ctx, q+" ORDER BY id LIMIT "+arg(f.Limit), args...)
}

// Flag implements quality.Store.
func (db *DB) Flag(ctx context.Context, id string) (*quality.Flag, error) {
	return only(db.flags(ctx, `WHERE id = $1`, id))("no such flag")
}

// UpdateFlag implements quality.Store.
func (db *DB) UpdateFlag(ctx context.Context, f *quality.Flag, from quality.Status) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE quality_flags SET status = $2, reviewed_by = $3, note = $4, updated_at = $5
			WHERE id = $1 AND status = $6`, f.ID, string(f.Status), f.ReviewedBy, f.Note, micros(f.UpdatedAt), string(from))
		if err != nil {
			return mapErr(err, "quality flag")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.E(apperr.Conflict, "the flag changed meanwhile")
		}
		return nil
	})
}

// Summaries implements quality.Store: a province's communes ("" for all).
func (db *DB) Summaries(ctx context.Context, province string) ([]quality.Summary, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT commune, province, persons, completeness, findings, scanned_at
		FROM quality_summaries WHERE province = $1 OR $1 = '' ORDER BY province, commune`, province)
	if err != nil {
		return nil, mapErr(err, "quality summaries")
	}
	defer rows.Close()
	out := []quality.Summary{}
	for rows.Next() {
		var s quality.Summary
		var open string
		var at int64
		if err := rows.Scan(&s.Commune, &s.Province, &s.Persons, &s.Completeness, &open, &at); err != nil {
			return nil, mapErr(err, "quality summaries")
		}
		if err := json.Unmarshal([]byte(open), &s.Findings); err != nil {
			return nil, apperr.Wrap(err, "decode quality summary")
		}
		s.ScannedAt = fromMicros(at)
		out = append(out, s)
	}
	return out, mapErr(rows.Err(), "quality summaries")
}

// RetiredNumbers implements quality.Store. persons_merged (a partial
// index of the few merged records) serves it.
func (db *DB) RetiredNumbers(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	err := db.scanQuery(ctx, `SELECT id_number FROM persons WHERE merged_into <> ''`, nil, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		out[id] = true
		return nil
	})
	return out, mapErr(err, "retired numbers")
}
