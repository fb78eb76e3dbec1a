package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/pki"
)

var _ pki.Store = (*DB)(nil)

// AddCertificate implements pki.Store.
func (db *DB) AddCertificate(ctx context.Context, c *pki.Certificate) error {
	sealed, err := db.sealBytes(ctx, c.PrivateKey, sealPlace("pki_certificates", "private_key", c.Serial))
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		var key any
		if len(sealed) > 0 {
			key = sealed
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO pki_certificates (serial, role, subject, der, private_key, not_before,
			not_after, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, c.Serial, c.Role, c.Subject, c.DER, key,
			micros(c.NotBefore), micros(c.NotAfter), micros(c.CreatedAt))
		return mapErr(err, "add certificate")
	})
}

// Certificates implements pki.Store: newest first.
func (db *DB) Certificates(ctx context.Context) ([]*pki.Certificate, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT serial, role, subject, der, private_key, not_before, not_after,
		created_at, retired_at, revoked_at, revoke_reason FROM pki_certificates ORDER BY created_at DESC, serial`)
	if err != nil {
		return nil, mapErr(err, "certificates")
	}
	defer rows.Close()
	var out []*pki.Certificate
	for rows.Next() {
		var c pki.Certificate
		var nb, na, created int64
		var retired, revoked sql.NullInt64
		if err := rows.Scan(&c.Serial, &c.Role, &c.Subject, &c.DER, &c.PrivateKey, &nb, &na, &created, &retired,
			&revoked, &c.RevokeReason); err != nil {
			return nil, mapErr(err, "certificates")
		}
		c.NotBefore, c.NotAfter, c.CreatedAt = fromMicros(nb), fromMicros(na), fromMicros(created)
		c.RetiredAt, c.RevokedAt = timeOrNil(retired), timeOrNil(revoked)
		if c.PrivateKey, err = db.openBytes(ctx, c.PrivateKey, sealPlace("pki_certificates", "private_key", c.Serial)); err != nil {
			return nil, err
		}
		out = append(out, &c)
	}
	return out, mapErr(rows.Err(), "certificates")
}

// RetireCertificate implements pki.Store.
func (db *DB) RetireCertificate(ctx context.Context, serial string, at time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE pki_certificates SET retired_at = $2 WHERE serial = $1 AND retired_at IS NULL`,
			serial, micros(at))
		return affected(res, err, "retire certificate", apperr.E(apperr.NotFound, "no certificate %s in use", serial))
	})
}

// RevokeCertificate implements pki.Store.
func (db *DB) RevokeCertificate(ctx context.Context, serial, reason string, at time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE pki_certificates SET revoked_at = $2, revoke_reason = $3
			WHERE serial = $1 AND revoked_at IS NULL`, serial, micros(at), reason)
		return affected(res, err, "revoke certificate", apperr.E(apperr.NotFound, "no unrevoked certificate %s", serial))
	})
}

// AddCRL implements pki.Store.
func (db *DB) AddCRL(ctx context.Context, c *pki.CRL) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO pki_crls (number, issuer, der, this_update, next_update)
			VALUES ($1, $2, $3, $4, $5)`, c.Number, c.Issuer, c.DER, micros(c.ThisUpdate), micros(c.NextUpdate))
		return mapErr(err, "add CRL")
	})
}

// LatestCRL implements pki.Store.
func (db *DB) LatestCRL(ctx context.Context) (*pki.CRL, error) {
	var c pki.CRL
	var this, next int64
	err := db.read.QueryRowContext(ctx, `SELECT number, issuer, der, this_update, next_update FROM pki_crls
		ORDER BY number DESC LIMIT 1`).Scan(&c.Number, &c.Issuer, &c.DER, &this, &next)
	if err != nil {
		return nil, mapErr(err, "CRL")
	}
	c.ThisUpdate, c.NextUpdate = fromMicros(this), fromMicros(next)
	return &c, nil
}
