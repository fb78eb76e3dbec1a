package store

import (
	"context"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/idempotency"
)

var _ idempotency.Store = (*DB)(nil)

// ClaimIdempotencyKey records that actor is making a request with key. If
// the key was used before it returns the earlier request's record instead
// (claimed == false).
func (db *DB) ClaimIdempotencyKey(ctx context.Context, actor, key, reqHash string) (prev *idempotency.Response, claimed bool, err error) {
	err = db.inTx(ctx, func(tx *Tx) error {
		var r idempotency.Response
		e := tx.QueryRowContext(ctx, `SELECT request_hash, status, response FROM idempotency_keys WHERE actor = $1 AND key = $2`,
			actor, key).Scan(&r.RequestHash, &r.Status, &r.Body)
		if e == nil {
			prev = &r
			return nil
		}
		if !apperr.Is(mapErr(e, "idempotency key"), apperr.NotFound) {
			return mapErr(e, "idempotency key")
		}
		_, e = tx.ExecContext(ctx, `INSERT INTO idempotency_keys (actor, key, request_hash, status, created_at) VALUES ($1, $2, $3, 0, $4)`,
			actor, key, reqHash, micros(tx.Now()))
		claimed = e == nil
		return mapErr(e, "claim idempotency key")
	})
	return prev, claimed, err
}

// CompleteIdempotencyKey stores the answer to a claimed request.
func (db *DB) CompleteIdempotencyKey(ctx context.Context, actor, key string, status int, body []byte) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET status = $3, response = $4 WHERE actor = $1 AND key = $2`,
			actor, key, status, body)
		return mapErr(err, "complete idempotency key")
	})
}

// ReleaseIdempotencyKey forgets a claim whose request failed before it
// changed anything, so that the client may retry with the same key.
func (db *DB) ReleaseIdempotencyKey(ctx context.Context, actor, key string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE actor = $1 AND key = $2 AND status = 0`, actor, key)
		return mapErr(err, "release idempotency key")
	})
}
