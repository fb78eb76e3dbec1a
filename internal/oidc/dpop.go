package oidc

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// dpopClaims are the claims of a DPoP proof (RFC 9449 §4.2).
type dpopClaims struct {
	JTI string `json:"jti"`
	HTM string `json:"htm"`
	HTU string `json:"htu"`
	IAT int64  `json:"iat"`
	ATH string `json:"ath,omitempty"`
}

// dpopError is the invalid_dpop_proof error of RFC 9449 §5.
func dpopError(desc string) error {
	return op.NewStatusError(&oidc.Error{ErrorType: "invalid_dpop_proof", Description: desc}, http.StatusBadRequest)
}

// checkDPoP verifies a DPoP proof for a request and returns the JWK
// thumbprint of its key. accessToken, when set, must match the proof's
// ath. Each proof is accepted once (its jti is remembered for the window).
func (p *Provider) checkDPoP(ctx context.Context, proof, method, target, accessToken string) (string, error) {
	jws, err := jose.ParseSigned(proof, assertionAlgorithms)
	if err != nil || len(jws.Signatures) != 1 {
		return "", dpopError("DPoP proof is not a JWS signed with an accepted algorithm")
	}
	h := jws.Signatures[0].Protected
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != "dpop+jwt" {
		return "", dpopError("DPoP proof typ must be dpop+jwt")
	}
	if h.JSONWebKey == nil || !h.JSONWebKey.IsPublic() || !h.JSONWebKey.Valid() {
		return "", dpopError("DPoP proof must carry a public jwk")
	}
	payload, err := jws.Verify(h.JSONWebKey.Key)
	if err != nil {
		return "", dpopError("DPoP proof signature does not verify")
	}
	var c dpopClaims
	if err := jsonUnmarshal(payload, &c); err != nil {
		return "", dpopError("DPoP proof claims unreadable")
	}
	if c.JTI == "" || !strings.EqualFold(c.HTM, method) || !sameTarget(c.HTU, target) {
		return "", dpopError("DPoP proof jti, htm or htu do not match this request")
	}
	now := p.now()
	iat := time.Unix(c.IAT, 0)
	if iat.Before(now.Add(-dpopWindow)) || iat.After(now.Add(dpopWindow/4)) {
		return "", dpopError("DPoP proof iat is outside the accepted window")
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		if c.ATH != base64.RawURLEncoding.EncodeToString(sum[:]) {
			return "", dpopError("DPoP proof ath does not match the access token")
		}
	}
	tp, err := h.JSONWebKey.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", dpopError("DPoP key thumbprint cannot be computed")
	}
	jkt := base64.RawURLEncoding.EncodeToString(tp)
	if err := p.store.UseOIDCOnce(ctx, "dpop:"+jkt+":"+c.JTI, now.Add(2*dpopWindow)); err != nil {
		if apperr.Code(err) == apperr.Conflict {
			return "", dpopError("DPoP proof replayed")
		}
		return "", serverError(err)
	}
	return jkt, nil
}

// sameTarget compares htu with the request URI without query and fragment
// (RFC 9449 §4.3).
func sameTarget(htu, target string) bool {
	u, err := url.Parse(htu)
	if err != nil {
		return false
	}
	u.RawQuery, u.Fragment = "", ""
	return u.String() == target
}

// tokenDPoP checks the DPoP proof of a token request, required for
// clients whose tokens must be bound; it returns "" when there is none.
func (p *Provider) tokenDPoP(ctx context.Context, c *Client, h http.Header, _ *url.URL) (string, error) {
	proof := h.Get("DPoP")
	if proof == "" {
		if c.RequireDPoP {
			return "", dpopError("this client's tokens must be DPoP-bound: send a DPoP proof")
		}
		return "", nil
	}
	if len(h.Values("DPoP")) > 1 {
		return "", dpopError("one DPoP proof only")
	}
	return p.checkDPoP(ctx, proof, http.MethodPost, p.cfg.Issuer+pathToken, "")
}

// tokenType is the token_type of an access token with that binding.
func tokenType(jkt string) string {
	if jkt != "" {
		return "DPoP"
	}
	return "Bearer"
}
