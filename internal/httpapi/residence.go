package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/residence"
)

// residenceRoutes registers residence declarations: accommodation
// businesses' clients (scope residence.declare) declare stays; officers
// read them by area. See docs/residence.md.
func (s *Server) residenceRoutes(mux *http.ServeMux) {
	if s.Residence == nil {
		return
	}
	declare := func(h http.HandlerFunc) http.Handler { return s.partnerAuth(oidc.ScopeResidence, h) }
	mux.Handle("POST /api/v1/residence/establishments", declare(s.idempotent(s.handleEstablishmentCreate)))
	mux.Handle("GET /api/v1/residence/establishments", declare(s.handleEstablishmentList))
	mux.Handle("POST /api/v1/residence/establishments/{id}/stays", declare(s.idempotent(s.handleStayCheckIn)))
	mux.Handle("GET /api/v1/residence/establishments/{id}/stays", declare(s.handleStayList))
	mux.Handle("POST /api/v1/residence/establishments/{id}/stays/import", declare(s.idempotent(s.handleStayImport)))
	mux.Handle("POST /api/v1/residence/stays/{id}/checkout", declare(s.idempotent(s.handleStayCheckOut)))

	// Police, within jurisdiction.
	mux.Handle("GET /api/v1/residence/declarations", s.authed(s.handleDeclarationList))
}

// handleEstablishmentCreate answers POST /api/v1/residence/establishments.
func (s *Server) handleEstablishmentCreate(w http.ResponseWriter, r *http.Request) {
	var e residence.Establishment
	if err := decodeJSON(w, r, &e); err != nil {
		writeError(w, r, err)
		return
	}
	out, err := s.Residence.CreateEstablishment(r.Context(), actor(r), e)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

// handleEstablishmentList answers GET /api/v1/residence/establishments.
func (s *Server) handleEstablishmentList(w http.ResponseWriter, r *http.Request) {
	es, err := s.Residence.Establishments(r.Context(), actor(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"establishments": es})
}

// handleStayCheckIn answers POST /api/v1/residence/establishments/{id}/stays.
func (s *Server) handleStayCheckIn(w http.ResponseWriter, r *http.Request) {
	var req residence.CheckInRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	st, err := s.Residence.CheckIn(r.Context(), actor(r), r.PathValue("id"), req)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, st)
}

// handleStayList answers GET /api/v1/residence/establishments/{id}/stays?date=.
func (s *Server) handleStayList(w http.ResponseWriter, r *http.Request) {
	ss, err := s.Residence.OwnStays(r.Context(), actor(r), r.PathValue("id"), r.URL.Query().Get("date"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"stays": ss})
}

// handleStayImport answers POST
// /api/v1/residence/establishments/{id}/stays/import (text/csv): one
// result per line.
func (s *Server) handleStayImport(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		writeError(w, r, apperr.Field(apperr.Invalid, "Content-Type", "upload a CSV file (Content-Type: text/csv)"))
		return
	}
	res, err := s.Residence.ImportCSV(r.Context(), actor(r), r.PathValue("id"), http.MaxBytesReader(w, r.Body, 4<<20))
	if err != nil {
		writeError(w, r, err)
		return
	}
	declared := 0
	for _, l := range res {
		if l.Status == "declared" {
			declared++
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"lines": res, "declared": declared, "invalid": len(res) - declared})
}

// handleStayCheckOut answers POST /api/v1/residence/stays/{id}/checkout
// {"check_out":"RFC 3339"} (default now).
func (s *Server) handleStayCheckOut(w http.ResponseWriter, r *http.Request) {
	var req struct {
		CheckOut time.Time `json:"check_out"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &req); err != nil {
			writeError(w, r, err)
			return
		}
	}
	st, err := s.Residence.CheckOut(r.Context(), actor(r), r.PathValue("id"), req.CheckOut)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// handleDeclarationList answers GET
// /api/v1/residence/declarations?commune=&province=&date=&flagged=true&limit=.
func (s *Server) handleDeclarationList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	f := residence.Filter{Commune: q.Get("commune"), Province: q.Get("province"), Date: q.Get("date"),
		FlaggedOnly: q.Get("flagged") == "true", Limit: limit}
	ss, err := s.Residence.Declarations(r.Context(), actor(r), f)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"declarations": ss})
}
