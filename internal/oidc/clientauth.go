package oidc

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// assertionAlgorithms are the signature algorithms accepted from clients
// and DPoP proofs: asymmetric only, so "none" and HS256 made with a public
// key as the secret are refused before any key is tried.
var assertionAlgorithms = []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.PS256, jose.PS384, jose.RS256, jose.EdDSA}

// activeClient returns a registered, enabled client, or the OAuth error.
func (p *Provider) activeClient(ctx context.Context, id string) (*Client, error) {
	c, err := p.clients.get(ctx, p.store, id, p.now())
	if apperr.Code(err) == apperr.NotFound || (err == nil && c.Disabled) {
		return nil, invalidClient("unknown or disabled client")
	}
	if err != nil {
		return nil, serverError(err)
	}
	return c, nil
}

// authenticateClient checks client_secret_basic or private_key_jwt.
func (p *Provider) authenticateClient(ctx context.Context, cc *op.ClientCredentials, reqURL *url.URL) (*Client, error) {
	if cc == nil {
		return nil, invalidClient("client authentication is required")
	}
	if cc.ClientAssertion != "" {
		return p.authenticateAssertion(ctx, cc.ClientAssertion, cc.ClientID)
	}
	if cc.ClientSecret == "" {
		return nil, invalidClient("client authentication is required")
	}
	c, err := p.activeClient(ctx, cc.ClientID)
	if err != nil {
		return nil, err
	}
	if c.AuthMethod != AuthSecretBasic || !c.CheckSecret(cc.ClientSecret) {
		return nil, invalidClient("client authentication failed")
	}
	return c, nil
}

// authenticateAssertion checks a private_key_jwt client assertion
// (RFC 7523): signed by a key the client registered, iss = sub = the
// client, aud naming this provider, short-lived, and used once.
func (p *Provider) authenticateAssertion(ctx context.Context, assertion, clientID string) (*Client, error) {
	tok, err := jwt.ParseSigned(assertion, assertionAlgorithms)
	if err != nil {
		return nil, invalidClient("client assertion is not a JWT signed with an accepted algorithm")
	}
	var claims jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&claims); err != nil {
		return nil, invalidClient("client assertion claims unreadable")
	}
	if claims.Issuer == "" || claims.Issuer != claims.Subject || (clientID != "" && clientID != claims.Issuer) {
		return nil, invalidClient("client assertion iss and sub must both be the client id")
	}
	c, err := p.activeClient(ctx, claims.Issuer)
	if err != nil {
		return nil, err
	}
	if c.AuthMethod != AuthPrivateKeyJWT {
		return nil, invalidClient("this client does not authenticate with private_key_jwt")
	}
	keys, err := c.KeySet()
	if err != nil {
		return nil, invalidClient("client has no usable keys")
	}
	var verified bool
	for _, k := range keys.Keys {
		if len(tok.Headers) > 0 && tok.Headers[0].KeyID != "" && k.KeyID != tok.Headers[0].KeyID {
			continue
		}
		if err := tok.Claims(k.Key, &claims); err == nil {
			verified = true
			break
		}
	}
	if !verified {
		return nil, invalidClient("client assertion signature does not verify with the client's keys")
	}
	now := p.now()
	if claims.Expiry == nil || claims.ID == "" {
		return nil, invalidClient("client assertion needs exp and jti")
	}
	if err := claims.ValidateWithLeeway(jwt.Expected{Time: now}, 30*time.Second); err != nil {
		return nil, invalidClient("client assertion expired or not yet valid")
	}
	if claims.Expiry.Time().Sub(now) > assertionMaxTTL {
		return nil, invalidClient("client assertion lives too long")
	}
	aud := []string(claims.Audience)
	if !slices.Contains(aud, p.cfg.Issuer) && !slices.Contains(aud, p.cfg.Issuer+pathToken) &&
		!slices.Contains(aud, p.cfg.Issuer+pathPAR) {
		return nil, invalidClient("client assertion audience must be the issuer")
	}
	if err := p.store.UseOIDCOnce(ctx, "assertion:"+c.ID+":"+claims.ID, claims.Expiry.Time().Add(time.Minute)); err != nil {
		if apperr.Code(err) == apperr.Conflict {
			return nil, invalidClient("client assertion replayed")
		}
		return nil, serverError(err)
	}
	return c, nil
}

// clientCredentialsFrom reads client authentication from a request, as the
// library does for its own endpoints (it keeps that parser private).
func clientCredentialsFrom(r *http.Request) (*op.ClientCredentials, error) {
	cc := &op.ClientCredentials{
		ClientID:            r.PostForm.Get("client_id"),
		ClientSecret:        r.PostForm.Get("client_secret"),
		ClientAssertion:     r.PostForm.Get("client_assertion"),
		ClientAssertionType: r.PostForm.Get("client_assertion_type"),
	}
	if id, secret, ok := r.BasicAuth(); ok {
		if cc.ClientSecret != "" || cc.ClientAssertion != "" {
			return nil, oidc.ErrInvalidRequest().WithDescription("client authentication must use one method")
		}
		var err error
		if cc.ClientID, err = url.QueryUnescape(id); err != nil {
			return nil, invalidClient("invalid basic auth header")
		}
		if cc.ClientSecret, err = url.QueryUnescape(secret); err != nil {
			return nil, invalidClient("invalid basic auth header")
		}
	}
	if cc.ClientAssertion != "" && cc.ClientAssertionType != oidc.ClientAssertionTypeJWTAssertion {
		return nil, oidc.ErrInvalidRequest().WithDescription("unsupported client_assertion_type")
	}
	return cc, nil
}

// handlePAR is the pushed authorization request endpoint (RFC 9126): an
// authenticated client posts the parameters and gets a one-time
// request_uri to send the browser with.
func (p *Provider) handlePAR(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		op.WriteError(w, r, oidc.ErrInvalidRequest().WithDescription("unreadable form"), nil)
		return
	}
	cc, err := clientCredentialsFrom(r)
	if err != nil {
		op.WriteError(w, r, err, nil)
		return
	}
	ctx := r.Context()
	c, err := p.authenticateClient(ctx, cc, r.URL)
	if err != nil {
		op.WriteError(w, r, err, nil)
		return
	}
	f := r.PostForm
	if f.Get("request_uri") != "" || f.Get("request") != "" {
		op.WriteError(w, r, oidc.ErrInvalidRequest().WithDescription("request and request_uri are not accepted here"), nil)
		return
	}
	if id := f.Get("client_id"); id != "" && id != c.ID {
		op.WriteError(w, r, oidc.ErrInvalidRequest().WithDescription("client_id differs from the authenticated client"), nil)
		return
	}
	req := oidc.AuthRequest{
		Scopes: strings.Fields(f.Get("scope")), ResponseType: oidc.ResponseType(f.Get("response_type")),
		ClientID: c.ID, RedirectURI: f.Get("redirect_uri"), State: f.Get("state"), Nonce: f.Get("nonce"),
		ResponseMode: oidc.ResponseMode(f.Get("response_mode")), Prompt: strings.Fields(f.Get("prompt")),
		LoginHint: f.Get("login_hint"), ACRValues: strings.Fields(f.Get("acr_values")),
		CodeChallenge: f.Get("code_challenge"), CodeChallengeMethod: oidc.CodeChallengeMethod(f.Get("code_challenge_method")),
	}
	if v := f.Get("ui_locales"); v != "" {
		_ = req.UILocales.UnmarshalText([]byte(v))
	}
	if err := op.ValidateAuthReqRedirectURI(opClient{c}, req.RedirectURI, oidc.ResponseTypeCode); err != nil {
		op.WriteError(w, r, err, nil)
		return
	}
	if req.ResponseType != oidc.ResponseTypeCode {
		op.WriteError(w, r, &oidc.Error{ErrorType: "unsupported_response_type", Description: "only the code flow is supported"}, nil)
		return
	}
	if req.CodeChallenge == "" || req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		op.WriteError(w, r, oidc.ErrInvalidRequest().WithDescription("PKCE with code_challenge_method S256 is required"), nil)
		return
	}
	// A DPoP proof here, or dpop_jkt, binds the code to that key (RFC 9449 §10).
	jkt := f.Get("dpop_jkt")
	if proof := r.Header.Get("DPoP"); proof != "" {
		pk, err := p.checkDPoP(ctx, proof, http.MethodPost, p.cfg.Issuer+pathPAR, "")
		if err != nil {
			op.WriteError(w, r, err, nil)
			return
		}
		if jkt != "" && jkt != pk {
			op.WriteError(w, r, dpopError("dpop_jkt differs from the DPoP proof's key"), nil)
			return
		}
		jkt = pk
	}
	now := p.now()
	ar := &AuthRequest{ID: randomToken(24), ClientID: c.ID, Request: req, Pushed: true, DPoPJKT: jkt,
		CreatedAt: now, ExpiresAt: now.Add(parTTL)}
	if err := p.store.CreateOIDCAuthRequest(ctx, ar); err != nil {
		op.WriteError(w, r, serverError(err), nil)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusCreated)
	writeJSONBody(w, map[string]any{"request_uri": requestURIPrefix + ar.ID, "expires_in": int(parTTL.Seconds())})
}

// takePushed returns a pushed request for its request_uri, once: it is
// expired on use so that a second /authorize with it fails.
func (p *Provider) takePushed(ctx context.Context, requestURI, clientID string) (*AuthRequest, error) {
	id, ok := strings.CutPrefix(requestURI, requestURIPrefix)
	if !ok {
		return nil, oidc.ErrInvalidRequest().WithDescription("request_uri is not one this provider issued")
	}
	ar, err := p.store.OIDCAuthRequest(ctx, id)
	now := p.now()
	if err != nil || !ar.Pushed || ar.ClientID != clientID || !now.Before(ar.ExpiresAt) {
		return nil, oidc.ErrInvalidRequest().WithDescription("request_uri unknown, expired, used or of another client")
	}
	ar.ExpiresAt = now
	if err := p.store.UpdateOIDCAuthRequest(ctx, ar); err != nil {
		return nil, serverError(err)
	}
	return ar, nil
}
