// Package sdjwt implements Selective Disclosure for JWTs (SD-JWT, RFC 9901)
// in the compact serialization, on go-jose: issuing (object properties and
// array elements, nested and recursive, with optional decoy digests),
// parsing, presenting a subset of the disclosures with an optional Key
// Binding JWT, and verifying (issuer signature, digests, duplicates,
// validity, Key Binding). It knows nothing of SD-JWT VC beyond the options
// a caller sets; package documents applies that profile.
//
// No Go module for SD-JWT resolves through the module proxy this project
// uses; see docs/dependencies.md.
package sdjwt

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// Error is a reason an SD-JWT was refused. Its message names the problem
// (never a claim value), so callers may show it.
type Error struct{ msg string }

func (e *Error) Error() string { return "sd-jwt: " + e.msg }

func errorf(format string, args ...any) error { return &Error{msg: fmt.Sprintf(format, args...)} }

// Limits on what Parse accepts, so that hostile input stays cheap.
const (
	// MaxDisclosures bounds the disclosures of one SD-JWT.
	MaxDisclosures = 4096
	// MaxLength bounds the serialized SD-JWT.
	MaxLength = 1 << 20
)

// Hash algorithms of _sd_alg (IANA "Named Information Hash Algorithm").
const (
	SHA256 = "sha-256"
	SHA384 = "sha-384"
	SHA512 = "sha-512"
)

// hashOf returns the hash function named by an _sd_alg value.
func hashOf(alg string) (crypto.Hash, error) {
	switch alg {
	case SHA256:
		return crypto.SHA256, nil
	case SHA384:
		return crypto.SHA384, nil
	case SHA512:
		return crypto.SHA512, nil
	}
	return 0, errorf("unsupported _sd_alg %q", alg)
}

// digest returns the base64url digest of s (RFC 9901 §4.2.3: over the
// ASCII of the base64url string as it was serialized).
func digest(h crypto.Hash, s string) string {
	var sum []byte
	switch h {
	case crypto.SHA384:
		b := sha512.Sum384([]byte(s))
		sum = b[:]
	case crypto.SHA512:
		b := sha512.Sum512([]byte(s))
		sum = b[:]
	default:
		b := sha256.Sum256([]byte(s))
		sum = b[:]
	}
	return b64.EncodeToString(sum)
}

// b64 is base64url without padding, the only encoding SD-JWT uses.
var b64 = base64.RawURLEncoding

// Disclosure is one disclosed claim: an object property (Name set) or an
// array element (IsArrayElement).
type Disclosure struct {
	Salt           string
	Name           string
	Value          any
	IsArrayElement bool
	// Encoded is the base64url string as serialized; digests are over it.
	Encoded string
}

// decodeDisclosure parses one serialized disclosure.
func decodeDisclosure(s string) (*Disclosure, error) {
	raw, err := b64.DecodeString(s)
	if err != nil {
		return nil, errorf("a disclosure is not base64url")
	}
	var arr []any
	if err := decodeJSON(raw, &arr); err != nil {
		return nil, errorf("a disclosure is not a JSON array")
	}
	d := &Disclosure{Encoded: s}
	salt, ok := arr0(arr)
	if !ok {
		return nil, errorf("a disclosure has no salt string")
	}
	d.Salt = salt
	switch len(arr) {
	case 2:
		d.IsArrayElement, d.Value = true, arr[1]
	case 3:
		name, ok := arr[1].(string)
		if !ok {
			return nil, errorf("a disclosure's claim name is not a string")
		}
		d.Name, d.Value = name, arr[2]
	default:
		return nil, errorf("a disclosure has %d elements, not 2 or 3", len(arr))
	}
	return d, nil
}

func arr0(arr []any) (string, bool) {
	if len(arr) == 0 {
		return "", false
	}
	s, ok := arr[0].(string)
	return s, ok
}

// decodeJSON decodes strictly: numbers stay json.Number (so that large
// integers keep every digit) and trailing data is an error.
func decodeJSON(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errorf("trailing data after JSON")
	}
	return nil
}

// encodeJSON encodes without HTML escaping, as other implementations do.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// SDJWT is a parsed compact SD-JWT or SD-JWT+KB, not yet verified.
type SDJWT struct {
	// JWT is the Issuer-signed JWT, compact.
	JWT string
	// Disclosures in the order they were serialized.
	Disclosures []*Disclosure
	// KeyBinding is the Key Binding JWT, compact, or "".
	KeyBinding string

	header  map[string]any
	payload map[string]any
}

// Parse splits a compact SD-JWT (JWT~D1~…~Dn~) or SD-JWT+KB
// (JWT~D1~…~Dn~KB) and decodes its parts without verifying anything.
func Parse(s string) (*SDJWT, error) {
	if len(s) > MaxLength {
		return nil, errorf("longer than %d bytes", MaxLength)
	}
	parts := strings.Split(s, "~")
	if len(parts) < 2 {
		return nil, errorf("no ~ separator: not an SD-JWT")
	}
	if len(parts)-2 > MaxDisclosures {
		return nil, errorf("more than %d disclosures", MaxDisclosures)
	}
	t := &SDJWT{JWT: parts[0], KeyBinding: parts[len(parts)-1]}
	var err error
	if t.header, t.payload, err = splitJWT(t.JWT); err != nil {
		return nil, err
	}
	for _, p := range parts[1 : len(parts)-1] {
		if p == "" {
			return nil, errorf("an empty disclosure")
		}
		d, err := decodeDisclosure(p)
		if err != nil {
			return nil, err
		}
		t.Disclosures = append(t.Disclosures, d)
	}
	if t.KeyBinding != "" {
		if _, _, err := splitJWT(t.KeyBinding); err != nil {
			return nil, errorf("key binding JWT: %v", err.(*Error).msg)
		}
	}
	return t, nil
}

// splitJWT decodes the header and payload of a compact JWS.
func splitJWT(s string) (header, payload map[string]any, err error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || parts[2] == "" {
		return nil, nil, errorf("the JWT is not a signed compact JWS")
	}
	for i, dst := range []*map[string]any{&header, &payload} {
		raw, err := b64.DecodeString(parts[i])
		if err != nil {
			return nil, nil, errorf("the JWT's part %d is not base64url", i+1)
		}
		if err := decodeJSON(raw, dst); err != nil || *dst == nil {
			return nil, nil, errorf("the JWT's part %d is not a JSON object", i+1)
		}
	}
	if _, err := b64.DecodeString(parts[2]); err != nil {
		return nil, nil, errorf("the JWT's signature is not base64url")
	}
	return header, payload, nil
}

// String serializes the SD-JWT (with its Key Binding JWT if any).
func (t *SDJWT) String() string {
	return t.withoutKB() + t.KeyBinding
}

// withoutKB is the SD-JWT up to and including the last ~: what sd_hash covers.
func (t *SDJWT) withoutKB() string {
	var b strings.Builder
	b.WriteString(t.JWT)
	b.WriteByte('~')
	for _, d := range t.Disclosures {
		b.WriteString(d.Encoded)
		b.WriteByte('~')
	}
	return b.String()
}

// Header returns the Issuer-signed JWT's header, unverified.
func (t *SDJWT) Header() map[string]any { return t.header }

// UnverifiedClaim returns a top-level claim of the Issuer-signed JWT's
// payload as signed (not from a disclosure), without verifying anything:
// for routing (which issuer's keys to verify with), never for decisions.
func (t *SDJWT) UnverifiedClaim(name string) any { return t.payload[name] }

// hashAlg returns the payload's _sd_alg (sha-256 when absent).
func hashAlgOf(payload map[string]any) (crypto.Hash, string, error) {
	v, ok := payload["_sd_alg"]
	if !ok {
		return crypto.SHA256, SHA256, nil
	}
	name, ok := v.(string)
	if !ok {
		return 0, "", errorf("_sd_alg is not a string")
	}
	h, err := hashOf(name)
	return h, name, err
}

// DisclosureDigest returns the digest of a serialized disclosure under an
// _sd_alg: the value an issuer puts into _sd or {"...": …}.
func DisclosureDigest(alg, encoded string) (string, error) {
	h, err := hashOf(alg)
	if err != nil {
		return "", err
	}
	return digest(h, encoded), nil
}
