package httpapi

import (
	"net/http"
	"net/url"

	"github.com/dancu-vn/dancu/internal/portal"
)

// handleFileUpload answers POST /api/v1/portal/files: the body is one
// paper (PDF, JPEG or PNG, at most 10 MB), its name in ?name= or the
// X-File-Name header (percent-encoded); 201 with its descriptor, to name
// in a submission's documents.
func (s *Server) handleFileUpload(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	if name == "" {
		name, _ = url.PathUnescape(r.Header.Get("X-File-Name"))
	}
	r.Body = http.MaxBytesReader(w, r.Body, portal.MaxFileSize+1)
	ref, err := s.Portal.PutFile(r.Context(), s.citizenPortal(r), name, r.Body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, ref)
}

// handleMyDossierFile answers GET /api/v1/portal/dossiers/{id}/documents/{code}:
// a paper of the citizen's own dossier.
func (s *Server) handleMyDossierFile(w http.ResponseWriter, r *http.Request) {
	ref, f, err := s.Portal.MyDossierFile(r.Context(), s.citizenPortal(r), r.PathValue("id"), r.PathValue("code"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	portal.WritePaper(w, ref, f)
}

// handleDossierFile answers GET /api/v1/dossiers/{id}/documents/{code}: a
// paper of a dossier in the officer's jurisdiction (logged).
func (s *Server) handleDossierFile(w http.ResponseWriter, r *http.Request) {
	ref, f, err := s.Portal.DossierFile(r.Context(), actor(r), r.PathValue("id"), r.PathValue("code"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	portal.WritePaper(w, ref, f)
}
