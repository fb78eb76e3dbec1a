package oidc

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// SigningAlgorithm signs ID tokens and logout tokens: ES256 is one of the
// algorithms FAPI 2.0 allows and signs far faster than RSA.
const SigningAlgorithm = jose.ES256

// keyCacheTTL is how long the key set is served from memory. Rotation
// publishes a key well before it signs, so a node that learns of it this
// late still publishes it in time.
const keyCacheTTL = 10 * time.Second

// keyring keeps the signing keys, cached.
type keyring struct {
	store Store
	now   func() time.Time

	mu      sync.Mutex
	keys    []*SigningKey
	signers map[string]crypto.Signer
	loaded  time.Time
}

// newKey generates a P-256 key that signs from useFrom.
func newKey(now, useFrom time.Time) (*SigningKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("encode signing key: %w", err)
	}
	id := make([]byte, 12)
	rand.Read(id)
	return &SigningKey{ID: base64.RawURLEncoding.EncodeToString(id), Algorithm: string(SigningAlgorithm),
		Private: der, CreatedAt: now, UseFrom: useFrom}, nil
}

// load returns the keys not expired and their signers, from the cache when
// it is fresh.
func (k *keyring) load(ctx context.Context) ([]*SigningKey, map[string]crypto.Signer, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	if k.keys != nil && now.Sub(k.loaded) < keyCacheTTL {
		return k.keys, k.signers, nil
	}
	keys, err := k.store.OIDCSigningKeys(ctx, now)
	if err != nil {
		return nil, nil, err
	}
	if len(keys) == 0 {
		// First start: a key that signs at once (nothing to roll over from).
		first, err := newKey(now, now)
		if err != nil {
			return nil, nil, err
		}
		if err := k.store.AddOIDCSigningKey(ctx, first, now); err != nil {
			return nil, nil, err
		}
		if keys, err = k.store.OIDCSigningKeys(ctx, now); err != nil {
			return nil, nil, err
		}
	}
	signers := make(map[string]crypto.Signer, len(keys))
	for _, key := range keys {
		priv, err := x509.ParsePKCS8PrivateKey(key.Private)
		if err != nil {
			return nil, nil, fmt.Errorf("signing key %s: %w", key.ID, err)
		}
		s, ok := priv.(crypto.Signer)
		if !ok {
			return nil, nil, fmt.Errorf("signing key %s cannot sign", key.ID)
		}
		signers[key.ID] = s
	}
	k.keys, k.signers, k.loaded = keys, signers, now
	return keys, signers, nil
}

// forget drops the cache, after a rotation by this process.
func (k *keyring) forget() {
	k.mu.Lock()
	k.keys = nil
	k.mu.Unlock()
}

// current returns the key that signs now: the newest whose UseFrom has
// come and that is not retired.
func (k *keyring) current(ctx context.Context) (jose.SigningKey, error) {
	keys, signers, err := k.load(ctx)
	if err != nil {
		return jose.SigningKey{}, err
	}
	now := k.now()
	for _, key := range keys { // newest first
		if key.UseFrom.After(now) || (key.RetireAt != nil && !now.Before(*key.RetireAt)) {
			continue
		}
		return jose.SigningKey{Algorithm: jose.SignatureAlgorithm(key.Algorithm),
			Key: jose.JSONWebKey{Key: signers[key.ID], KeyID: key.ID, Algorithm: key.Algorithm, Use: "sig"}}, nil
	}
	return jose.SigningKey{}, apperr.E(apperr.Unavailable, "no signing key in use")
}

// publicSet returns the published key set: every key not expired,
// including one not yet signing.
func (k *keyring) publicSet(ctx context.Context) (*jose.JSONWebKeySet, error) {
	keys, signers, err := k.load(ctx)
	if err != nil {
		return nil, err
	}
	set := &jose.JSONWebKeySet{}
	for _, key := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: signers[key.ID].Public(), KeyID: key.ID,
			Algorithm: key.Algorithm, Use: "sig"})
	}
	return set, nil
}

// RotateKeys adds a key that is published now and signs from
// now+publish; the key in use signs until then and stays published for
// keep more (the longest lifetime of what it signed). Nodes see the new
// key within keyCacheTTL.
func RotateKeys(ctx context.Context, s Store, now time.Time, publish, keep time.Duration) (*SigningKey, error) {
	if publish < keyCacheTTL {
		return nil, apperr.E(apperr.Invalid, "publish a new key at least %s before it signs", keyCacheTTL)
	}
	if keep < idTokenTTL {
		return nil, apperr.E(apperr.Invalid, "keep the old key published at least %s, the ID token lifetime", idTokenTTL)
	}
	key, err := newKey(now, now.Add(publish))
	if err != nil {
		return nil, err
	}
	if err := s.AddOIDCSigningKey(ctx, key, key.UseFrom.Add(keep)); err != nil {
		return nil, err
	}
	return key, nil
}

// SignDetached signs body with the key in use as a JWS with a detached
// payload (RFC 7515 Appendix F): "header..signature". Receivers of
// dancu's webhooks verify it with the key set at /oauth/jwks.
func (p *Provider) SignDetached(ctx context.Context, body []byte) (string, error) {
	key, err := p.keys.current(ctx)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(key, nil)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(body)
	if err != nil {
		return "", err
	}
	return jws.DetachedCompactSerialize()
}
