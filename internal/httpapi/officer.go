package httpapi

import (
	"net/http"
	"strings"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
)

// officerRoutes lets officers log in with password and TOTP, and out.
func (s *Server) officerRoutes(mux *http.ServeMux) {
	if s.Officers == nil {
		return
	}
	mux.HandleFunc("POST /api/v1/officer/sessions", s.handleOfficerLogin)
	mux.Handle("DELETE /api/v1/officer/sessions/current", s.authed(s.handleOfficerLogout))
}

type officerLogin struct {
	Username string `json:"username"`
	Password string `json:"password"`
	TOTP     string `json:"totp"`
}

func (s *Server) handleOfficerLogin(w http.ResponseWriter, r *http.Request) {
	var in officerLogin
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if in.Username == "" || in.Password == "" || in.TOTP == "" {
		writeError(w, r, apperr.E(apperr.Invalid, "username, password and totp are required"))
		return
	}
	token, exp, err := s.Officers.Login(r.Context(), in.Username, in.Password, strings.TrimSpace(in.TOTP), clientOf(r).IP)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeSecret(w, http.StatusCreated, map[string]any{"token": token, "token_type": "Bearer", "expires_at": exp})
}

// handleOfficerLogout revokes the token the request was made with.
func (s *Server) handleOfficerLogout(w http.ResponseWriter, r *http.Request) {
	bearer, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	id, _, err := auth.ParseToken(bearer)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := s.DB.RevokeToken(r.Context(), id); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
