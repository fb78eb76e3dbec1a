package accesslog

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// DefaultOrigin is the first line of every checkpoint unless
// Options.Origin says otherwise. It names the log, so that a checkpoint of
// one log can never pass for one of another.
const DefaultOrigin = "dancu.accesslog/v1"

// Checkpoint is a signed statement of the tree's size and root hash. Note
// is the signed note whose text is the checkpoint body in the
// transparency-dev / C2SP tlog-checkpoint format:
//
//	<origin>
//	<size in decimal>
//	<root hash in standard base64>
//
// followed by a blank line and the Ed25519 signature lines of
// golang.org/x/mod/sumdb/note. Size and Root repeat the body for queries.
type Checkpoint struct {
	Size int64     `json:"size"`
	Root tlog.Hash `json:"root"`
	Note string    `json:"note"`
}

// checkpointBody is the parsed text of a checkpoint note.
type checkpointBody struct {
	Origin string
	Size   int64
	Root   tlog.Hash
}

// marshal returns the checkpoint text. It is byte for byte what
// github.com/transparency-dev/formats/log.Checkpoint.Marshal produces;
// that module is not a dependency of dancu, so the three lines are
// written here.
func (b checkpointBody) marshal() []byte {
	return fmt.Appendf(nil, "%s\n%d\n%s\n", b.Origin, b.Size, base64.StdEncoding.EncodeToString(b.Root[:]))
}

// parseCheckpointBody parses checkpoint text as
// formats/log.Checkpoint.Unmarshal does, and also requires a 32-byte hash
// and a size that fits an int64. Extension lines after the third are
// allowed and ignored.
func parseCheckpointBody(text []byte) (checkpointBody, error) {
	var b checkpointBody
	lines := bytes.SplitN(text, []byte("\n"), 4)
	if len(lines) < 4 {
		return b, errors.New("invalid checkpoint: too few lines")
	}
	if b.Origin = string(lines[0]); b.Origin == "" {
		return b, errors.New("invalid checkpoint: empty origin")
	}
	size, err := strconv.ParseUint(string(lines[1]), 10, 63)
	if err != nil {
		return b, fmt.Errorf("invalid checkpoint: size: %w", err)
	}
	b.Size = int64(size)
	h, err := base64.StdEncoding.DecodeString(string(lines[2]))
	if err != nil || len(h) != tlog.HashSize {
		return b, fmt.Errorf("invalid checkpoint: root hash is not %d bytes of base64", tlog.HashSize)
	}
	copy(b.Root[:], h)
	return b, nil
}

// signCheckpoint signs a checkpoint of a tree of the given size and root.
func signCheckpoint(signer note.Signer, origin string, size int64, root tlog.Hash) (Checkpoint, error) {
	body := checkpointBody{Origin: origin, Size: size, Root: root}.marshal()
	msg, err := note.Sign(&note.Note{Text: string(body)}, signer)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("sign checkpoint of size %d: %w", size, err)
	}
	return Checkpoint{Size: size, Root: root, Note: string(msg)}, nil
}

// OpenCheckpoint verifies a checkpoint note against the log's public
// verifier key (note vkey format) and returns the checkpoint it states.
// This is what a client does with a checkpoint before trusting proofs
// checked against it. An unverifiable note is an apperr.Invalid error.
func OpenCheckpoint(noteText, verifierKey string) (Checkpoint, error) {
	v, err := note.NewVerifier(strings.TrimSpace(verifierKey))
	if err != nil {
		return Checkpoint{}, apperr.E(apperr.Invalid, "access log verifier key: %v", err)
	}
	n, err := note.Open([]byte(noteText), note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, apperr.E(apperr.Invalid, "access log checkpoint: %v", err)
	}
	b, err := parseCheckpointBody([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, apperr.E(apperr.Invalid, "access log checkpoint: %v", err)
	}
	return Checkpoint{Size: b.Size, Root: b.Root, Note: noteText}, nil
}

// signerSecretPrefix prefixes the secrets table name of a signing key.
const signerSecretPrefix = "accesslog-signer/"

// LoadOrCreateSigner returns the checkpoint signer called name (a note key
// name: no spaces or '+', e.g. "dancu.accesslog") and its public verifier
// key. The private key lives in the secrets table, generated on first use,
// so that every node sharing the database signs with the same key.
// Production may configure a key from a file instead: see SignerFromKey.
func LoadOrCreateSigner(ctx context.Context, secrets SecretStore, name string) (note.Signer, string, error) {
	skey, err := secrets.LoadOrCreateSecret(ctx, signerSecretPrefix+name, func() ([]byte, error) {
		skey, _, err := note.GenerateKey(rand.Reader, name)
		if err != nil {
			return nil, fmt.Errorf("generate access log signing key %q: %w", name, err)
		}
		return []byte(skey), nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("load access log signing key %q: %w", name, err)
	}
	return SignerFromKey(string(skey))
}

// SignerFromKey returns the signer for a note private key
// ("PRIVATE+KEY+<name>+<hash>+<base64>", surrounding white space ignored,
// as read from a key file) and the matching public verifier key.
func SignerFromKey(skey string) (note.Signer, string, error) {
	skey = strings.TrimSpace(skey)
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, "", apperr.E(apperr.Invalid, "access log signing key: %v", err)
	}
	// The note package derives no public key from a private one; the key
	// text's fifth field (base64, which may itself hold '+') is the
	// algorithm byte and the Ed25519 seed.
	fields := strings.SplitN(skey, "+", 5)
	raw, err := base64.StdEncoding.DecodeString(fields[len(fields)-1])
	if err != nil || len(raw) != 1+ed25519.SeedSize {
		return nil, "", apperr.E(apperr.Invalid, "access log signing key: not an Ed25519 key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(signer.Name(), pub)
	if err != nil {
		return nil, "", fmt.Errorf("derive access log verifier key: %w", err)
	}
	if v, err := note.NewVerifier(vkey); err != nil || v.KeyHash() != signer.KeyHash() {
		return nil, "", apperr.E(apperr.Invalid, "access log signing key: key hash does not match the key")
	}
	return signer, vkey, nil
}
