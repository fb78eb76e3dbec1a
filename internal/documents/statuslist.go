package documents

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// StatusList is a Token Status List (draft-ietf-oauth-status-list §4):
// Bits bits per token, the status of index i in the low-order bits of byte
// i*Bits/8 first.
type StatusList struct {
	Bits  int
	bytes []byte
}

// NewStatusList returns a list of n entries, all 0 (valid).
func NewStatusList(bits, n int) *StatusList {
	per := 8 / bits
	return &StatusList{Bits: bits, bytes: make([]byte, (n+per-1)/per)}
}

// Len is the number of entries the list holds.
func (l *StatusList) Len() int { return len(l.bytes) * 8 / l.Bits }

// Set sets the status at index i.
func (l *StatusList) Set(i int, v byte) {
	per := 8 / l.Bits
	shift := uint(i%per) * uint(l.Bits)
	mask := byte(1<<l.Bits-1) << shift
	l.bytes[i/per] = l.bytes[i/per]&^mask | (v<<shift)&mask
}

// Get returns the status at index i.
func (l *StatusList) Get(i int) byte {
	per := 8 / l.Bits
	return l.bytes[i/per] >> (uint(i%per) * uint(l.Bits)) & byte(1<<l.Bits-1)
}

// Encode returns lst: the bytes compressed with DEFLATE in the ZLIB format,
// base64url-encoded.
func (l *StatusList) Encode() string {
	var buf bytes.Buffer
	w, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	w.Write(l.bytes)
	w.Close()
	return base64.RawURLEncoding.EncodeToString(buf.Bytes())
}

// DecodeStatusList reads an encoded list (lst) of bits per entry; it
// refuses lists that inflate beyond the largest index dancu allocates.
func DecodeStatusList(lst string, bits int) (*StatusList, error) {
	if bits != 1 && bits != 2 && bits != 4 && bits != 8 {
		return nil, fmt.Errorf("status list: bits must be 1, 2, 4 or 8")
	}
	raw, err := base64.RawURLEncoding.DecodeString(lst)
	if err != nil {
		return nil, fmt.Errorf("status list: lst is not base64url")
	}
	r, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("status list: lst is not zlib")
	}
	limit := int64(maxStatusIx) * int64(bits) / 8
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil || int64(len(b)) > limit {
		return nil, fmt.Errorf("status list: lst does not inflate to a list of at most %d entries", maxStatusIx)
	}
	return &StatusList{Bits: bits, bytes: b}, nil
}

// Status list tokens.
const (
	// StatusListType is the typ and media type of a status list token.
	StatusListType = "statuslist+jwt"
	// statusBits is dancu's bits per entry: valid, invalid, suspended.
	statusBits = 2
	// minStatusEntries is the smallest list published, so that a short
	// list does not single out its few documents (the draft's herd privacy).
	minStatusEntries = 1 << 14
	// statusListTTL is how long verifiers may cache a status list token.
	statusListTTL = 5 * time.Minute
	// statusListLife is the validity of a status list token.
	statusListLife = 24 * time.Hour
	// statusKeySecret names dancu's status list signing key in the database.
	statusKeySecret = "documents-status-key"
)

// StatusListURI is the uri a provider's credentials put in
// status.status_list: its list on dancu.
func (s *Service) StatusListURI(providerID string) string {
	return s.base() + "/api/v1/documents/providers/" + providerID + "/status-list"
}

// StatusListToken returns the provider's signed status list token
// (a JWT of typ statuslist+jwt), built from the current statuses.
func (s *Service) StatusListToken(ctx context.Context, providerID string) (string, error) {
	if _, err := s.Store.DocumentProvider(ctx, providerID); err != nil {
		return "", err
	}
	entries, maxIdx, err := s.Store.DocumentStatusList(ctx, providerID)
	if err != nil {
		return "", err
	}
	n := max(minStatusEntries, int(maxIdx)+1)
	list := NewStatusList(statusBits, n)
	for _, e := range entries {
		list.Set(int(e.Index), e.Value)
	}
	key, err := s.statusKey(ctx)
	if err != nil {
		return "", err
	}
	now := s.now()
	opts := (&jose.SignerOptions{}).WithType(StatusListType).WithHeader("kid", key.KeyID)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key.Key}, opts)
	if err != nil {
		return "", apperr.Wrap(err, "status list signer")
	}
	body, err := jsonBytes(map[string]any{
		"iss": s.base(), "sub": s.StatusListURI(providerID), "iat": now.Unix(),
		"exp": now.Add(statusListLife).Unix(), "ttl": int(statusListTTL.Seconds()),
		"status_list": map[string]any{"bits": statusBits, "lst": list.Encode()},
	})
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(body)
	if err != nil {
		return "", apperr.Wrap(err, "sign status list")
	}
	return jws.CompactSerialize()
}

// StatusKeys returns the public keys that sign dancu's status list tokens.
func (s *Service) StatusKeys(ctx context.Context) (jose.JSONWebKeySet, error) {
	key, err := s.statusKey(ctx)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{key.Public()}}, nil
}

// statusKey loads dancu's status list signing key (P-256, created once and
// kept in the database so that every node signs with it).
func (s *Service) statusKey(ctx context.Context) (*jose.JSONWebKey, error) {
	return s.statusSigner.Load(ctx, s.Store, statusKeySecret)
}
