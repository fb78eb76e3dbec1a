package oidc_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// api calls the JSON API with a bearer token.
func (e *env) api(method, path, token string, body any) (int, map[string]any) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.issuer+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.srv.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestOIDC_AdminAndConsentAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for _, o := range []auth.Officer{
			{Username: "ops", FullName: "Quản trị", Role: auth.RoleAdmin, UnitLevel: auth.LevelCentral},
			{Username: "clerk", FullName: "Cán bộ", Role: auth.RoleRegistrar, UnitLevel: auth.LevelCentral},
		} {
			if err := db.CreateOfficer(e.ctx, &o); err != nil {
				t.Fatal(err)
			}
		}
		_, admin, _ := db.IssueToken(e.ctx, "ops", "t", time.Hour)
		_, clerk, _ := db.IssueToken(e.ctx, "clerk", "t", time.Hour)

		spec := map[string]any{"name": "Nhà mạng", "redirect_uris": []string{"https://telco.example/cb"},
			"grant_types": []string{"authorization_code", "refresh_token", "client_credentials"}, "scopes": []string{"openid", "profile"}}
		if st, out := e.api("POST", "/api/v1/oidc/clients", clerk, spec); st != http.StatusForbidden {
			t.Errorf("a registrar created a client: %d %v", st, out)
		}
		if st, out := e.api("POST", "/api/v1/oidc/clients", admin, map[string]any{"name": "x", "redirect_uris": []string{"ftp://x"}}); st != 400 {
			t.Errorf("bad redirect URI = %d %v", st, out)
		}
		st, out := e.api("POST", "/api/v1/oidc/clients", admin, spec)
		if st != http.StatusCreated || out["client_secret"] == nil || out["subject_type"] != "pairwise" {
			t.Fatalf("create client = %d %v", st, out)
		}
		id, secret := out["client_id"].(string), out["client_secret"].(string)
		if st, out := e.api("GET", "/api/v1/oidc/clients", admin, nil); st != 200 || len(out["clients"].([]any)) != 1 {
			t.Errorf("list = %d %v", st, out)
		}
		cc := func(sec string) int {
			st, _ := e.postForm("/oauth/token", url.Values{"grant_type": {"client_credentials"}}, [2]string{id, sec})
			return st
		}
		if cc(secret) != 200 {
			t.Fatalf("client_credentials with the new client failed")
		}
		st, out = e.api("POST", "/api/v1/oidc/clients/"+id+"/secret", admin, nil)
		if st != 200 {
			t.Fatalf("rotate = %d %v", st, out)
		}
		fresh := out["client_secret"].(string)
		e.clock.Add(10 * time.Second) // past the client cache
		if cc(secret) != 401 || cc(fresh) != 200 {
			t.Errorf("after rotation: old secret %d, new %d", cc(secret), cc(fresh))
		}
		if st, _ := e.api("POST", "/api/v1/oidc/clients/"+id+"/disable", admin, nil); st != 200 {
			t.Fatalf("disable = %d", st)
		}
		e.clock.Add(10 * time.Second)
		if cc(fresh) != 401 {
			t.Errorf("a disabled client got a token")
		}

		// A citizen lists the services it allowed and revokes one; the
		// client's tokens for the citizen stop working.
		alice := e.newCitizen(eid.Level1)
		r := e.newRP(&oidc.Client{Name: "Hãng bay"})
		tok, _, _ := r.codeFlow(t, e.newBrowser(), alice)
		res, err := e.eid.BeginLogin(e.ctx, eid.LoginRequest{IDNumber: alice.idNumber, Passcode: alice.passcode}, eid.Client{IP: "10.9.9.9"})
		if err != nil {
			t.Fatal(err)
		}
		res, err = e.eid.FinishLogin(e.ctx, res.Challenge.ID, eid.MethodSMS, e.lastCode(alice.phone), false, "", eid.Client{IP: "10.9.9.9"})
		if err != nil {
			t.Fatal(err)
		}
		st, out = e.api("GET", "/api/v1/eid/me/consents", res.Token, nil)
		if st != 200 || len(out["consents"].([]any)) != 1 {
			t.Fatalf("consents = %d %v", st, out)
		}
		if c := out["consents"].([]any)[0].(map[string]any); c["client_id"] != r.client.ID || c["client_name"] != "Hãng bay" {
			t.Errorf("consent %v", c)
		}
		if st, _ := e.api("DELETE", "/api/v1/eid/me/consents/"+r.client.ID, res.Token, nil); st != http.StatusNoContent {
			t.Fatalf("revoke consent = %d", st)
		}
		if st, _ := e.api("DELETE", "/api/v1/eid/me/consents/"+r.client.ID, res.Token, nil); st != http.StatusNotFound {
			t.Errorf("second revocation = %d, want 404", st)
		}
		if st, in := e.postForm("/oauth/introspect", url.Values{"token": {tok.RefreshToken}}, [2]string{r.client.ID, r.secret}); in["active"] != false {
			t.Errorf("refresh token alive after consent revoked: %d %v", st, in)
		}
	})
}
