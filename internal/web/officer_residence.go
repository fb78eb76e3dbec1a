package web

import (
	"net/http"
	"strings"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/residence"
	"github.com/dancu-vn/dancu/internal/units"
)

// officerResidenceRoutes registers the police's view of residence
// declarations.
func (u *UI) officerResidenceRoutes(page, post route) {
	page("GET /officer/residence", u.officer(u.handleOfficerResidence))
}

// officerResidencePage is the declarations of the officer's area on a
// date, with the filters.
type officerResidencePage struct {
	Page
	Communes []units.Unit // of the commune select; none: a code input (central officers)
	AnyArea  bool         // a province officer may leave the commune empty: his whole province
	Stays    []*residence.Stay
	Searched bool
	Full     bool // the service's limit was reached: there may be more
}

// officerResidenceLimit is the most stays one page shows (the service's
// own default).
const officerResidenceLimit = 200

// Place names a stay's establishment: its name and address, or its ID
// when it could not be read.
func (p *officerResidencePage) Place(st *residence.Stay) string {
	if e := st.Establishment; e != nil {
		return e.Name + " — " + e.Address
	}
	return st.EstablishmentID
}

// Verdict is a guest's verification result in words.
func (p *officerResidencePage) Verdict(v string) string { return p.T("police.verdict." + v) }

// BirthDate is a guest's declared birth date as the language writes it.
func (p *officerResidencePage) BirthDate(d string) string { return p.Date(register.Date(d)) }

// GuestKind is a guest's kind in words.
func (p *officerResidencePage) GuestKind(k string) string { return p.T("police.kind." + k) }

// handleOfficerResidence answers GET
// /officer/residence?commune=&date=&flagged=1: the stays present on a
// date (today in Viet Nam by default) in the officer's area, through
// residence.Service.Declarations as the API's GET
// /api/v1/residence/declarations: its jurisdiction, and every guest shown
// is logged by it. An area outside the jurisdiction is the API's 404,
// shown on the commune field.
func (u *UI) handleOfficerResidence(w http.ResponseWriter, r *http.Request) {
	o := officerFrom(r)
	p := &officerResidencePage{Page: u.page(w, r, "officer", "police.title"), Communes: communesFor(o.officer),
		AnyArea: o.officer.UnitLevel == auth.LevelProvince}
	q := r.URL.Query()
	if q.Get("date") == "" {
		q.Set("date", u.now().In(register.Vietnam).Format("2006-01-02"))
	}
	p.Form.Values = q
	f := residence.Filter{Commune: strings.TrimSpace(q.Get("commune")), Date: strings.TrimSpace(q.Get("date")),
		FlaggedOnly: q.Get("flagged") == "1", Limit: officerResidenceLimit}
	if o.officer.UnitLevel == auth.LevelCentral && f.Commune == "" {
		// A central officer names a commune: the country is no area.
		u.render(w, r, http.StatusOK, "officer_residence", p)
		return
	}
	stays, err := u.svc.Residence.Declarations(r.Context(), o.actor(r), f)
	if err != nil {
		switch apperr.Code(err) {
		case apperr.NotFound:
			p.fail("commune", p.T("police.err.area"))
			u.render(w, r, http.StatusNotFound, "officer_residence", p)
		case apperr.Invalid, apperr.InvalidUnit, apperr.InvalidDate:
			p.failErr(err, "commune", "date")
			u.render(w, r, http.StatusUnprocessableEntity, "officer_residence", p)
		default:
			u.renderServiceError(w, r, err)
		}
		return
	}
	p.Stays, p.Searched, p.Full = stays, true, len(stays) == officerResidenceLimit
	u.render(w, r, http.StatusOK, "officer_residence", p)
}
