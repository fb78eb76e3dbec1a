package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/residence"
)

// businessEstablishmentPage is an establishment's guests present on a
// date and the check-in form.
type businessEstablishmentPage struct {
	Page
	Org       eid.Organisation
	Est       *residence.Establishment
	Date      string // YYYY-MM-DD, Viet Nam time
	Stays     []*residence.Stay
	GuestKind string // the check-in form's guest kind
	Now       string // the check-in input's default: now, Viet Nam time
}

// checkInFields are the check-in form's inputs; a foreigner's name and
// birth date have their own, since both fieldsets are on the page.
var checkInFields = []string{"guest_kind", "id_number", "full_name", "birth_date", "foreign_full_name", "foreign_birth_date",
	"gender", "nationality", "passport_no", "visa_no", "room", "check_in"}

// checkInLayout is the datetime-local input's format.
const checkInLayout = "2006-01-02T15:04"

// businessEstablishmentPage reads one establishment of the organisation,
// through the service (another organisation's is not_found), and its
// stays present on the date (?date=, or the form's hidden date).
func (u *UI) businessEstablishmentPage(w http.ResponseWriter, r *http.Request) (*businessEstablishmentPage, error) {
	b := businessFrom(r)
	p := &businessEstablishmentPage{Page: u.page(w, r, "business", "business.est.title"), Org: b.org, GuestKind: residence.GuestCitizen}
	es, err := u.svc.Residence.Establishments(r.Context(), b.actor)
	if err != nil {
		return nil, err
	}
	for _, e := range es {
		if e.ID == r.PathValue("id") {
			p.Est = e
		}
	}
	if p.Est == nil {
		return nil, apperr.E(apperr.NotFound, "no such establishment of the organisation")
	}
	p.Title = p.Est.Name
	now := u.now().In(register.Vietnam)
	p.Now = now.Format(checkInLayout)
	p.Date = r.URL.Query().Get("date")
	if r.Method == http.MethodPost {
		p.Date = r.PostForm.Get("date")
		if k := r.PostForm.Get("guest_kind"); k == residence.GuestForeign {
			p.GuestKind = k
		}
	}
	if _, err := time.Parse(time.DateOnly, p.Date); err != nil {
		p.Date = now.Format(time.DateOnly)
	}
	p.Stays, err = u.svc.Residence.OwnStays(r.Context(), b.actor, p.Est.ID, p.Date)
	return p, err
}

// handleBusinessEstablishment answers GET
// /business/{org}/establishments/{id}?date=.
func (u *UI) handleBusinessEstablishment(w http.ResponseWriter, r *http.Request) {
	p, err := u.businessEstablishmentPage(w, r)
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "business_establishment", p)
}

// handleBusinessCheckIn answers POST
// /business/{org}/establishments/{id}/stays: declares a guest through the
// residence service, which checks a citizen against the register (and
// logs the check). The business learns the verdict only; a flagged stay
// is declared all the same, and the message says so.
func (u *UI) handleBusinessCheckIn(w http.ResponseWriter, r *http.Request) {
	p, err := u.businessEstablishmentPage(w, r)
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	req := u.checkInRequest(p)
	if len(p.Form.Summary) > 0 {
		u.render(w, r, http.StatusUnprocessableEntity, "business_establishment", p)
		return
	}
	st, err := u.svc.Residence.CheckIn(r.Context(), businessFrom(r).actor, p.Est.ID, req)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			u.renderServiceError(w, r, err)
			return
		}
		p.fail(checkInField(err, p.GuestKind), businessErrorText(p.Lang, err))
		u.render(w, r, http.StatusUnprocessableEntity, "business_establishment", p)
		return
	}
	u.flash(w, r, "flash.business.checked_in."+st.Verification)
	redirect(w, r, "/business/"+p.Org.ID+"/establishments/"+p.Est.ID+"?date="+st.CheckIn.In(register.Vietnam).Format(time.DateOnly))
}

// checkInRequest reads the check-in form, recording on the page what is
// missing or malformed; the service checks the rest.
func (u *UI) checkInRequest(p *businessEstablishmentPage) residence.CheckInRequest {
	f := p.Form.Values
	v := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	required := []string{"id_number", "full_name", "birth_date"}
	req := residence.CheckInRequest{Room: v("room"), Guest: residence.Guest{Kind: p.GuestKind}}
	if p.GuestKind == residence.GuestForeign {
		required = []string{"foreign_full_name", "foreign_birth_date", "nationality", "passport_no"}
		req.Guest.FullName, req.Guest.BirthDate, req.Guest.Gender = v("foreign_full_name"), v("foreign_birth_date"), v("gender")
		req.Guest.Nationality, req.Guest.PassportNo, req.Guest.VisaNo = v("nationality"), v("passport_no"), v("visa_no")
	} else {
		req.Guest.IDNumber, req.Guest.FullName, req.Guest.BirthDate = v("id_number"), v("full_name"), v("birth_date")
	}
	for _, k := range required {
		if v(k) == "" {
			p.fail(k, p.T("business.err.required."+strings.TrimPrefix(k, "foreign_")))
		}
	}
	if s := v("check_in"); s != "" {
		t, err := time.ParseInLocation(checkInLayout, s, register.Vietnam)
		if err != nil {
			p.fail("check_in", p.T("business.err.check_in"))
		}
		req.CheckIn = t
	}
	return req
}

// checkInField is the input of the check-in form a service error names:
// guest.full_name is the foreigner's own input when the guest is one.
func checkInField(err error, kind string) string {
	field := businessField(err, checkInFields)
	if kind == residence.GuestForeign && (field == "full_name" || field == "birth_date") {
		return "foreign_" + field
	}
	return field
}

// handleBusinessCheckOut answers POST
// /business/{org}/establishments/{id}/stays/{stay}/checkout: the guest
// leaves now. A second check-out is the conflict the service reports,
// shown on the establishment's page; another organisation's stay is the
// page of a missing one.
func (u *UI) handleBusinessCheckOut(w http.ResponseWriter, r *http.Request) {
	p, err := u.businessEstablishmentPage(w, r)
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	p.Form.Values = nil // the check-in form stays empty
	_, err = u.svc.Residence.CheckOut(r.Context(), businessFrom(r).actor, r.PathValue("stay"), time.Time{})
	switch {
	case apperr.Is(err, apperr.Conflict):
		p.fail("", p.T("business.err.checked_out"))
		u.render(w, r, http.StatusConflict, "business_establishment", p)
	case err != nil:
		u.renderServiceError(w, r, err)
	default:
		u.flash(w, r, "flash.business.checked_out")
		redirect(w, r, "/business/"+p.Org.ID+"/establishments/"+p.Est.ID+"?date="+p.Date)
	}
}

// BusinessVerdict names a stay's verification for people.
func (p *Page) BusinessVerdict(v string) string {
	if has(p.Lang, "business.verdict."+v) {
		return p.T("business.verdict." + v)
	}
	return v
}
