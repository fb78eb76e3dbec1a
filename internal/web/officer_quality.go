package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/quality"
	"github.com/dancu-vn/dancu/internal/register"
)

// officerQualityRoutes registers the data-quality review queue.
func (u *UI) officerQualityRoutes(page, post route) {
	page("GET /officer/quality", u.officer(u.handleQualityQueue))
	page("GET /officer/quality/{id}", u.officer(u.handleQualityFlag))
	post("POST /officer/quality/{id}/{act}", u.officer(u.handleQualityAct))
}

// qualityQueuePage is the queue with the communes' scores above it.
type qualityQueuePage struct {
	Page
	Rules     []string
	Summaries []quality.Summary
	Flags     []*quality.Flag
	NextURL   string
}

const qualityPageSize = 50

// handleQualityQueue answers GET /officer/quality?rule=&status=&cursor=:
// the flags in the officer's jurisdiction (each person listed is logged
// by the service), with the communes' completeness at the last scan.
func (u *UI) handleQualityQueue(w http.ResponseWriter, r *http.Request) {
	o := officerFrom(r)
	p := &qualityQueuePage{Page: u.page(w, r, "officer", "title.quality"), Rules: quality.Rules}
	q := r.URL.Query()
	p.Form.Values = q
	status := q.Get("status")
	if status == "" && !q.Has("status") {
		status = string(quality.Open)
		p.Form.Values = url.Values{"status": {status}, "rule": {q.Get("rule")}}
	}
	flags, err := u.svc.Quality.List(r.Context(), o.actor(r), quality.Filter{Rule: q.Get("rule"), Status: quality.Status(status),
		After: q.Get("cursor"), Limit: qualityPageSize})
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	p.Flags = flags
	if len(flags) == qualityPageSize {
		next := url.Values{"rule": {q.Get("rule")}, "status": {status}, "cursor": {flags[len(flags)-1].ID}}
		p.NextURL = "/officer/quality?" + next.Encode()
	}
	if p.Summaries, err = u.svc.Quality.Summaries(r.Context(), o.actor(r), ""); err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "officer_quality", p)
}

// qualityFlagPage is one flag with the record(s) it is about.
type qualityFlagPage struct {
	Page
	Flag          *quality.Flag
	Person, Other *register.Person // nil: outside the officer's jurisdiction
	Rows          []factRow
	CanWrite      bool
}

// factRow is one fact of the record(s), side by side.
type factRow struct {
	Label  string // catalogue key
	A, B   string
	Differ bool // both records hold it, with different values
}

// facts lays out the facts that the rules and the record linkage look at.
func (p *qualityFlagPage) facts() {
	out := p.T("quality.outside")
	get := func(x *register.Person, f func(*register.Person) string) string {
		if x == nil {
			return out
		}
		return f(x)
	}
	residence := func(x *register.Person) string {
		if x.Permanent == nil {
			return ""
		}
		return x.Permanent.Address + ", " + unitName(x.Permanent.Commune)
	}
	for _, f := range []struct {
		label string
		value func(*register.Person) string
	}{
		{"label.full_name", func(x *register.Person) string { return x.FullName }},
		{"label.gender", func(x *register.Person) string { return p.T("gender." + string(x.Gender)) }},
		{"label.birth_date", func(x *register.Person) string { return p.Date(x.BirthDate) }},
		{"label.birth_place", func(x *register.Person) string { return x.BirthPlace }},
		{"label.hometown", func(x *register.Person) string { return x.Hometown }},
		{"label.ethnicity", func(x *register.Person) string { return funcs["ethnicity"].(func(string) string)(x.Ethnicity) }},
		{"label.father", func(x *register.Person) string { return x.FatherID }},
		{"label.mother", func(x *register.Person) string { return x.MotherID }},
		{"label.permanent", residence},
		{"label.household_id", func(x *register.Person) string { return x.HouseholdID }},
		{"label.status", func(x *register.Person) string { return p.T("status." + string(x.Status)) }},
	} {
		row := factRow{Label: f.label, A: get(p.Person, f.value), B: get(p.Other, f.value)}
		row.Differ = p.Flag.OtherID != "" && p.Person != nil && p.Other != nil && row.A != "" && row.B != "" && row.A != row.B
		p.Rows = append(p.Rows, row)
	}
}

// handleQualityFlag answers GET /officer/quality/{id}: the flag, the
// record (two side by side for a duplicate, each read through the
// register: its jurisdiction and access log) and the review forms.
func (u *UI) handleQualityFlag(w http.ResponseWriter, r *http.Request) {
	if p, ok := u.qualityFlag(w, r); ok {
		u.render(w, r, http.StatusOK, "officer_quality_flag", p)
	}
}

func (u *UI) qualityFlag(w http.ResponseWriter, r *http.Request) (*qualityFlagPage, bool) {
	o := officerFrom(r)
	a := o.actor(r)
	f, err := u.svc.Quality.Get(r.Context(), a, r.PathValue("id"))
	if err != nil {
		u.renderServiceError(w, r, err)
		return nil, false
	}
	p := &qualityFlagPage{Page: u.page(w, r, "officer", "title.quality_flag"), Flag: f, CanWrite: a.CanWrite()}
	p.Title = p.T("quality.rule." + f.Rule)
	for _, side := range []struct {
		id  string
		out **register.Person
	}{{f.PersonID, &p.Person}, {f.OtherID, &p.Other}} {
		if side.id == "" {
			continue
		}
		person, err := u.svc.Register.Get(r.Context(), a, side.id)
		switch {
		case err == nil:
			*side.out = person
		case apperr.Code(err) != apperr.NotFound:
			u.renderServiceError(w, r, err)
			return nil, false
		}
	}
	p.facts()
	return p, true
}

// handleQualityAct answers POST /officer/quality/{id}/{dismiss|reopen|recheck}.
func (u *UI) handleQualityAct(w http.ResponseWriter, r *http.Request) {
	a := officerFrom(r).actor(r)
	id, act := r.PathValue("id"), r.PathValue("act")
	var err error
	var f *quality.Flag
	switch act {
	case "dismiss":
		f, err = u.svc.Quality.Dismiss(r.Context(), a, id, r.PostForm.Get("note"))
	case "reopen":
		f, err = u.svc.Quality.Reopen(r.Context(), a, id)
	case "recheck":
		f, err = u.svc.Quality.Recheck(r.Context(), a, id)
	case "merge":
		f, err = u.mergeFlag(r, a, id)
	default:
		u.handleNotFound(w, r)
		return
	}
	switch apperr.Code(err) {
	case "":
	case apperr.Invalid, apperr.InvalidDate, apperr.Conflict:
		p, ok := u.qualityFlag(w, r)
		if !ok {
			return
		}
		p.failErr(err, append([]string{"note", "keep"}, legalFields...)...)
		status := http.StatusUnprocessableEntity
		if apperr.Code(err) == apperr.Conflict {
			status = http.StatusConflict
		}
		u.render(w, r, status, "officer_quality_flag", p)
		return
	default:
		u.renderServiceError(w, r, err)
		return
	}
	key := "flash.quality_" + act
	if act == "recheck" && f.Status == quality.Open {
		key = "flash.quality_still_open"
	}
	u.flash(w, r, key)
	to := "/officer/quality/" + url.PathEscape(id)
	if act == "merge" {
		to = "/officer/persons/" + url.PathEscape(r.PostForm.Get("keep"))
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// mergeFlag merges the two records of a duplicate flag through the
// register (a merge event on both, with its legal basis), keeping the one
// chosen, then rechecks the flag, which the merge resolves.
func (u *UI) mergeFlag(r *http.Request, a auth.Actor, id string) (*quality.Flag, error) {
	f, err := u.svc.Quality.Get(r.Context(), a, id)
	if err != nil {
		return nil, err
	}
	keep := r.PostForm.Get("keep")
	retire := f.OtherID
	switch {
	case f.Rule != quality.RulePossibleDuplicate:
		return nil, apperr.E(apperr.Invalid, "only a possible duplicate can be merged")
	case keep == f.OtherID:
		retire = f.PersonID
	case keep != f.PersonID:
		return nil, apperr.Field(apperr.Invalid, "keep", "choose the record to keep")
	}
	pl, _ := json.Marshal(map[string]string{"retired": retire})
	_, err = u.svc.Register.RecordEvent(r.Context(), a, keep, register.EventRequest{Kind: register.KindMerge,
		EffectiveDate: register.Date(strings.TrimSpace(r.PostForm.Get("effective_date"))), Legal: legalBasis(r.PostForm), Payload: pl})
	if err != nil {
		if apperr.FieldOf(err) == "payload.retired" {
			err = apperr.Field(apperr.Code(err), "keep", "%s", apperr.Message(err))
		}
		return nil, err
	}
	return u.svc.Quality.Recheck(r.Context(), a, id)
}
