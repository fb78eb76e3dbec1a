package pki

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/crypto/scrypt"
)

// KeyDir is the folder of the CSCA's private keys: one file per key,
// csca-SERIAL.key (mode 0600, the folder 0700), beside a copy of its
// certificate, csca-SERIAL.crt. With a passphrase the key is encrypted
// (scrypt, AES-256-GCM); without, it is PKCS #8 in PEM. Only `dancu pki`
// reads it: serving nodes never need the CSCA's key, so the folder can
// live on an offline machine or removable medium.
type KeyDir struct {
	Path       string
	Passphrase []byte // empty: keys are stored unencrypted
}

// PEM block type of an encrypted key.
const encryptedKeyType = "DANCU ENCRYPTED PRIVATE KEY"

// scrypt parameters of key encryption (the 2017 interactive-login
// recommendation, times two).
const (
	scryptN = 1 << 16
	scryptR = 8
	scryptP = 1
)

func (d KeyDir) keyPath(serial string) string  { return filepath.Join(d.Path, "csca-"+serial+".key") }
func (d KeyDir) certPath(serial string) string { return filepath.Join(d.Path, "csca-"+serial+".crt") }

// SaveCSCA writes a CSCA's key and certificate. It never overwrites a file.
func (d KeyDir) SaveCSCA(cert *x509.Certificate, key *ecdsa.PrivateKey) error {
	if err := os.MkdirAll(d.Path, 0o700); err != nil {
		return fmt.Errorf("create PKI folder: %w", err)
	}
	if err := os.Chmod(d.Path, 0o700); err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	block := &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	if len(d.Passphrase) > 0 {
		if block, err = encryptKey(der, d.Passphrase); err != nil {
			return err
		}
	}
	serial := SerialOf(cert)
	if err := writeNew(d.keyPath(serial), pem.EncodeToMemory(block), 0o600); err != nil {
		return err
	}
	return writeNew(d.certPath(serial), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644)
}

// LoadCSCA reads the key of a CSCA certificate and checks it is that
// certificate's key.
func (d KeyDir) LoadCSCA(cert *x509.Certificate) (*ecdsa.PrivateKey, error) {
	path := d.keyPath(SerialOf(cert))
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the CSCA key (give --pki-dir the folder of `dancu pki init`): %w", err)
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, fmt.Errorf("%s: not a PEM file", path)
	}
	der := block.Bytes
	switch block.Type {
	case "PRIVATE KEY":
	case encryptedKeyType:
		if len(d.Passphrase) == 0 {
			return nil, fmt.Errorf("%s is encrypted: give --pki-passphrase-file", path)
		}
		if der, err = decryptKey(block, d.Passphrase); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	default:
		return nil, fmt.Errorf("%s: unexpected PEM block %q", path, block.Type)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok || !key.PublicKey.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("%s is not the key of CSCA certificate %s", path, SerialOf(cert))
	}
	return key, nil
}

func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func encryptKey(der, passphrase []byte) (*pem.Block, error) {
	salt := make([]byte, 16)
	rand.Read(salt)
	aead, err := keyCipher(passphrase, salt)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return &pem.Block{Type: encryptedKeyType, Headers: map[string]string{
		"KDF": fmt.Sprintf("scrypt N=%d r=%d p=%d", scryptN, scryptR, scryptP), "Cipher": "AES-256-GCM",
		"Salt": hex.EncodeToString(salt), "Nonce": hex.EncodeToString(nonce),
	}, Bytes: aead.Seal(nil, nonce, der, []byte(encryptedKeyType))}, nil
}

func decryptKey(b *pem.Block, passphrase []byte) ([]byte, error) {
	if b.Headers["KDF"] != fmt.Sprintf("scrypt N=%d r=%d p=%d", scryptN, scryptR, scryptP) || b.Headers["Cipher"] != "AES-256-GCM" {
		return nil, errors.New("unknown key encryption")
	}
	salt, err1 := hex.DecodeString(b.Headers["Salt"])
	nonce, err2 := hex.DecodeString(b.Headers["Nonce"])
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	aead, err := keyCipher(passphrase, salt)
	if err != nil {
		return nil, err
	}
	if len(nonce) != aead.NonceSize() {
		return nil, errors.New("bad nonce")
	}
	der, err := aead.Open(nil, nonce, b.Bytes, []byte(encryptedKeyType))
	if err != nil {
		return nil, errors.New("wrong passphrase, or the key file was altered")
	}
	return der, nil
}

func keyCipher(passphrase, salt []byte) (cipher.AEAD, error) {
	k, err := scrypt.Key(passphrase, salt, scryptN, scryptR, scryptP, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
