package oidc

import (
	"context"
	"sync"
	"time"
)

// clientCacheTTL is how long a client's registration is served from
// memory: token and introspection requests read it every time. Disabling a
// client or rotating its secret takes effect on every node within it.
const clientCacheTTL = 5 * time.Second

// clientCache keeps recently read clients.
type clientCache struct {
	mu      sync.Mutex
	entries map[string]clientEntry
}

type clientEntry struct {
	c    *Client
	read time.Time
}

// get returns the client from the cache or the store.
func (cc *clientCache) get(ctx context.Context, s Store, id string, now time.Time) (*Client, error) {
	cc.mu.Lock()
	e, ok := cc.entries[id]
	cc.mu.Unlock()
	if ok && now.Sub(e.read) < clientCacheTTL && now.Sub(e.read) >= 0 {
		return e.c, nil
	}
	c, err := s.OIDCClient(ctx, id)
	if err != nil {
		return nil, err
	}
	cc.mu.Lock()
	if cc.entries == nil || len(cc.entries) > 10000 {
		cc.entries = map[string]clientEntry{}
	}
	cc.entries[id] = clientEntry{c: c, read: now}
	cc.mu.Unlock()
	return c, nil
}

// tokenCacheTTL is how long a partner's access token is served from memory
// by the partner APIs, which read it on every call: a revoked token may
// work on a node for up to this long (introspection and userinfo always
// read the database).
const tokenCacheTTL = 3 * time.Second

// tokenCache keeps recently checked access tokens by hash.
type tokenCache struct {
	mu      sync.Mutex
	entries map[string]tokenEntry
}

type tokenEntry struct {
	t    *Token
	read time.Time
}

// get returns the token from the cache or the store.
func (tc *tokenCache) get(ctx context.Context, s Store, hash []byte, now time.Time) (*Token, error) {
	key := string(hash)
	tc.mu.Lock()
	e, ok := tc.entries[key]
	tc.mu.Unlock()
	if ok && now.Sub(e.read) < tokenCacheTTL && now.Sub(e.read) >= 0 {
		return e.t, nil
	}
	t, err := s.OIDCToken(ctx, hash)
	if err != nil {
		return nil, err
	}
	tc.mu.Lock()
	if tc.entries == nil || len(tc.entries) > 100000 {
		tc.entries = map[string]tokenEntry{}
	}
	tc.entries[key] = tokenEntry{t: t, read: now}
	tc.mu.Unlock()
	return t, nil
}
