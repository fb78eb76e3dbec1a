package httpapi

import (
	"bytes"
	"net/http"

	"github.com/dancu-vn/dancu/internal/reconcile"
)

// reconcileRoutes registers the reconciliation of agencies' lists for
// officers. See docs/quality.md#reconciliation.
func (s *Server) reconcileRoutes(mux *http.ServeMux) {
	if s.Reconcile == nil {
		return
	}
	mux.Handle("POST /api/v1/reconcile", s.authed(s.handleReconcile))
}

// maxListBody bounds a list: MaxRows rows of a few hundred bytes.
const maxListBody = 8 << 20

// handleReconcile answers POST /api/v1/reconcile (a CSV list, at most
// reconcile.MaxRows rows) with the report as CSV, one line per row. The
// officer's X-Purpose and X-Legal-Basis go to the access log with each
// person read.
func (s *Server) handleReconcile(w http.ResponseWriter, r *http.Request) {
	rows, err := reconcile.ReadCSV(http.MaxBytesReader(w, r.Body, maxListBody))
	if err != nil {
		writeError(w, r, err)
		return
	}
	results, err := s.Reconcile.Reconcile(r.Context(), actor(r), rows)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var b bytes.Buffer
	if err := reconcile.WriteCSV(&b, results); err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
}
