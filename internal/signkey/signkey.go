// Package signkey keeps a P-256 signing key in the database's secrets,
// created on first use, so that every node signs with the same key:
// the status lists of integrated documents and the portal's results use it.
package signkey

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"sync"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// Secrets keeps generated secrets (store.DB implements it).
type Secrets interface {
	LoadOrCreateSecret(ctx context.Context, name string, create func() ([]byte, error)) ([]byte, error)
}

// Stored is one key, loaded once per process; the zero value is ready.
type Stored struct {
	mu  sync.Mutex
	key *jose.JSONWebKey
}

// Load returns the key kept as the secret name (ES256, its kid the JWK
// thumbprint), creating it in st on first use. One Stored holds one name.
func (s *Stored) Load(ctx context.Context, st Secrets, name string) (*jose.JSONWebKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	der, err := st.LoadOrCreateSecret(ctx, name, func() ([]byte, error) {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		return x509.MarshalPKCS8PrivateKey(k)
	})
	if err != nil {
		return nil, err
	}
	priv, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, apperr.Wrap(err, "parse signing key "+name)
	}
	k := &jose.JSONWebKey{Key: priv, Algorithm: string(jose.ES256), Use: "sig"}
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, apperr.Wrap(err, "signing key thumbprint")
	}
	k.KeyID = base64.RawURLEncoding.EncodeToString(tp)
	s.key = k
	return k, nil
}
