package httpapi

import (
	"net/http"
	"strconv"

	"github.com/dancu-vn/dancu/internal/anomaly"
	"github.com/dancu-vn/dancu/internal/apperr"
)

// oversightRoutes registers who watches the access log: a citizen reading
// who accessed his data (see citizenlog.go), and operators reading and
// acknowledging anomaly alerts.
func (s *Server) oversightRoutes(mux *http.ServeMux) {
	if s.EID != nil {
		mux.Handle("GET /api/v1/eid/me/accesslog", s.citizen(s.handleMyAccessLog))
	}
	if s.Alerts != nil {
		mux.Handle("GET /api/v1/alerts", s.authed(s.handleAlertList))
		mux.Handle("POST /api/v1/alerts/{id}/ack", s.authed(s.idempotent(s.handleAlertAck)))
	}
}

// handleAlertList answers GET /api/v1/alerts?status=&rule=&before=&limit=:
// anomaly alerts, newest first, for admins and auditors.
func (s *Server) handleAlertList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := anomaly.Filter{Status: q.Get("status"), Rule: q.Get("rule")}
	for _, p := range []struct {
		name string
		set  func(int64)
	}{
		{"limit", func(v int64) { f.Limit = int(v) }},
		{"before", func(v int64) { f.Before = v }},
	} {
		if q.Get(p.name) == "" {
			continue
		}
		v, err := strconv.ParseInt(q.Get(p.name), 10, 64)
		if err != nil || v < 1 {
			writeError(w, r, apperr.Field(apperr.Invalid, p.name, "%s must be a positive whole number", p.name))
			return
		}
		p.set(v)
	}
	alerts, err := s.Alerts.List(r.Context(), actor(r), f)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": alerts})
}

// handleAlertAck answers POST /api/v1/alerts/{id}/ack: an admin or
// auditor acknowledges an open alert; 409 if it already was.
func (s *Server) handleAlertAck(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		writeError(w, r, apperr.E(apperr.NotFound, "no such alert"))
		return
	}
	a, err := s.Alerts.Acknowledge(r.Context(), actor(r), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}
