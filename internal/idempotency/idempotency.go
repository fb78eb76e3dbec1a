// Package idempotency names what makes a write happen once however often
// it is sent: partners' Idempotency-Key headers, and the web forms'
// nonces. The keys are kept by the database (store.DB implements Store),
// so that every node sees them.
package idempotency

import "context"

// Response is a stored answer to a write.
type Response struct {
	RequestHash string
	Status      int // 0 while the first request is still running
	Body        []byte
}

// Store keeps claimed keys and their answers.
type Store interface {
	// ClaimIdempotencyKey records that actor is making a request with key.
	// If the key was used before it returns the earlier request's record
	// instead (claimed == false).
	ClaimIdempotencyKey(ctx context.Context, actor, key, reqHash string) (prev *Response, claimed bool, err error)
	// CompleteIdempotencyKey stores the answer to a claimed request.
	CompleteIdempotencyKey(ctx context.Context, actor, key string, status int, body []byte) error
	// ReleaseIdempotencyKey forgets a claim whose request failed before it
	// changed anything, so that the client may retry with the same key.
	ReleaseIdempotencyKey(ctx context.Context, actor, key string) error
}
