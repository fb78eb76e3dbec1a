package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/sharing"
)

var _ sharing.Store = (*DB)(nil)

// CreateSharingPolicy implements sharing.Store.
func (db *DB) CreateSharingPolicy(ctx context.Context, p *sharing.Policy) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	var until any
	if p.ValidUntil != nil {
		until = micros(*p.ValidUntil)
	}
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sharing_policies (id, org_id, purpose, data, consent_required, valid_until, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, p.ID, p.OrgID, p.Purpose, string(data), p.ConsentRequired, until, micros(p.CreatedAt))
		return mapErr(err, "policy for "+p.OrgID+"/"+p.Purpose)
	})
}

func scanPolicy(row scanner) (*sharing.Policy, error) {
	var data string
	var revoked sql.NullInt64
	if err := row.Scan(&data, &revoked); err != nil {
		return nil, err
	}
	var p sharing.Policy
	if err := json.Unmarshal([]byte(data), &p); err != nil {
		return nil, err
	}
	p.RevokedAt = optTime(revoked)
	return &p, nil
}

// SharingPolicies implements sharing.Store ("" lists every organisation's).
func (db *DB) SharingPolicies(ctx context.Context, orgID string) ([]*sharing.Policy, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT data, revoked_at FROM sharing_policies
		WHERE $1 = '' OR org_id = $1 ORDER BY org_id, purpose, created_at`, orgID)
	if err != nil {
		return nil, mapErr(err, "policies")
	}
	defer rows.Close()
	var out []*sharing.Policy
	for rows.Next() {
		p, err := scanPolicy(rows)
		if err != nil {
			return nil, mapErr(err, "policies")
		}
		out = append(out, p)
	}
	return out, mapErr(rows.Err(), "policies")
}

// SharingPolicy implements sharing.Store.
func (db *DB) SharingPolicy(ctx context.Context, orgID, purpose string) (*sharing.Policy, error) {
	p, err := scanPolicy(db.read.QueryRowContext(ctx, `SELECT data, revoked_at FROM sharing_policies
		WHERE org_id = $1 AND purpose = $2 AND revoked_at IS NULL`, orgID, purpose))
	if err != nil {
		return nil, mapErr(err, "policy")
	}
	return p, nil
}

// RevokeSharingPolicy implements sharing.Store.
func (db *DB) RevokeSharingPolicy(ctx context.Context, id string, at time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sharing_policies SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, micros(at))
		if err != nil {
			return mapErr(err, "revoke policy")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.NotFound, "no live policy %q", id)
		}
		return nil
	})
}

// SaveSharingConsent implements sharing.Store.
func (db *DB) SaveSharingConsent(ctx context.Context, c *sharing.Consent) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sharing_consents (id, id_number, org_id, purpose, granted_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, c.ID, c.IDNumber, c.OrgID, c.Purpose, micros(c.GrantedAt), micros(c.ExpiresAt))
		return mapErr(err, "consent")
	})
}

// SharingConsents implements sharing.Store.
func (db *DB) SharingConsents(ctx context.Context, idNumber string) ([]*sharing.Consent, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, id_number, org_id, purpose, granted_at, expires_at, revoked_at
		FROM sharing_consents WHERE id_number = $1 ORDER BY granted_at DESC`, idNumber)
	if err != nil {
		return nil, mapErr(err, "consents")
	}
	defer rows.Close()
	var out []*sharing.Consent
	for rows.Next() {
		var c sharing.Consent
		var granted, expires int64
		var revoked sql.NullInt64
		if err := rows.Scan(&c.ID, &c.IDNumber, &c.OrgID, &c.Purpose, &granted, &expires, &revoked); err != nil {
			return nil, mapErr(err, "consents")
		}
		c.GrantedAt, c.ExpiresAt, c.RevokedAt = fromMicros(granted), fromMicros(expires), optTime(revoked)
		out = append(out, &c)
	}
	return out, mapErr(rows.Err(), "consents")
}

// RevokeSharingConsent implements sharing.Store.
func (db *DB) RevokeSharingConsent(ctx context.Context, idNumber, id string, at time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sharing_consents SET revoked_at = $3
			WHERE id = $1 AND id_number = $2 AND revoked_at IS NULL`, id, idNumber, micros(at))
		if err != nil {
			return mapErr(err, "revoke consent")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.NotFound, "no live consent %q", id)
		}
		return nil
	})
}

// ActiveSharingConsent implements sharing.Store.
func (db *DB) ActiveSharingConsent(ctx context.Context, idNumber, orgID, purpose string, now time.Time) (bool, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM sharing_consents WHERE id_number = $1 AND org_id = $2
		AND purpose = $3 AND revoked_at IS NULL AND expires_at > $4`, idNumber, orgID, purpose, micros(now)).Scan(&n)
	return n > 0, mapErr(err, "consent")
}
