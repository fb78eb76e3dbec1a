package oidc_test

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	cdpwebauthn "github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

// chromium starts the headless Chromium of the test environment.
func chromium(t *testing.T) context.Context { return testenv.Chromium(t, 30*time.Second) }

// registerScript registers a passkey from a page of the provider's
// origin, as the citizen's web UI will: the API's begin, the browser's
// navigator.credentials.create (the virtual authenticator answers), the
// API's finish. It uses the browser's own JSON forms of the options and
// the credential, a check independent of passkey.js.
const registerScript = `(async (token) => {
	const auth = {"Authorization": "Bearer " + token};
	let r = await fetch("/api/v1/eid/me/passkeys/begin", {method: "POST", headers: auth});
	if (r.status !== 200) throw new Error("begin: " + r.status + " " + await r.text());
	const begin = await r.json();
	const options = PublicKeyCredential.parseCreationOptionsFromJSON(begin.options.publicKey);
	const cred = await navigator.credentials.create({publicKey: options});
	r = await fetch("/api/v1/eid/me/passkeys", {method: "POST",
		headers: {...auth, "Content-Type": "application/json"},
		body: JSON.stringify({ceremony_id: begin.ceremony_id, name: "Chromium", response: cred.toJSON()})});
	if (r.status !== 201) throw new Error("finish: " + r.status + " " + await r.text());
	return (await r.json()).id;
})`

// TestOIDC_PasskeyInChromium registers a passkey from Chromium with a
// virtual authenticator and logs in with it on the login page, through
// passkey.js, to the relying party's redirect URI.
func TestOIDC_PasskeyInChromium(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnvConfig(t, db, envConfig{localhost: true})
		alice := e.newCitizen(eid.Level1)
		portal := e.newRP(&oidc.Client{Name: "Cổng Dịch vụ công", RedirectURIs: []string{"https://dichvucong.example/cb"}})

		// Passcode and code through the login pages, as in TestOIDC_CodeFlow:
		// the session cookie holds the session token the API takes.
		b := e.newBrowser()
		if q := b.login(portal.oauth.AuthCodeURL("s0", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())), alice); q.Get("code") == "" {
			t.Fatalf("passcode login: %v", q)
		}
		issuerURL, _ := url.Parse(e.issuer)
		var token string
		for _, c := range b.client.Jar.Cookies(issuerURL) {
			if c.Name == "dancu_sid" {
				token = c.Value
			}
		}
		if token == "" {
			t.Fatal("no session cookie after the passcode login")
		}

		ctx := chromium(t)
		addAuthenticator := func(ctx context.Context, tab *chromedp.Target) (chromedp.Void, error) {
			if _, err := cdp.Call(ctx, tab, cdpwebauthn.Enable, cdpwebauthn.EnableParams{}); err != nil {
				return chromedp.Void{}, err
			}
			_, err := cdp.Call(ctx, tab, cdpwebauthn.AddVirtualAuthenticator, cdpwebauthn.AddVirtualAuthenticatorParams{
				Options: &cdpwebauthn.VirtualAuthenticatorOptions{Protocol: cdpwebauthn.AuthenticatorProtocolCtap2,
					Ctap2version: cdpwebauthn.Ctap2versionCtap21, Transport: cdpwebauthn.AuthenticatorTransportInternal,
					HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true}})
			return chromedp.Void{}, err
		}
		// A page of the provider's origin, on localhost.
		if err := chromedp.Do(ctx, chromedp.Navigate(e.issuer+"/healthz"), addAuthenticator); err != nil {
			t.Fatalf("start Chromium with a virtual authenticator: %v", err)
		}
		id, err := chromedp.Run(ctx, chromedp.Evaluate[string](registerScript+"("+strconv.Quote(token)+")", chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("register a passkey in Chromium: %v", err)
		}
		keys, err := e.eid.Passkeys(e.ctx, alice.accountID)
		if err != nil || len(keys) != 1 || keys[0].ID != id || keys[0].Name != "Chromium" || !slices.Contains(keys[0].Transports, "internal") {
			t.Fatalf("passkeys after registration = %+v, %v", keys, err)
		}

		// A browser without a session (the cookies cleared) but with the
		// authenticator: the relying party's redirect URI answers from
		// here, as no server is behind it.
		if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
		landed := make(chan string, 1)
		paused := chromedp.Events(ctx, fetch.RequestPaused)
		go func() {
			for ev, err := range paused {
				if err != nil {
					return
				}
				select {
				case landed <- ev.Request.URL:
				default:
				}
				chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: ev.RequestID, ResponseCode: 200,
					ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "text/html"}}, Body: []byte("<p>relying party</p>")})
			}
		}()
		if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{
			Patterns: []*fetch.RequestPattern{{URLPattern: "https://dichvucong.example/*"}}}); err != nil {
			t.Fatal(err)
		}
		verifier := oauth2.GenerateVerifier()
		authURL := portal.oauth.AuthCodeURL("st-chromium", oauth2.S256ChallengeOption(verifier), gooidc.Nonce("n-chromium"))
		if err := chromedp.Do(ctx, chromedp.Navigate(authURL), chromedp.WaitVisible(chromedp.ID("passkey-button")),
			chromedp.Click(chromedp.ID("passkey-button"))); err != nil {
			t.Fatalf("click the passkey button: %v", err)
		}
		// Consent was remembered at the passcode login, so the passkey
		// form's post ends at the client.
		var final string
		select {
		case final = <-landed:
		case <-time.After(15 * time.Second):
			diag, cancel := context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
			at, _ := chromedp.Run(diag, chromedp.Location())
			text, _ := chromedp.Run(diag, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
			t.Fatalf("the browser did not reach the relying party; it is at %s:\n%s", at, excerpt(text))
		}
		if !strings.HasPrefix(final, "https://dichvucong.example/cb?") {
			t.Fatalf("landed at %s", final)
		}
		u, _ := url.Parse(final)
		q := u.Query()
		if q.Get("state") != "st-chromium" || q.Get("iss") != e.issuer || q.Get("code") == "" {
			t.Fatalf("redirect to the client: %v", q)
		}
		tok, err := portal.oauth.Exchange(portal.ctx, q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("redeem the code: %v", err)
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := portal.provider.Verifier(&gooidc.Config{ClientID: portal.client.ID}).Verify(portal.ctx, raw)
		if err != nil {
			t.Fatalf("verify the ID token: %v", err)
		}
		var cl idClaims
		if err := idt.Claims(&cl); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(cl.AMR, "hwk") || !slices.Contains(cl.AMR, "user") || cl.Nonce != "n-chromium" || cl.ACR != oidc.ACRLevel1 {
			t.Errorf("ID token claims = %+v, want amr with hwk and user", cl)
		}
	})
}
