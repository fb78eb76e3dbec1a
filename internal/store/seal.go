package store

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"sync"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// Secrets that must be read back — TOTP seeds of citizens and officers,
// the OpenID provider's and the card signers' private keys, and the
// secrets table's keys (the access log's, the result signer's, the web's)
// — are sealed at rest with AES-256-GCM, bound by its additional data to
// their row and column so that a sealed value copied elsewhere does not
// open. The key comes from SetSealKey (a file outside the database, in
// production) or, failing that, is generated once and kept in the secrets
// table: then a stolen copy of the TOTP columns alone is still useless.
// Values written before sealing (no prefix) are read as they are.

// sealPrefix marks a sealed value: version 1, base64 of nonce ‖ sealed.
const sealPrefix = "sealed:v1:"

// sealKeyName is the secrets-table entry of a generated key.
const sealKeyName = "totp_seal_key"

// sealState is the DB's sealing key, loaded once.
type sealState struct {
	mu   sync.Mutex
	aead cipher.AEAD
}

// SetSealKey sets the 32-byte key that seals secrets at rest, instead of
// one kept in the database.
func (db *DB) SetSealKey(key []byte) error {
	aead, err := newSealAEAD(key)
	if err != nil {
		return err
	}
	db.seal.mu.Lock()
	db.seal.aead = aead
	db.seal.mu.Unlock()
	return nil
}

func newSealAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("the sealing key must be 32 bytes, not %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// sealer returns the AEAD, loading or creating the database's key on
// first use when none was set.
func (db *DB) sealer(ctx context.Context) (cipher.AEAD, error) {
	db.seal.mu.Lock()
	defer db.seal.mu.Unlock()
	if db.seal.aead != nil {
		return db.seal.aead, nil
	}
	key, err := db.LoadOrCreateSecret(ctx, sealKeyName, func() ([]byte, error) {
		k := make([]byte, 32)
		_, err := rand.Read(k)
		return k, err
	})
	if err != nil {
		return nil, err
	}
	if db.seal.aead, err = newSealAEAD(key); err != nil {
		return nil, apperr.Wrap(err, "sealing key")
	}
	return db.seal.aead, nil
}

// sealValue seals plain for the place named by where (table, column,
// row); "" stays "" (no secret).
func (db *DB) sealValue(ctx context.Context, plain, where string) (string, error) {
	out, err := db.sealBytes(ctx, []byte(plain), where)
	return string(out), err
}

// openValue opens a value sealed for where; an unsealed one is returned
// as it is.
func (db *DB) openValue(ctx context.Context, stored, where string) (string, error) {
	out, err := db.openBytes(ctx, []byte(stored), where)
	return string(out), err
}

// sealBytes is sealValue for binary secrets (private keys); empty stays
// empty.
func (db *DB) sealBytes(ctx context.Context, plain []byte, where string) ([]byte, error) {
	if len(plain) == 0 {
		return plain, nil
	}
	aead, err := db.sealer(ctx)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, apperr.Wrap(err, "seal")
	}
	out := aead.Seal(nonce, nonce, plain, []byte(where))
	return []byte(sealPrefix + base64.RawStdEncoding.EncodeToString(out)), nil
}

// openBytes is openValue for binary secrets.
func (db *DB) openBytes(ctx context.Context, stored []byte, where string) ([]byte, error) {
	rest, ok := bytes.CutPrefix(stored, []byte(sealPrefix))
	if !ok {
		return stored, nil
	}
	aead, err := db.sealer(ctx)
	if err != nil {
		return nil, err
	}
	raw, err := base64.RawStdEncoding.DecodeString(string(rest))
	if err != nil || len(raw) < aead.NonceSize() {
		return nil, apperr.E(apperr.Internal, "a sealed secret is damaged")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(where))
	if err != nil {
		return nil, apperr.E(apperr.Internal, "a sealed secret does not open with this key (a sealing key file other than the one it was sealed with?)")
	}
	return plain, nil
}
