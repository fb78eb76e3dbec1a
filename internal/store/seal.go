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
	return sealWith(aead, plain, where)
}

func sealWith(aead cipher.AEAD, plain []byte, where string) ([]byte, error) {
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, apperr.Wrap(err, "seal")
	}
	out := aead.Seal(nonce, nonce, plain, []byte(where))
	return []byte(sealPrefix + base64.RawStdEncoding.EncodeToString(out)), nil
}

// openBytes is openValue for binary secrets.
func (db *DB) openBytes(ctx context.Context, stored []byte, where string) ([]byte, error) {
	if !bytes.HasPrefix(stored, []byte(sealPrefix)) {
		return stored, nil
	}
	aead, err := db.sealer(ctx)
	if err != nil {
		return nil, err
	}
	return openWith(aead, stored, where)
}

func openWith(aead cipher.AEAD, stored []byte, where string) ([]byte, error) {
	rest, ok := bytes.CutPrefix(stored, []byte(sealPrefix))
	if !ok {
		return stored, nil
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

// sealPlace names the place a sealed value is bound to: its table,
// column and row.
func sealPlace(table, column, row string) string { return table + "." + column + ":" + row }

// sealedColumns are the places that hold sealed secrets: table, key
// column and sealed column.
var sealedColumns = []struct{ table, key, column string }{
	{"eid_accounts", "id", "totp_secret"},
	{"eid_accounts", "id", "totp_pending"},
	{"officer_credentials", "username", "totp_secret"},
	{"oidc_signing_keys", "kid", "private_key"},
	{"pki_certificates", "serial", "private_key"},
	{"secrets", "name", "value"},
}

// Reseal seals every secret again under newKey, in one transaction:
// those sealed under the current key (opened with it) and those stored
// before sealing existed. A key that was kept in the database is deleted
// from it, so that the database alone no longer opens anything; from
// then on every node and command must be given newKey (--seal-key-file).
// It returns how many values it sealed.
func (db *DB) Reseal(ctx context.Context, newKey []byte) (int, error) {
	fresh, err := newSealAEAD(newKey)
	if err != nil {
		return 0, err
	}
	old, err := db.sealer(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	err = db.inTx(ctx, func(tx *Tx) error {
		n = 0
		for _, c := range sealedColumns {
			k, err := resealColumn(ctx, tx, old, fresh, c.table, c.key, c.column)
			if err != nil {
				return fmt.Errorf("reseal %s.%s: %w", c.table, c.column, err)
			}
			n += k
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM secrets WHERE name = $1`, sealKeyName)
		return mapErr(err, "delete the database's sealing key")
	})
	if err != nil {
		return 0, err
	}
	db.seal.mu.Lock()
	db.seal.aead = fresh
	db.seal.mu.Unlock()
	return n, nil
}

// resealColumn reseals one column's non-empty values.
func resealColumn(ctx context.Context, tx *Tx, old, fresh cipher.AEAD, table, key, column string) (int, error) {
	type row struct {
		key   string
		value []byte
		text  bool // a TEXT column, written back as text
	}
	var rows []row
	q := `SELECT ` + key + `, ` + column + ` FROM ` + table + ` WHERE ` + column + ` IS NOT NULL`
	if table == "secrets" {
		q += ` AND name <> '` + sealKeyName + `'`
	}
	rs, err := tx.QueryContext(ctx, q)
	if err != nil {
		return 0, mapErr(err, "read")
	}
	for rs.Next() {
		var r row
		var v any
		if err := rs.Scan(&r.key, &v); err != nil {
			rs.Close()
			return 0, mapErr(err, "read")
		}
		switch v := v.(type) {
		case []byte:
			r.value = v
		case string:
			r.value, r.text = []byte(v), true
		}
		if len(r.value) > 0 {
			rows = append(rows, r)
		}
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return 0, mapErr(err, "read")
	}
	for _, r := range rows {
		place := sealPlace(table, column, r.key)
		plain, err := openWith(old, r.value, place)
		if err != nil {
			return 0, fmt.Errorf("%s %s: %w", key, r.key, err)
		}
		sealed, err := sealWith(fresh, plain, place)
		if err != nil {
			return 0, err
		}
		var arg any = sealed
		if r.text {
			arg = string(sealed)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET `+column+` = $1 WHERE `+key+` = $2`, arg, r.key); err != nil {
			return 0, mapErr(err, "write")
		}
	}
	return len(rows), nil
}
