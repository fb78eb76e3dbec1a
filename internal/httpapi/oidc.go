package httpapi

import (
	"net/http"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/oidc"
)

// oidcRoutes mounts the OpenID Connect provider (its protocol endpoints
// and login pages), the operator's client API and the citizen's consents.
func (s *Server) oidcRoutes(mux *http.ServeMux) {
	if s.OIDC == nil {
		return
	}
	h := s.OIDC.Handler()
	for _, p := range oidc.Paths() {
		mux.Handle(p, h)
	}
	mux.Handle("GET /api/v1/oidc/clients", s.authed(s.admin(s.handleClientList)))
	mux.Handle("POST /api/v1/oidc/clients", s.authed(s.admin(s.idempotent(s.handleClientCreate))))
	mux.Handle("GET /api/v1/oidc/clients/{id}", s.authed(s.admin(s.handleClientGet)))
	mux.Handle("POST /api/v1/oidc/clients/{id}/secret", s.authed(s.admin(s.handleClientRotateSecret)))
	mux.Handle("POST /api/v1/oidc/clients/{id}/disable", s.authed(s.admin(s.handleClientDisable(true))))
	mux.Handle("POST /api/v1/oidc/clients/{id}/enable", s.authed(s.admin(s.handleClientDisable(false))))
	mux.Handle("GET /api/v1/eid/me/consents", s.citizen(s.handleConsentList))
	mux.Handle("DELETE /api/v1/eid/me/consents/{client}", s.citizen(s.handleConsentRevoke))
}

// admin lets only operators (role admin) through.
func (s *Server) admin(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if actor(r).Role != auth.RoleAdmin {
			writeError(w, r, apperr.E(apperr.Forbidden, "only an operator (admin) manages OpenID Connect clients"))
			return
		}
		next(w, r)
	}
}

// clientView is a client as the API shows it, with its secret once.
type clientView struct {
	*oidc.Client
	Secret string `json:"client_secret,omitempty"`
}

func (s *Server) handleClientList(w http.ResponseWriter, r *http.Request) {
	cs, err := s.OIDC.Store().OIDCClients(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	if cs == nil {
		cs = []*oidc.Client{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"clients": cs})
}

func (s *Server) handleClientCreate(w http.ResponseWriter, r *http.Request) {
	var c oidc.Client
	if err := decodeJSON(w, r, &c); err != nil {
		writeError(w, r, err)
		return
	}
	c.Disabled = false
	secret, err := oidc.RegisterClient(r.Context(), s.OIDC.Store(), &c, s.Now())
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeSecret(w, http.StatusCreated, clientView{Client: &c, Secret: secret})
}

func (s *Server) handleClientGet(w http.ResponseWriter, r *http.Request) {
	c, err := s.OIDC.Store().OIDCClient(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) handleClientRotateSecret(w http.ResponseWriter, r *http.Request) {
	secret, err := oidc.RotateClientSecret(r.Context(), s.OIDC.Store(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeSecret(w, http.StatusOK, map[string]string{"client_id": r.PathValue("id"), "client_secret": secret})
}

func (s *Server) handleClientDisable(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := oidc.SetClientDisabled(r.Context(), s.OIDC.Store(), r.PathValue("id"), disabled)
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, c)
	}
}

// consentView is one service a citizen allowed.
type consentView struct {
	ClientID   string   `json:"client_id"`
	ClientName string   `json:"client_name"`
	Scopes     []string `json:"scopes"`
	GrantedAt  string   `json:"granted_at"`
	Revoked    bool     `json:"revoked"`
}

func (s *Server) handleConsentList(w http.ResponseWriter, r *http.Request) {
	acct := citizenOf(r).account
	cs, err := s.OIDC.Consents(r.Context(), acct.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := []consentView{}
	for _, c := range cs {
		v := consentView{ClientID: c.ClientID, Scopes: c.Scopes, GrantedAt: c.GrantedAt.Format("2006-01-02T15:04:05Z"),
			Revoked: c.RevokedAt != nil}
		if cl, err := s.OIDC.Store().OIDCClient(r.Context(), c.ClientID); err == nil {
			v.ClientName = cl.Name
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"consents": out})
}

func (s *Server) handleConsentRevoke(w http.ResponseWriter, r *http.Request) {
	acct := citizenOf(r).account
	if err := s.OIDC.RevokeConsent(r.Context(), acct.ID, r.PathValue("client")); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
