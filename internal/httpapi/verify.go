package httpapi

import (
	"net/http"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/ekyc"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/quota"
)

// verifyRoutes mounts the eKYC API for partners.
func (s *Server) verifyRoutes(mux *http.ServeMux) {
	if s.EKYC == nil {
		return
	}
	mux.Handle("POST /api/v1/verify", s.partnerAuth(oidc.ScopeVerify, s.handleVerify))
	s.jobRoutes(mux)
}

// limitsOf are a partner client's quota limits.
func limitsOf(c *oidc.Client) quota.Limits {
	return quota.Limits{PerSecond: c.RatePerSecond, PerDay: c.DailyQuota}
}

// handleVerify answers POST /api/v1/verify: one person's attributes as the
// partner holds them, each with a verdict, and an overall result.
func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request) {
	var req ekyc.Request
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	if field, msg := req.Check(); msg != "" {
		writeError(w, r, apperr.Field(apperr.Invalid, field, "%s", msg))
		return
	}
	res, err := s.EKYC.Verify(r.Context(), actor(r), limitsOf(partnerOf(r).Client), []ekyc.Request{req})
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, res[0])
}
