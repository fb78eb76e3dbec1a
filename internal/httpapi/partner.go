package httpapi

import (
	"context"
	"net/http"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/oidc"
)

// RolePartner is the actor role of an organisation's client calling the
// partner APIs with a client-credentials token.
const RolePartner = "partner"

type partnerKey struct{}

// partnerAuth requires a partner access token carrying scope, and puts the
// partner and an actor (client, organisation, declared purpose and legal
// basis) into the context.
func (s *Server) partnerAuth(scope string, next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.OIDC == nil {
			writeError(w, r, apperr.E(apperr.Unavailable, "partner APIs need the OpenID provider"))
			return
		}
		pt, err := s.OIDC.AuthenticatePartner(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="dancu-partner", error="invalid_token"`)
			writeError(w, r, err)
			return
		}
		if !pt.HasScope(scope) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="dancu-partner", error="insufficient_scope", scope="`+scope+`"`)
			writeError(w, r, apperr.E(apperr.Forbidden, "the token lacks the %s scope", scope))
			return
		}
		a := auth.Actor{ID: "client:" + pt.Client.ID, Role: RolePartner, Org: pt.Client.OrgID,
			Purpose: auth.Declared(r.Header.Get("X-Purpose")), Legal: auth.Declared(r.Header.Get("X-Legal-Basis"))}
		a.RequestID, _ = r.Context().Value(requestIDKey{}).(string)
		ctx := context.WithValue(auth.WithActor(r.Context(), a), partnerKey{}, pt)
		next(w, r.WithContext(ctx))
	})
}

// partnerOf returns the authenticated partner.
func partnerOf(r *http.Request) *oidc.Partner {
	pt, _ := r.Context().Value(partnerKey{}).(*oidc.Partner)
	return pt
}
