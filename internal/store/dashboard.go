package store

import (
	"context"
	"database/sql"

	"github.com/dancu-vn/dancu/internal/dashboard"
)

// dashboardCount is one query of a snapshot: rows of (province, commune,
// indicator, value). Persons are counted where their permanent residence
// is; dossiers where their handling office is (a province office has no
// commune).
type dashboardCount struct {
	query string
	args  func(p dashboard.Period) []any
	flow  bool // counted over the period, not as of now
}

var (
	noArgs       = func(dashboard.Period) []any { return nil }
	dayArg       = func(p dashboard.Period) []any { return []any{p.Day} }
	dayBoundArgs = func(p dashboard.Period) []any { return []any{micros(p.From), micros(p.To)} }

	dashboardCounts = []dashboardCount{
		{`SELECT perm_province, perm_commune, 'population', COUNT(*) FROM persons
			WHERE status = 'living' AND merged_into = '' GROUP BY perm_province, perm_commune`, noArgs, false},
		{`SELECT perm_province, perm_commune, 'population_14_plus', COUNT(*) FROM persons
			WHERE status = 'living' AND merged_into = '' AND birth_year <= $1 GROUP BY perm_province, perm_commune`,
			func(p dashboard.Period) []any { return []any{p.Year - 14} }, false},
		{`SELECT p.perm_province, p.perm_commune, 'cards_valid', COUNT(*)
			FROM id_cards c JOIN persons p ON p.id_number = c.id_number
			WHERE c.status = 'issued' AND (c.expiry_date = '' OR c.expiry_date >= $1) AND p.status = 'living' AND p.merged_into = ''
			GROUP BY p.perm_province, p.perm_commune`, dayArg, false},
		{`SELECT p.perm_province, p.perm_commune, CASE a.level WHEN 2 THEN 'eid_level2' ELSE 'eid_level1' END, COUNT(*)
			FROM eid_accounts a JOIN persons p ON p.id_number = a.id_number
			WHERE p.status = 'living' AND p.merged_into = '' GROUP BY p.perm_province, p.perm_commune, a.level`, noArgs, false},
		{`SELECT province, commune, 'quality_persons', persons FROM quality_summaries`, noArgs, false},
		// completeness is a percentage
		{`SELECT province, commune, 'quality_complete', persons * completeness / 100 FROM quality_summaries`, noArgs, false},
		{`SELECT province, CASE unit_level WHEN 'commune' THEN unit_code ELSE '' END, 'dossiers_submitted', COUNT(*)
			FROM dossiers WHERE submitted_at >= $1 AND submitted_at < $2 GROUP BY province, unit_level, unit_code`, dayBoundArgs, true},
		{`SELECT d.province, CASE d.unit_level WHEN 'commune' THEN d.unit_code ELSE '' END, 'dossiers_closed', COUNT(*)
			FROM dossier_history h JOIN dossiers d ON d.id = h.dossier_id
			WHERE h.to_state IN ('approved', 'rejected') AND h.at >= $1 AND h.at < $2
			GROUP BY d.province, d.unit_level, d.unit_code`, dayBoundArgs, true},
		{`SELECT d.province, CASE d.unit_level WHEN 'commune' THEN d.unit_code ELSE '' END, 'dossiers_on_time', COUNT(*)
			FROM dossier_history h JOIN dossiers d ON d.id = h.dossier_id
			WHERE h.to_state IN ('approved', 'rejected') AND h.at >= $1 AND h.at < $2 AND h.at <= d.due_at
			GROUP BY d.province, d.unit_level, d.unit_code`, dayBoundArgs, true},
		{`SELECT '', '', 'verifications', COALESCE(SUM(count), 0) FROM partner_usage WHERE day = $1`, dayArg, true},
	}
)

// CountIndicators implements dashboard.Store. The queries run in one
// read-only transaction, so that they count the same state.
func (db *DB) CountIndicators(ctx context.Context, p dashboard.Period, flowsOnly bool) ([]dashboard.Count, error) {
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return nil, mapErr(err, "dashboard counts")
	}
	defer tx.Rollback()
	var out []dashboard.Count
	for _, q := range dashboardCounts {
		if flowsOnly && !q.flow {
			continue
		}
		if err := func() error {
			rows, err := tx.QueryContext(ctx, q.query, q.args(p)...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var c dashboard.Count
				if err := rows.Scan(&c.Province, &c.Commune, &c.Indicator, &c.Value); err != nil {
					return err
				}
				out = append(out, c)
			}
			return rows.Err()
		}(); err != nil {
			return nil, mapErr(err, "dashboard counts")
		}
	}
	return out, nil
}

// SaveIndicators implements dashboard.Store. An upsert, not a delete and
// insert, so that two nodes' snapshots of the same day do not collide.
func (db *DB) SaveIndicators(ctx context.Context, values []dashboard.Value) error {
	return db.inTx(ctx, func(tx *Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO indicator_values (unit, day, indicator, value) VALUES ($1, $2, $3, $4)
			ON CONFLICT (unit, day, indicator) DO UPDATE SET value = excluded.value`)
		if err != nil {
			return mapErr(err, "save indicators")
		}
		defer stmt.Close()
		for _, v := range values {
			if _, err := stmt.ExecContext(ctx, v.Unit, v.Day, v.Indicator, v.Value); err != nil {
				return mapErr(err, "save indicators")
			}
		}
		return nil
	})
}

// IndicatorValues implements dashboard.Store, in no particular order.
func (db *DB) IndicatorValues(ctx context.Context, units []string, from, to string) ([]dashboard.Value, error) {
	var out []dashboard.Value
	err := db.lookupIn(ctx, `SELECT unit, day, indicator, value FROM indicator_values WHERE day >= $1 AND day <= $2 AND unit`,
		[]any{from, to}, units, func(rows *sql.Rows) error {
			var v dashboard.Value
			if err := rows.Scan(&v.Unit, &v.Day, &v.Indicator, &v.Value); err != nil {
				return err
			}
			out = append(out, v)
			return nil
		})
	return out, mapErr(err, "indicator values")
}
