package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/refdata"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/units"
)

// eventPage is the form of one kind of event for a person.
type eventPage struct {
	Page
	IDNumber    string
	Kind        string
	Communes    []units.Unit
	Ethnicities []refdata.Ethnicity // corrections
}

// legalFields are the inputs of an act's legal basis, in every form.
var legalFields = []string{"effective_date", "document_no", "document_date", "issuer"}

// kindFields are each event form's own inputs.
var kindFields = map[string][]string{
	"name_change":      {"full_name", "reason"},
	"residence_change": {"type", "commune", "address", "since", "until", "from", "destination", "end"},
	"marriage":         {"spouse_id"},
	"divorce":          {"spouse_id"},
	"death":            {"death_date", "place"},
	"correction":       {"birth_date", "birth_place", "hometown", "ethnicity", "father_id", "mother_id"},
}

func (u *UI) eventPage(w http.ResponseWriter, r *http.Request) (*eventPage, bool) {
	id, kind := r.PathValue("id"), r.PathValue("kind")
	if _, err := idnum.Parse(id); err != nil || !slices.Contains(eventKinds, kind) {
		u.handleNotFound(w, r)
		return nil, false
	}
	p := &eventPage{Page: u.page(w, r, "officer", "title.event."+kind), IDNumber: id, Kind: kind,
		Communes: communesFor(officerFrom(r).officer), Ethnicities: refdata.Ethnicities()}
	return p, true
}

// handleEventPage answers GET /officer/persons/{id}/events/{kind}: the
// form of an event with its legal basis.
func (u *UI) handleEventPage(w http.ResponseWriter, r *http.Request) {
	if p, ok := u.eventPage(w, r); ok {
		u.render(w, r, http.StatusOK, "event", p)
	}
}

// handleEventSubmit answers POST /officer/persons/{id}/events/{kind}:
// records the event through the register (its rules, jurisdiction and
// access log), then back to the person; on error the form again, with
// the input and the errors.
func (u *UI) handleEventSubmit(w http.ResponseWriter, r *http.Request) {
	p, ok := u.eventPage(w, r)
	if !ok {
		return
	}
	f := r.PostForm
	for _, k := range []string{"effective_date", "document_no", "document_date", "issuer"} {
		if strings.TrimSpace(f.Get(k)) == "" {
			p.fail(k, p.T("err.required."+k))
		}
	}
	if len(p.Form.Summary) > 0 {
		u.render(w, r, http.StatusUnprocessableEntity, "event", p)
		return
	}
	payload, err := eventPayload(p.Kind, f)
	if err == nil {
		req := register.EventRequest{Kind: register.Kind(p.Kind), EffectiveDate: register.Date(strings.TrimSpace(f.Get("effective_date"))),
			Legal: legalBasis(f), Payload: payload}
		_, err = u.svc.Register.RecordEvent(r.Context(), officerFrom(r).actor(r), p.IDNumber, req)
	}
	if err != nil {
		if apperr.Is(err, apperr.NotFound) && apperr.FieldOf(err) == "id_number" {
			u.renderError(w, r, http.StatusNotFound, "err.not_found")
			return
		}
		p.failErr(err, append(slices.Clone(legalFields), kindFields[p.Kind]...)...)
		u.render(w, r, http.StatusUnprocessableEntity, "event", p)
		return
	}
	u.flash(w, r, "flash.event_recorded")
	redirect(w, r, "/officer/persons/"+p.IDNumber)
}

// legalBasis reads the legal basis inputs.
func legalBasis(f url.Values) register.LegalBasis {
	return register.LegalBasis{DocumentNo: strings.TrimSpace(f.Get("document_no")),
		DocumentDate: register.Date(strings.TrimSpace(f.Get("document_date"))), Issuer: strings.TrimSpace(f.Get("issuer"))}
}

// eventPayload builds the payload of an event of kind from its form.
func eventPayload(kind string, f url.Values) (json.RawMessage, error) {
	v := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	var pl any
	switch kind {
	case "name_change":
		pl = register.NameChangePayload{FullName: v("full_name"), Reason: v("reason")}
	case "marriage", "divorce":
		pl = register.SpousePayload{SpouseID: v("spouse_id")}
	case "death":
		pl = register.DeathPayload{DeathDate: register.Date(v("death_date")), Place: v("place")}
	case "correction":
		// Only what the officer filled in changes; the rest stays.
		opt := func(k string) *string {
			if s := v(k); s != "" {
				return &s
			}
			return nil
		}
		c := register.CorrectionPayload{BirthPlace: opt("birth_place"), Hometown: opt("hometown"), Ethnicity: opt("ethnicity"),
			FatherID: opt("father_id"), MotherID: opt("mother_id")}
		if d := v("birth_date"); d != "" {
			date := register.Date(d)
			c.BirthDate = &date
		}
		if c == (register.CorrectionPayload{}) {
			return nil, apperr.Field(apperr.Invalid, "birth_date", "fill in at least one fact to correct")
		}
		pl = c
	case "residence_change":
		rp := register.ResidencePayload{Type: v("type"), End: v("end") == "1"}
		switch {
		case rp.End:
		case rp.Type == "temporary_absence":
			rp.Absence = &register.Absence{From: register.Date(v("from")), Until: register.Date(v("until")),
				Destination: v("destination"), Reason: v("reason")}
		default:
			rp.Place = &register.Residence{Commune: v("commune"), Address: v("address"), Since: register.Date(v("since")),
				Until: register.Date(v("until"))}
		}
		pl = rp
	default:
		return nil, apperr.Field(apperr.Invalid, "kind", "unknown event kind")
	}
	b, err := json.Marshal(pl)
	return b, err
}

// birthPage is the birth registration form.
type birthPage struct {
	Page
	Communes    []units.Unit
	Ethnicities []refdata.Ethnicity
	Religions   []refdata.Religion
}

var birthFields = []string{"full_name", "gender", "birth_date", "birth_place", "hometown", "ethnicity", "religion",
	"nationality", "father_id", "mother_id", "commune", "address", "document_no", "document_date", "issuer"}

func (u *UI) birthPage(w http.ResponseWriter, r *http.Request) *birthPage {
	return &birthPage{Page: u.page(w, r, "officer", "title.birth"), Communes: communesFor(officerFrom(r).officer),
		Ethnicities: refdata.Ethnicities(), Religions: refdata.Religions()}
}

// handleBirthPage answers GET /officer/births/new.
func (u *UI) handleBirthPage(w http.ResponseWriter, r *http.Request) {
	u.render(w, r, http.StatusOK, "birth", u.birthPage(w, r))
}

// handleBirthSubmit answers POST /officer/births/new: registers the birth,
// which allocates the child's ID number, and opens the new record.
func (u *UI) handleBirthSubmit(w http.ResponseWriter, r *http.Request) {
	p := u.birthPage(w, r)
	f := r.PostForm
	v := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	for _, k := range []string{"full_name", "gender", "birth_date", "birth_place", "commune", "address", "document_no", "document_date", "issuer"} {
		if v(k) == "" {
			p.fail(k, p.T("err.required."+k))
		}
	}
	if len(p.Form.Summary) > 0 {
		u.render(w, r, http.StatusUnprocessableEntity, "birth", p)
		return
	}
	req := register.BirthRequest{FullName: v("full_name"), Gender: idnum.Gender(v("gender")), BirthDate: register.Date(v("birth_date")),
		BirthPlace: v("birth_place"), Hometown: v("hometown"), Ethnicity: v("ethnicity"), Religion: v("religion"),
		Nationality: v("nationality"), FatherID: v("father_id"), MotherID: v("mother_id"),
		Permanent: &register.Residence{Commune: v("commune"), Address: v("address")}, Legal: legalBasis(f)}
	person, err := u.svc.Register.RegisterBirth(r.Context(), officerFrom(r).actor(r), req)
	if err != nil {
		p.failErr(err, birthFields...)
		u.render(w, r, http.StatusUnprocessableEntity, "birth", p)
		return
	}
	u.flash(w, r, "flash.birth_registered")
	redirect(w, r, "/officer/persons/"+person.IDNumber)
}

// level2Page is the in-person attestation that raises an account to level 2.
type level2Page struct {
	Page
	IDNumber string
}

// handleLevel2Page answers GET /officer/persons/{id}/level2.
func (u *UI) handleLevel2Page(w http.ResponseWriter, r *http.Request) {
	p := &level2Page{Page: u.page(w, r, "officer", "title.level2"), IDNumber: r.PathValue("id")}
	u.render(w, r, http.StatusOK, "level2", p)
}

// handleLevel2Submit answers POST /officer/persons/{id}/level2: both
// checks ticked, the card's number; through the e-ID service, which
// applies the register's jurisdiction and logs every attempt.
func (u *UI) handleLevel2Submit(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	p := &level2Page{Page: u.page(w, r, "officer", "title.level2"), IDNumber: id}
	f := r.PostForm
	at := eid.Attestation{ChipRead: f.Get("chip_read") == "1", FaceMatch: f.Get("face_match") == "1",
		Document: strings.TrimSpace(f.Get("document")), Note: strings.TrimSpace(f.Get("note"))}
	if !at.ChipRead {
		p.fail("chip_read", p.T("err.required.chip_read"))
	}
	if !at.FaceMatch {
		p.fail("face_match", p.T("err.required.face_match"))
	}
	if at.Document == "" {
		p.fail("document", p.T("err.required.document"))
	}
	if len(p.Form.Summary) == 0 {
		_, err := u.svc.EID.UpgradeLevel2(r.Context(), officerFrom(r).actor(r), id, at)
		if err == nil {
			u.flash(w, r, "flash.level2")
			redirect(w, r, "/officer/persons/"+id)
			return
		}
		// Outside the jurisdiction (or no such person) is the 404 of a
		// missing person; a person in it without an account is a form
		// error. The service tells them apart only by its message.
		if apperr.Is(err, apperr.NotFound) && apperr.FieldOf(err) == "id_number" && !strings.Contains(err.Error(), "no e-ID account") {
			u.renderError(w, r, http.StatusNotFound, "err.not_found")
			return
		}
		p.failErr(err, "document", "note")
	}
	u.render(w, r, http.StatusUnprocessableEntity, "level2", p)
}
