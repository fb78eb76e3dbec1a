package httpapi

import (
	"net/http"
	"strconv"

	"github.com/dancu-vn/dancu/internal/quality"
)

// qualityRoutes registers the data-quality review queue for officers in
// their jurisdiction. Scans run from `dancu quality scan`. See
// docs/quality.md.
func (s *Server) qualityRoutes(mux *http.ServeMux) {
	if s.Quality == nil {
		return
	}
	mux.Handle("GET /api/v1/quality/flags", s.authed(s.handleQualityFlags))
	mux.Handle("GET /api/v1/quality/flags/{id}", s.authed(s.handleQualityFlag))
	mux.Handle("POST /api/v1/quality/flags/{id}/dismiss", s.authed(s.idempotent(s.handleQualityReview("dismiss"))))
	mux.Handle("POST /api/v1/quality/flags/{id}/reopen", s.authed(s.idempotent(s.handleQualityReview("reopen"))))
	mux.Handle("POST /api/v1/quality/flags/{id}/recheck", s.authed(s.idempotent(s.handleQualityReview("recheck"))))
	mux.Handle("GET /api/v1/quality/summary", s.authed(s.handleQualitySummary))
}

// handleQualityFlags answers GET /api/v1/quality/flags?rule=&status=&commune=&province=&person=&cursor=&limit=.
func (s *Server) handleQualityFlags(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	f := quality.Filter{Rule: q.Get("rule"), Status: quality.Status(q.Get("status")), Commune: q.Get("commune"),
		Province: q.Get("province"), Person: q.Get("person"), After: q.Get("cursor"), Limit: limit}
	flags, err := s.Quality.List(r.Context(), actor(r), f)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := map[string]any{"flags": flags}
	if len(flags) > 0 && len(flags) == quality.PageLimit(f.Limit) {
		out["next_cursor"] = flags[len(flags)-1].ID
	}
	writeJSON(w, http.StatusOK, out)
}

// handleQualityFlag answers GET /api/v1/quality/flags/{id}.
func (s *Server) handleQualityFlag(w http.ResponseWriter, r *http.Request) {
	f, err := s.Quality.Get(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, f)
}

// handleQualityReview answers POST /api/v1/quality/flags/{id}/{act}
// with {"note": "…"} (required to dismiss).
func (s *Server) handleQualityReview(act string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Note string `json:"note"`
		}
		if r.ContentLength != 0 {
			if err := decodeJSON(w, r, &body); err != nil {
				writeError(w, r, err)
				return
			}
		}
		var f *quality.Flag
		var err error
		id := r.PathValue("id")
		switch act {
		case "dismiss":
			f, err = s.Quality.Dismiss(r.Context(), actor(r), id, body.Note)
		case "reopen":
			f, err = s.Quality.Reopen(r.Context(), actor(r), id)
		default:
			f, err = s.Quality.Recheck(r.Context(), actor(r), id)
		}
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, f)
	}
}

// handleQualitySummary answers GET /api/v1/quality/summary?province=: each
// commune's completeness and open flags at the last scan.
func (s *Server) handleQualitySummary(w http.ResponseWriter, r *http.Request) {
	sums, err := s.Quality.Summaries(r.Context(), actor(r), r.URL.Query().Get("province"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"communes": sums, "rules": quality.Rules})
}
