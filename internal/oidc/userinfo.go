package oidc

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// handleUserinfo answers the userinfo endpoint for Bearer and DPoP-bound
// access tokens. The library's handler knows only the Bearer scheme, so
// this one is the provider's own.
func (p *Provider) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if token == "" || (!strings.EqualFold(scheme, "Bearer") && !strings.EqualFold(scheme, "DPoP")) {
		bearerError(w, "Bearer", http.StatusUnauthorized, "invalid_request", "an access token is required")
		return
	}
	ctx := r.Context()
	t, err := p.store.OIDCToken(ctx, hashToken(token))
	if err != nil && apperr.Code(err) != apperr.NotFound {
		bearerError(w, "Bearer", http.StatusInternalServerError, "server_error", "internal error")
		return
	}
	if err != nil || t.Kind != TokenAccess || !t.Active(p.now()) || t.AccountID == "" {
		bearerError(w, scheme, http.StatusUnauthorized, "invalid_token", "the access token is invalid, expired or revoked")
		return
	}
	if t.JKT != "" {
		// A DPoP-bound token is usable only with the DPoP scheme and a proof
		// by its key (RFC 9449 §7).
		if !strings.EqualFold(scheme, "DPoP") {
			bearerError(w, "DPoP", http.StatusUnauthorized, "invalid_token", "this token is DPoP-bound: use the DPoP scheme")
			return
		}
		jkt, err := p.checkDPoP(ctx, r.Header.Get("DPoP"), r.Method, p.cfg.Issuer+pathUserinfo, token)
		if err != nil || jkt != t.JKT {
			bearerError(w, "DPoP", http.StatusUnauthorized, "invalid_dpop_proof", "missing or wrong DPoP proof")
			return
		}
	} else if strings.EqualFold(scheme, "DPoP") {
		bearerError(w, "Bearer", http.StatusUnauthorized, "invalid_token", "this token is not DPoP-bound")
		return
	}
	c, err := p.store.OIDCClient(ctx, t.ClientID)
	if err != nil || c.Disabled {
		bearerError(w, scheme, http.StatusUnauthorized, "invalid_token", "the client is disabled")
		return
	}
	claims, err := p.userClaims(ctx, c, t.AccountID, t.Subject, t.Scopes, "userinfo")
	if err != nil {
		bearerError(w, scheme, http.StatusInternalServerError, "server_error", "internal error")
		return
	}
	claims["sub"] = t.Subject
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(claims)
}

// bearerError answers a resource request with RFC 6750's header and body.
func bearerError(w http.ResponseWriter, scheme string, status int, code, desc string) {
	if strings.EqualFold(scheme, "DPoP") {
		scheme = "DPoP"
	} else {
		scheme = "Bearer"
	}
	w.Header().Set("WWW-Authenticate", scheme+` error="`+code+`", error_description="`+desc+`"`)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}
