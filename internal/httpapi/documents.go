package httpapi

import (
	"net/http"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/documents"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/sdjwt"
)

// documentRoutes mounts integrated documents: operators register data
// providers, providers push and change documents, citizens list and
// present theirs, and anyone verifies a presentation or fetches the keys
// and status lists to verify offline. See docs/documents.md.
func (s *Server) documentRoutes(mux *http.ServeMux) {
	if s.Documents == nil {
		return
	}
	// Operators: data providers.
	mux.Handle("POST /api/v1/documents/providers", s.authed(s.idempotent(s.handleProviderRegister)))
	mux.Handle("GET /api/v1/documents/providers", s.authed(s.handleProviderList))

	// Public: what offline verification needs, and online verification.
	mux.HandleFunc("GET /api/v1/documents/providers/{id}/jwks", s.handleProviderJWKS)
	mux.HandleFunc("GET /api/v1/documents/providers/{id}/status-list", s.handleStatusList)
	mux.HandleFunc("GET /api/v1/documents/status-keys", s.handleStatusKeys)
	mux.HandleFunc("POST /api/v1/presentations/verify", s.handlePresentationVerify)

	// Data providers, with a client-credentials token of scope documents.issue.
	mux.Handle("POST /api/v1/documents", s.partnerAuth(oidc.ScopeDocuments, s.idempotent(s.handleDocumentPush)))
	mux.Handle("GET /api/v1/documents/{id}", s.partnerAuth(oidc.ScopeDocuments, s.handleDocumentGet))
	mux.Handle("POST /api/v1/documents/{id}/status", s.partnerAuth(oidc.ScopeDocuments, s.idempotent(s.handleDocumentStatus)))

	// Citizens: their own documents.
	mux.Handle("GET /api/v1/eid/me/documents", s.citizen(s.handleMyDocumentList))
	mux.Handle("GET /api/v1/eid/me/documents/{id}", s.citizen(s.handleMyDocumentGet))
	mux.Handle("POST /api/v1/eid/me/documents/{id}/presentations", s.citizen(s.handleMyPresentationCreate))
}

// handleProviderRegister answers POST /api/v1/documents/providers: an
// operator registers an organisation as a data provider (201), or
// replaces its document types and keys (200).
func (s *Server) handleProviderRegister(w http.ResponseWriter, r *http.Request) {
	var req documents.ProviderRegistration
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	p, created, err := s.Documents.RegisterProvider(r.Context(), actor(r), req)
	if err != nil {
		writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", "/api/v1/documents/providers/"+p.ID+"/jwks")
	}
	writeJSON(w, status, p)
}

// handleProviderList answers GET /api/v1/documents/providers, for operators.
func (s *Server) handleProviderList(w http.ResponseWriter, r *http.Request) {
	if actor(r).Role != auth.RoleAdmin {
		writeError(w, r, apperr.E(apperr.Forbidden, "only an operator (admin) lists data providers"))
		return
	}
	ps, err := s.Documents.Providers(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"providers": ps})
}

// handleProviderJWKS answers GET /api/v1/documents/providers/{id}/jwks:
// the public keys a provider signs its credentials with.
func (s *Server) handleProviderJWKS(w http.ResponseWriter, r *http.Request) {
	p, err := s.Documents.Provider(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, map[string]any{"issuer": p.Issuer, "vcts": p.VCTs, "keys": p.Keys.Keys})
}

// handleStatusList answers GET /api/v1/documents/providers/{id}/status-list:
// the provider's Token Status List, a JWT signed by dancu.
func (s *Server) handleStatusList(w http.ResponseWriter, r *http.Request) {
	tok, err := s.Documents.StatusListToken(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/"+documents.StatusListType)
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Write([]byte(tok))
}

// handleStatusKeys answers GET /api/v1/documents/status-keys: the keys
// that sign status list tokens.
func (s *Server) handleStatusKeys(w http.ResponseWriter, r *http.Request) {
	set, err := s.Documents.StatusKeys(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, set)
}

// handlePresentationVerify answers POST /api/v1/presentations/verify
// {"presentation", "aud"?, "nonce"?}: the issuer, document type, disclosed
// claims and status of a presentation; 422 credential_invalid when it
// does not verify.
func (s *Server) handlePresentationVerify(w http.ResponseWriter, r *http.Request) {
	var req documents.VerifyRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	v, err := s.Documents.Verify(r.Context(), req)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, v)
}

// handleDocumentPush answers POST /api/v1/documents {"id_number",
// "document_id", "credential"}: 201 for a new document, 200 for a new
// version of one.
func (s *Server) handleDocumentPush(w http.ResponseWriter, r *http.Request) {
	var req documents.PushRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	d, created, err := s.Documents.Push(r.Context(), actor(r), req)
	if err != nil {
		writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	w.Header().Set("Location", "/api/v1/documents/"+d.ID)
	writeJSON(w, status, d)
}

// handleDocumentGet answers GET /api/v1/documents/{id}: one of the
// calling provider's documents, its versions and status changes.
func (s *Server) handleDocumentGet(w http.ResponseWriter, r *http.Request) {
	d, vs, evs, err := s.Documents.ProviderDocument(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	if evs == nil {
		evs = []documents.StatusEvent{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"document": d, "versions": vs, "status_changes": evs})
}

// handleDocumentStatus answers POST /api/v1/documents/{id}/status
// {"status": valid|suspended|revoked, "reason"}.
func (s *Server) handleDocumentStatus(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Status documents.Status `json:"status"`
		Reason string           `json:"reason"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	d, err := s.Documents.SetStatus(r.Context(), actor(r), r.PathValue("id"), req.Status, req.Reason)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// handleMyDocumentList answers GET /api/v1/eid/me/documents.
func (s *Server) handleMyDocumentList(w http.ResponseWriter, r *http.Request) {
	ds, err := s.Documents.MyDocuments(r.Context(), citizenOf(r).account.IDNumber)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"documents": ds})
}

// handleMyDocumentGet answers GET /api/v1/eid/me/documents/{id}.
func (s *Server) handleMyDocumentGet(w http.ResponseWriter, r *http.Request) {
	v, err := s.Documents.MyDocument(r.Context(), actor(r), citizenOf(r).account.IDNumber, r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeSecret(w, http.StatusOK, v)
}

// handleMyPresentationCreate answers POST
// /api/v1/eid/me/documents/{id}/presentations {"disclose": [claim paths]}.
func (s *Server) handleMyPresentationCreate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Disclose []sdjwt.Path `json:"disclose"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	p, err := s.Documents.Present(r.Context(), actor(r), citizenOf(r).account.IDNumber, r.PathValue("id"), req.Disclose)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeSecret(w, http.StatusCreated, p)
}
