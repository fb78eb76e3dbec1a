package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/webhook"
)

var _ webhook.Store = (*DB)(nil)

// outboxType is the notice type of a register event kind, "" for kinds
// nobody subscribes to.
func outboxType(k register.Kind) string {
	switch k {
	case register.KindDeath, register.KindResidence, register.KindNameChange, register.KindCardIssued, register.KindMerge:
		return string(k)
	}
	return ""
}

// addOutboxEvent writes a notice in the change's transaction.
func addOutboxEvent(ctx context.Context, tx *Tx, eventType, personID string) error {
	b := make([]byte, 12)
	rand.Read(b)
	_, err := tx.ExecContext(ctx, `INSERT INTO event_outbox (id, event_type, person_id, occurred_at) VALUES ($1, $2, $3, $4)`,
		"evt_"+hex.EncodeToString(b), eventType, personID, micros(tx.Now()))
	return mapErr(err, "outbox")
}

// CreateSubscription implements webhook.Store.
func (db *DB) CreateSubscription(ctx context.Context, s *webhook.Subscription) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO subscriptions (id, org_id, client_id, purpose, event_types, url, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, s.ID, s.OrgID, s.ClientID, s.Purpose, strings.Join(s.EventTypes, " "), s.URL,
			micros(s.CreatedAt))
		return mapErr(err, "subscription")
	})
}

// Subscriptions implements webhook.Store.
func (db *DB) Subscriptions(ctx context.Context, orgID string) ([]*webhook.Subscription, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, org_id, client_id, purpose, event_types, url, created_at, disabled_at
		FROM subscriptions WHERE ($1 = '' AND disabled_at IS NULL) OR org_id = $1 ORDER BY created_at`, orgID)
	if err != nil {
		return nil, mapErr(err, "subscriptions")
	}
	defer rows.Close()
	var out []*webhook.Subscription
	for rows.Next() {
		var s webhook.Subscription
		var types string
		var created int64
		var disabled sql.NullInt64
		if err := rows.Scan(&s.ID, &s.OrgID, &s.ClientID, &s.Purpose, &types, &s.URL, &created, &disabled); err != nil {
			return nil, mapErr(err, "subscriptions")
		}
		s.EventTypes, s.CreatedAt, s.DisabledAt = strings.Fields(types), fromMicros(created), optTime(disabled)
		out = append(out, &s)
	}
	return out, mapErr(rows.Err(), "subscriptions")
}

// DisableSubscription implements webhook.Store.
func (db *DB) DisableSubscription(ctx context.Context, orgID, id string, at time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE subscriptions SET disabled_at = $3 WHERE id = $1 AND org_id = $2 AND disabled_at IS NULL`,
			id, orgID, micros(at))
		if err != nil {
			return mapErr(err, "disable subscription")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.NotFound, "no subscription %q", id)
		}
		return nil
	})
}

// PendingEvents implements webhook.Store.
func (db *DB) PendingEvents(ctx context.Context, limit int) ([]webhook.Event, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT seq, id, event_type, person_id, occurred_at FROM event_outbox
		WHERE fanned_out = $1 ORDER BY seq LIMIT $2`, false, limit)
	if err != nil {
		return nil, mapErr(err, "outbox")
	}
	defer rows.Close()
	var out []webhook.Event
	for rows.Next() {
		var e webhook.Event
		var at int64
		if err := rows.Scan(&e.Seq, &e.ID, &e.Type, &e.PersonID, &at); err != nil {
			return nil, mapErr(err, "outbox")
		}
		e.OccurredAt = fromMicros(at)
		out = append(out, e)
	}
	return out, mapErr(rows.Err(), "outbox")
}

// FanOut implements webhook.Store. A delivery already made for the same
// subscription and event (a fan-out repeated after a crash) is skipped.
func (db *DB) FanOut(ctx context.Context, events []webhook.Event, ds []webhook.Delivery) error {
	return db.inTx(ctx, func(tx *Tx) error {
		for _, d := range ds {
			if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (id, subscription_id, event_id, status, next_attempt_at, created_at)
				VALUES ($1, $2, $3, 'pending', $4, $5) ON CONFLICT (subscription_id, event_id) DO NOTHING`,
				d.ID, d.SubscriptionID, d.Event.ID, micros(d.NextAttemptAt), micros(d.CreatedAt)); err != nil {
				return mapErr(err, "fan out")
			}
		}
		for _, e := range events {
			if _, err := tx.ExecContext(ctx, `UPDATE event_outbox SET fanned_out = $2 WHERE seq = $1`, e.Seq, true); err != nil {
				return mapErr(err, "fan out")
			}
		}
		return nil
	})
}

const deliveryColumns = `d.id, d.subscription_id, d.status, d.attempts, d.next_attempt_at, d.last_status, d.last_error,
	d.created_at, d.delivered_at, s.url, e.id, e.event_type, e.person_id, e.occurred_at`

func scanDelivery(rows *sql.Rows) (webhook.Delivery, error) {
	var d webhook.Delivery
	var next, created, occurred int64
	var delivered sql.NullInt64
	err := rows.Scan(&d.ID, &d.SubscriptionID, &d.Status, &d.Attempts, &next, &d.LastStatus, &d.LastError, &created, &delivered,
		&d.URL, &d.Event.ID, &d.Event.Type, &d.Event.PersonID, &occurred)
	d.NextAttemptAt, d.CreatedAt, d.DeliveredAt, d.Event.OccurredAt = fromMicros(next), fromMicros(created), optTime(delivered), fromMicros(occurred)
	return d, err
}

// ClaimDeliveries implements webhook.Store: due pending deliveries are
// leased so that another node does not send them at the same time; a
// node that dies mid-delivery leaves them to be sent again after the lease.
func (db *DB) ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]webhook.Delivery, error) {
	var out []webhook.Delivery
	err := db.inTx(ctx, func(tx *Tx) error {
		lock := ""
		if db.Engine == Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1
			AND lease_until <= $1 ORDER BY next_attempt_at LIMIT $2`+lock, micros(now), limit)
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		for _, chunk := range chunks(ids, 500) {
			args := []any{micros(leaseUntil)}
			for _, id := range chunk {
				args = append(args, id)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET lease_until = $1 WHERE id IN (`+placeholders(2, len(chunk))+`)`, args...); err != nil {
				return err
			}
			rows, err := tx.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries d
				JOIN subscriptions s ON s.id = d.subscription_id JOIN event_outbox e ON e.id = d.event_id
				WHERE d.id IN (`+placeholders(1, len(chunk))+`)`, args[1:]...)
			if err != nil {
				return err
			}
			for rows.Next() {
				d, err := scanDelivery(rows)
				if err != nil {
					rows.Close()
					return err
				}
				out = append(out, d)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return out, mapErr(err, "claim deliveries")
}

// FinishDeliveries implements webhook.Store.
func (db *DB) FinishDeliveries(ctx context.Context, outcomes []webhook.Outcome) error {
	return db.inTx(ctx, func(tx *Tx) error {
		for _, o := range outcomes {
			var delivered any
			next := micros(o.NextAttempt)
			if o.Status == webhook.Delivered {
				delivered, next = micros(o.At), micros(o.At)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = $2, attempts = $3, next_attempt_at = $4,
				last_status = $5, last_error = $6, delivered_at = $7, lease_until = 0 WHERE id = $1`,
				o.ID, o.Status, o.Attempts, next, o.LastStatus, o.LastError, delivered); err != nil {
				return mapErr(err, "finish deliveries")
			}
		}
		return nil
	})
}

// Deliveries implements webhook.Store: the history, newest first, of an
// organisation's subscriptions ("" for all, for operators).
func (db *DB) Deliveries(ctx context.Context, orgID, subscriptionID, status string, limit int) ([]webhook.Delivery, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries d
		JOIN subscriptions s ON s.id = d.subscription_id JOIN event_outbox e ON e.id = d.event_id
		WHERE ($1 = '' OR s.org_id = $1) AND ($2 = '' OR d.subscription_id = $2) AND ($3 = '' OR d.status = $3)
		ORDER BY d.created_at DESC LIMIT $4`, orgID, subscriptionID, status, limit)
	if err != nil {
		return nil, mapErr(err, "deliveries")
	}
	defer rows.Close()
	var out []webhook.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, mapErr(err, "deliveries")
		}
		out = append(out, d)
	}
	return out, mapErr(rows.Err(), "deliveries")
}

// InsertOutboxEvents writes notices directly, outside any register change:
// for load tests of the delivery path only.
func (db *DB) InsertOutboxEvents(ctx context.Context, events []webhook.Event) error {
	return db.inTx(ctx, func(tx *Tx) error {
		for _, e := range events {
			if _, err := tx.ExecContext(ctx, `INSERT INTO event_outbox (id, event_type, person_id, occurred_at) VALUES ($1, $2, $3, $4)`,
				e.ID, e.Type, e.PersonID, micros(e.OccurredAt)); err != nil {
				return mapErr(err, "outbox")
			}
		}
		return nil
	})
}
