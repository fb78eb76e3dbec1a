package store

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
)

// CreateOfficer stores a new officer account.
func (db *DB) CreateOfficer(ctx context.Context, o *auth.Officer) error {
	if err := o.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		o.CreatedAt = tx.Now()
		_, err := tx.ExecContext(ctx, `INSERT INTO officers (username, full_name, role, unit_code, unit_level, disabled, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, o.Username, o.FullName, o.Role, o.UnitCode, string(o.UnitLevel), o.Disabled, micros(o.CreatedAt))
		return mapErr(err, "officer "+o.Username)
	})
}

// Officer returns an officer account.
func (db *DB) Officer(ctx context.Context, username string) (*auth.Officer, error) {
	var o auth.Officer
	err := db.inReadTx(ctx, func(tx *Tx) error {
		return scanOfficer(tx.QueryRowContext(ctx, `SELECT username, full_name, role, unit_code, unit_level, disabled, created_at
			FROM officers WHERE username = $1`, username), &o)
	})
	if err != nil {
		return nil, mapErr(err, "officer "+username)
	}
	return &o, nil
}

// Officers lists officer accounts by username.
func (db *DB) Officers(ctx context.Context) ([]*auth.Officer, error) {
	var out []*auth.Officer
	err := db.inReadTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT username, full_name, role, unit_code, unit_level, disabled, created_at
			FROM officers ORDER BY username`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var o auth.Officer
			if err := scanOfficer(rows, &o); err != nil {
				return err
			}
			out = append(out, &o)
		}
		return rows.Err()
	})
	return out, mapErr(err, "officers")
}

// SetOfficerDisabled disables or re-enables an account.
func (db *DB) SetOfficerDisabled(ctx context.Context, username string, disabled bool) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE officers SET disabled = $2 WHERE username = $1`, username, disabled)
		if err != nil {
			return mapErr(err, "officer")
		}
		db.tokens.forget()
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.NotFound, "no officer %q", username)
		}
		return nil
	})
}

type scanner interface{ Scan(...any) error }

func scanOfficer(row scanner, o *auth.Officer) error {
	var level string
	var created int64
	if err := row.Scan(&o.Username, &o.FullName, &o.Role, &o.UnitCode, &level, &o.Disabled, &created); err != nil {
		return err
	}
	o.UnitLevel, o.CreatedAt = auth.Level(level), fromMicros(created)
	return nil
}

// CreateToken stores a token (its secret's hash only).
func (db *DB) CreateToken(ctx context.Context, t *auth.Token) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (id, officer, name, secret_hash, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, t.ID, t.Officer, t.Name, t.SecretHash, micros(t.CreatedAt), micros(t.ExpiresAt))
		return mapErr(err, "token")
	})
}

// Tokens lists an officer's tokens.
func (db *DB) Tokens(ctx context.Context, officer string) ([]*auth.Token, error) {
	var out []*auth.Token
	err := db.inReadTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, officer, name, secret_hash, created_at, expires_at, revoked_at
			FROM api_tokens WHERE officer = $1 ORDER BY created_at`, officer)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanToken(rows)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, mapErr(err, "tokens")
}

// RevokeToken revokes a token by id.
func (db *DB) RevokeToken(ctx context.Context, id string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, micros(tx.Now()))
		if err != nil {
			return mapErr(err, "revoke token")
		}
		db.tokens.forget()
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.NotFound, "no active token %q", id)
		}
		return nil
	})
}

// Authenticate checks a clear-text bearer token and returns its officer.
// Verified tokens are cached for tokenCacheTTL so that a busy API does not
// read two rows per request; revocation and disabling through this node
// take effect at once, through another node within the TTL.
func (db *DB) Authenticate(ctx context.Context, bearer string) (*auth.Officer, error) {
	id, secret, err := auth.ParseToken(bearer)
	if err != nil {
		return nil, err
	}
	now := db.Now()
	if c, ok := db.tokens.get(id, now); ok {
		if err := c.token.Check(secret, now); err != nil {
			return nil, err
		}
		return c.officer, nil
	}
	var o auth.Officer
	var level string
	var created, tcreated, expires int64
	var revoked sql.NullInt64
	t := &auth.Token{}
	err = db.read.QueryRowContext(ctx, `SELECT t.id, t.officer, t.name, t.secret_hash, t.created_at, t.expires_at, t.revoked_at,
			o.username, o.full_name, o.role, o.unit_code, o.unit_level, o.disabled, o.created_at
		FROM api_tokens t JOIN officers o ON o.username = t.officer WHERE t.id = $1`, id).Scan(
		&t.ID, &t.Officer, &t.Name, &t.SecretHash, &tcreated, &expires, &revoked,
		&o.Username, &o.FullName, &o.Role, &o.UnitCode, &level, &o.Disabled, &created)
	if err == sql.ErrNoRows {
		return nil, apperr.E(apperr.Unauthorized, "invalid bearer token")
	}
	if err != nil {
		return nil, mapErr(err, "authenticate")
	}
	t.CreatedAt, t.ExpiresAt = fromMicros(tcreated), fromMicros(expires)
	if revoked.Valid {
		r := fromMicros(revoked.Int64)
		t.RevokedAt = &r
	}
	o.UnitLevel, o.CreatedAt = auth.Level(level), fromMicros(created)
	if err := t.Check(secret, now); err != nil {
		return nil, err
	}
	if o.Disabled {
		return nil, apperr.E(apperr.Unauthorized, "the account is disabled")
	}
	db.tokens.put(id, cachedToken{token: t, officer: &o, until: now.Add(tokenCacheTTL)})
	return &o, nil
}

// tokenCacheTTL bounds how long another node may accept a revoked token.
const tokenCacheTTL = 15 * time.Second

type cachedToken struct {
	token   *auth.Token
	officer *auth.Officer
	until   time.Time
}

// tokenCache holds recently verified tokens by id.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]cachedToken
}

func (c *tokenCache) get(id string, now time.Time) (cachedToken, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[id]
	if ok && now.After(v.until) {
		delete(c.m, id)
		ok = false
	}
	return v, ok
}

func (c *tokenCache) put(id string, v cachedToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 10000 {
		c.m = make(map[string]cachedToken) // bounded: start over rather than grow
	}
	c.m[id] = v
}

// forget drops every cached token (after a revocation or a disabled account).
func (c *tokenCache) forget() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}

func scanToken(row scanner) (*auth.Token, error) {
	var t auth.Token
	var created, expires int64
	var revoked sql.NullInt64
	if err := row.Scan(&t.ID, &t.Officer, &t.Name, &t.SecretHash, &created, &expires, &revoked); err != nil {
		return nil, err
	}
	t.CreatedAt, t.ExpiresAt = fromMicros(created), fromMicros(expires)
	if revoked.Valid {
		r := fromMicros(revoked.Int64)
		t.RevokedAt = &r
	}
	return &t, nil
}

// tokenTTL is the default lifetime of API tokens.
const tokenTTL = 90 * 24 * time.Hour

// IssueToken creates a token for an officer and returns its clear text.
func (db *DB) IssueToken(ctx context.Context, officer, name string, ttl time.Duration) (*auth.Token, string, error) {
	if _, err := db.Officer(ctx, officer); err != nil {
		return nil, "", err
	}
	if ttl <= 0 {
		ttl = tokenTTL
	}
	t, clear := auth.NewToken(officer, name, db.Now().UTC(), ttl)
	if err := db.CreateToken(ctx, t); err != nil {
		return nil, "", err
	}
	return t, clear, nil
}
