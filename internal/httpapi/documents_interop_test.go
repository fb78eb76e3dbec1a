package httpapi_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/sdjwt"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// jsDir holds the npm interoperability tests (tests/js), installed by
// scripts/setup.sh with npm ci.
var jsDir = filepath.Join("..", "..", "tests", "js")

// TestDocuments_SDJwtVcJS runs npm @sd-jwt/sd-jwt-vc against dancu: a
// credential the JS library issues with a provider's key is accepted by
// the push and dancu's presentations of it verify in the JS library
// (status list included); a credential dancu's Go code issues verifies in
// the JS library, whose key-bound presentation of it verifies in Go.
func TestDocuments_SDJwtVcJS(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed: run scripts/setup.sh (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(jsDir, "node_modules", "@sd-jwt", "sd-jwt-vc")); err != nil {
		t.Fatalf("tests/js is not installed: run scripts/setup.sh (npm ci in tests/js)")
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newDocEnv(t, db)
		gplx := e.provider(e.organisation("org-gplx", "Cục Cảnh sát giao thông"), vctLicence)
		partner := e.partner("org-gplx", oidc.ScopeDocuments)
		cit := e.citizen()
		statusURI := e.url + "/api/v1/documents/providers/org-gplx/status-list"

		hk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		holder := jose.JSONWebKey{Key: hk, KeyID: "holder-1", Algorithm: "ES256"}
		goCred := gplx.issue(t, map[string]any{"vct": vctLicence, "iat": time.Now().Unix(), "sub": cit.idNumber,
			"full_name": cit.person.FullName, "birth_date": string(cit.person.BirthDate),
			"address": map[string]any{"street": "Số 5 Lê Lợi", "commune": "19753"},
			"cnf":     map[string]any{"jwk": holder.Public()},
			"status":  map[string]any{"status_list": map[string]any{"idx": 101, "uri": statusURI}}},
			sdjwt.Path{"full_name"}, sdjwt.Path{"birth_date"}, sdjwt.Path{"address", "street"})
		in, _ := json.Marshal(map[string]any{
			"url": e.url, "vct": vctLicence, "partner_token": partner,
			"provider":      map[string]any{"issuer": gplx.issuer, "status_uri": statusURI, "private_jwk": privateJWK(t, gplx.key)},
			"holder":        map[string]any{"private_jwk": privateJWK(t, holder)},
			"citizen":       map[string]any{"id_number": cit.idNumber, "token": cit.token, "full_name": cit.person.FullName},
			"go_credential": goCred,
			"kb":            map[string]any{"aud": "https://sanbay.example.vn", "nonce": "chuyen-bay-42"},
		})
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, node, "sdjwt.mjs")
		cmd.Dir = jsDir
		cmd.Env = append(os.Environ(), "DANCU_INTEROP="+string(in))
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("sd-jwt-vc script: %v\n%s", err, stderr.String())
		}
		var res struct {
			PushStatus      int            `json:"push_status"`
			PresentedClaims map[string]any `json:"presented_claims"`
			Suspended       string         `json:"suspended"`
			Reinstated      bool           `json:"reinstated"`
			GoClaims        map[string]any `json:"go_claims"`
			KBPresentation  string         `json:"kb_presentation"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
			t.Fatalf("results %q: %v", stdout.String(), err)
		}

		// (a) The JS-issued credential was pushed; dancu's presentation
		// verified in JS with only the chosen claims.
		pc := res.PresentedClaims
		if res.PushStatus != 201 || pc["full_name"] != cit.person.FullName || fmt.Sprint(pc["categories"]) != "[map[class:A1]]" {
			t.Errorf("JS verification of dancu's presentation: push %d, claims %v", res.PushStatus, pc)
		}
		for _, hidden := range []string{"birth_date", "address"} {
			if _, ok := pc[hidden]; ok {
				t.Errorf("%s reached the JS verifier: %v", hidden, pc)
			}
		}
		if res.Suspended != "rejected" || !res.Reinstated {
			t.Errorf("the JS verifier's status check: suspended %s, reinstated %v", res.Suspended, res.Reinstated)
		}

		// (b) Go's credential verified in JS, all claims disclosed.
		if res.GoClaims["full_name"] != cit.person.FullName || res.GoClaims["birth_date"] != string(cit.person.BirthDate) {
			t.Errorf("JS verification of Go's credential: %v", res.GoClaims)
		}
		opts := sdjwt.VerifyOptions{Keys: jose.JSONWebKeySet{Keys: []jose.JSONWebKey{gplx.key.Public()}}, RequireKeyBinding: true,
			Audience: "https://sanbay.example.vn", Nonce: "chuyen-bay-42", Types: []string{"dc+sd-jwt"}}
		v, err := sdjwt.Verify(res.KBPresentation, opts)
		if err != nil {
			t.Fatalf("Go verification of the JS key-bound presentation: %v", err)
		}
		addr, _ := v.Claims["address"].(map[string]any)
		if v.Claims["full_name"] != cit.person.FullName || addr["street"] != "Số 5 Lê Lợi" || v.Claims["birth_date"] != nil {
			t.Errorf("claims of the JS presentation: %v", v.Claims)
		}
		st, m, raw := e.call("POST", "/api/v1/presentations/verify", "", map[string]any{"presentation": res.KBPresentation,
			"aud": "https://sanbay.example.vn", "nonce": "chuyen-bay-42"})
		if st != 200 || m["key_binding"] != true || m["status"] != "valid" {
			t.Errorf("dancu's verification of the JS key-bound presentation: %d %s", st, raw)
		}
		if st, m, _ := e.call("POST", "/api/v1/presentations/verify", "", map[string]any{"presentation": res.KBPresentation,
			"aud": "https://sanbay.example.vn", "nonce": "another"}); st != 422 || errCode(m) != "credential_invalid" {
			t.Errorf("a wrong nonce: %d %v", st, m)
		}
	})
}

// privateJWK is a private key as JSON, for the JS library.
func privateJWK(t *testing.T, k jose.JSONWebKey) json.RawMessage {
	t.Helper()
	b, err := k.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
