package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/oidc"
)

// The demo relying party: a small service inside `dancu demo` that logs
// citizens in through the provider exactly as an outside portal would
// (discovery, code flow with PKCE, ID token check, userinfo), so that a
// newcomer can watch the whole login at /demo/rp.
const (
	demoRPID   = "demo-rp"
	demoRPPath = "/demo/rp"
)

// demoRP is the demo relying party's configuration.
type demoRP struct {
	issuer string
	oauth  oauth2.Config
}

// setupDemoRP registers (or refreshes) the demo client for the base URL
// and returns the relying party.
func setupDemoRP(ctx context.Context, a *app, base string) (*demoRP, error) {
	s := a.server.OIDC.Store()
	redirect := base + demoRPPath + "/callback"
	c, err := s.OIDCClient(ctx, demoRPID)
	var secret string
	switch {
	case apperr.Is(err, apperr.NotFound):
		c = &oidc.Client{ID: demoRPID, Name: "Cổng dịch vụ thử nghiệm (demo)", RedirectURIs: []string{redirect},
			PostLogoutRedirectURIs: []string{base + demoRPPath},
			Scopes:                 []string{"openid", "profile", "address", "phone", "eid_level", "offline_access"}}
		if secret, err = oidc.RegisterClient(ctx, s, c, time.Now()); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	default:
		// The port may have changed since the last start.
		c.RedirectURIs, c.PostLogoutRedirectURIs, c.Disabled = []string{redirect}, []string{base + demoRPPath}, false
		if err := s.UpdateOIDCClient(ctx, c); err != nil {
			return nil, err
		}
		if secret, err = oidc.RotateClientSecret(ctx, s, demoRPID); err != nil {
			return nil, err
		}
	}
	// The browser goes to the login pages at localhost when the server is
	// on the loopback address: passkeys need a host name (WebAuthn refuses
	// IP addresses), and the pages offer them there.
	authBase := strings.Replace(base, "://127.0.0.1:", "://localhost:", 1)
	return &demoRP{issuer: a.server.OIDC.Issuer(), oauth: oauth2.Config{ClientID: demoRPID, ClientSecret: secret,
		RedirectURL: redirect, Scopes: c.Scopes,
		Endpoint: oauth2.Endpoint{AuthURL: authBase + "/oauth/authorize", TokenURL: base + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}}, nil
}

// Handler serves the demo relying party under /demo/rp.
func (rp *demoRP) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+demoRPPath, rp.home)
	mux.HandleFunc("GET "+demoRPPath+"/login", rp.login)
	mux.HandleFunc("GET "+demoRPPath+"/callback", rp.callback)
	return mux
}

var demoRPPage = template.Must(template.New("rp").Parse(`<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Demo relying party — dancu</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse}
td,th{border:1px solid #999;padding:.3rem .6rem;text-align:left}a.button{display:inline-block;margin:.3rem 0;padding:.6rem 1rem;
background:#0a3d7a;color:#fff;border-radius:4px;text-decoration:none}</style></head><body>
<h1>Cổng dịch vụ thử nghiệm / Demo relying party</h1>
{{if .Error}}<p role="alert">{{.Error}}</p>{{end}}
{{if .Claims}}<p>Đã đăng nhập / Logged in. Claims received (ID token and userinfo):</p>
<table><tr><th>claim</th><th>value</th></tr>{{range .Claims}}<tr><td>{{.K}}</td><td>{{.V}}</td></tr>{{end}}</table>
<p><a href="{{.Logout}}">Đăng xuất / Log out</a></p>
{{else}}<p>This page is a relying party outside dancu's core: it logs you in through the OpenID provider with the code flow and PKCE.</p>
<p><a class="button" href="/demo/rp/login">Đăng nhập bằng định danh điện tử (mức 1)</a><br>
<a class="button" href="/demo/rp/login?level=2">Đăng nhập, yêu cầu mức 2 / require level 2</a></p>{{end}}
</body></html>`))

type demoClaim struct{ K, V any }

func (rp *demoRP) render(w http.ResponseWriter, status int, data map[string]any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	demoRPPage.Execute(w, data)
}

func (rp *demoRP) home(w http.ResponseWriter, r *http.Request) { rp.render(w, http.StatusOK, nil) }

// login starts a code flow; state, nonce and verifier wait in a cookie.
func (rp *demoRP) login(w http.ResponseWriter, r *http.Request) {
	state, nonce, verifier := demoRandom(), demoRandom(), oauth2.GenerateVerifier()
	http.SetCookie(w, &http.Cookie{Name: "demo_rp", Value: state + "." + nonce + "." + verifier, Path: demoRPPath,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 600})
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), gooidc.Nonce(nonce)}
	if r.URL.Query().Get("level") == "2" {
		opts = append(opts, oauth2.SetAuthURLParam("acr_values", oidc.ACRLevel2))
	}
	http.Redirect(w, r, rp.oauth.AuthCodeURL(state, opts...), http.StatusFound)
}

// callback checks the state, redeems the code, verifies the ID token and
// reads userinfo.
func (rp *demoRP) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		rp.render(w, http.StatusOK, map[string]any{"Error": e + ": " + q.Get("error_description")})
		return
	}
	c, err := r.Cookie("demo_rp")
	var state, nonce, verifier string
	if err == nil {
		if parts := strings.SplitN(c.Value, ".", 3); len(parts) == 3 {
			state, nonce, verifier = parts[0], parts[1], parts[2]
		}
	}
	if state == "" || q.Get("state") != state || q.Get("iss") != rp.issuer {
		rp.render(w, http.StatusBadRequest, map[string]any{"Error": "state or iss does not match: start again"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	prov, err := gooidc.NewProvider(ctx, rp.issuer)
	if err != nil {
		rp.render(w, http.StatusBadGateway, map[string]any{"Error": "discovery failed"})
		return
	}
	tok, err := rp.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		rp.render(w, http.StatusBadGateway, map[string]any{"Error": "code exchange failed"})
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := prov.Verifier(&gooidc.Config{ClientID: rp.oauth.ClientID}).Verify(ctx, raw)
	if err != nil || idt.Nonce != nonce {
		rp.render(w, http.StatusBadGateway, map[string]any{"Error": "ID token did not verify"})
		return
	}
	claims := map[string]any{}
	idt.Claims(&claims)
	if ui, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
		ui.Claims(&claims)
	}
	var list []demoClaim
	for k, v := range claims {
		if f, ok := v.(float64); ok && f == float64(int64(f)) {
			v = int64(f) // times and levels, not 1.7e+09
		}
		list = append(list, demoClaim{k, v})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].K.(string) < list[j].K.(string) })
	http.SetCookie(w, &http.Cookie{Name: "demo_rp", Value: "", Path: demoRPPath, MaxAge: -1})
	logout := rp.issuer + "/oauth/logout?" + url.Values{"id_token_hint": {raw},
		"post_logout_redirect_uri": {rp.issuer + demoRPPath}}.Encode()
	rp.render(w, http.StatusOK, map[string]any{"Claims": list, "Logout": template.URL(logout)})
}

func demoRandom() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
