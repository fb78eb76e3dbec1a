package httpapi

import (
	"net/http"

	"github.com/dancu-vn/dancu/internal/dashboard"
)

// dashboardRoutes registers the programme's indicators for officers, in
// their jurisdiction. See docs/dashboard.md.
func (s *Server) dashboardRoutes(mux *http.ServeMux) {
	if s.Dashboard == nil {
		return
	}
	mux.Handle("GET /api/v1/dashboard", s.authed(s.handleDashboard))
}

// handleDashboard answers GET /api/v1/dashboard?unit=&from=&to=: a unit's
// indicators by day (the last 30 days by default) and its sub-units' on
// the last day, with the rates derived from them.
func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v, err := s.Dashboard.View(r.Context(), actor(r), q.Get("unit"), q.Get("from"), q.Get("to"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"dashboard": v, "indicators": dashboard.Indicators, "rates": dashboard.Rates})
}
