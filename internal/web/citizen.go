package web

import (
	"net/http"
	"slices"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/register"
)

// appHomePage is the citizen's start page.
type appHomePage struct {
	Page
	Account *eid.Account
}

// handleAppHome answers GET /app/: what the app offers.
func (u *UI) handleAppHome(w http.ResponseWriter, r *http.Request) {
	p := &appHomePage{Page: u.page(w, r, "app", "title.app"), Account: citizenFrom(r).account}
	u.render(w, r, http.StatusOK, "app_home", p)
}

// recordPage is the citizen's own register record.
type recordPage struct {
	Page
	Person *register.Person
}

// handleRecord answers GET /app/record: the citizen's own record, read for
// the subject himself (register.ForSubject): no access-log entry, since
// the log records accesses by anyone but the subject.
func (u *UI) handleRecord(w http.ResponseWriter, r *http.Request) {
	person, err := u.svc.Register.ForSubject(r.Context(), citizenFrom(r).account.IDNumber)
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	p := &recordPage{Page: u.page(w, r, "app", "title.record"), Person: person}
	u.render(w, r, http.StatusOK, "record", p)
}

// householdPage is the citizen's household.
type householdPage struct {
	Page
	Household *register.Household
	Members   []register.Member
	Self      string // the viewer's ID number, for a citizen
}

// handleHousehold answers GET /app/household. The other members' rows are
// their data: reading them is logged in their access logs.
func (u *UI) handleHousehold(w http.ResponseWriter, r *http.Request) {
	c := citizenFrom(r)
	p := &householdPage{Page: u.page(w, r, "app", "title.household"), Self: c.account.IDNumber}
	h, members, err := u.svc.Register.SubjectHousehold(r.Context(), c.actor(r), c.account.IDNumber)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		u.renderServiceError(w, r, err)
		return
	}
	p.Household, p.Members = h, members
	u.render(w, r, http.StatusOK, "household", p)
}

// notification is one thing that happened to the citizen's data.
type notification struct {
	At   time.Time
	Text string
	Link string
}

// notificationsPage lists recent changes.
type notificationsPage struct {
	Page
	Items []notification
}

// maxNotifications bounds the list.
const maxNotifications = 30

// handleNotifications answers GET /app/notifications: the recent events
// of the citizen's record and the status changes of his documents,
// newest first.
func (u *UI) handleNotifications(w http.ResponseWriter, r *http.Request) {
	c := citizenFrom(r)
	p := &notificationsPage{Page: u.page(w, r, "app", "title.notifications")}
	events, err := u.svc.Register.SubjectEvents(r.Context(), c.account.IDNumber)
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	for _, e := range events {
		p.Items = append(p.Items, notification{At: e.RecordedAt, Link: "/app/record",
			Text: p.T("notify.event", p.T("event."+string(e.Kind)), p.Date(e.EffectiveDate))})
	}
	if u.svc.Documents != nil {
		docs, err := u.svc.Documents.MyDocuments(r.Context(), c.account.IDNumber)
		if err != nil {
			u.renderServiceError(w, r, err)
			return
		}
		for _, d := range docs {
			evs, err := u.svc.Documents.Store.DocumentStatusEvents(r.Context(), d.ID)
			if err != nil {
				u.renderServiceError(w, r, err)
				return
			}
			p.Items = append(p.Items, notification{At: d.UpdatedAt, Link: "/app/documents/" + d.ID,
				Text: p.T("notify.document", docName(&p.Page, d.VCT), d.Version)})
			for _, e := range evs {
				p.Items = append(p.Items, notification{At: e.At, Link: "/app/documents/" + d.ID,
					Text: p.T("notify.document_status", docName(&p.Page, d.VCT), p.T("doc.status."+string(e.Status)))})
			}
		}
	}
	dossiers, err := u.portalNotifications(r, &p.Page) // portal_dossiers.go
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	p.Items = append(p.Items, dossiers...)
	slices.SortStableFunc(p.Items, func(a, b notification) int { return b.At.Compare(a.At) })
	if len(p.Items) > maxNotifications {
		p.Items = p.Items[:maxNotifications]
	}
	u.render(w, r, http.StatusOK, "notifications", p)
}
