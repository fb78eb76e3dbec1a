package oidc_test

import (
	"crypto/sha256"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// idClaims are the ID token claims the tests look at.
type idClaims struct {
	Sub      string   `json:"sub"`
	Name     string   `json:"name"`
	Birth    string   `json:"birthdate"`
	Phone    string   `json:"phone_number"`
	ACR      string   `json:"acr"`
	AMR      []string `json:"amr"`
	Nonce    string   `json:"nonce"`
	SID      string   `json:"sid"`
	IDNumber string   `json:"id_number"`
}

// codeFlow runs the authorization code flow with PKCE as a relying party
// does with golang.org/x/oauth2, and verifies the ID token with go-oidc.
func (r *rp) codeFlow(t *testing.T, b *browser, c citizen, opts ...oauth2.AuthCodeOption) (*oauth2.Token, *gooidc.IDToken, idClaims) {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	state, nonce := "st-"+verifier[:8], "n-"+verifier[8:16]
	q := b.login(r.oauth.AuthCodeURL(state, append(opts, oauth2.S256ChallengeOption(verifier), gooidc.Nonce(nonce))...), c)
	if q.Get("error") != "" {
		t.Fatalf("authorization error %s: %s", q.Get("error"), q.Get("error_description"))
	}
	if q.Get("state") != state {
		t.Fatalf("state = %q, want %q", q.Get("state"), state)
	}
	if q.Get("iss") != b.e.issuer {
		t.Fatalf("iss = %q, want %q (RFC 9207)", q.Get("iss"), b.e.issuer)
	}
	tok, err := r.oauth.Exchange(r.ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := r.provider.Verifier(&gooidc.Config{ClientID: r.client.ID}).Verify(r.ctx, raw)
	if err != nil {
		t.Fatalf("verify ID token: %v", err)
	}
	var cl idClaims
	if err := idt.Claims(&cl); err != nil {
		t.Fatal(err)
	}
	if cl.Nonce != nonce {
		t.Fatalf("nonce = %q, want %q", cl.Nonce, nonce)
	}
	return tok, idt, cl
}

func TestOIDC_CodeFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		alice := e.newCitizen(eid.Level1)
		portal := e.newRP(&oidc.Client{Name: "Cổng Dịch vụ công", RedirectURIs: []string{"https://dichvucong.example/cb"},
			PostLogoutRedirectURIs: []string{"https://dichvucong.example/bye"}})
		bank := e.newRP(&oidc.Client{Name: "Ngân hàng", RedirectURIs: []string{"https://bank.example/cb"}})
		b := e.newBrowser()

		tok, _, cl := portal.codeFlow(t, b, alice)
		if cl.ACR != oidc.ACRLevel1 || !slices.Contains(cl.AMR, "pwd") {
			t.Errorf("acr, amr = %q, %v; want level 1 with pwd", cl.ACR, cl.AMR)
		}
		if cl.Name == "" || cl.Birth == "" || cl.Phone == "" {
			t.Errorf("profile and phone claims missing: %+v", cl)
		}
		if cl.IDNumber != "" {
			t.Errorf("id_number released without its scope")
		}

		// The release of the claims is in the access log, by the client.
		entries, err := db.AccessLogEntries(e.ctx, accesslog.Filter{Subject: alice.idNumber, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var released bool
		for _, en := range entries {
			if en.Actor == "client:"+portal.client.ID && en.Action == "oidc.id_token" && strings.Contains(en.Fields, "birthdate") {
				released = true
			}
		}
		if !released {
			t.Errorf("no access-log entry for the claims released to the portal: %+v", entries)
		}

		// Userinfo with the access token, as the RP library calls it.
		ui, err := portal.provider.UserInfo(portal.ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatalf("userinfo: %v", err)
		}
		if ui.Subject != cl.Sub {
			t.Errorf("userinfo sub %q != ID token sub %q", ui.Subject, cl.Sub)
		}

		// Single sign-on: the bank gets a login without a passcode, and
		// another subject for the same citizen (pairwise).
		_, _, bankClaims := bank.codeFlow(t, b, alice)
		if bankClaims.Sub == cl.Sub || bankClaims.Sub == alice.accountID {
			t.Errorf("subjects not pairwise: portal %q, bank %q", cl.Sub, bankClaims.Sub)
		}

		// Remembered consent: a second login to the portal asks nothing.
		_, _, again := portal.codeFlow(t, b, alice)
		if again.Sub != cl.Sub {
			t.Errorf("the portal's subject changed: %q then %q", cl.Sub, again.Sub)
		}

		// Introspection by the client the token was issued to.
		basic := [2]string{portal.client.ID, portal.secret}
		st, in := e.postForm("/oauth/introspect", url.Values{"token": {tok.AccessToken}}, basic)
		if st != 200 || in["active"] != true || in["sub"] != cl.Sub {
			t.Fatalf("introspect = %d %v", st, in)
		}
		// Another client learns nothing about it.
		st, in = e.postForm("/oauth/introspect", url.Values{"token": {tok.AccessToken}}, [2]string{bank.client.ID, bank.secret})
		if st != 200 || in["active"] != false {
			t.Errorf("introspect by another client = %d %v, want inactive", st, in)
		}

		// Refresh rotation: the new token works, the old refresh token is
		// spent, and its reuse revokes the whole family.
		fresh, err := portal.oauth.TokenSource(portal.ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		if fresh.RefreshToken == "" || fresh.RefreshToken == tok.RefreshToken {
			t.Fatalf("refresh token not rotated")
		}
		_, err = portal.oauth.TokenSource(portal.ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		if err == nil || !strings.Contains(err.Error(), "invalid_grant") {
			t.Fatalf("reuse of a rotated refresh token: %v, want invalid_grant", err)
		}
		if _, err := portal.oauth.TokenSource(portal.ctx, &oauth2.Token{RefreshToken: fresh.RefreshToken}).Token(); err == nil {
			t.Fatalf("the family survived a reuse")
		}
		if st, in := e.postForm("/oauth/introspect", url.Values{"token": {fresh.AccessToken}}, basic); in["active"] != false {
			t.Errorf("access token of a revoked family still active: %d %v", st, in)
		}

		// Revocation (RFC 7009) of a fresh login's access token.
		tok2, idt2, _ := portal.codeFlow(t, b, alice)
		if st, _ := e.postForm("/oauth/revoke", url.Values{"token": {tok2.AccessToken}}, basic); st != 200 {
			t.Fatalf("revoke = %d", st)
		}
		if _, err := portal.provider.UserInfo(portal.ctx, oauth2.StaticTokenSource(tok2)); err == nil {
			t.Errorf("userinfo with a revoked token succeeded")
		}

		// RP-initiated logout ends the session and the tokens of it.
		raw, _ := tok2.Extra("id_token").(string)
		_ = idt2
		p := b.get(e.issuer + "/oauth/logout?" + url.Values{"id_token_hint": {raw},
			"post_logout_redirect_uri": {"https://dichvucong.example/bye"}, "state": {"s1"}}.Encode())
		if q := b.back(p); q.Get("state") != "s1" {
			t.Errorf("logout redirect state = %q", q.Get("state"))
		}
		if st, in := e.postForm("/oauth/introspect", url.Values{"token": {tok2.RefreshToken}}, basic); in["active"] != false {
			t.Errorf("refresh token alive after logout: %d %v", st, in)
		}
		// Expired requests and tokens are pruned after a week.
		e.clock.Add(40 * 24 * time.Hour)
		if err := e.provider.Prune(e.ctx); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(tok.RefreshToken))
		if _, err := db.OIDCToken(e.ctx, sum[:]); apperr.Code(err) != apperr.NotFound {
			t.Errorf("a token expired a week ago survived pruning: %v", err)
		}
		e.clock.Add(-40 * 24 * time.Hour)
		// The next login asks for the passcode again.
		verifier := oauth2.GenerateVerifier()
		pg := b.get(portal.oauth.AuthCodeURL("x", oauth2.S256ChallengeOption(verifier)))
		if !strings.Contains(pg.body, `name="passcode"`) {
			t.Errorf("no login form after logout: %d %s", pg.status, excerpt(pg.body))
		}
	})
}
