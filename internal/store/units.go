package store

import (
	"context"
	"strconv"
	"strings"

	"github.com/dancu-vn/dancu/internal/units"
)

// SyncUnits loads the administrative units and the 2025 mapping shipped
// with the binary into the database, adding what is missing. Units are
// data: an operator may add more rows; shipped rows are never removed.
func (db *DB) SyncUnits(ctx context.Context) (int, error) {
	added := 0
	err := db.inTx(ctx, func(tx *Tx) error {
		var have int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM units`).Scan(&have); err != nil {
			return err
		}
		all := units.All()
		if have >= len(all) {
			return nil // already loaded: skip the work at every start
		}
		// Multi-row inserts: a row per statement costs a round trip each,
		// which on PostgreSQL made this the slowest step of a start.
		const perStmt = 400
		for i := 0; i < len(all); i += perStmt {
			chunk := all[i:min(i+perStmt, len(all))]
			var vals []string
			var args []any
			for _, u := range chunk {
				vals = append(vals, "("+placeholders(len(args)+1, 8)+")")
				args = append(args, string(u.Level), u.Code, u.Name, u.Type, u.ParentCode, u.ProvinceCode, u.ValidFrom, u.ValidTo)
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO units (level, code, name, type, parent_code, province_code, valid_from, valid_to)
				VALUES `+strings.Join(vals, ", ")+` ON CONFLICT DO NOTHING`, args...)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			added += int(n)
		}
		ms := units.Mappings()
		for i := 0; i < len(ms); i += perStmt {
			var vals []string
			var args []any
			for _, m := range ms[i:min(i+perStmt, len(ms))] {
				vals = append(vals, "("+placeholders(len(args)+1, 3)+")")
				args = append(args, string(m.Level), m.LegacyCode, m.NewCode)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO unit_mappings (level, legacy_code, new_code) VALUES `+
				strings.Join(vals, ", ")+` ON CONFLICT DO NOTHING`, args...); err != nil {
				return err
			}
		}
		return nil
	})
	return added, mapErr(err, "sync units")
}

// UnitFilter selects units.
type UnitFilter struct {
	Date     string // valid at this date (YYYY-MM-DD)
	Level    string
	Province string
	Parent   string
}

// Units lists units valid at a date.
func (db *DB) Units(ctx context.Context, f UnitFilter) ([]units.Unit, error) {
	q := `SELECT level, code, name, type, parent_code, province_code, valid_from, valid_to FROM units
		WHERE valid_from <= $1 AND (valid_to = '' OR valid_to >= $1)`
	args := []any{f.Date}
	if f.Level != "" {
		args = append(args, f.Level)
		q += " AND level = $2"
	}
	if f.Province != "" {
		args = append(args, f.Province)
		q += " AND province_code = $" + strconv.Itoa(len(args))
	}
	if f.Parent != "" {
		args = append(args, f.Parent)
		q += " AND parent_code = $" + strconv.Itoa(len(args))
	}
	q += " ORDER BY level, code"
	var out []units.Unit
	err := db.inReadTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var u units.Unit
			var level string
			if err := rows.Scan(&level, &u.Code, &u.Name, &u.Type, &u.ParentCode, &u.ProvinceCode, &u.ValidFrom, &u.ValidTo); err != nil {
				return err
			}
			u.Level = units.Level(level)
			out = append(out, u)
		}
		return rows.Err()
	})
	return out, mapErr(err, "units")
}

// UnitMappings returns rows of the 2025 reorganisation for a legacy code,
// a new code, or both, at a level.
func (db *DB) UnitMappings(ctx context.Context, level, legacyCode, newCode string) ([]units.Mapping, error) {
	q := `SELECT level, legacy_code, new_code FROM unit_mappings WHERE level = $1`
	args := []any{level}
	if legacyCode != "" {
		args = append(args, legacyCode)
		q += " AND legacy_code = $" + strconv.Itoa(len(args))
	}
	if newCode != "" {
		args = append(args, newCode)
		q += " AND new_code = $" + strconv.Itoa(len(args))
	}
	rows, err := db.read.QueryContext(ctx, q+" ORDER BY legacy_code, new_code", args...)
	if err != nil {
		return nil, mapErr(err, "unit mappings")
	}
	defer rows.Close()
	out := []units.Mapping{}
	for rows.Next() {
		var m units.Mapping
		var l string
		if err := rows.Scan(&l, &m.LegacyCode, &m.NewCode); err != nil {
			return nil, mapErr(err, "scan unit mapping")
		}
		m.Level = units.Level(l)
		out = append(out, m)
	}
	return out, mapErr(rows.Err(), "unit mappings")
}
