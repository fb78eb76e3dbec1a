package oidc

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// server implements zitadel's op.Server: the library parses each request
// into its typed form and writes the answer or the OAuth error.
type server struct {
	op.UnimplementedServer
	p *Provider
}

// ACR values: the e-ID account level the login proved.
const (
	ACRLevel1 = "urn:dancu:eid:level1"
	ACRLevel2 = "urn:dancu:eid:level2"
)

func (s *server) Health(ctx context.Context, r *op.Request[struct{}]) (*op.Response, error) {
	return op.NewResponse(map[string]string{"status": "ok"}), nil
}

func (s *server) Ready(ctx context.Context, r *op.Request[struct{}]) (*op.Response, error) {
	return op.NewResponse(map[string]string{"status": "ok"}), nil
}

// Discovery answers /.well-known/openid-configuration.
func (s *server) Discovery(ctx context.Context, r *op.Request[struct{}]) (*op.Response, error) {
	iss := s.p.cfg.Issuer
	algs := []string{"ES256", "PS256", "RS256", "EdDSA"}
	resp := op.NewResponse(map[string]any{
		"issuer":                                           iss,
		"authorization_endpoint":                           iss + pathAuthorize,
		"token_endpoint":                                   iss + pathToken,
		"userinfo_endpoint":                                iss + pathUserinfo,
		"jwks_uri":                                         iss + pathJWKS,
		"introspection_endpoint":                           iss + pathIntrospect,
		"revocation_endpoint":                              iss + pathRevoke,
		"end_session_endpoint":                             iss + pathLogout,
		"pushed_authorization_request_endpoint":            iss + pathPAR,
		"require_pushed_authorization_requests":            false, // per client: FAPI 2.0 clients must
		"authorization_response_iss_parameter_supported":   true,
		"scopes_supported":                                 KnownScopes,
		"response_types_supported":                         []string{"code"},
		"response_modes_supported":                         []string{"query"},
		"grant_types_supported":                            []string{GrantCode, GrantRefresh, GrantClientCredentials},
		"subject_types_supported":                          []string{SubjectPairwise, SubjectPublic},
		"id_token_signing_alg_values_supported":            []string{string(SigningAlgorithm)},
		"token_endpoint_auth_methods_supported":            []string{AuthSecretBasic, AuthPrivateKeyJWT},
		"token_endpoint_auth_signing_alg_values_supported": algs,
		"introspection_endpoint_auth_methods_supported":    []string{AuthSecretBasic, AuthPrivateKeyJWT},
		"revocation_endpoint_auth_methods_supported":       []string{AuthSecretBasic, AuthPrivateKeyJWT},
		"code_challenge_methods_supported":                 []string{"S256"},
		"acr_values_supported":                             []string{ACRLevel1, ACRLevel2},
		"claims_supported":                                 claimsSupported,
		"claims_parameter_supported":                       false,
		"request_parameter_supported":                      false,
		"request_uri_parameter_supported":                  false,
		"dpop_signing_alg_values_supported":                algs,
		"backchannel_logout_supported":                     true,
		"backchannel_logout_session_supported":             true,
		"ui_locales_supported":                             []string{"vi", "en"},
	})
	resp.Header.Set("Cache-Control", "public, max-age=300")
	return resp, nil
}

// Keys answers the JWKS endpoint.
func (s *server) Keys(ctx context.Context, r *op.Request[struct{}]) (*op.Response, error) {
	set, err := s.p.keys.publicSet(ctx)
	if err != nil {
		return nil, serverError(err)
	}
	resp := op.NewResponse(set)
	resp.Header.Set("Cache-Control", "public, max-age=60")
	return resp, nil
}

// requestURIPrefix prefixes the request_uri of a pushed request.
const requestURIPrefix = "urn:ietf:params:oauth:request_uri:"

// VerifyAuthRequest finds the client of an authorization request and, for
// a pushed one, replaces the parameters with those pushed.
func (s *server) VerifyAuthRequest(ctx context.Context, r *op.Request[oidc.AuthRequest]) (*op.ClientRequest[oidc.AuthRequest], error) {
	if r.Data.RequestParam != "" {
		return nil, oidc.ErrRequestNotSupported()
	}
	if r.Data.ClientID == "" {
		return nil, oidc.ErrInvalidRequest().WithDescription("client_id is required")
	}
	c, err := s.p.activeClient(ctx, r.Data.ClientID)
	if err != nil {
		return nil, err
	}
	if ru := r.Form.Get("request_uri"); ru != "" {
		pushed, err := s.p.takePushed(ctx, ru, c.ID)
		if err != nil {
			return nil, err
		}
		r.Data = &pushed.Request
		// Authorize reads the binding from the form, which it shares.
		r.Form.Set("dpop_jkt", pushed.DPoPJKT)
	} else if c.RequirePAR() {
		return nil, oidc.ErrInvalidRequest().WithDescription("this client must push its authorization requests (PAR)")
	}
	return &op.ClientRequest[oidc.AuthRequest]{Request: r, Client: opClient{c}}, nil
}

// Authorize stores a checked request and sends the browser to the login
// page. Its redirect URI is known good here, so refusals go back to the
// client as error redirects.
func (s *server) Authorize(ctx context.Context, r *op.ClientRequest[oidc.AuthRequest]) (*op.Redirect, error) {
	req := *r.Data
	c := r.Client.(opClient).c
	if req.ResponseType != oidc.ResponseTypeCode {
		return s.p.errorRedirect(&req, "unsupported_response_type", "only the code flow is supported"), nil
	}
	if req.CodeChallenge == "" || req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return s.p.errorRedirect(&req, "invalid_request", "PKCE with code_challenge_method S256 is required"), nil
	}
	if !slices.Contains(req.Scopes, ScopeOpenID) {
		return s.p.errorRedirect(&req, "invalid_scope", "the openid scope is required"), nil
	}
	req.Scopes = grantableScopes(c, req.Scopes)
	for _, v := range req.ACRValues {
		if v != ACRLevel1 && v != ACRLevel2 {
			return s.p.errorRedirect(&req, "invalid_request", "unknown acr value"), nil
		}
	}
	now := s.p.now()
	ar := &AuthRequest{ID: randomToken(24), ClientID: c.ID, Request: req, CSRF: randomToken(24),
		DPoPJKT: r.Form.Get("dpop_jkt"), CreatedAt: now, ExpiresAt: now.Add(authRequestTTL)}
	if err := s.p.store.CreateOIDCAuthRequest(ctx, ar); err != nil {
		return nil, serverError(err)
	}
	// A path, not the issuer's URL: the login pages stay on the host the
	// browser came to, which passkeys need when that host (localhost) is
	// not the issuer's (127.0.0.1, an address WebAuthn refuses).
	return op.NewRedirect(pathLogin + "?ar=" + url.QueryEscape(ar.ID)), nil
}

// grantableScopes keeps the requested scopes the client may have, in the
// order of KnownScopes, without repeats.
func grantableScopes(c *Client, requested []string) []string {
	var out []string
	for _, s := range KnownScopes {
		if slices.Contains(PartnerScopes, s) {
			continue // an organisation's own scopes, never a citizen's login
		}
		if slices.Contains(requested, s) && (s == ScopeOpenID || slices.Contains(c.Scopes, s)) {
			out = append(out, s)
		}
	}
	return out
}

// VerifyClient authenticates the client of a token, introspection or
// revocation request.
func (s *server) VerifyClient(ctx context.Context, r *op.Request[op.ClientCredentials]) (op.Client, error) {
	c, err := s.p.authenticateClient(ctx, r.Data, r.URL)
	if err != nil {
		return nil, err
	}
	return opClient{c}, nil
}

// CodeExchange redeems an authorization code.
func (s *server) CodeExchange(ctx context.Context, r *op.ClientRequest[oidc.AccessTokenRequest]) (*op.Response, error) {
	c := r.Client.(opClient).c
	p := s.p
	now := p.now()
	ar, err := p.store.OIDCAuthRequestByCode(ctx, hashToken(r.Data.Code))
	if apperr.Code(err) == apperr.NotFound {
		return nil, oidc.ErrInvalidGrant().WithDescription("unknown authorization code")
	}
	if err != nil {
		return nil, serverError(err)
	}
	if ar.ClientID != c.ID {
		return nil, oidc.ErrInvalidGrant().WithDescription("the code was issued to another client")
	}
	fresh, err := p.store.UseOIDCCode(ctx, ar.ID, now)
	if err != nil {
		return nil, serverError(err)
	}
	if !fresh {
		// A replayed code may be a stolen one: revoke what it gave (RFC 6749 §4.1.2).
		if err := p.store.RevokeOIDCByAuthRequest(ctx, ar.ID, now); err != nil {
			return nil, serverError(err)
		}
		return nil, oidc.ErrInvalidGrant().WithDescription("the authorization code was already used; the tokens issued with it are revoked")
	}
	if now.After(ar.CodeExpiresAt) {
		return nil, oidc.ErrInvalidGrant().WithDescription("the authorization code expired")
	}
	if r.Data.RedirectURI != ar.Request.RedirectURI {
		return nil, oidc.ErrInvalidGrant().WithDescription("redirect_uri differs from the authorization request's")
	}
	if r.Data.CodeVerifier == "" {
		return nil, oidc.ErrInvalidGrant().WithDescription("code_verifier is required (PKCE)")
	}
	want := oidc.NewSHACodeChallenge(r.Data.CodeVerifier)
	if subtle.ConstantTimeCompare([]byte(want), []byte(ar.Request.CodeChallenge)) != 1 {
		return nil, oidc.ErrInvalidGrant().WithDescription("code_verifier does not match the code_challenge")
	}
	jkt, err := p.tokenDPoP(ctx, c, r.Header, r.URL)
	if err != nil {
		return nil, err
	}
	if ar.DPoPJKT != "" && jkt != ar.DPoPJKT {
		return nil, dpopError("the code is bound to another DPoP key")
	}
	grant := &grant{client: c, accountID: ar.AccountID, subject: ar.Subject, scopes: ar.Scopes, acr: ar.ACR,
		amr: ar.AMR, authTime: ar.AuthTime, authRequestID: ar.ID, sessionID: ar.SessionID, jkt: jkt,
		nonce: ar.Request.Nonce, family: randomToken(16)}
	return p.issue(ctx, grant, true)
}

// RefreshToken rotates a refresh token.
func (s *server) RefreshToken(ctx context.Context, r *op.ClientRequest[oidc.RefreshTokenRequest]) (*op.Response, error) {
	c := r.Client.(opClient).c
	p := s.p
	now := p.now()
	old, err := p.store.OIDCToken(ctx, hashToken(r.Data.RefreshToken))
	if apperr.Code(err) == apperr.NotFound || (err == nil && (old.Kind != TokenRefresh || old.ClientID != c.ID)) {
		return nil, oidc.ErrInvalidGrant().WithDescription("unknown refresh token")
	}
	if err != nil {
		return nil, serverError(err)
	}
	if old.RotatedAt != nil {
		// Reuse of a rotated token: one of two holders is an attacker.
		if err := p.store.RevokeOIDCFamily(ctx, old.Family, now); err != nil {
			return nil, serverError(err)
		}
		return nil, oidc.ErrInvalidGrant().WithDescription("refresh token reused; its whole family is revoked")
	}
	if !old.Active(now) {
		return nil, oidc.ErrInvalidGrant().WithDescription("refresh token expired or revoked")
	}
	scopes := old.Scopes
	if len(r.Data.Scopes) > 0 {
		for _, sc := range r.Data.Scopes {
			if !slices.Contains(old.Scopes, sc) {
				return nil, oidc.ErrInvalidScope().WithDescription("scope %q was not granted", sc)
			}
		}
		scopes = r.Data.Scopes
	}
	jkt, err := p.tokenDPoP(ctx, c, r.Header, r.URL)
	if err != nil {
		return nil, err
	}
	if old.JKT != "" && jkt != old.JKT {
		return nil, oidc.ErrInvalidGrant().WithDescription("the refresh token is bound to another DPoP key")
	}
	g := &grant{client: c, accountID: old.AccountID, subject: old.Subject, scopes: scopes, acr: old.ACR, amr: old.AMR,
		authTime: old.AuthTime, authRequestID: old.AuthRequestID, sessionID: old.SessionID, jkt: jkt, family: old.Family,
		rotate: old.Hash}
	return p.issue(ctx, g, true)
}

// ClientCredentialsExchange issues an access token to a client acting
// for itself (partner APIs).
func (s *server) ClientCredentialsExchange(ctx context.Context, r *op.ClientRequest[oidc.ClientCredentialsRequest]) (*op.Response, error) {
	c := r.Client.(opClient).c
	if !c.HasGrant(GrantClientCredentials) {
		return nil, oidc.ErrUnauthorizedClient().WithDescription("client_credentials is not allowed for this client")
	}
	var scopes []string
	for _, sc := range r.Data.Scope {
		if !slices.Contains(c.Scopes, sc) || isPersonalScope(sc) {
			return nil, oidc.ErrInvalidScope().WithDescription("scope %q is not allowed", sc)
		}
		scopes = append(scopes, sc)
	}
	jkt, err := s.p.tokenDPoP(ctx, c, r.Header, r.URL)
	if err != nil {
		return nil, err
	}
	return s.p.issue(ctx, &grant{client: c, subject: c.ID, scopes: scopes, jkt: jkt}, false)
}

// isPersonalScope reports whether a scope releases a citizen's data,
// which a client alone never gets.
func isPersonalScope(s string) bool {
	switch s {
	case ScopeOpenID, ScopeProfile, ScopeAddress, ScopePhone, ScopeIDNumber, ScopeEIDLevel, ScopeOffline:
		return true
	}
	return false
}

// Introspect answers RFC 7662 for a token issued to the calling client.
func (s *server) Introspect(ctx context.Context, r *op.Request[op.IntrospectionRequest]) (*op.Response, error) {
	c, err := s.p.authenticateClient(ctx, r.Data.ClientCredentials, r.URL)
	if err != nil {
		return nil, err
	}
	t, err := s.p.store.OIDCToken(ctx, hashToken(r.Data.Token))
	if err != nil && apperr.Code(err) != apperr.NotFound {
		return nil, serverError(err)
	}
	if err != nil || t.ClientID != c.ID || !t.Active(s.p.now()) {
		return op.NewResponse(map[string]any{"active": false}), nil
	}
	out := map[string]any{
		"active": true, "client_id": t.ClientID, "scope": strings.Join(t.Scopes, " "), "sub": t.Subject,
		"iss": s.p.cfg.Issuer, "iat": t.IssuedAt.Unix(), "exp": t.ExpiresAt.Unix(),
		"token_type": map[bool]string{true: "refresh_token", false: tokenType(t.JKT)}[t.Kind == TokenRefresh],
	}
	if t.ACR != "" {
		out["acr"], out["auth_time"], out["amr"] = t.ACR, t.AuthTime.Unix(), t.AMR
	}
	if t.JKT != "" {
		out["cnf"] = map[string]string{"jkt": t.JKT}
	}
	resp := op.NewResponse(out)
	resp.Header.Set("Cache-Control", "no-store")
	return resp, nil
}

// Revocation answers RFC 7009: revoking a refresh token revokes its family;
// unknown tokens answer success as well.
func (s *server) Revocation(ctx context.Context, r *op.ClientRequest[oidc.RevocationRequest]) (*op.Response, error) {
	c := r.Client.(opClient).c
	now := s.p.now()
	t, err := s.p.store.OIDCToken(ctx, hashToken(r.Data.Token))
	if apperr.Code(err) == apperr.NotFound {
		return op.NewResponse(struct{}{}), nil
	}
	if err != nil {
		return nil, serverError(err)
	}
	if t.ClientID != c.ID {
		return op.NewResponse(struct{}{}), nil
	}
	if t.Kind == TokenRefresh {
		err = s.p.store.RevokeOIDCFamily(ctx, t.Family, now)
	} else {
		err = s.p.store.RevokeOIDCToken(ctx, t.Hash, now)
	}
	if err != nil {
		return nil, serverError(err)
	}
	return op.NewResponse(struct{}{}), nil
}

// EndSession is RP-initiated logout.
func (s *server) EndSession(ctx context.Context, r *op.Request[oidc.EndSessionRequest]) (*op.Redirect, error) {
	return s.p.endSession(ctx, r)
}

// serverError hides an internal error's detail from the client; the detail
// goes to the process log by the library, which carries no personal data
// because storage errors name no persons.
func serverError(err error) error {
	var oe *oidc.Error
	if errors.As(err, &oe) {
		return err
	}
	return op.NewStatusError(oidc.ErrServerError().WithDescription("internal error").WithParent(err), http.StatusInternalServerError)
}

// invalidClient answers a failed client authentication.
func invalidClient(desc string) error {
	return op.NewStatusError(oidc.ErrInvalidClient().WithDescription("%s", desc), http.StatusUnauthorized)
}

// errInvalidGrant answers a grant that cannot be redeemed.
func errInvalidGrant(desc string) error {
	return oidc.ErrInvalidGrant().WithDescription("%s", desc)
}
