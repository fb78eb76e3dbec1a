package oidc_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/eid/passkeytest"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// addPasskey registers a software passkey for the citizen's account
// through the e-ID service (the API's route is tested in httpapi).
func (e *env) addPasskey(c citizen) *passkeytest.Authenticator {
	e.t.Helper()
	key := passkeytest.New(e.issuer)
	opts, ceremony, err := e.eid.BeginPasskeyRegistration(e.ctx, c.accountID)
	if err != nil {
		e.t.Fatalf("begin passkey registration: %v", err)
	}
	resp, err := key.Create(opts)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.eid.FinishPasskeyRegistration(e.ctx, c.accountID, ceremony, "test", resp); err != nil {
		e.t.Fatalf("finish passkey registration: %v", err)
	}
	return key
}

// passkeyBegin posts the login page's passkey form to the begin endpoint,
// as passkey.js does, and decodes the JSON answer.
func (b *browser) passkeyBegin(p page, override url.Values) (int, map[string]any) {
	b.e.t.Helper()
	form := hiddenFields(p.body)
	for k, v := range override {
		form[k] = v
	}
	req, _ := http.NewRequest(http.MethodPost, b.e.issuer+"/login/passkey/begin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	got := b.do(req)
	var m map[string]any
	if err := json.Unmarshal([]byte(got.body), &m); err != nil {
		b.e.t.Fatalf("begin answered %d %q: %v", got.status, got.body, err)
	}
	return got.status, m
}

// passkeyLogin runs the login page's passkey button with key: begin,
// the authenticator, then the form post; it returns the page reached.
func (b *browser) passkeyLogin(p page, key *passkeytest.Authenticator) page {
	b.e.t.Helper()
	status, m := b.passkeyBegin(p, nil)
	if status != 200 {
		b.e.t.Fatalf("begin = %d %v", status, m)
	}
	opts, _ := json.Marshal(m["options"])
	resp, err := key.Get(opts)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return b.submit(p, "/login/passkey", url.Values{"ceremony_id": {m["ceremony_id"].(string)}, "response": {string(resp)}})
}

func TestOIDC_PasskeyLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnvConfig(t, db, envConfig{localhost: true})
		alice := e.newCitizen(eid.Level1)
		key := e.addPasskey(alice)
		portal := e.newRP(&oidc.Client{Name: "Cổng Dịch vụ công", RedirectURIs: []string{"https://dichvucong.example/cb"}})
		authURL := func(verifier string) string {
			return portal.oauth.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier), gooidc.Nonce("n-1"))
		}

		t.Run("the login page offers passkeys, with a CSP for its script", func(t *testing.T) {
			p := e.newBrowser().get(authURL(oauth2.GenerateVerifier()))
			for _, want := range []string{`id="passkey-form"`, `<script src="/oauth/static/passkey.js" defer></script>`,
				`name="passcode"`, "Đăng nhập bằng khóa truy cập"} {
				if !strings.Contains(p.body, want) {
					t.Errorf("login page lacks %s", want)
				}
			}
			csp := p.header.Get("Content-Security-Policy")
			for _, want := range []string{"script-src 'self'", "connect-src 'self'", "form-action 'self' https://dichvucong.example;"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			// 127.0.0.1 is not within the relying-party ID localhost: a
			// browser there could not use the passkeys, so none are offered.
			ip := strings.Replace(authURL(oauth2.GenerateVerifier()), "localhost", "127.0.0.1", 1)
			there := e.newBrowser()
			there.client.CheckRedirect = nil // follow to the login page on 127.0.0.1
			if p := there.get(ip); !strings.Contains(p.body, `name="passcode"`) || strings.Contains(p.body, "passkey-form") {
				t.Errorf("the login page at 127.0.0.1: %d %s", p.status, excerpt(p.body))
			}
		})
		t.Run("the script is served, revalidated by ETag", func(t *testing.T) {
			b := e.newBrowser()
			p := b.get(e.issuer + "/oauth/static/passkey.js")
			if p.status != 200 || !strings.HasPrefix(p.header.Get("Content-Type"), "text/javascript") ||
				!strings.Contains(p.body, "navigator.credentials.get") || p.header.Get("ETag") == "" {
				t.Fatalf("script = %d %v", p.status, p.header)
			}
			req, _ := http.NewRequest(http.MethodGet, e.issuer+"/oauth/static/passkey.js", nil)
			req.Header.Set("If-None-Match", p.header.Get("ETag"))
			if again := b.do(req); again.status != http.StatusNotModified {
				t.Errorf("revalidation = %d, want 304", again.status)
			}
		})
		t.Run("a passkey logs in: consent, code, ID token with hwk", func(t *testing.T) {
			b := e.newBrowser()
			verifier := oauth2.GenerateVerifier()
			p := b.passkeyLogin(b.get(authURL(verifier)), key)
			if !strings.Contains(p.body, `name="decision"`) {
				t.Fatalf("after the passkey: %d %s", p.status, excerpt(p.body))
			}
			q := b.back(b.submit(p, "/consent", url.Values{"decision": {"allow"}, "remember": {"1"}}))
			if q.Get("code") == "" || q.Get("iss") != e.issuer {
				t.Fatalf("redirect to the client: %v", q)
			}
			tok, err := portal.oauth.Exchange(portal.ctx, q.Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := tok.Extra("id_token").(string)
			idt, err := portal.provider.Verifier(&gooidc.Config{ClientID: portal.client.ID}).Verify(portal.ctx, raw)
			if err != nil {
				t.Fatal(err)
			}
			var cl idClaims
			idt.Claims(&cl)
			if !slices.Equal(cl.AMR, []string{"hwk", "user", "mfa"}) || cl.ACR != oidc.ACRLevel1 || cl.Name == "" {
				t.Errorf("claims = %+v", cl)
			}
			// The session is the browser's: the next service logs in at once.
			verifier = oauth2.GenerateVerifier()
			if q := b.back(b.get(authURL(verifier))); q.Get("code") == "" {
				t.Errorf("single sign-on after a passkey login: %v", q)
			}
		})
		t.Run("refusals", func(t *testing.T) {
			b := e.newBrowser()
			p := b.get(authURL(oauth2.GenerateVerifier()))
			if status, m := b.passkeyBegin(p, url.Values{"csrf": {"forged"}}); status != 403 || m["error"] == "" {
				t.Errorf("begin with a forged CSRF token = %d %v", status, m)
			}
			if status, _ := b.passkeyBegin(p, url.Values{"ar": {"nosuchrequest"}}); status != 400 {
				t.Errorf("begin for an unknown request = %d", status)
			}
			_, m := b.passkeyBegin(p, nil)
			opts, _ := json.Marshal(m["options"])
			resp, _ := key.Get(opts)
			finish := url.Values{"ceremony_id": {m["ceremony_id"].(string)}, "response": {string(resp)}, "lang": {"en"}}
			if got := b.submit(p, "/login/passkey", url.Values{"ceremony_id": {"nosuchceremony"}, "response": {string(resp)}, "lang": {"en"}}); got.status != 401 ||
				!strings.Contains(got.body, "The passkey did not log you in") || !strings.Contains(got.body, `name="passcode"`) {
				t.Errorf("unknown ceremony: %d %s", got.status, excerpt(got.body))
			}
			// Consent is remembered from the login above: straight to the client.
			if q := b.back(b.submit(p, "/login/passkey", finish)); q.Get("code") == "" {
				t.Fatalf("finish: %v", q)
			}
			if got := b.submit(p, "/login/passkey", finish); got.status != 400 {
				t.Errorf("the same answer for a finished request = %d, want 400", got.status)
			}
			// A fresh request, the old answer: its ceremony is spent.
			p = e.newBrowser().get(authURL(oauth2.GenerateVerifier()))
			if got := e.newBrowser().submit(p, "/login/passkey", finish); got.status != 401 || strings.Contains(got.body, `name="decision"`) {
				t.Errorf("replayed ceremony: %d %s", got.status, excerpt(got.body))
			}
		})
	})
}
