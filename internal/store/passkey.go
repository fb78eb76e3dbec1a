package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/eid"
)

// Interface check: *DB stores passkeys.
var _ eid.PasskeyStore = (*DB)(nil)

// CreateEIDPasskeyCeremony stores a passkey ceremony.
func (db *DB) CreateEIDPasskeyCeremony(ctx context.Context, c *eid.PasskeyCeremony) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO eid_passkey_ceremonies (id, kind, account_id, session, expires_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, c.ID, c.Kind, nullable(c.AccountID), string(c.Session),
			micros(c.ExpiresAt), micros(c.CreatedAt))
		return mapErr(err, "passkey ceremony")
	})
}

// TakeEIDPasskeyCeremony uses up a ceremony in one statement, so that of
// two finishes racing for it only one gets it.
func (db *DB) TakeEIDPasskeyCeremony(ctx context.Context, id, kind, accountID string, now time.Time) (*eid.PasskeyCeremony, error) {
	c := &eid.PasskeyCeremony{ID: id, Kind: kind, AccountID: accountID}
	err := db.inTx(ctx, func(tx *Tx) error {
		var session string
		var expires, created int64
		err := tx.QueryRowContext(ctx, `UPDATE eid_passkey_ceremonies SET used_at = $4
			WHERE id = $1 AND kind = $2 AND COALESCE(account_id, '') = $3 AND used_at IS NULL AND expires_at > $4
			RETURNING session, expires_at, created_at`, id, kind, accountID, micros(now)).Scan(&session, &expires, &created)
		if err == sql.ErrNoRows {
			return apperr.E(apperr.PasskeyCeremonyNotFound, "no such passkey ceremony, or it was already used or has expired: start again")
		}
		if err != nil {
			return mapErr(err, "passkey ceremony")
		}
		used := now
		c.Session, c.ExpiresAt, c.CreatedAt, c.UsedAt = []byte(session), fromMicros(expires), fromMicros(created), &used
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

const eidPasskeyColumns = `id, account_id, credential_id, public_key, sign_count, transports, aaguid, attestation_format,
	user_verified, backup_eligible, backup_state, name, created_at, last_used_at, revoked_at`

func scanEIDPasskey(row scanner) (*eid.Passkey, error) {
	var p eid.Passkey
	var credID, aaguid []byte
	var signCount, created int64
	var transports string
	var used, revoked sql.NullInt64
	if err := row.Scan(&p.ID, &p.AccountID, &credID, &p.PublicKey, &signCount, &transports, &aaguid, &p.AttestationFormat,
		&p.UserVerified, &p.BackupEligible, &p.BackedUp, &p.Name, &created, &used, &revoked); err != nil {
		return nil, err
	}
	p.CredentialID, p.SignCount = credID, uint32(signCount)
	p.Transports = []string{}
	if transports != "" {
		p.Transports = strings.Split(transports, ",")
	}
	if id, err := uuid.FromBytes(aaguid); err == nil {
		p.AAGUID = id
	}
	p.CreatedAt, p.LastUsedAt, p.RevokedAt = fromMicros(created), timeOrNil(used), timeOrNil(revoked)
	return &p, nil
}

// CreateEIDPasskey stores a passkey; a credential ID already stored is a
// conflict (mapErr).
func (db *DB) CreateEIDPasskey(ctx context.Context, p *eid.Passkey) error {
	var aaguid any
	if p.AAGUID != uuid.Nil {
		aaguid = p.AAGUID[:]
	}
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO eid_passkeys (id, account_id, credential_id, public_key, sign_count, transports,
			aaguid, attestation_format, user_verified, backup_eligible, backup_state, name, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			p.ID, p.AccountID, []byte(p.CredentialID), p.PublicKey, int64(p.SignCount), strings.Join(p.Transports, ","),
			aaguid, p.AttestationFormat, p.UserVerified, p.BackupEligible, p.BackedUp, p.Name, micros(p.CreatedAt))
		return mapErr(err, "passkey")
	})
}

// EIDPasskeys returns an account's passkeys that are not removed, newest
// first.
func (db *DB) EIDPasskeys(ctx context.Context, accountID string) ([]eid.Passkey, error) {
	out := []eid.Passkey{}
	err := db.inReadTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+eidPasskeyColumns+` FROM eid_passkeys
			WHERE account_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, id`, accountID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanEIDPasskey(rows)
			if err != nil {
				return err
			}
			out = append(out, *p)
		}
		return rows.Err()
	})
	return out, mapErr(err, "passkeys")
}

// EIDPasskeyByCredential returns the passkey of a credential ID.
func (db *DB) EIDPasskeyByCredential(ctx context.Context, credentialID []byte) (*eid.Passkey, error) {
	p, err := scanEIDPasskey(db.read.QueryRowContext(ctx, `SELECT `+eidPasskeyColumns+` FROM eid_passkeys
		WHERE credential_id = $1`, credentialID))
	return p, mapErr(err, "passkey")
}

// UseEIDPasskey records a login with a passkey. The counter must move
// forward (or stay zero, for authenticators that keep none), which also
// lets only one of two logins racing with the same assertion through.
func (db *DB) UseEIDPasskey(ctx context.Context, id string, signCount uint32, backedUp bool, now time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE eid_passkeys SET sign_count = $2, backup_state = $3, last_used_at = $4
			WHERE id = $1 AND revoked_at IS NULL AND (sign_count < $2 OR (sign_count = 0 AND $2 = 0))`,
			id, int64(signCount), backedUp, micros(now))
		return affected(res, err, "use passkey", apperr.E(apperr.NotFound, "no such passkey, or its counter did not move forward"))
	})
}

// RevokeEIDPasskey removes a passkey of the account.
func (db *DB) RevokeEIDPasskey(ctx context.Context, accountID, id string, now time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE eid_passkeys SET revoked_at = $3 WHERE id = $2 AND account_id = $1 AND revoked_at IS NULL`,
			accountID, id, micros(now))
		return affected(res, err, "remove passkey", apperr.E(apperr.NotFound, "no such passkey"))
	})
}
