package documents_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"slices"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/documents"
)

func TestDecodeStatusList_DraftExamples(t *testing.T) {
	// draft-ietf-oauth-status-list §4.1: a 1-bit and a 2-bit example.
	tests := []struct {
		lst  string
		bits int
		want []byte
	}{
		{"eNrbuRgAAhcBXQ", 1, []byte{1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1}},
		{"eNo76fITAAPfAgc", 2, []byte{1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3}},
	}
	for _, tt := range tests {
		l, err := documents.DecodeStatusList(tt.lst, tt.bits)
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		for i := range l.Len() {
			got = append(got, l.Get(i))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.lst, got, tt.want)
		}
	}
}

func TestStatusList_RoundTrip(t *testing.T) {
	l := documents.NewStatusList(2, 1<<14)
	set := map[int]byte{0: 1, 3: 2, 4: 1, 7: 2, 8: 2, 16383: 1}
	for i, v := range set {
		l.Set(i, v)
	}
	l.Set(4, 0) // overwrite back to valid
	delete(set, 4)
	back, err := documents.DecodeStatusList(l.Encode(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if back.Len() != 1<<14 {
		t.Fatalf("%d entries", back.Len())
	}
	for i := range back.Len() {
		if back.Get(i) != set[i] {
			t.Errorf("entry %d: got %d, want %d", i, back.Get(i), set[i])
		}
	}
	for _, bad := range []struct {
		lst  string
		bits int
	}{{"eNo76fITAAPfAgc", 3}, {"not base64!", 2}, {"AAAA", 2}} {
		if _, err := documents.DecodeStatusList(bad.lst, bad.bits); err == nil {
			t.Errorf("decoded %q with %d bits", bad.lst, bad.bits)
		}
	}
}

func TestProviderRegistration_Validate(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	priv := jose.JSONWebKey{Key: k, KeyID: "k1", Algorithm: "ES256"}
	set := func(keys ...jose.JSONWebKey) json.RawMessage {
		b, _ := json.Marshal(jose.JSONWebKeySet{Keys: keys})
		return b
	}
	pub := set(priv.Public())
	tests := []struct {
		name  string
		reg   documents.ProviderRegistration
		field string // "" when valid
	}{
		{"ok", documents.ProviderRegistration{OrganisationID: "o", VCTs: []string{"urn:vn:gplx"}, JWKS: pub}, ""},
		{"ok with issuer", documents.ProviderRegistration{OrganisationID: "o", Issuer: "https://gplx.example.vn", VCTs: []string{"urn:vn:gplx"}, JWKS: pub}, ""},
		{"no organisation", documents.ProviderRegistration{VCTs: []string{"urn:vn:gplx"}, JWKS: pub}, "organisation_id"},
		{"issuer not a URL", documents.ProviderRegistration{OrganisationID: "o", Issuer: "gplx", VCTs: []string{"urn:vn:gplx"}, JWKS: pub}, "issuer"},
		{"no vct", documents.ProviderRegistration{OrganisationID: "o", JWKS: pub}, "vcts"},
		{"duplicate vct", documents.ProviderRegistration{OrganisationID: "o", VCTs: []string{"urn:a", "urn:a"}, JWKS: pub}, "vcts"},
		{"private key", documents.ProviderRegistration{OrganisationID: "o", VCTs: []string{"urn:a"}, JWKS: set(priv)}, "jwks"},
		{"symmetric key", documents.ProviderRegistration{OrganisationID: "o", VCTs: []string{"urn:a"},
			JWKS: set(jose.JSONWebKey{Key: []byte("0123456789abcdef0123456789abcdef"), KeyID: "h"})}, "jwks"},
		{"HS256 algorithm", documents.ProviderRegistration{OrganisationID: "o", VCTs: []string{"urn:a"},
			JWKS: set(jose.JSONWebKey{Key: &k.PublicKey, KeyID: "x", Algorithm: "HS256"})}, "jwks"},
		{"no keys", documents.ProviderRegistration{OrganisationID: "o", VCTs: []string{"urn:a"}, JWKS: set()}, "jwks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.reg.Validate()
			if got := apperr.FieldOf(err); got != tt.field || (tt.field == "") != (err == nil) {
				t.Errorf("got %v (field %q), want field %q", err, got, tt.field)
			}
		})
	}
}
