package store

import (
	"context"
	"database/sql"

	"github.com/dancu-vn/dancu/internal/officer"
)

var _ officer.Store = (*DB)(nil)

// OfficerCredential implements officer.Store.
func (db *DB) OfficerCredential(ctx context.Context, username string) (*officer.Credential, error) {
	var c officer.Credential
	var locked sql.NullInt64
	var updated int64
	err := db.write.QueryRowContext(ctx, `SELECT username, password_hash, totp_secret, totp_last_step, failed, lock_count,
		locked_until, updated_at FROM officer_credentials WHERE username = $1`, username).Scan(
		&c.Username, &c.PasswordHash, &c.TOTPSecret, &c.TOTPLastStep, &c.Failed, &c.LockCount, &locked, &updated)
	if err != nil {
		return nil, mapErr(err, "officer credential")
	}
	c.LockedUntil, c.UpdatedAt = optTime(locked), fromMicros(updated)
	if c.TOTPSecret, err = db.openValue(ctx, c.TOTPSecret, sealPlace("officer_credentials", "totp_secret", username)); err != nil {
		return nil, err
	}
	return &c, nil
}

// SaveOfficerCredential implements officer.Store.
func (db *DB) SaveOfficerCredential(ctx context.Context, c *officer.Credential) error {
	var locked any
	if c.LockedUntil != nil {
		locked = micros(*c.LockedUntil)
	}
	secret, err := db.sealValue(ctx, c.TOTPSecret, sealPlace("officer_credentials", "totp_secret", c.Username))
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO officer_credentials (username, password_hash, totp_secret, totp_last_step,
			failed, lock_count, locked_until, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, totp_secret = excluded.totp_secret,
			totp_last_step = excluded.totp_last_step, failed = excluded.failed, lock_count = excluded.lock_count,
			locked_until = excluded.locked_until, updated_at = excluded.updated_at`,
			c.Username, c.PasswordHash, secret, c.TOTPLastStep, c.Failed, c.LockCount, locked, micros(c.UpdatedAt))
		return mapErr(err, "officer credential")
	})
}
