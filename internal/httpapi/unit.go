package httpapi

import (
	"net/http"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/units"
)

// handleUnitList answers GET /api/v1/units?date=YYYY-MM-DD&level=&province=&parent=:
// the administrative units valid at a date (today by default).
func (s *Server) handleUnitList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.UnitFilter{Date: q.Get("date"), Level: q.Get("level"), Province: q.Get("province"), Parent: q.Get("parent")}
	if f.Date == "" {
		f.Date = register.Today(s.Now())
	} else if _, err := register.ParseFullDate("date", f.Date); err != nil {
		writeError(w, r, err)
		return
	}
	switch units.Level(f.Level) {
	case "", units.Province, units.District, units.Commune:
	default:
		writeError(w, r, apperr.Field(apperr.Invalid, "level", "level is province, district or commune"))
		return
	}
	us, err := s.DB.Units(r.Context(), f)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if us == nil {
		us = []units.Unit{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"date": f.Date, "units": us})
}

// decodedNumber is what an ID number says by itself.
type decodedNumber struct {
	IDNumber     string       `json:"id_number"`
	Province     string       `json:"birth_registration_province"`
	ProvinceName string       `json:"birth_registration_province_name"`
	Gender       idnum.Gender `json:"gender"`
	BirthYear    int          `json:"birth_year"`
}

// handleIDNumberDecode answers GET /api/v1/idnumbers/{id}: validates a
// number and decodes its digits, without looking anyone up.
func (s *Server) handleIDNumberDecode(w http.ResponseWriter, r *http.Request) {
	n, err := idnum.Parse(r.PathValue("id"))
	if err != nil {
		writeError(w, r, idnumError(err))
		return
	}
	name, _ := idnum.ProvinceName(n.Province)
	writeJSON(w, http.StatusOK, decodedNumber{IDNumber: n.String(), Province: n.Province, ProvinceName: name,
		Gender: n.Gender, BirthYear: n.BirthYear})
}

// handleUnitMappingList answers GET /api/v1/unit-mappings?level=&legacy_code=&new_code=:
// which units of the 2025 structure took over a legacy unit, or which
// legacy units formed a new one.
func (s *Server) handleUnitMappingList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	level := q.Get("level")
	if level != string(units.Province) && level != string(units.Commune) {
		writeError(w, r, apperr.Field(apperr.Invalid, "level", "level is province or commune"))
		return
	}
	if q.Get("legacy_code") == "" && q.Get("new_code") == "" {
		writeError(w, r, apperr.Field(apperr.Invalid, "legacy_code", "give legacy_code or new_code"))
		return
	}
	ms, err := s.DB.UnitMappings(r.Context(), level, q.Get("legacy_code"), q.Get("new_code"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"mappings": ms})
}
