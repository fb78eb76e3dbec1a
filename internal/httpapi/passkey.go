package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/eid"
)

// passkeyRoutes registers a citizen's passkeys (WebAuthn): registering one
// from a logged-in session, listing and removing them. Logging in with a
// passkey is on the OpenID provider's login page (internal/oidc).
func (s *Server) passkeyRoutes(mux *http.ServeMux) {
	if s.EID == nil {
		return
	}
	mux.Handle("POST /api/v1/eid/me/passkeys/begin", s.citizen(s.handlePasskeyBegin))
	mux.Handle("POST /api/v1/eid/me/passkeys", s.citizen(s.handlePasskeyCreate))
	mux.Handle("GET /api/v1/eid/me/passkeys", s.citizen(s.handlePasskeyList))
	mux.Handle("DELETE /api/v1/eid/me/passkeys/{id}", s.citizen(s.handlePasskeyDelete))
}

// passkeyBegin is the answer that starts a registration.
type passkeyBegin struct {
	CeremonyID string          `json:"ceremony_id"`
	Options    json.RawMessage `json:"options"` // for navigator.credentials.create: {"publicKey": …}
}

// handlePasskeyBegin answers POST /api/v1/eid/me/passkeys/begin: the
// options for navigator.credentials.create and the ceremony to finish.
func (s *Server) handlePasskeyBegin(w http.ResponseWriter, r *http.Request) {
	options, id, err := s.EID.BeginPasskeyRegistration(r.Context(), citizenOf(r).account.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, passkeyBegin{CeremonyID: id, Options: options})
}

// passkeyFinish is the body that finishes a registration.
type passkeyFinish struct {
	CeremonyID string          `json:"ceremony_id"`
	Name       string          `json:"name"`     // shown in the list, e.g. "Điện thoại của tôi"
	Response   json.RawMessage `json:"response"` // the PublicKeyCredential, as JSON
}

// handlePasskeyCreate answers POST /api/v1/eid/me/passkeys: the
// authenticator's answer to the ceremony; 201 with the passkey.
func (s *Server) handlePasskeyCreate(w http.ResponseWriter, r *http.Request) {
	var req passkeyFinish
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	if len(req.Response) == 0 || string(req.Response) == "null" {
		writeError(w, r, apperr.Field(apperr.Invalid, "response", "response must be the authenticator's credential"))
		return
	}
	p, err := s.EID.FinishPasskeyRegistration(r.Context(), citizenOf(r).account.ID, req.CeremonyID, req.Name, req.Response)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/eid/me/passkeys/"+p.ID)
	writeJSON(w, http.StatusCreated, p)
}

// handlePasskeyList answers GET /api/v1/eid/me/passkeys.
func (s *Server) handlePasskeyList(w http.ResponseWriter, r *http.Request) {
	ps, err := s.EID.Passkeys(r.Context(), citizenOf(r).account.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if ps == nil {
		ps = []eid.Passkey{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"passkeys": ps})
}

// handlePasskeyDelete answers DELETE /api/v1/eid/me/passkeys/{id}: the
// passkey logs in no more.
func (s *Server) handlePasskeyDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.EID.RemovePasskey(r.Context(), citizenOf(r).account.ID, r.PathValue("id")); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
