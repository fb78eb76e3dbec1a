package web

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/units"
)

// searchPage is the officer's search form and its results.
type searchPage struct {
	Page
	Communes []units.Unit // communes of the officer's jurisdiction, for the select
	Results  []*register.Person
	Searched bool
	// NextURL is the next page of results, when this one is full.
	NextURL string
}

// searchPageSize is the results per page.
const searchPageSize = 50

// communesFor returns the communes an officer may search in: his own, his
// province's, or none (a central officer types a code).
func communesFor(o *auth.Officer) []units.Unit {
	today := time.Now().UTC().Format(time.DateOnly)
	switch o.UnitLevel {
	case auth.LevelCommune:
		if u, ok := units.Find(o.UnitCode, units.Commune, today); ok {
			return []units.Unit{u}
		}
	case auth.LevelProvince:
		return units.CommunesOf(o.UnitCode, today)
	}
	return nil
}

// handleOfficerSearch answers GET /officer/?name=&birth_year=&commune=:
// persons in the officer's jurisdiction, found with or without
// diacritics. Each person listed is written to the access log, as through
// the API.
func (u *UI) handleOfficerSearch(w http.ResponseWriter, r *http.Request) {
	o := officerFrom(r)
	p := &searchPage{Page: u.page(w, r, "officer", "title.officer_search"), Communes: communesFor(o.officer)}
	q := r.URL.Query()
	p.Form.Values = q
	if q.Get("name") == "" && q.Get("birth_year") == "" && q.Get("commune") == "" {
		u.render(w, r, http.StatusOK, "officer_search", p)
		return
	}
	f := register.Filter{NameKey: register.NameKey(q.Get("name")), Commune: strings.TrimSpace(q.Get("commune")), Limit: searchPageSize}
	if v := q.Get("after"); v != "" {
		raw, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil {
			u.renderError(w, r, http.StatusBadRequest, "err.request")
			return
		}
		f.After = string(raw)
	}
	if v := strings.TrimSpace(q.Get("birth_year")); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 1800 || y > 2399 {
			p.fail("birth_year", p.T("err.birth_year"))
			u.render(w, r, http.StatusUnprocessableEntity, "officer_search", p)
			return
		}
		f.BirthYear = y
	}
	res, err := u.svc.Register.Search(r.Context(), o.actor(r), f)
	if err != nil {
		if apperr.Code(err) == apperr.Forbidden {
			u.renderServiceError(w, r, err)
			return
		}
		p.failErr(err, "name", "birth_year", "commune")
		u.render(w, r, http.StatusUnprocessableEntity, "officer_search", p)
		return
	}
	p.Results, p.Searched = res, true
	if len(res) == searchPageSize {
		last := res[len(res)-1]
		next := url.Values{}
		for _, k := range []string{"name", "birth_year", "commune"} {
			if v := q.Get(k); v != "" {
				next.Set(k, v)
			}
		}
		next.Set("after", base64.RawURLEncoding.EncodeToString([]byte(register.NameKey(last.FullName)+"\x00"+last.IDNumber)))
		p.NextURL = "/officer/?" + next.Encode()
	}
	u.render(w, r, http.StatusOK, "officer_search", p)
}

// personPage is a person with his timeline, as of a date.
type personPage struct {
	Page
	IDNumber string
	Person   *register.Person // as of AsOf, or now
	Current  *register.Person
	Events   []register.Event // every event, oldest first
	AsOf     register.Date
	Account  *eid.Account // the e-ID account, if any
	CanWrite bool
	Kinds    []string // events the officer can record here
}

// eventKinds are the events the console records, in its menu order.
var eventKinds = []string{"name_change", "residence_change", "marriage", "divorce", "death", "correction"}

// handlePerson answers GET /officer/persons/{id}?as_of=YYYY-MM-DD: the
// record as of a date (or now), with the timeline of every event. It
// reads through Register.History: one access-log entry, and outside the
// officer's jurisdiction the same 404 as for a missing person.
func (u *UI) handlePerson(w http.ResponseWriter, r *http.Request) {
	o := officerFrom(r)
	id := r.PathValue("id")
	if _, err := idnum.Parse(id); err != nil {
		u.renderError(w, r, http.StatusNotFound, "err.not_found")
		return
	}
	p := &personPage{Page: u.page(w, r, "officer", "title.person"), IDNumber: id, Kinds: eventKinds}
	asOf := strings.TrimSpace(r.URL.Query().Get("as_of"))
	p.Form.Values = r.URL.Query()
	if asOf != "" {
		if _, err := register.ParseFullDate("as_of", asOf); err != nil {
			p.fail("as_of", p.T("err.invalid_date"))
			asOf = ""
		}
	}
	current, events, err := u.svc.Register.History(r.Context(), o.actor(r), id, "", time.Time{})
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	p.Current, p.Person, p.Events, p.AsOf = current, current, events, register.Date(asOf)
	if asOf != "" {
		// The same Apply as the register's own history, over the events
		// already read: no second read of the record.
		at, _, err := register.Replay(events, asOf, time.Time{})
		if err != nil {
			u.renderServiceError(w, r, err)
			return
		}
		p.Person = at
	}
	p.Title = current.FullName
	p.CanWrite = o.actor(r).CanWrite() && current.Status == register.Living
	if a, err := u.svc.EID.AccountByIDNumber(r.Context(), id); err == nil {
		p.Account = a
	}
	u.render(w, r, statusOf(p.Form.Summary), "person", p)
}

// handleOfficerHousehold answers GET /officer/households/{id}: a household
// in the officer's jurisdiction with its members (each read is logged).
func (u *UI) handleOfficerHousehold(w http.ResponseWriter, r *http.Request) {
	h, members, err := u.svc.Register.Household(r.Context(), officerFrom(r).actor(r), r.PathValue("id"))
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	p := &householdPage{Page: u.page(w, r, "officer", "title.household"), Household: h, Members: members}
	u.render(w, r, http.StatusOK, "household", p)
}

// EventText describes an event of the timeline for people.
func (p *Page) EventText(e register.Event) string {
	return p.T("event." + string(e.Kind))
}

// After reports whether an event took effect after the page's date (it
// is shown greyed as "not yet").
func (p *personPage) After(e register.Event) bool {
	return p.AsOf != "" && e.EffectiveDate.Earliest() > string(p.AsOf)
}
