// Package residence is residence declaration (khai báo lưu trú):
// accommodation businesses register their establishments and declare
// their guests' stays — check-in and check-out — with each Vietnamese
// guest's identity checked against the register (and every check logged)
// or a foreign guest's passport data; police read the declarations of
// their area by date. It knows nothing of SQL or HTTP.
package residence

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/ekyc"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/units"
)

// Access-log actions of residence declarations.
const (
	ActionGuestCheck = "residence.guest_check" // a guest's identity checked against the register
	ActionRead       = "residence.read"        // police read a guest's declared stay
)

// Establishment kinds.
var kinds = map[string]bool{"hotel": true, "guesthouse": true, "homestay": true, "dormitory": true, "host": true, "other": true}

// Establishment is a place that hosts guests (cơ sở lưu trú).
type Establishment struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"organisation_id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"` // hotel, guesthouse, homestay, dormitory, host, other
	Commune   string    `json:"commune"`
	Province  string    `json:"province"`
	Address   string    `json:"address"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks and normalises an establishment; the commune must be
// valid on today's date.
func (e *Establishment) Validate(today string) error {
	e.Name = strings.Join(strings.Fields(e.Name), " ")
	e.Address = strings.Join(strings.Fields(e.Address), " ")
	switch {
	case e.Name == "" || len([]rune(e.Name)) > 200:
		return apperr.Field(apperr.Invalid, "name", "the name is required (at most 200 characters)")
	case !kinds[e.Kind]:
		return apperr.Field(apperr.Invalid, "kind", "kind is hotel, guesthouse, homestay, dormitory, host or other")
	case e.Address == "" || len([]rune(e.Address)) > 300:
		return apperr.Field(apperr.Invalid, "address", "the address is required (at most 300 characters)")
	}
	u, ok := units.Find(e.Commune, units.Commune, today)
	if !ok {
		return apperr.Field(apperr.InvalidUnit, "commune", "%q is not a commune code valid today", e.Commune)
	}
	e.Province = u.ProvinceCode
	return nil
}

// Guest kinds.
const (
	GuestCitizen = "citizen" // a Vietnamese citizen, checked against the register
	GuestForeign = "foreign" // a foreigner, by passport
)

// Guest is a guest's identity as declared.
type Guest struct {
	Kind        string `json:"kind"` // citizen or foreign
	IDNumber    string `json:"id_number,omitempty"`
	FullName    string `json:"full_name"`
	BirthDate   string `json:"birth_date"`
	Gender      string `json:"gender,omitempty"`
	Nationality string `json:"nationality,omitempty"` // ISO 3166 alpha-2, foreigners
	PassportNo  string `json:"passport_no,omitempty"`
	VisaNo      string `json:"visa_no,omitempty"`
}

// Verification results of a guest.
const (
	VerifiedMatch    = "match"     // the register confirms the ID number, name and birth date
	VerifiedNoMatch  = "no_match"  // the register holds other details, or the person is not living
	VerifiedNotFound = "not_found" // the ID number is not in the register
	VerifiedPassport = "passport"  // a foreigner: passport data, not checked against the register
)

// Stay is a declared stay of a guest at an establishment.
type Stay struct {
	ID              string     `json:"id"`
	EstablishmentID string     `json:"establishment_id"`
	OrgID           string     `json:"-"`
	Commune         string     `json:"commune"`
	Province        string     `json:"province"`
	Guest           Guest      `json:"guest"`
	Room            string     `json:"room,omitempty"`
	Verification    string     `json:"verification"`
	Flagged         bool       `json:"flagged"` // the guest could not be confirmed: police should look
	CheckIn         time.Time  `json:"check_in"`
	CheckOut        *time.Time `json:"check_out,omitempty"`
	DeclaredBy      string     `json:"declared_by"`
	CreatedAt       time.Time  `json:"created_at"`
	// Establishment is where the guest stays, in the police's view.
	Establishment *Establishment `json:"establishment,omitempty"`
}

// Filter selects stays for police, or for the establishment's own view.
// Jurisdiction is applied by the service from the actor.
type Filter struct {
	Commune, Province string
	EstablishmentID   string
	OrgID             string
	Date              string // YYYY-MM-DD: stays present that day (Viet Nam time)
	From, To          time.Time
	FlaggedOnly       bool
	Limit             int
}

// Store is the storage residence declarations need.
type Store interface {
	CreateEstablishment(ctx context.Context, e *Establishment) error
	Establishment(ctx context.Context, id string) (*Establishment, error)
	Establishments(ctx context.Context, orgID string) ([]*Establishment, error)
	AddStays(ctx context.Context, stays []*Stay) error
	Stay(ctx context.Context, id string) (*Stay, error)
	// CheckOut sets a stay's check-out; not_found unless the stay is the
	// organisation's, conflict if it was checked out already.
	CheckOut(ctx context.Context, orgID, id string, at time.Time) error
	Stays(ctx context.Context, f Filter) ([]*Stay, error)
}

// Facts reads the register's facts for guests' ID numbers (package ekyc's
// store).
type Facts interface {
	VerifyFacts(ctx context.Context, ids []string) (map[string]*ekyc.Facts, error)
}

// Recorder appends access-log entries.
type Recorder interface {
	Record(ctx context.Context, entries ...accesslog.Entry) error
}

// Service enforces the rules of residence declarations.
type Service struct {
	Store Store
	Facts Facts
	Log   Recorder
	Now   func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func newID(prefix string) string {
	b := make([]byte, 9)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// orgOf requires a partner acting for an organisation.
func orgOf(a auth.Actor) (string, error) {
	if a.Org == "" {
		return "", apperr.E(apperr.Forbidden, "only a client of an organisation declares stays")
	}
	return a.Org, nil
}

// CreateEstablishment registers an establishment of the caller's
// organisation.
func (s *Service) CreateEstablishment(ctx context.Context, a auth.Actor, e Establishment) (*Establishment, error) {
	org, err := orgOf(a)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if err := e.Validate(register.Today(now)); err != nil {
		return nil, err
	}
	e.ID, e.OrgID, e.CreatedBy, e.CreatedAt = newID("est_"), org, a.ID, now
	if err := s.Store.CreateEstablishment(ctx, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// Establishments lists the caller's organisation's establishments.
func (s *Service) Establishments(ctx context.Context, a auth.Actor) ([]*Establishment, error) {
	org, err := orgOf(a)
	if err != nil {
		return nil, err
	}
	return s.Store.Establishments(ctx, org)
}

// establishment returns one of the organisation's establishments.
func (s *Service) establishment(ctx context.Context, a auth.Actor, id string) (*Establishment, error) {
	org, err := orgOf(a)
	if err != nil {
		return nil, err
	}
	e, err := s.Store.Establishment(ctx, id)
	if err != nil || e.OrgID != org {
		return nil, apperr.Field(apperr.NotFound, "establishment_id", "no establishment %q of your organisation", id)
	}
	return e, nil
}

// CheckInRequest declares a guest's arrival.
type CheckInRequest struct {
	Guest   Guest     `json:"guest"`
	Room    string    `json:"room"`
	CheckIn time.Time `json:"check_in"` // default: now
}

// check validates a request's shape and returns the field at fault.
func (r *CheckInRequest) check(now time.Time) error {
	g := &r.Guest
	g.FullName = strings.Join(strings.Fields(g.FullName), " ")
	r.Room = strings.TrimSpace(r.Room)
	if r.CheckIn.IsZero() {
		r.CheckIn = now
	}
	if r.CheckIn.After(now.Add(time.Hour)) {
		return apperr.Field(apperr.InvalidDate, "check_in", "the check-in is in the future")
	}
	if g.FullName == "" || len([]rune(g.FullName)) > 100 {
		return apperr.Field(apperr.Invalid, "guest.full_name", "the guest's full name is required")
	}
	if _, err := register.ParseDate("guest.birth_date", g.BirthDate); err != nil {
		return err
	}
	switch g.Kind {
	case GuestCitizen:
		if f, _ := (ekyc.Request{IDNumber: g.IDNumber, FullName: &g.FullName}).Check(); f != "" {
			return apperr.Field(apperr.InvalidIDNumber, "guest.id_number", "%q is not a valid personal ID number", g.IDNumber)
		}
	case GuestForeign:
		g.PassportNo = strings.ToUpper(strings.TrimSpace(g.PassportNo))
		g.Nationality = strings.ToUpper(strings.TrimSpace(g.Nationality))
		if g.PassportNo == "" || len(g.PassportNo) > 20 {
			return apperr.Field(apperr.Invalid, "guest.passport_no", "a foreign guest's passport number is required")
		}
		if len(g.Nationality) != 2 || g.Nationality == "VN" {
			return apperr.Field(apperr.Invalid, "guest.nationality", "a foreign guest's nationality is an ISO 3166 two-letter code other than VN")
		}
		g.IDNumber = ""
	default:
		return apperr.Field(apperr.Invalid, "guest.kind", "guest.kind is citizen or foreign")
	}
	return nil
}

// CheckIn declares one guest's arrival at an establishment.
func (s *Service) CheckIn(ctx context.Context, a auth.Actor, estID string, r CheckInRequest) (*Stay, error) {
	e, err := s.establishment(ctx, a, estID)
	if err != nil {
		return nil, err
	}
	if err := r.check(s.now()); err != nil {
		return nil, err
	}
	stays, err := s.declare(ctx, a, e, []CheckInRequest{r})
	if err != nil {
		return nil, err
	}
	return stays[0], nil
}

// declare checks the guests against the register (one read, one batch of
// access-log entries written before anything is stored) and stores the
// stays, flagging those the register does not confirm.
func (s *Service) declare(ctx context.Context, a auth.Actor, e *Establishment, reqs []CheckInRequest) ([]*Stay, error) {
	var ids []string
	for _, r := range reqs {
		if r.Guest.Kind == GuestCitizen {
			ids = append(ids, r.Guest.IDNumber)
		}
	}
	facts, err := s.Facts.VerifyFacts(ctx, ids)
	if err != nil {
		return nil, err
	}
	now := s.now()
	stays := make([]*Stay, len(reqs))
	var entries []accesslog.Entry
	for i, r := range reqs {
		st := &Stay{ID: newID("stay_"), EstablishmentID: e.ID, OrgID: e.OrgID, Commune: e.Commune, Province: e.Province,
			Guest: r.Guest, Room: r.Room, CheckIn: r.CheckIn.UTC(), DeclaredBy: a.ID, CreatedAt: now}
		if r.Guest.Kind == GuestForeign {
			st.Verification = VerifiedPassport
		} else {
			var p *register.Person
			if f := facts[r.Guest.IDNumber]; f != nil {
				p = &f.Person
			}
			name, birth := r.Guest.FullName, r.Guest.BirthDate
			res := ekyc.Compare(ekyc.Request{IDNumber: r.Guest.IDNumber, FullName: &name, BirthDate: &birth}, p, "")
			switch res.Overall {
			case ekyc.OverallMatch:
				st.Verification = VerifiedMatch
			case ekyc.OverallNotFound:
				st.Verification = VerifiedNotFound
			default:
				st.Verification = VerifiedNoMatch
			}
			entries = append(entries, accesslog.Entry{At: now, Actor: a.ID, ActorRole: a.Role, Org: a.Org,
				Purpose: orDefault(a.Purpose, "residence_declaration"), LegalBasis: orDefault(a.Legal, "Luật Cư trú 2020, Điều 30"),
				Subject: r.Guest.IDNumber, Action: ActionGuestCheck, Fields: "full_name,birth_date", Outcome: res.Overall,
				RequestID: a.RequestID})
		}
		st.Flagged = st.Verification == VerifiedNoMatch || st.Verification == VerifiedNotFound
		stays[i] = st
	}
	if err := s.Log.Record(ctx, entries...); err != nil {
		return nil, err
	}
	if err := s.Store.AddStays(ctx, stays); err != nil {
		return nil, err
	}
	return stays, nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// CheckOut declares a guest's departure.
func (s *Service) CheckOut(ctx context.Context, a auth.Actor, stayID string, at time.Time) (*Stay, error) {
	org, err := orgOf(a)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if at.IsZero() {
		at = now
	}
	st, err := s.Store.Stay(ctx, stayID)
	if err != nil || st.OrgID != org {
		return nil, apperr.E(apperr.NotFound, "no stay %q of your organisation", stayID)
	}
	if at.Before(st.CheckIn) || at.After(now.Add(time.Hour)) {
		return nil, apperr.Field(apperr.InvalidDate, "check_out", "the check-out is before the check-in or in the future")
	}
	if err := s.Store.CheckOut(ctx, org, stayID, at.UTC()); err != nil {
		return nil, err
	}
	return s.Store.Stay(ctx, stayID)
}

// OwnStays lists an establishment's stays for its organisation.
func (s *Service) OwnStays(ctx context.Context, a auth.Actor, estID, date string) ([]*Stay, error) {
	e, err := s.establishment(ctx, a, estID)
	if err != nil {
		return nil, err
	}
	f := Filter{EstablishmentID: e.ID, OrgID: e.OrgID, Date: date, Limit: 1000}
	if err := f.window(); err != nil {
		return nil, err
	}
	return s.Store.Stays(ctx, f)
}

// window turns Date into the instants [From, To) of that day in Viet Nam.
func (f *Filter) window() error {
	if f.Date == "" {
		return nil
	}
	d, err := time.ParseInLocation("2006-01-02", f.Date, register.Vietnam)
	if err != nil {
		return apperr.Field(apperr.InvalidDate, "date", "date is YYYY-MM-DD")
	}
	f.From, f.To = d.UTC(), d.AddDate(0, 0, 1).UTC()
	return nil
}

// Declarations returns the stays of the officer's area present on a
// date: his commune or province, or a commune or province within it.
// Each guest shown is logged as read.
func (s *Service) Declarations(ctx context.Context, a auth.Actor, f Filter) ([]*Stay, error) {
	if !a.CanRead() {
		return nil, apperr.E(apperr.Forbidden, "your role (%s) may not read declarations", a.Role)
	}
	if f.Date == "" {
		f.Date = s.now().In(register.Vietnam).Format("2006-01-02")
	}
	if err := f.window(); err != nil {
		return nil, err
	}
	today := register.Today(s.now())
	if f.Commune != "" {
		u, ok := units.Find(f.Commune, units.Commune, today)
		if !ok {
			return nil, apperr.Field(apperr.InvalidUnit, "commune", "%q is not a commune code", f.Commune)
		}
		f.Province = ""
		if (a.UnitLevel == auth.LevelCommune && a.UnitCode != f.Commune) || (a.UnitLevel == auth.LevelProvince && a.UnitCode != u.ProvinceCode) {
			return nil, apperr.Field(apperr.NotFound, "commune", "no such area in your jurisdiction")
		}
	}
	switch a.UnitLevel {
	case auth.LevelCommune:
		f.Commune, f.Province = a.UnitCode, ""
	case auth.LevelProvince:
		if f.Province != "" && f.Province != a.UnitCode {
			return nil, apperr.Field(apperr.NotFound, "province", "no such area in your jurisdiction")
		}
		if f.Commune == "" {
			f.Province = a.UnitCode
		}
	case auth.LevelCentral:
		if f.Commune == "" && f.Province == "" {
			return nil, apperr.Field(apperr.Invalid, "province", "give a province or commune")
		}
	default:
		return nil, apperr.E(apperr.Forbidden, "no jurisdiction")
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	stays, err := s.Store.Stays(ctx, f)
	if err != nil {
		return nil, err
	}
	entries := make([]accesslog.Entry, len(stays))
	for i, st := range stays {
		subject := st.Guest.IDNumber
		if subject == "" {
			subject = "passport:" + st.Guest.Nationality + ":" + st.Guest.PassportNo
		}
		entries[i] = accesslog.Entry{At: s.now(), Actor: a.ID, ActorRole: a.Role, Unit: a.UnitCode,
			Purpose: a.Purpose, LegalBasis: a.Legal, Subject: subject, Action: ActionRead,
			Fields: "guest,stay:" + st.ID, Outcome: accesslog.OutcomeOK, RequestID: a.RequestID}
	}
	if err := s.Log.Record(ctx, entries...); err != nil {
		return nil, err
	}
	// Police see where each guest stays: the establishment's name and
	// address (a business's, not personal data).
	places := map[string]*Establishment{}
	for _, st := range stays {
		e, ok := places[st.EstablishmentID]
		if !ok {
			if e, err = s.Store.Establishment(ctx, st.EstablishmentID); err != nil && !apperr.Is(err, apperr.NotFound) {
				return nil, err
			}
			places[st.EstablishmentID] = e
		}
		st.Establishment = e
	}
	return stays, nil
}
