package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/anomaly"
	"github.com/dancu-vn/dancu/internal/apperr"
)

// anomalyCursorName is the anomaly_cursor row of the access-log detector.
const anomalyCursorName = "accesslog"

// AccessLogActorWindow implements anomaly.Store, served by the index
// accesslog_actor (actor, at).
func (db *DB) AccessLogActorWindow(ctx context.Context, actor string, from, to time.Time, before int64, limit int) ([]accesslog.Entry, error) {
	return db.latestAccessLogEntries(ctx, `SELECT `+accessLogColumns+` FROM accesslog_entries
		WHERE actor = $1 AND at > $2 AND at <= $3 AND seq < $4 ORDER BY at DESC, seq DESC LIMIT $5`,
		actor, micros(from), micros(to), before, limit)
}

// AccessLogRefusedOrgWindow implements anomaly.Store, served by the
// partial index accesslog_refused_org (org, at), whose condition the
// query repeats word for word so that both engines' planners use it.
func (db *DB) AccessLogRefusedOrgWindow(ctx context.Context, org string, from, to time.Time, before int64, limit int) ([]accesslog.Entry, error) {
	return db.latestAccessLogEntries(ctx, `SELECT `+accessLogColumns+` FROM accesslog_entries
		WHERE org = $1 AND substr(outcome, 1, 7) = 'refused' AND at > $2 AND at <= $3 AND seq < $4
		ORDER BY at DESC, seq DESC LIMIT $5`,
		org, micros(from), micros(to), before, limit)
}

// latestAccessLogEntries runs a query that reads entries newest first and
// returns them in time order.
func (db *DB) latestAccessLogEntries(ctx context.Context, query string, args ...any) ([]accesslog.Entry, error) {
	out, err := db.queryAccessLogEntries(ctx, query, args...)
	slices.Reverse(out)
	return out, err
}

// AnomalyCursor implements anomaly.Store.
func (db *DB) AnomalyCursor(ctx context.Context) (int64, error) {
	var seq int64
	err := db.read.QueryRowContext(ctx, `SELECT seq FROM anomaly_cursor WHERE name = $1`, anomalyCursorName).Scan(&seq)
	return seq, mapErr(err, "anomaly cursor")
}

// alertColumns are the alerts table's columns in scanAlert's order.
const alertColumns = `id, rule, key, actor, org, window_start, window_us, threshold, count,
	first_seq, last_seq, status, created_at, updated_at, acknowledged_by, acknowledged_at`

// SaveAlerts implements anomaly.Store. The cursor moves first, by
// compare-and-set: on PostgreSQL a second node's UPDATE waits for the
// first one's commit and then matches no row, so a batch is stored once.
func (db *DB) SaveAlerts(ctx context.Context, from, to int64, found []anomaly.Alert) ([]anomaly.Alert, error) {
	var raised []anomaly.Alert
	err := db.inTx(ctx, func(tx *Tx) error {
		raised = raised[:0]
		res, err := tx.ExecContext(ctx, `UPDATE anomaly_cursor SET seq = $1, updated_at = $2 WHERE name = $3 AND seq = $4`,
			to, micros(tx.Now()), anomalyCursorName, from)
		if err := affected(res, err, "move anomaly cursor",
			apperr.E(apperr.Conflict, "the anomaly cursor moved: another node scanned these entries")); err != nil {
			return err
		}
		for _, a := range found {
			inserted, err := saveAlert(ctx, tx, a)
			if err != nil {
				return err
			}
			if inserted != nil {
				raised = append(raised, *inserted)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return raised, nil
}

// saveAlert merges a finding into the open alert of its rule, key and
// window, or inserts it and returns it with its ID.
func saveAlert(ctx context.Context, tx *Tx, a anomaly.Alert) (*anomaly.Alert, error) {
	start := micros(a.WindowStart)
	res, err := tx.ExecContext(ctx, `UPDATE alerts SET
			count = CASE WHEN count > $1 THEN count ELSE $1 END,
			first_seq = CASE WHEN first_seq < $2 THEN first_seq ELSE $2 END,
			last_seq = CASE WHEN last_seq > $3 THEN last_seq ELSE $3 END,
			actor = $4, updated_at = $5
		WHERE rule = $6 AND key = $7 AND window_start = $8 AND status = 'open'`,
		a.Count, a.FirstSeq, a.LastSeq, a.Actor, micros(a.UpdatedAt), a.Rule, a.Key, start)
	if err != nil {
		return nil, mapErr(err, "update alert")
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, mapErr(err, "update alert")
	} else if n > 0 {
		return nil, nil
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO alerts (rule, key, actor, org, window_start, window_us, threshold,
			count, first_seq, last_seq, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11, $12) RETURNING id`,
		a.Rule, a.Key, a.Actor, a.Org, start, a.Window.Microseconds(), a.Threshold,
		a.Count, a.FirstSeq, a.LastSeq, micros(a.CreatedAt), micros(a.UpdatedAt)).Scan(&a.ID)
	if err != nil {
		return nil, mapErr(err, "insert alert")
	}
	a.Status = anomaly.StatusOpen
	return &a, nil
}

// Alerts implements anomaly.Store, served by alerts_status (status, rule,
// id) when a status is given, else by the primary key.
func (db *DB) Alerts(ctx context.Context, f anomaly.Filter) ([]anomaly.Alert, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Status != "" {
		add("status = $%d", f.Status)
	}
	if f.Rule != "" {
		add("rule = $%d", f.Rule)
	}
	if f.Before > 0 {
		add("id < $%d", f.Before)
	}
	q := `SELECT ` + alertColumns + ` FROM alerts`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args))
	var out []anomaly.Alert
	err := db.inReadTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return mapErr(err, "list alerts")
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAlert(rows)
			if err != nil {
				return mapErr(err, "scan alert")
			}
			out = append(out, *a)
		}
		return mapErr(rows.Err(), "list alerts")
	})
	return out, err
}

// AcknowledgeAlert implements anomaly.Store.
func (db *DB) AcknowledgeAlert(ctx context.Context, id int64, by string, at time.Time) (*anomaly.Alert, error) {
	var a *anomaly.Alert
	err := db.inTx(ctx, func(tx *Tx) error {
		var err error
		if a, err = scanAlert(tx.QueryRowContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = $1`, id)); err != nil {
			return mapErr(err, "alert")
		}
		if a.Status != anomaly.StatusOpen {
			return apperr.E(apperr.Conflict, "alert %d was already acknowledged by %s", id, a.AcknowledgedBy)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET status = 'acknowledged', acknowledged_by = $1,
				acknowledged_at = $2, updated_at = $2 WHERE id = $3`, by, micros(at), id); err != nil {
			return mapErr(err, "acknowledge alert")
		}
		at = fromMicros(micros(at))
		a.Status, a.AcknowledgedBy, a.AcknowledgedAt, a.UpdatedAt = anomaly.StatusAcknowledged, by, &at, at
		return nil
	})
	return a, err
}

// OpenAlertCounts implements anomaly.Store.
func (db *DB) OpenAlertCounts(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	err := db.inReadTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT rule, count(*) FROM alerts WHERE status = 'open' GROUP BY rule`)
		if err != nil {
			return mapErr(err, "count open alerts")
		}
		defer rows.Close()
		for rows.Next() {
			var rule string
			var n int64
			if err := rows.Scan(&rule, &n); err != nil {
				return mapErr(err, "count open alerts")
			}
			out[rule] = n
		}
		return mapErr(rows.Err(), "count open alerts")
	})
	return out, err
}

// scanAlert reads one row of alertColumns.
func scanAlert(row scanner) (*anomaly.Alert, error) {
	var a anomaly.Alert
	var start, window, created, updated int64
	var acked sql.NullInt64
	if err := row.Scan(&a.ID, &a.Rule, &a.Key, &a.Actor, &a.Org, &start, &window, &a.Threshold, &a.Count,
		&a.FirstSeq, &a.LastSeq, &a.Status, &created, &updated, &a.AcknowledgedBy, &acked); err != nil {
		return nil, err
	}
	a.Window = time.Duration(window) * time.Microsecond
	a.WindowStart = fromMicros(start)
	a.WindowEnd = a.WindowStart.Add(a.Window)
	a.CreatedAt, a.UpdatedAt = fromMicros(created), fromMicros(updated)
	a.AcknowledgedAt = timeOrNil(acked)
	return &a, nil
}

// Interface check: *DB is the anomaly detector's storage.
var _ anomaly.Store = (*DB)(nil)
