package oidc

import (
	"net/http"
	"slices"
	"strings"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// Partner scopes: what a client acting for its organisation (client
// credentials) may call. None releases a citizen's data by itself: each
// API checks the organisation's purpose and policy as well.
const (
	ScopeVerify     = "ekyc"              // POST /api/v1/verify
	ScopeVerifyBulk = "ekyc.bulk"         // bulk verification jobs
	ScopePersons    = "persons.read"      // policy-bound reads of persons
	ScopeSubscribe  = "events.subscribe"  // change notifications
	ScopeDocuments  = "documents.issue"   // integrated documents pushed by providers
	ScopeResidence  = "residence.declare" // accommodation businesses declare guests' stays
	ScopeCheckin    = "checkin.verify"    // identity QRs checked at check-in (airlines, hotels)
)

// PartnerScopes lists the partner scopes.
var PartnerScopes = []string{ScopeVerify, ScopeVerifyBulk, ScopePersons, ScopeSubscribe, ScopeDocuments, ScopeResidence, ScopeCheckin}

func init() { KnownScopes = append(KnownScopes, PartnerScopes...) }

// Partner is an authenticated client acting for its organisation.
type Partner struct {
	Client *Client
	Token  *Token
}

// HasScope reports whether the token carries a scope.
func (pt *Partner) HasScope(s string) bool { return slices.Contains(pt.Token.Scopes, s) }

// AuthenticatePartner checks a partner API request's access token: a
// client-credentials token of an enabled client, presented with the
// Bearer scheme, or with the DPoP scheme and a proof of its key when it is
// bound (RFC 9449 §7; the proof's htu is the request's URL on the issuer).
func (p *Provider) AuthenticatePartner(r *http.Request) (*Partner, error) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if token == "" || !strings.HasPrefix(token, accessPrefix) {
		return nil, apperr.E(apperr.Unauthorized, "a partner access token (client credentials) is required")
	}
	ctx := r.Context()
	t, err := p.tokens.get(ctx, p.store, hashToken(token), p.now())
	if apperr.Code(err) == apperr.NotFound || (err == nil && (t.Kind != TokenAccess || !t.Active(p.now()))) {
		return nil, apperr.E(apperr.Unauthorized, "the access token is invalid, expired or revoked")
	}
	if err != nil {
		return nil, err
	}
	if t.AccountID != "" {
		return nil, apperr.E(apperr.Forbidden, "a citizen's token cannot call partner APIs")
	}
	switch {
	case t.JKT != "":
		if !strings.EqualFold(scheme, "DPoP") {
			return nil, apperr.E(apperr.Unauthorized, "this token is DPoP-bound: use the DPoP scheme with a proof")
		}
		jkt, err := p.checkDPoP(ctx, r.Header.Get("DPoP"), r.Method, p.cfg.Issuer+r.URL.Path, token)
		if err != nil || jkt != t.JKT {
			return nil, apperr.E(apperr.Unauthorized, "missing or wrong DPoP proof")
		}
	case !strings.EqualFold(scheme, "Bearer"):
		return nil, apperr.E(apperr.Unauthorized, "use the Bearer scheme")
	}
	c, err := p.activeClient(ctx, t.ClientID)
	if err != nil {
		return nil, apperr.E(apperr.Unauthorized, "the client is unknown or disabled")
	}
	return &Partner{Client: c, Token: t}, nil
}
