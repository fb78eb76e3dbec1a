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
)

// endSession is RP-initiated logout: it ends the e-ID session of the
// browser (or the one the ID token hint names), revokes the tokens issued
// in it, tells the clients that asked for back-channel logout, and sends
// the browser to a registered post-logout URI or the logged-out page.
func (p *Provider) endSession(ctx context.Context, r *op.Request[oidc.EndSessionRequest]) (*op.Redirect, error) {
	d := r.Data
	clientID, sid := d.ClientID, ""
	if d.IdTokenHint != "" {
		claims, err := p.verifyOwnToken(ctx, d.IdTokenHint)
		if err != nil {
			return nil, oidc.ErrInvalidRequest().WithDescription("id_token_hint is not an ID token of this provider")
		}
		aud, _ := claims["aud"].(string)
		if clientID != "" && clientID != aud {
			return nil, oidc.ErrInvalidRequest().WithDescription("client_id differs from the ID token's audience")
		}
		clientID = aud
		sid, _ = claims["sid"].(string)
	}
	target := p.cfg.Issuer + pathLoggedOut
	if d.PostLogoutRedirectURI != "" {
		c, err := p.store.OIDCClient(ctx, clientID)
		if err != nil || !slices.Contains(c.PostLogoutRedirectURIs, d.PostLogoutRedirectURI) {
			return nil, oidc.ErrInvalidRequest().WithDescription("post_logout_redirect_uri is not registered for the client")
		}
		target = d.PostLogoutRedirectURI
		if d.State != "" {
			target = withQuery(target, url.Values{"state": {d.State}})
		}
	}
	hr := &http.Request{Header: r.Header}
	if tok := cookieValue(hr, sessionCookie); tok != "" {
		if s, _, err := p.accounts.Authenticate(ctx, tok); err == nil && (sid == "" || s.ID == sid) {
			sid = s.ID
			if err := p.accounts.RevokeSession(ctx, s.AccountID, s.ID); err != nil {
				return nil, serverError(err)
			}
		}
	}
	if sid != "" {
		clients, err := p.store.RevokeOIDCBySession(ctx, sid, p.now())
		if err != nil {
			return nil, serverError(err)
		}
		p.backchannelLogout(sid, clients)
	}
	red := op.NewRedirect(target)
	red.Header.Add("Set-Cookie", (&http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: strings.HasPrefix(p.cfg.Issuer, "https://"), SameSite: http.SameSiteLaxMode}).String())
	return red, nil
}

// verifyOwnToken checks a JWT this provider signed, expired or not, and
// returns its claims.
func (p *Provider) verifyOwnToken(ctx context.Context, raw string) (map[string]any, error) {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{SigningAlgorithm})
	if err != nil {
		return nil, err
	}
	set, err := p.keys.publicSet(ctx)
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	for _, k := range set.Keys {
		if err := tok.Claims(k.Key, &claims); err == nil {
			if iss, _ := claims["iss"].(string); iss == p.cfg.Issuer {
				return claims, nil
			}
		}
	}
	return nil, jose.ErrCryptoFailure
}

// backchannelLogout posts a logout token (OpenID Connect Back-Channel
// Logout 1.0) to each client of the session that registered a URI, in the
// background, retrying with backoff for about a minute.
func (p *Provider) backchannelLogout(sid string, clientIDs []string) {
	ctx := context.Background()
	for _, id := range clientIDs {
		c, err := p.store.OIDCClient(ctx, id)
		if err != nil || c.BackchannelLogoutURI == "" {
			continue
		}
		token, err := p.logoutToken(ctx, c, sid)
		if err != nil {
			p.logger.Error("sign logout token", "client", c.ID, "err", err)
			continue
		}
		go p.deliverLogout(c.ID, c.BackchannelLogoutURI, token)
	}
}

// logoutToken signs the logout token for one client.
func (p *Provider) logoutToken(ctx context.Context, c *Client, sid string) (string, error) {
	key, err := p.keys.current(ctx)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(key, (&jose.SignerOptions{}).WithType("logout+jwt"))
	if err != nil {
		return "", err
	}
	now := p.now()
	return jwt.Signed(signer).Claims(map[string]any{
		"iss": p.cfg.Issuer, "aud": c.ID, "iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(),
		"jti": randomToken(16), "sid": sid,
		"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
	}).Serialize()
}

// deliverLogout posts one logout token until the client answers 2xx.
func (p *Provider) deliverLogout(clientID, uri, token string) {
	wait := time.Second
	for attempt := 1; attempt <= 6; attempt++ {
		resp, err := p.cfg.HTTPClient.PostForm(uri, url.Values{"logout_token": {token}})
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				return
			}
		}
		time.Sleep(wait)
		wait *= 2
	}
	p.logger.Warn("back-channel logout not delivered", "client", clientID)
}

// handleLoggedOut shows the logged-out page.
func (p *Provider) handleLoggedOut(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, "loggedout", "title.loggedout", page{})
}
