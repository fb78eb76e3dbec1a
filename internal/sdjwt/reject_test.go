package sdjwt_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/dancu-vn/dancu/internal/sdjwt"
)

// disc returns a serialized disclosure and its digest.
func disc(t *testing.T, parts ...any) (string, string) {
	t.Helper()
	raw, _ := json.Marshal(parts)
	s := base64.RawURLEncoding.EncodeToString(raw)
	d, err := sdjwt.DisclosureDigest(sdjwt.SHA256, s)
	if err != nil {
		t.Fatal(err)
	}
	return s, d
}

// signed signs any payload with key under alg and typ.
func signed(t *testing.T, key any, alg jose.SignatureAlgorithm, typ string, payload any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType(jose.ContentType(typ))
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(payload)
	jws, err := s.Sign(body)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := jws.CompactSerialize()
	return c
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestVerify_Rejects(t *testing.T) {
	key := newKey(t, "k1")
	other := newKey(t, "k1")
	keys := publicSet(key)
	name, nameDigest := disc(t, "salt-1", "full_name", "Nguyễn Văn An")
	elem, elemDigest := disc(t, "salt-2", "VN")
	sdName, sdNameDigest := disc(t, "salt-3", "_sd", "x")
	now := time.Now()
	sign := func(payload map[string]any) string { return signed(t, key.Key, jose.ES256, "dc+sd-jwt", payload) }
	good := sign(map[string]any{"iss": "https://gplx.example.vn", "_sd": []any{nameDigest}, "_sd_alg": "sha-256"}) + "~" + name + "~"
	if _, err := sdjwt.Verify(good, sdjwt.VerifyOptions{Keys: keys}); err != nil {
		t.Fatalf("the well-formed SD-JWT: %v", err)
	}
	jwtOf := func(s string) string { return strings.Split(s, "~")[0] }
	tests := []struct {
		name  string
		sdjwt string
		opts  func(*sdjwt.VerifyOptions)
	}{
		{"alg none", b64(`{"alg":"none","typ":"dc+sd-jwt"}`) + "." + b64(`{"iss":"x"}`) + ".AA~", nil},
		{"HS256 keyed with the public key", signed(t, []byte("0123456789abcdef0123456789abcdef"), jose.HS256, "dc+sd-jwt",
			map[string]any{"iss": "x"}) + "~", nil},
		{"signed by another key with the same kid", signed(t, other.Key, jose.ES256, "dc+sd-jwt", map[string]any{"iss": "x"}) + "~", nil},
		{"payload changed after signing", func() string {
			p := strings.Split(jwtOf(good), ".")
			return p[0] + "." + b64(`{"iss":"https://evil.example","_sd":["`+nameDigest+`"]}`) + "." + p[2] + "~" + name + "~"
		}(), nil},
		{"no ~: a plain JWT", jwtOf(good), nil},
		{"an empty disclosure", jwtOf(good) + "~~" + name + "~", nil},
		{"a disclosure twice", jwtOf(good) + "~" + name + "~" + name + "~", nil},
		{"a disclosure nothing references", good + elem + "~", nil},
		{"a digest twice", sign(map[string]any{"_sd": []any{nameDigest, nameDigest}}) + "~" + name + "~", nil},
		{"a digest in _sd and in an array", sign(map[string]any{"_sd": []any{elemDigest}, "n": []any{map[string]any{"...": elemDigest}}}) +
			"~" + elem + "~", nil},
		{"a disclosed claim that is also plain", sign(map[string]any{"full_name": "x", "_sd": []any{nameDigest}}) + "~" + name + "~", nil},
		{"a disclosure named _sd", sign(map[string]any{"_sd": []any{sdNameDigest}}) + "~" + sdName + "~", nil},
		{"an array element disclosure in _sd", sign(map[string]any{"_sd": []any{elemDigest}}) + "~" + elem + "~", nil},
		{"a property disclosure in an array", sign(map[string]any{"n": []any{map[string]any{"...": nameDigest}}}) + "~" + name + "~", nil},
		{"_sd is not an array", sign(map[string]any{"_sd": "abc"}) + "~", nil},
		{"an unknown _sd_alg", sign(map[string]any{"_sd": []any{nameDigest}, "_sd_alg": "md5"}) + "~" + name + "~", nil},
		{"a malformed disclosure", jwtOf(good) + "~" + b64(`{"not":"an array"}`) + "~", nil},
		{"expired", sign(map[string]any{"exp": now.Add(-time.Minute).Unix()}) + "~", nil},
		{"not yet valid", sign(map[string]any{"nbf": now.Add(time.Hour).Unix()}) + "~", nil},
		{"a typ not accepted", good, func(o *sdjwt.VerifyOptions) { o.Types = []string{"vc+jwt"} }},
		{"a claim that must stay visible is disclosable", sign(map[string]any{"_sd": []any{nameDigest}}) + "~" + name + "~",
			func(o *sdjwt.VerifyOptions) { o.NotDisclosable = []string{"full_name"} }},
		{"key binding required but absent", good, func(o *sdjwt.VerifyOptions) { o.RequireKeyBinding = true }},
		{"a key binding JWT without cnf", good + signed(t, key.Key, jose.ES256, "kb+jwt", map[string]any{"iat": now.Unix(),
			"aud": "a", "nonce": "n", "sd_hash": "x"}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := sdjwt.VerifyOptions{Keys: keys, Now: now}
			if tt.opts != nil {
				tt.opts(&opts)
			}
			if res, err := sdjwt.Verify(tt.sdjwt, opts); err == nil {
				t.Errorf("accepted: %v", res.Claims)
			}
		})
	}
}
