package sdjwt_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/dancu-vn/dancu/internal/sdjwt"
)

// The keys of RFC 9901's examples (Appendix A.5 and the holder's cnf).
const (
	rfcIssuerJWK = `{"kty":"EC","crv":"P-256","d":"Ur2bNKuBPOrAaxsRnbSH6hIhmNTxSGXshDSUD1a1y7g",
		"x":"b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ","y":"Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8"}`
	rfcHolderJWK = `{"kty":"EC","crv":"P-256","d":"5K5SCos8zf9zRemGGUl6yfok-_NiiryNZsvANWMhF-I",
		"x":"TCAER19Zvu3OHF4j4W4vfSVoHIP1ILilDls7vCeGemc","y":"ZxjiWWbZMQGHVWKVQ4hbSIirsVfuecCE6t4jT9F2HZQ"}`
)

func parseJWK(t *testing.T, s, alg string) jose.JSONWebKey {
	t.Helper()
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON([]byte(s)); err != nil {
		t.Fatal(err)
	}
	k.Algorithm = alg
	return k
}

func publicSet(keys ...jose.JSONWebKey) jose.JSONWebKeySet {
	var set jose.JSONWebKeySet
	for _, k := range keys {
		set.Keys = append(set.Keys, k.Public())
	}
	return set
}

// readExample returns an RFC example without the RFC's line wrapping.
func readExample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(string(b)), "")
}

// normal makes JSON values comparable (json.Number and float64 alike).
func normal(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func jsonObj(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

const rfcCnf = `"cnf":{"jwk":{"kty":"EC","crv":"P-256","x":"TCAER19Zvu3OHF4j4W4vfSVoHIP1ILilDls7vCeGemc",
	"y":"ZxjiWWbZMQGHVWKVQ4hbSIirsVfuecCE6t4jT9F2HZQ"}}`

func TestVerify_RFC9901Examples(t *testing.T) {
	issuer := parseJWK(t, rfcIssuerJWK, "ES256")
	keys := publicSet(issuer)
	at := time.Unix(1748361941, 0).Add(30 * time.Second)

	t.Run("issuance (5.1)", func(t *testing.T) {
		res, err := sdjwt.Verify(readExample(t, "rfc9901-5.1-issuance.txt"), sdjwt.VerifyOptions{Keys: keys, Now: at,
			Types: []string{"example+sd-jwt"}, RejectKeyBinding: true})
		if err != nil {
			t.Fatal(err)
		}
		want := jsonObj(t, `{"iss":"https://issuer.example.com","iat":1683000000,"exp":1883000000,"sub":"user_42",
			"given_name":"John","family_name":"Doe","email":"johndoe@example.com","phone_number":"+1-202-555-0101",
			"phone_number_verified":true,"address":{"street_address":"123 Main St","locality":"Anytown","region":"Anystate",
			"country":"US"},"birthdate":"1940-01-01","updated_at":1570000000,"nationalities":["US","DE"],`+rfcCnf+`}`)
		if d := cmp.Diff(want, normal(t, res.Claims)); d != "" {
			t.Errorf("processed payload (-want +got):\n%s", d)
		}
		if len(res.Disclosed) != 10 || res.Disclosed[9].String() != "nationalities.1" {
			t.Errorf("disclosure paths %v", res.Disclosed)
		}
	})
	t.Run("presentation with key binding (5.2)", func(t *testing.T) {
		opts := sdjwt.VerifyOptions{Keys: keys, Now: at, RequireKeyBinding: true,
			Audience: "https://verifier.example.org", Nonce: "1234567890"}
		res, err := sdjwt.Verify(readExample(t, "rfc9901-5.2-presentation.txt"), opts)
		if err != nil {
			t.Fatal(err)
		}
		want := jsonObj(t, `{"iss":"https://issuer.example.com","iat":1683000000,"exp":1883000000,"sub":"user_42",
			"nationalities":["US"],`+rfcCnf+`,"family_name":"Doe","address":{"street_address":"123 Main St",
			"locality":"Anytown","region":"Anystate","country":"US"},"given_name":"John"}`)
		if d := cmp.Diff(want, normal(t, res.Claims)); d != "" {
			t.Errorf("processed payload (-want +got):\n%s", d)
		}
		if res.KeyBinding["sd_hash"] != "1-Lcf6CiBmP72JDFuBF0bvalS-FzIlXyiCkJXp7pJmc" {
			t.Errorf("key binding payload %v", res.KeyBinding)
		}
		for name, change := range map[string]func(*sdjwt.VerifyOptions){
			"wrong nonce":    func(o *sdjwt.VerifyOptions) { o.Nonce = "other" },
			"wrong audience": func(o *sdjwt.VerifyOptions) { o.Audience = "https://elsewhere.example" },
			"too old":        func(o *sdjwt.VerifyOptions) { o.Now = at.Add(time.Hour) },
			"holder refuses": func(o *sdjwt.VerifyOptions) { o.RejectKeyBinding = true },
		} {
			o := opts
			change(&o)
			if _, err := sdjwt.Verify(readExample(t, "rfc9901-5.2-presentation.txt"), o); err == nil {
				t.Errorf("%s: accepted", name)
			}
		}
	})
}

func TestDisclosureDigest_RFC9901(t *testing.T) {
	tests := []struct{ disclosure, digest string }{
		{"WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgImdpdmVuX25hbWUiLCAiSm9obiJd", "jsu9yVulwQQlhFlM_3JlzMaSFzglhQG0DpfayQwLUK4"},
		{"WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIlVTIl0", "pFndjkZ_VCzmyTa6UjlZo3dh-ko8aIKQc9DlGzhaVYo"},
		{"WyJlSThaV205UW5LUHBOUGVOZW5IZGhRIiwgImNvdW50cnkiLCAiREUiXQ", "WN9r9dCBJ8HTCsS2jKASxTjEyW5m5x65_Z_2ro2jfXM"},
		// §6.3: the address disclosure that carries its members' digests.
		{"WyJRZ19PNjR6cUF4ZTQxMmExMDhpcm9BIiwgImFkZHJlc3MiLCB7Il9zZCI6IFsiNnZoOWJxLXpTNEdLTV83R3BnZ1ZiWXp6dTZvT0dYcm1OVkdQSFA3NVVkMCIsICI5Z2pWdVh0ZEZST0NnUnJ0TmNHVVhtRjY1cmRlemlfNkVyX2o3NmttWXlNIiwgIktVUkRQaDRaQzE5LTN0aXotRGYzOVY4ZWlkeTFvVjNhM0gxRGEyTjBnODgiLCAiV045cjlkQ0JKOEhUQ3NTMmpLQVN4VGpFeVc1bTV4NjVfWl8ycm8yamZYTSJdfV0",
			"HvrKX6fPV0v9K_yCVFBiLFHsMaxcD_114Em6VT8x1lg"},
	}
	for _, tt := range tests {
		got, err := sdjwt.DisclosureDigest(sdjwt.SHA256, tt.disclosure)
		if err != nil || got != tt.digest {
			t.Errorf("digest of %.20s…: got %s (%v), want %s", tt.disclosure, got, err, tt.digest)
		}
	}
}

// newKey returns a fresh ES256 key with a kid.
func newKey(t *testing.T, kid string) jose.JSONWebKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return jose.JSONWebKey{Key: k, KeyID: kid, Algorithm: "ES256"}
}

// licence is a driving licence's claims, the shape the tests issue.
func licence() map[string]any {
	return map[string]any{
		"iss": "https://gplx.example.vn", "vct": "urn:vn:gplx", "iat": 1767225600, "sub": "046301000001",
		"full_name": "Nguyễn Văn An", "birth_date": "1990-05-01",
		"address":       map[string]any{"street": "Số 5 Lê Lợi", "commune": "19753", "province": "46"},
		"categories":    []any{map[string]any{"class": "A1", "expires": "2035-01-01"}, map[string]any{"class": "B", "expires": "2030-06-30"}},
		"nationalities": []any{"VN"},
	}
}

func paths(ps ...sdjwt.Path) []sdjwt.Path { return ps }

func TestIssue_RoundTrip(t *testing.T) {
	key := newKey(t, "k1")
	tests := []struct {
		name      string
		disclose  []sdjwt.Path
		decoys    int
		disclosed int    // disclosures issued
		hidden    string // a value that must not be in the signed payload
	}{
		{"no disclosures", nil, 0, 0, ""},
		{"flat", paths(sdjwt.Path{"full_name"}, sdjwt.Path{"address"}), 0, 2, "Lê Lợi"},
		{"structured", paths(sdjwt.Path{"address", "street"}, sdjwt.Path{"address", "commune"}), 0, 2, "Lê Lợi"},
		{"recursive", paths(sdjwt.Path{"address"}, sdjwt.Path{"address", "street"}), 0, 2, "Lê Lợi"},
		{"array elements", paths(sdjwt.Path{"nationalities", nil}), 0, 1, `"VN"`},
		{"inside array elements", paths(sdjwt.Path{"categories", nil, "expires"}, sdjwt.Path{"categories", 1}), 0, 3, "2030-06-30"},
		{"decoys", paths(sdjwt.Path{"birth_date"}, sdjwt.Path{"address", "street"}), 3, 2, "1990-05-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := &sdjwt.Issuer{Key: key, Type: "dc+sd-jwt", Decoys: tt.decoys}
			s, err := is.Issue(licence(), tt.disclose)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := sdjwt.Parse(s)
			if err != nil {
				t.Fatal(err)
			}
			if len(tok.Disclosures) != tt.disclosed {
				t.Errorf("%d disclosures, want %d", len(tok.Disclosures), tt.disclosed)
			}
			payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok.JWT, ".")[1])
			if tt.hidden != "" && strings.Contains(string(payload), tt.hidden) {
				t.Errorf("the signed payload shows %s: %s", tt.hidden, payload)
			}
			if tt.decoys > 0 {
				var p struct {
					SD []string `json:"_sd"`
				}
				json.Unmarshal(payload, &p)
				if len(p.SD) != 1+tt.decoys {
					t.Errorf("top-level _sd has %d digests, want %d", len(p.SD), 1+tt.decoys)
				}
			}
			res, err := sdjwt.Verify(s, sdjwt.VerifyOptions{Keys: publicSet(key), Types: []string{"dc+sd-jwt"}})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(normal(t, licence()), normal(t, res.Claims)); d != "" {
				t.Errorf("claims (-issued +verified):\n%s", d)
			}
			if res.KeyID != "k1" {
				t.Errorf("kid %q", res.KeyID)
			}
		})
	}
	t.Run("a path that selects nothing", func(t *testing.T) {
		is := &sdjwt.Issuer{Key: key}
		if _, err := is.Issue(licence(), paths(sdjwt.Path{"adress"})); err == nil {
			t.Error("a misspelt path was accepted")
		}
	})
	t.Run("typed Go values", func(t *testing.T) {
		claims := map[string]any{"iss": "x", "nationalities": []string{"VN", "FR"}, "address": struct {
			Commune string `json:"commune"`
		}{"19753"}}
		s, err := (&sdjwt.Issuer{Key: key}).Issue(claims, paths(sdjwt.Path{"nationalities", 1}, sdjwt.Path{"address", "commune"}))
		if err != nil {
			t.Fatal(err)
		}
		res, err := sdjwt.Verify(s, sdjwt.VerifyOptions{Keys: publicSet(key)})
		if err != nil || len(res.Disclosed) != 2 || res.Disclosed[1].String() != "nationalities.1" && res.Disclosed[0].String() != "nationalities.1" {
			t.Fatalf("verify: %v %v", err, res)
		}
	})
	t.Run("EdDSA", func(t *testing.T) {
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		k := jose.JSONWebKey{Key: priv, KeyID: "ed", Algorithm: "EdDSA"}
		s, err := (&sdjwt.Issuer{Key: k}).Issue(licence(), paths(sdjwt.Path{"full_name"}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sdjwt.Verify(s, sdjwt.VerifyOptions{Keys: publicSet(k)}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPresent(t *testing.T) {
	key := newKey(t, "k1")
	is := &sdjwt.Issuer{Key: key, Type: "dc+sd-jwt", Decoys: 2}
	all := paths(sdjwt.Path{"full_name"}, sdjwt.Path{"birth_date"}, sdjwt.Path{"address"}, sdjwt.Path{"address", "street"},
		sdjwt.Path{"address", "commune"}, sdjwt.Path{"categories", nil}, sdjwt.Path{"categories", nil, "class"},
		sdjwt.Path{"categories", nil, "expires"})
	s, err := is.Issue(licence(), all)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := sdjwt.Parse(s)
	tests := []struct {
		name     string
		disclose []sdjwt.Path
		want     string // the processed claims beyond the always-visible ones (an array whose elements are all undisclosed stays, empty)
	}{
		{"nothing", nil, `{"categories":[]}`},
		{"licence class without address", paths(sdjwt.Path{"full_name"}, sdjwt.Path{"categories", nil, "class"}),
			`{"full_name":"Nguyễn Văn An","categories":[{"class":"A1"},{"class":"B"}]}`},
		{"one category in full", paths(sdjwt.Path{"categories", 1}),
			`{"categories":[{"class":"B","expires":"2030-06-30"}]}`},
		{"commune only", paths(sdjwt.Path{"address", "commune"}),
			`{"address":{"commune":"19753","province":"46"},"categories":[]}`},
		{"whole address", paths(sdjwt.Path{"address"}),
			`{"address":{"street":"Số 5 Lê Lợi","commune":"19753","province":"46"},"categories":[]}`},
		{"always visible", paths(sdjwt.Path{"sub"}), `{"categories":[]}`},
	}
	visible := `"iss":"https://gplx.example.vn","vct":"urn:vn:gplx","iat":1767225600,"sub":"046301000001","nationalities":["VN"]`
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pres, err := tok.Present(tt.disclose, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := sdjwt.Verify(pres, sdjwt.VerifyOptions{Keys: publicSet(key)})
			if err != nil {
				t.Fatal(err)
			}
			want := strings.TrimSuffix(tt.want, "}") + ","
			if d := cmp.Diff(jsonObj(t, want+visible+"}"), normal(t, res.Claims)); d != "" {
				t.Errorf("presented claims (-want +got):\n%s", d)
			}
		})
	}
	t.Run("no such claim", func(t *testing.T) {
		_, err := tok.Present(paths(sdjwt.Path{"blood_type"}), nil)
		var nc *sdjwt.NoClaimError
		if !errors.As(err, &nc) {
			t.Errorf("got %v, want a NoClaimError", err)
		}
	})
	t.Run("key binding", func(t *testing.T) {
		holder := parseJWK(t, rfcHolderJWK, "ES256")
		claims := licence()
		claims["cnf"] = map[string]any{"jwk": holder.Public()}
		s, err := is.Issue(claims, paths(sdjwt.Path{"full_name"}))
		if err != nil {
			t.Fatal(err)
		}
		tok, _ := sdjwt.Parse(s)
		now := time.Now()
		pres, err := tok.Present(paths(sdjwt.Path{"full_name"}), &sdjwt.HolderBinding{Key: holder, Audience: "https://airline.example",
			Nonce: "n-42", IssuedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		opts := sdjwt.VerifyOptions{Keys: publicSet(key), RequireKeyBinding: true, Audience: "https://airline.example", Nonce: "n-42", Now: now}
		res, err := sdjwt.Verify(pres, opts)
		if err != nil || res.KeyBinding == nil || res.Claims["full_name"] != "Nguyễn Văn An" {
			t.Fatalf("verify: %v %v", err, res)
		}
		// Dropping the disclosure after binding breaks sd_hash.
		parts := strings.Split(pres, "~")
		stripped := parts[0] + "~" + parts[len(parts)-1]
		if _, err := sdjwt.Verify(stripped, opts); err == nil {
			t.Error("a presentation whose disclosures changed after key binding was accepted")
		}
	})
}
