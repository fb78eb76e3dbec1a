package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/oidc"
)

// This file implements oidc.Store.
var _ oidc.Store = (*DB)(nil)

// CreateOIDCClient implements oidc.Store.
func (db *DB) CreateOIDCClient(ctx context.Context, c *oidc.Client) error {
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO oidc_clients (id, data, secret_hash, disabled, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5)`, c.ID, string(data), c.SecretHash, c.Disabled, micros(c.CreatedAt))
		return mapErr(err, "client "+c.ID)
	})
}

// UpdateOIDCClient implements oidc.Store.
func (db *DB) UpdateOIDCClient(ctx context.Context, c *oidc.Client) error {
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE oidc_clients SET data = $2, secret_hash = $3, disabled = $4, updated_at = $5
			WHERE id = $1`, c.ID, string(data), c.SecretHash, c.Disabled, micros(tx.Now()))
		if err != nil {
			return mapErr(err, "client "+c.ID)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.NotFound, "no client %q", c.ID)
		}
		return nil
	})
}

// OIDCClient implements oidc.Store. Like OIDCToken it is one statement
// on the pool, without a transaction: it runs on every token request.
func (db *DB) OIDCClient(ctx context.Context, id string) (*oidc.Client, error) {
	c, err := scanClient(db.read.QueryRowContext(ctx, `SELECT data, secret_hash, disabled FROM oidc_clients WHERE id = $1`, id))
	if err != nil {
		return nil, mapErr(err, "client")
	}
	return c, nil
}

// OIDCClients implements oidc.Store.
func (db *DB) OIDCClients(ctx context.Context) ([]*oidc.Client, error) {
	var out []*oidc.Client
	err := db.inReadTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT data, secret_hash, disabled FROM oidc_clients ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanClient(rows)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, mapErr(err, "clients")
}

func scanClient(row scanner) (*oidc.Client, error) {
	var data string
	var c oidc.Client
	if err := row.Scan(&data, &c.SecretHash, &c.Disabled); err != nil {
		return nil, err
	}
	disabled, hash := c.Disabled, c.SecretHash
	if err := json.Unmarshal([]byte(data), &c); err != nil {
		return nil, err
	}
	c.Disabled, c.SecretHash = disabled, hash
	return &c, nil
}

// OIDCSigningKeys implements oidc.Store.
func (db *DB) OIDCSigningKeys(ctx context.Context, now time.Time) ([]*oidc.SigningKey, error) {
	var out []*oidc.SigningKey
	err := db.inReadTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT kid, alg, private_key, created_at, use_from, retire_at, expires_at
			FROM oidc_signing_keys WHERE expires_at IS NULL OR expires_at > $1 ORDER BY use_from DESC, created_at DESC`, micros(now))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k oidc.SigningKey
			var created, useFrom int64
			var retire, expires sql.NullInt64
			if err := rows.Scan(&k.ID, &k.Algorithm, &k.Private, &created, &useFrom, &retire, &expires); err != nil {
				return err
			}
			k.CreatedAt, k.UseFrom = fromMicros(created), fromMicros(useFrom)
			k.RetireAt, k.ExpiresAt = optTime(retire), optTime(expires)
			out = append(out, &k)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, mapErr(err, "signing keys")
	}
	for _, k := range out {
		if k.Private, err = db.openBytes(ctx, k.Private, sealPlace("oidc_signing_keys", "private_key", k.ID)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AddOIDCSigningKey implements oidc.Store.
func (db *DB) AddOIDCSigningKey(ctx context.Context, k *oidc.SigningKey, expireOld time.Time) error {
	private, err := db.sealBytes(ctx, k.Private, sealPlace("oidc_signing_keys", "private_key", k.ID))
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE oidc_signing_keys SET retire_at = $1, expires_at = $2
			WHERE retire_at IS NULL`, micros(k.UseFrom), micros(expireOld)); err != nil {
			return mapErr(err, "retire signing keys")
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO oidc_signing_keys (kid, alg, private_key, created_at, use_from)
			VALUES ($1, $2, $3, $4, $5)`, k.ID, k.Algorithm, private, micros(k.CreatedAt), micros(k.UseFrom))
		return mapErr(err, "signing key")
	})
}

const authRequestColumns = `id, client_id, request, pushed, csrf, dpop_jkt, created_at, expires_at, account_id, session_id,
	subject, auth_time, acr, amr, consented, scopes, code_hash, code_expires_at, code_used_at`

// CreateOIDCAuthRequest implements oidc.Store.
func (db *DB) CreateOIDCAuthRequest(ctx context.Context, a *oidc.AuthRequest) error {
	req, err := json.Marshal(a.Request)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO oidc_auth_requests (id, client_id, request, pushed, csrf, dpop_jkt,
			created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			a.ID, a.ClientID, string(req), a.Pushed, a.CSRF, a.DPoPJKT, micros(a.CreatedAt), micros(a.ExpiresAt))
		return mapErr(err, "authorization request")
	})
}

// OIDCAuthRequest implements oidc.Store.
func (db *DB) OIDCAuthRequest(ctx context.Context, id string) (*oidc.AuthRequest, error) {
	return db.authRequestWhere(ctx, `id = $1`, id)
}

// OIDCAuthRequestByCode implements oidc.Store.
func (db *DB) OIDCAuthRequestByCode(ctx context.Context, codeHash []byte) (*oidc.AuthRequest, error) {
	return db.authRequestWhere(ctx, `code_hash = $1`, codeHash)
}

func (db *DB) authRequestWhere(ctx context.Context, where string, arg any) (*oidc.AuthRequest, error) {
	var a oidc.AuthRequest
	err := db.inReadTx(ctx, func(tx *Tx) error {
		var req, amr, scopes string
		var created, expires, authTime, codeExpires int64
		var used sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT `+authRequestColumns+` FROM oidc_auth_requests WHERE `+where, arg).Scan(
			&a.ID, &a.ClientID, &req, &a.Pushed, &a.CSRF, &a.DPoPJKT, &created, &expires, &a.AccountID, &a.SessionID,
			&a.Subject, &authTime, &a.ACR, &amr, &a.Consented, &scopes, &a.CodeHash, &codeExpires, &used)
		if err != nil {
			return err
		}
		a.CreatedAt, a.ExpiresAt, a.CodeExpiresAt = fromMicros(created), fromMicros(expires), fromMicros(codeExpires)
		if authTime != 0 {
			a.AuthTime = fromMicros(authTime)
		}
		a.AMR, a.Scopes, a.CodeUsedAt = strings.Fields(amr), strings.Fields(scopes), optTime(used)
		if err := json.Unmarshal([]byte(req), &a.Request); err != nil {
			return err
		}
		oidc.CleanRequest(&a.Request)
		return nil
	})
	if err != nil {
		return nil, mapErr(err, "authorization request")
	}
	return &a, nil
}

// UpdateOIDCAuthRequest implements oidc.Store.
func (db *DB) UpdateOIDCAuthRequest(ctx context.Context, a *oidc.AuthRequest) error {
	var authTime int64
	if !a.AuthTime.IsZero() {
		authTime = micros(a.AuthTime)
	}
	var codeExpires int64
	if !a.CodeExpiresAt.IsZero() {
		codeExpires = micros(a.CodeExpiresAt)
	}
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE oidc_auth_requests SET expires_at = $2, account_id = $3, session_id = $4,
			subject = $5, auth_time = $6, acr = $7, amr = $8, consented = $9, scopes = $10, code_hash = $11,
			code_expires_at = $12 WHERE id = $1`, a.ID, micros(a.ExpiresAt), a.AccountID, a.SessionID, a.Subject, authTime,
			a.ACR, strings.Join(a.AMR, " "), a.Consented, strings.Join(a.Scopes, " "), a.CodeHash, codeExpires)
		return mapErr(err, "authorization request")
	})
}

// UseOIDCCode implements oidc.Store.
func (db *DB) UseOIDCCode(ctx context.Context, id string, at time.Time) (bool, error) {
	var fresh bool
	err := db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE oidc_auth_requests SET code_used_at = $2 WHERE id = $1 AND code_used_at IS NULL`,
			id, micros(at))
		if err != nil {
			return mapErr(err, "use code")
		}
		n, _ := res.RowsAffected()
		fresh = n == 1
		return nil
	})
	return fresh, err
}

const tokenColumns = `hash, kind, client_id, account_id, subject, scopes, acr, amr, auth_time, family, auth_request_id,
	session_id, jkt, issued_at, expires_at, revoked_at, rotated_at`

// InsertOIDCTokens implements oidc.Store.
func (db *DB) InsertOIDCTokens(ctx context.Context, ts ...*oidc.Token) error {
	return db.inTx(ctx, func(tx *Tx) error { return insertTokens(ctx, tx, ts) })
}

func insertTokens(ctx context.Context, tx *Tx, ts []*oidc.Token) error {
	for _, t := range ts {
		var authTime int64
		if !t.AuthTime.IsZero() {
			authTime = micros(t.AuthTime)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO oidc_tokens (hash, kind, client_id, account_id, subject, scopes, acr, amr,
			auth_time, family, auth_request_id, session_id, jkt, issued_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
			t.Hash, t.Kind, t.ClientID, t.AccountID, t.Subject, strings.Join(t.Scopes, " "), t.ACR, strings.Join(t.AMR, " "),
			authTime, t.Family, t.AuthRequestID, t.SessionID, t.JKT, micros(t.IssuedAt), micros(t.ExpiresAt))
		if err != nil {
			return mapErr(err, "insert token")
		}
	}
	return nil
}

// OIDCToken implements oidc.Store.
func (db *DB) OIDCToken(ctx context.Context, hash []byte) (*oidc.Token, error) {
	var t oidc.Token
	var scopes, amr string
	var authTime, issued, expires int64
	var revoked, rotated sql.NullInt64
	err := db.read.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM oidc_tokens WHERE hash = $1`, hash).Scan(
		&t.Hash, &t.Kind, &t.ClientID, &t.AccountID, &t.Subject, &scopes, &t.ACR, &amr, &authTime, &t.Family,
		&t.AuthRequestID, &t.SessionID, &t.JKT, &issued, &expires, &revoked, &rotated)
	if err != nil {
		return nil, mapErr(err, "token")
	}
	t.Scopes, t.AMR = strings.Fields(scopes), strings.Fields(amr)
	if authTime != 0 {
		t.AuthTime = fromMicros(authTime)
	}
	t.IssuedAt, t.ExpiresAt = fromMicros(issued), fromMicros(expires)
	t.RevokedAt, t.RotatedAt = optTime(revoked), optTime(rotated)
	return &t, nil
}

// RotateOIDCRefresh implements oidc.Store.
func (db *DB) RotateOIDCRefresh(ctx context.Context, old []byte, at time.Time, successors ...*oidc.Token) (bool, error) {
	var ok bool
	err := db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE oidc_tokens SET rotated_at = $2
			WHERE hash = $1 AND kind = 'refresh' AND rotated_at IS NULL AND revoked_at IS NULL`, old, micros(at))
		if err != nil {
			return mapErr(err, "rotate refresh token")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
		}
		ok = true
		return insertTokens(ctx, tx, successors)
	})
	return ok, err
}

// RevokeOIDCToken implements oidc.Store.
func (db *DB) RevokeOIDCToken(ctx context.Context, hash []byte, at time.Time) error {
	return db.revokeWhere(ctx, `hash = $2`, hash, at)
}

// RevokeOIDCFamily implements oidc.Store.
func (db *DB) RevokeOIDCFamily(ctx context.Context, family string, at time.Time) error {
	if family == "" {
		return nil
	}
	return db.revokeWhere(ctx, `family = $2`, family, at)
}

// RevokeOIDCByAuthRequest implements oidc.Store.
func (db *DB) RevokeOIDCByAuthRequest(ctx context.Context, id string, at time.Time) error {
	return db.revokeWhere(ctx, `auth_request_id = $2`, id, at)
}

func (db *DB) revokeWhere(ctx context.Context, where string, arg any, at time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE oidc_tokens SET revoked_at = $1 WHERE revoked_at IS NULL AND `+where, micros(at), arg)
		return mapErr(err, "revoke tokens")
	})
}

// RevokeOIDCBySession implements oidc.Store.
func (db *DB) RevokeOIDCBySession(ctx context.Context, sessionID string, at time.Time) ([]string, error) {
	var clients []string
	err := db.inTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT client_id FROM oidc_tokens WHERE session_id = $1 ORDER BY client_id`, sessionID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return err
			}
			clients = append(clients, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE oidc_tokens SET revoked_at = $1 WHERE revoked_at IS NULL AND session_id = $2`,
			micros(at), sessionID)
		return err
	})
	return clients, mapErr(err, "revoke session tokens")
}

// OIDCConsent implements oidc.Store.
func (db *DB) OIDCConsent(ctx context.Context, accountID, clientID string) (*oidc.Consent, error) {
	var c *oidc.Consent
	err := db.inReadTx(ctx, func(tx *Tx) error {
		var err error
		c, err = scanConsent(tx.QueryRowContext(ctx, `SELECT account_id, client_id, scopes, granted_at, revoked_at
			FROM oidc_consents WHERE account_id = $1 AND client_id = $2`, accountID, clientID))
		return err
	})
	if err != nil {
		return nil, mapErr(err, "consent")
	}
	return c, nil
}

// OIDCConsents implements oidc.Store.
func (db *DB) OIDCConsents(ctx context.Context, accountID string) ([]*oidc.Consent, error) {
	var out []*oidc.Consent
	err := db.inReadTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT account_id, client_id, scopes, granted_at, revoked_at
			FROM oidc_consents WHERE account_id = $1 ORDER BY client_id`, accountID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanConsent(rows)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, mapErr(err, "consents")
}

func scanConsent(row scanner) (*oidc.Consent, error) {
	var c oidc.Consent
	var scopes string
	var granted int64
	var revoked sql.NullInt64
	if err := row.Scan(&c.AccountID, &c.ClientID, &scopes, &granted, &revoked); err != nil {
		return nil, err
	}
	c.Scopes, c.GrantedAt, c.RevokedAt = strings.Fields(scopes), fromMicros(granted), optTime(revoked)
	return &c, nil
}

// SaveOIDCConsent implements oidc.Store.
func (db *DB) SaveOIDCConsent(ctx context.Context, c *oidc.Consent) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO oidc_consents (account_id, client_id, scopes, granted_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, client_id)
			DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at, revoked_at = NULL`,
			c.AccountID, c.ClientID, strings.Join(c.Scopes, " "), micros(c.GrantedAt))
		return mapErr(err, "consent")
	})
}

// RevokeOIDCConsent implements oidc.Store: the consent ends and so do the
// tokens the client holds for the account.
func (db *DB) RevokeOIDCConsent(ctx context.Context, accountID, clientID string, at time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE oidc_consents SET revoked_at = $3
			WHERE account_id = $1 AND client_id = $2 AND revoked_at IS NULL`, accountID, clientID, micros(at))
		if err != nil {
			return mapErr(err, "revoke consent")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.NotFound, "no consent for client %q", clientID)
		}
		_, err = tx.ExecContext(ctx, `UPDATE oidc_tokens SET revoked_at = $3
			WHERE account_id = $1 AND client_id = $2 AND revoked_at IS NULL`, accountID, clientID, micros(at))
		return mapErr(err, "revoke consent tokens")
	})
}

// UseOIDCOnce implements oidc.Store. Expired values are swept as it goes.
func (db *DB) UseOIDCOnce(ctx context.Context, key string, expires time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		now := micros(tx.Now())
		res, err := tx.ExecContext(ctx, `INSERT INTO oidc_once (key, expires_at) VALUES ($1, $2)
			ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE oidc_once.expires_at <= $3`,
			key, micros(expires), now)
		if err != nil {
			return mapErr(err, "one-time value")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.Conflict, "one-time value already used")
		}
		return nil
	})
}

// optTime converts a nullable micros column.
func optTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

// PruneOIDC implements oidc.Store.
func (db *DB) PruneOIDC(ctx context.Context, cutoff time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		for _, q := range []string{
			`DELETE FROM oidc_auth_requests WHERE expires_at < $1 AND (code_expires_at = 0 OR code_expires_at < $1)`,
			`DELETE FROM oidc_tokens WHERE expires_at < $1`,
			`DELETE FROM oidc_once WHERE expires_at < $1`,
		} {
			if _, err := tx.ExecContext(ctx, q, micros(cutoff)); err != nil {
				return mapErr(err, "prune OIDC tables")
			}
		}
		return nil
	})
}
