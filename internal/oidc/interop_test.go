package oidc_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// jsDir holds the npm relying party (tests/js), installed by
// scripts/setup.sh with npm ci.
var jsDir = filepath.Join("..", "..", "tests", "js")

// TestOIDC_OpenIDClientJS runs npm openid-client against the provider:
// code flow with PKCE, then PAR + private_key_jwt + DPoP (FAPI 2.0).
func TestOIDC_OpenIDClientJS(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed: run scripts/setup.sh (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(jsDir, "node_modules", "openid-client")); err != nil {
		t.Fatalf("tests/js is not installed: run scripts/setup.sh (npm ci in tests/js)")
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		cit := e.newCitizen(eid.Level2)
		basic := e.newRP(&oidc.Client{Name: "Cổng thử (JS)", RedirectURIs: []string{"https://js.example/cb"}})
		ck := newECKey(t, "js-fapi-1")
		fapi := &oidc.Client{Name: "Ngân hàng thử (JS)", RedirectURIs: []string{"https://jsbank.example/cb"},
			AuthMethod: oidc.AuthPrivateKeyJWT, JWKS: ck.jwks(t), Profile: oidc.ProfileFAPI2,
			Scopes: []string{"openid", "profile", "id_number"}, GrantTypes: []string{oidc.GrantCode, oidc.GrantRefresh}}
		if _, err := oidc.RegisterClient(e.ctx, db, fapi, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		priv, err := jose.JSONWebKey{Key: ck.priv, KeyID: ck.jwk.KeyID, Algorithm: "ES256"}.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		_ = (*ecdsa.PrivateKey)(nil)
		// The citizen's phone, for the script: the newest code sent to it.
		codes := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			msgs, err := e.outbox.Messages(r.Context(), cit.phone, 1)
			if err != nil || len(msgs) == 0 {
				http.Error(w, "no code", http.StatusNotFound)
				return
			}
			w.Write([]byte(sixDigits.FindString(msgs[0].Text)))
		}))
		defer codes.Close()
		in, _ := json.Marshal(map[string]any{
			"issuer":   e.issuer,
			"code_url": codes.URL,
			"citizen":  map[string]string{"id_number": cit.idNumber, "passcode": cit.passcode, "phone": cit.phone},
			"clients": map[string]any{
				"basic": map[string]string{"id": basic.client.ID, "secret": basic.secret, "redirect": "https://js.example/cb"},
				"fapi":  map[string]any{"id": fapi.ID, "private_jwk": json.RawMessage(priv), "redirect": "https://jsbank.example/cb"},
			},
		})
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, node, "flow.mjs")
		cmd.Dir = jsDir
		cmd.Env = append(os.Environ(), "DANCU_INTEROP="+string(in))
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("openid-client flow: %v\n%s", err, stderr.String())
		}
		t.Logf("openid-client: %s", bytes.TrimSpace(stdout.Bytes()))
		var res struct {
			WrongState string `json:"wrong_state"`
			WrongNonce string `json:"wrong_nonce"`
			Basic      struct {
				Sub, ACR, Name, Reuse string
				Rotated               bool
			}
			FAPI struct {
				TokenType     string `json:"token_type"`
				ACR           string
				IDNumber      string `json:"id_number"`
				PAR           bool
				RefreshedType string `json:"refreshed_type"`
			}
		}
		if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
			t.Fatalf("results %q: %v", stdout.String(), err)
		}
		b := res.Basic
		if b.Sub == "" || b.ACR != oidc.ACRLevel2 || b.Name == "" || !b.Rotated || b.Reuse != "invalid_grant" {
			t.Errorf("code flow results %+v", b)
		}
		if res.WrongState == "accepted" || res.WrongNonce == "accepted" {
			t.Errorf("a wrong state (%s) or nonce (%s) was accepted", res.WrongState, res.WrongNonce)
		}
		f := res.FAPI
		if f.TokenType != "dpop" && f.TokenType != "DPoP" || f.ACR != oidc.ACRLevel2 || f.IDNumber != cit.idNumber || !f.PAR {
			t.Errorf("FAPI results %+v", f)
		}
	})
}
