package oidc_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"

	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// authorize starts an authorization request with raw parameters.
func (r *rp) params(verifier string) url.Values {
	return url.Values{"client_id": {r.client.ID}, "response_type": {"code"}, "scope": {"openid profile"},
		"redirect_uri": {r.client.RedirectURIs[0]}, "state": {"s"}, "nonce": {"n"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
}

func TestOIDC_AuthorizationRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		alice := e.newCitizen(eid.Level1)
		r := e.newRP(&oidc.Client{})
		verifier := oauth2.GenerateVerifier()

		t.Run("redirect URI not registered: no redirect", func(t *testing.T) {
			v := r.params(verifier)
			v.Set("redirect_uri", "https://evil.example/cb")
			p := e.newBrowser().get(e.issuer + "/oauth/authorize?" + v.Encode())
			if p.status != 400 || p.header.Get("Location") != "" {
				t.Errorf("status %d, Location %q; want 400 and no redirect", p.status, p.header.Get("Location"))
			}
		})
		t.Run("unknown client", func(t *testing.T) {
			v := r.params(verifier)
			v.Set("client_id", "nobody")
			if p := e.newBrowser().get(e.issuer + "/oauth/authorize?" + v.Encode()); p.status/100 != 4 || p.header.Get("Location") != "" {
				t.Errorf("status %d", p.status)
			}
		})
		for _, tt := range []struct{ name, drop, set, val, want string }{
			{"PKCE missing", "code_challenge", "", "", "invalid_request"},
			{"PKCE plain", "", "code_challenge_method", "plain", "invalid_request"},
			{"implicit flow", "", "response_type", "token", "unauthorized_client"},
			{"no openid scope", "", "scope", "profile", "invalid_scope"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				v := r.params(verifier)
				v.Del(tt.drop)
				if tt.set != "" {
					v.Set(tt.set, tt.val)
				}
				p := e.newBrowser().get(e.issuer + "/oauth/authorize?" + v.Encode())
				loc, _ := url.Parse(p.header.Get("Location"))
				if p.status/100 != 3 || loc == nil || !strings.HasPrefix(loc.String(), "https://rp.example/cb") {
					t.Fatalf("status %d location %q: want an error redirect to the client", p.status, p.header.Get("Location"))
				}
				if q := loc.Query(); q.Get("error") != tt.want || q.Get("state") != "s" {
					t.Errorf("error %q state %q, want %q and s", q.Get("error"), q.Get("state"), tt.want)
				}
			})
		}

		// A code obtained properly, then misused.
		code := func() (string, string) {
			vf := oauth2.GenerateVerifier()
			q := e.newBrowser().login(r.oauth.AuthCodeURL("s", oauth2.S256ChallengeOption(vf)), alice)
			return q.Get("code"), vf
		}
		basic := [2]string{r.client.ID, r.secret}
		exchange := func(code, vf, redirect string) (int, map[string]any) {
			return e.postForm("/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
				"code_verifier": {vf}, "redirect_uri": {redirect}}, basic)
		}
		t.Run("wrong PKCE verifier", func(t *testing.T) {
			c, _ := code()
			if st, out := exchange(c, oauth2.GenerateVerifier(), r.oauth.RedirectURL); st != 400 || out["error"] != "invalid_grant" {
				t.Errorf("= %d %v", st, out)
			}
		})
		t.Run("missing PKCE verifier", func(t *testing.T) {
			c, _ := code()
			if st, out := exchange(c, "", r.oauth.RedirectURL); st != 400 || out["error"] != "invalid_grant" {
				t.Errorf("= %d %v", st, out)
			}
		})
		t.Run("other redirect URI at the token endpoint", func(t *testing.T) {
			c, vf := code()
			if st, out := exchange(c, vf, "https://rp.example/other"); st != 400 || out["error"] != "invalid_grant" {
				t.Errorf("= %d %v", st, out)
			}
		})
		t.Run("wrong client secret", func(t *testing.T) {
			c, vf := code()
			st, out := e.postForm("/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {c},
				"code_verifier": {vf}, "redirect_uri": {r.oauth.RedirectURL}}, [2]string{r.client.ID, "dcsec_wrong"})
			if st != 401 || out["error"] != "invalid_client" {
				t.Errorf("= %d %v", st, out)
			}
		})
		t.Run("code reused: tokens from it revoked", func(t *testing.T) {
			c, vf := code()
			st, first := exchange(c, vf, r.oauth.RedirectURL)
			if st != 200 {
				t.Fatalf("first exchange = %d %v", st, first)
			}
			if st, out := exchange(c, vf, r.oauth.RedirectURL); st != 400 || out["error"] != "invalid_grant" {
				t.Errorf("second exchange = %d %v", st, out)
			}
			if _, in := e.postForm("/oauth/introspect", url.Values{"token": {first["access_token"].(string)}}, basic); in["active"] != false {
				t.Errorf("token of a replayed code still active")
			}
		})
		t.Run("expired code", func(t *testing.T) {
			c, vf := code()
			e.clock.Add(2 * time.Minute)
			if st, out := exchange(c, vf, r.oauth.RedirectURL); st != 400 || out["error"] != "invalid_grant" {
				t.Errorf("= %d %v", st, out)
			}
		})
		t.Run("consent denied", func(t *testing.T) {
			other := e.newRP(&oidc.Client{RedirectURIs: []string{"https://other.example/cb"}})
			b := e.newBrowser()
			p := b.get(other.oauth.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
			p = b.submit(p, "/login", url.Values{"id_number": {alice.idNumber}, "passcode": {alice.passcode}})
			p = b.submit(p, "/login/code", url.Values{"code": {e.lastCode(alice.phone)}})
			if q := b.back(b.submit(p, "/consent", url.Values{"decision": {"deny"}})); q.Get("error") != "access_denied" {
				t.Errorf("error = %q", q.Get("error"))
			}
		})
		t.Run("forged CSRF token", func(t *testing.T) {
			b := e.newBrowser()
			p := b.get(r.oauth.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
			p = b.submit(p, "/login", url.Values{"csrf": {"forged"}, "id_number": {alice.idNumber}, "passcode": {alice.passcode}})
			if p.status != 403 {
				t.Errorf("status %d, want 403", p.status)
			}
		})
	})
}

func TestOIDC_StepUpAndLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		l1, l2 := e.newCitizen(eid.Level1), e.newCitizen(eid.Level2)
		r := e.newRP(&oidc.Client{})
		acr2 := oauth2.SetAuthURLParam("acr_values", oidc.ACRLevel2)

		// A level-2 citizen gets acr level 2.
		_, _, cl := r.codeFlow(t, e.newBrowser(), l2, acr2)
		if cl.ACR != oidc.ACRLevel2 {
			t.Errorf("acr = %q, want level 2", cl.ACR)
		}
		// A level-1 citizen asked for level 2 cannot satisfy it.
		q := e.newBrowser().login(r.oauth.AuthCodeURL("s", acr2, oauth2.S256ChallengeOption(oauth2.GenerateVerifier())), l1)
		if q.Get("error") != "unmet_authentication_requirements" {
			t.Errorf("error = %q, want unmet_authentication_requirements", q.Get("error"))
		}
		// A level-1 session does not serve a level-2 request by SSO: the
		// login form asks again (step-up), and a level-1 login still fails.
		b := e.newBrowser()
		r.codeFlow(t, b, l1)
		stepUp := r.oauth.AuthCodeURL("s", acr2, oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
		if p := b.get(stepUp); !strings.Contains(p.body, `name="passcode"`) {
			t.Fatalf("step-up: no login form: %d", p.status)
		}
		if q := b.login(stepUp, l1); q.Get("error") != "unmet_authentication_requirements" {
			t.Errorf("SSO: error = %q", q.Get("error"))
		}

		// Five wrong passcodes lock the account: the page says so, with 423.
		b = e.newBrowser()
		p := b.get(r.oauth.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		for i := 0; i < 5; i++ {
			p = b.submit(p, "/login", url.Values{"id_number": {l2.idNumber}, "passcode": {"135792"}})
		}
		p = b.submit(p, "/login", url.Values{"id_number": {l2.idNumber}, "passcode": {l2.passcode}})
		if p.status != 423 {
			t.Errorf("login to a locked account: status %d, want 423", p.status)
		}
	})
}

// ecKey is a client's or DPoP key pair.
type ecKey struct {
	priv *ecdsa.PrivateKey
	jwk  jose.JSONWebKey
}

func newECKey(t *testing.T, kid string) ecKey {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return ecKey{priv: priv, jwk: jose.JSONWebKey{Key: &priv.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig"}}
}

func (k ecKey) jwks(t *testing.T) string {
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k.jwk}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// assertion signs a private_key_jwt client assertion.
func (k ecKey) assertion(t *testing.T, clientID, aud string, alg jose.SignatureAlgorithm, key any) string {
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", k.jwk.KeyID))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	s, err := jwt.Signed(sig).Claims(jwt.Claims{Issuer: clientID, Subject: clientID, Audience: jwt.Audience{aud},
		Expiry: jwt.NewNumericDate(now.Add(time.Minute)), IssuedAt: jwt.NewNumericDate(now), ID: randomID()}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// proof signs a DPoP proof for a request.
func (k ecKey) proof(t *testing.T, method, target, accessToken string) string {
	opts := (&jose.SignerOptions{}).WithType("dpop+jwt").WithHeader("jwk", jose.JSONWebKey{Key: &k.priv.PublicKey, Algorithm: "ES256"})
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k.priv}, opts)
	if err != nil {
		t.Fatal(err)
	}
	c := map[string]any{"jti": randomID(), "htm": method, "htu": target, "iat": time.Now().Unix()}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		c["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	s, err := jwt.Signed(sig).Claims(c).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func randomID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestOIDC_FAPI2(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		alice := e.newCitizen(eid.Level2)
		ck := newECKey(t, "bank-1")
		bank := &oidc.Client{Name: "Ngân hàng FAPI", RedirectURIs: []string{"https://bank.example/cb"},
			AuthMethod: oidc.AuthPrivateKeyJWT, JWKS: ck.jwks(t), Profile: oidc.ProfileFAPI2,
			Scopes: []string{"openid", "profile", "id_number"}, GrantTypes: []string{oidc.GrantCode, oidc.GrantRefresh}}
		if _, err := oidc.RegisterClient(e.ctx, db, bank, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		dk := newECKey(t, "")
		auth := func() url.Values {
			return url.Values{"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
				"client_assertion": {ck.assertion(t, bank.ID, e.issuer, jose.ES256, ck.priv)}}
		}
		verifier := oauth2.GenerateVerifier()
		par := func(extra url.Values, headers ...string) (int, map[string]any) {
			v := url.Values{"response_type": {"code"}, "scope": {"openid profile id_number"}, "redirect_uri": {"https://bank.example/cb"},
				"state": {"s"}, "nonce": {"n"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)},
				"code_challenge_method": {"S256"}, "acr_values": {oidc.ACRLevel2}}
			for k, vv := range auth() {
				v[k] = vv
			}
			for k, vv := range extra {
				v[k] = vv
			}
			return e.postForm("/oauth/par", v, [2]string{}, headers...)
		}

		// Without PAR the client is refused.
		b := e.newBrowser()
		p := b.get(e.issuer + "/oauth/authorize?" + url.Values{"client_id": {bank.ID}, "response_type": {"code"},
			"scope": {"openid"}, "redirect_uri": {"https://bank.example/cb"}, "code_challenge": {"x"},
			"code_challenge_method": {"S256"}}.Encode())
		if p.status != 400 {
			t.Errorf("authorize without PAR: %d", p.status)
		}

		// PAR with a DPoP proof binds the code to the key.
		st, out := par(nil, "DPoP", dk.proof(t, "POST", e.issuer+"/oauth/par", ""))
		if st != 201 || !strings.HasPrefix(out["request_uri"].(string), "urn:ietf:params:oauth:request_uri:") {
			t.Fatalf("PAR = %d %v", st, out)
		}
		authURL := e.issuer + "/oauth/authorize?" + url.Values{"client_id": {bank.ID}, "request_uri": {out["request_uri"].(string)}}.Encode()
		q := b.login(authURL, alice)
		if q.Get("code") == "" || q.Get("iss") != e.issuer {
			t.Fatalf("authorization response %v", q)
		}
		// The request_uri is single-use.
		if p := e.newBrowser().get(authURL); p.status != 400 {
			t.Errorf("request_uri reused: %d", p.status)
		}
		tokenForm := func(code string) url.Values {
			v := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
				"redirect_uri": {"https://bank.example/cb"}}
			for k, vv := range auth() {
				v[k] = vv
			}
			return v
		}
		// A token request without DPoP is refused; the code stays usable? No:
		// the code is spent by the first valid-client attempt only if it
		// got that far, so send the DPoP proof of another key first.
		other := newECKey(t, "")
		if st, out := e.postForm("/oauth/token", tokenForm(q.Get("code")), [2]string{}, "DPoP",
			other.proof(t, "POST", e.issuer+"/oauth/token", "")); st != 400 {
			t.Errorf("token with another DPoP key = %d %v", st, out)
		}

		// Again with the right key, from a fresh authorization.
		st, out = par(nil, "DPoP", dk.proof(t, "POST", e.issuer+"/oauth/par", ""))
		if st != 201 {
			t.Fatalf("PAR = %d %v", st, out)
		}
		q = b.login(e.issuer+"/oauth/authorize?"+url.Values{"client_id": {bank.ID}, "request_uri": {out["request_uri"].(string)}}.Encode(), alice)
		st, tok := e.postForm("/oauth/token", tokenForm(q.Get("code")), [2]string{}, "DPoP", dk.proof(t, "POST", e.issuer+"/oauth/token", ""))
		if st != 200 || tok["token_type"] != "DPoP" {
			t.Fatalf("token = %d %v", st, tok)
		}
		at := tok["access_token"].(string)

		userinfo := func(scheme, proof string) int {
			req, _ := http.NewRequest("GET", e.issuer+"/oauth/userinfo", nil)
			req.Header.Set("Authorization", scheme+" "+at)
			if proof != "" {
				req.Header.Set("DPoP", proof)
			}
			resp, err := e.srv.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		good := dk.proof(t, "GET", e.issuer+"/oauth/userinfo", at)
		if st := userinfo("DPoP", good); st != 200 {
			t.Errorf("userinfo with DPoP = %d", st)
		}
		if st := userinfo("DPoP", good); st != 401 {
			t.Errorf("replayed DPoP proof = %d, want 401", st)
		}
		if st := userinfo("Bearer", ""); st != 401 {
			t.Errorf("DPoP-bound token as Bearer = %d, want 401", st)
		}
		if st := userinfo("DPoP", other.proof(t, "GET", e.issuer+"/oauth/userinfo", at)); st != 401 {
			t.Errorf("proof by another key = %d, want 401", st)
		}

		// Client assertions: replay, alg none, HS256 keyed with the public key.
		a := ck.assertion(t, bank.ID, e.issuer, jose.ES256, ck.priv)
		intro := func(assertion string) (int, map[string]any) {
			return e.postForm("/oauth/introspect", url.Values{"token": {at}, "client_assertion": {assertion},
				"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}}, [2]string{})
		}
		if st, out := intro(a); st != 200 || out["active"] != true {
			t.Fatalf("introspect = %d %v", st, out)
		} else if cnf, _ := out["cnf"].(map[string]any); cnf["jkt"] == "" {
			t.Errorf("no cnf.jkt in %v", out)
		}
		if st, _ := intro(a); st != 401 {
			t.Errorf("replayed assertion = %d, want 401", st)
		}
		none := unsignedJWT(map[string]any{"iss": bank.ID, "sub": bank.ID, "aud": e.issuer, "exp": time.Now().Add(time.Minute).Unix(), "jti": randomID()})
		if st, _ := intro(none); st != 401 {
			t.Errorf("alg none assertion = %d, want 401", st)
		}
		pub, _ := json.Marshal(ck.jwk)
		hs := ck.assertion(t, bank.ID, e.issuer, jose.HS256, pub)
		if st, _ := intro(hs); st != 401 {
			t.Errorf("HS256 with the public key = %d, want 401", st)
		}
		// The id_number scope was allowed to this client and consented to.
		st, _ = e.postForm("/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)},
			"client_assertion":      {ck.assertion(t, bank.ID, e.issuer, jose.ES256, ck.priv)},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}}, [2]string{})
		if st != 400 {
			t.Errorf("refresh of a DPoP-bound token without proof = %d, want 400", st)
		}
	})
}

func unsignedJWT(claims map[string]any) string {
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	b, _ := json.Marshal(claims)
	return h + "." + base64.RawURLEncoding.EncodeToString(b) + "."
}

func TestOIDC_ClientCredentialsAndBackchannelLogout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		var mu sync.Mutex
		var logoutTokens []string
		rpServer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			mu.Lock()
			logoutTokens = append(logoutTokens, r.PostForm.Get("logout_token"))
			mu.Unlock()
		}))
		defer rpServer.Close()
		r := e.newRP(&oidc.Client{BackchannelLogoutURI: rpServer.URL + "/bcl",
			GrantTypes: []string{oidc.GrantCode, oidc.GrantRefresh, oidc.GrantClientCredentials}})
		st, out := e.postForm("/oauth/token", url.Values{"grant_type": {"client_credentials"}}, [2]string{r.client.ID, r.secret})
		if st != 200 || out["access_token"] == nil || out["refresh_token"] != nil {
			t.Fatalf("client_credentials = %d %v", st, out)
		}
		st, out = e.postForm("/oauth/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"profile"}},
			[2]string{r.client.ID, r.secret})
		if st != 400 || out["error"] != "invalid_scope" {
			t.Errorf("client_credentials for a personal scope = %d %v", st, out)
		}

		alice := e.newCitizen(eid.Level1)
		b := e.newBrowser()
		tok, _, cl := r.codeFlow(t, b, alice)
		raw, _ := tok.Extra("id_token").(string)
		b.get(e.issuer + "/oauth/logout?" + url.Values{"id_token_hint": {raw}}.Encode())
		deadline := time.Now().Add(5 * time.Second)
		for {
			mu.Lock()
			n := len(logoutTokens)
			mu.Unlock()
			if n > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(logoutTokens) != 1 {
			t.Fatalf("%d logout tokens delivered, want 1", len(logoutTokens))
		}
		lt, err := r.provider.Verifier(&gooidc.Config{ClientID: r.client.ID, SkipExpiryCheck: true}).Verify(r.ctx, logoutTokens[0])
		_ = lt
		if err != nil {
			t.Fatalf("logout token does not verify: %v", err)
		}
		var claims struct {
			SID    string         `json:"sid"`
			Events map[string]any `json:"events"`
		}
		lt.Claims(&claims)
		if claims.SID != cl.SID || claims.Events["http://schemas.openid.net/event/backchannel-logout"] == nil {
			t.Errorf("logout token claims %+v, want sid %q", claims, cl.SID)
		}
	})
}
