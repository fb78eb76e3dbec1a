package register

import (
	"context"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
)

// Store is the storage the register needs. Implementations keep the
// persons projection and the events in one transaction.
type Store interface {
	// Person returns the current record, or a not_found error.
	Person(ctx context.Context, id string) (*Person, error)
	// PersonEvents returns a person's events in order.
	PersonEvents(ctx context.Context, id string) ([]Event, error)
	// CommitChange atomically allocates the new ID numbers, writes households,
	// appends the events and writes the persons' new states. A person
	// whose stored version is not Version-1 makes it fail with conflict
	// (optimistic concurrency); an ID number already allocated makes it
	// fail with conflict on field "id_number".
	CommitChange(ctx context.Context, c *Change) error
	// SearchPersons returns persons matching f, ordered by name key and ID.
	SearchPersons(ctx context.Context, f Filter) ([]*Person, error)
	// Household returns a household and its members.
	Household(ctx context.Context, id string) (*Household, []Member, error)
}

// Change is what one act writes.
type Change struct {
	NewIDs     []string     // ID numbers to allocate (never reused)
	Households []*Household // households to insert or update
	Records    []Record
}

// Record is one event with the state it leads to.
type Record struct {
	Event  *Event
	Person *Person
}

// AccessLog records accesses; Record returns once they are durable.
type AccessLog interface {
	Record(ctx context.Context, entries ...accesslog.Entry) error
}

// Filter selects persons in a search. Jurisdiction is applied from the
// actor by the service, not taken from the caller.
type Filter struct {
	NameKey   string // prefix of whole words of the folded name
	BirthDate Date   // exact (possibly partial) birth date
	BirthYear int
	Commune   string // residence commune (permanent, temporary or current)
	Province  string
	Status    Status
	After     string // cursor: name_key + "\x00" + id_number of the last result
	Limit     int

	// Set by the service from the actor.
	ScopeCommune  string
	ScopeProvince string
}

// Service enforces the register's rules.
type Service struct {
	Store Store
	Log   AccessLog
	Now   func() time.Time
	// Rand returns a random int in [0, n), used for ID number serials.
	Rand func(n int) int
	// Accounts reports whether a person has an e-ID account (a merge
	// refuses to retire such a record); nil: not checked.
	Accounts func(ctx context.Context, idNumber string) (bool, error)
}

// Get returns a person the actor may see. A person outside the actor's
// jurisdiction is reported exactly as a missing one, and both are logged.
func (s *Service) Get(ctx context.Context, a auth.Actor, id string) (*Person, error) {
	if !a.CanRead() {
		return nil, s.deny(ctx, a, id, accesslog.ActionRead)
	}
	p, err := s.visible(ctx, a, id, accesslog.ActionRead)
	if err != nil {
		return nil, err
	}
	if err := s.log(ctx, a, accesslog.ActionRead, accesslog.OutcomeOK, "*", p.IDNumber); err != nil {
		return nil, err
	}
	return p, nil
}

// visible loads a person and checks jurisdiction, logging refusals.
func (s *Service) visible(ctx context.Context, a auth.Actor, id, action string) (*Person, error) {
	notFound := apperr.Field(apperr.NotFound, "id_number", "no person with this ID number in your jurisdiction")
	p, err := s.Store.Person(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		if err := s.log(ctx, a, action, accesslog.OutcomeNotFound, "", id); err != nil {
			return nil, err
		}
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	if !InJurisdiction(a, p) {
		if err := s.log(ctx, a, action, accesslog.OutcomeDenied, "", id); err != nil {
			return nil, err
		}
		return nil, notFound
	}
	return p, nil
}

func (s *Service) deny(ctx context.Context, a auth.Actor, id, action string) error {
	if err := s.log(ctx, a, action, accesslog.OutcomeDenied, "", id); err != nil {
		return err
	}
	return apperr.E(apperr.Forbidden, "your role (%s) may not do this", a.Role)
}

// InJurisdiction reports whether the actor's unit covers one of the
// person's residences: commune officers their commune, province officers
// their province, central officers everyone.
func InJurisdiction(a auth.Actor, p *Person) bool {
	switch a.UnitLevel {
	case auth.LevelCentral:
		return true
	case auth.LevelProvince:
		perm, temp, cur := p.Provinces()
		return a.UnitCode != "" && (perm == a.UnitCode || temp == a.UnitCode || cur == a.UnitCode)
	case auth.LevelCommune:
		perm, temp, cur := p.Communes()
		return a.UnitCode != "" && (perm == a.UnitCode || temp == a.UnitCode || cur == a.UnitCode)
	}
	return false
}

// Search finds persons in the actor's jurisdiction. Every person returned
// is logged as read by search.
func (s *Service) Search(ctx context.Context, a auth.Actor, f Filter) ([]*Person, error) {
	if !a.CanRead() {
		return nil, s.deny(ctx, a, "", accesslog.ActionSearch)
	}
	if f.NameKey == "" && f.BirthDate == "" && f.BirthYear == 0 && f.Commune == "" && f.Province == "" {
		return nil, apperr.Field(apperr.Invalid, "name", "give a name, birth date, birth year, commune or province to search by")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	switch a.UnitLevel {
	case auth.LevelCommune:
		f.ScopeCommune = a.UnitCode
	case auth.LevelProvince:
		f.ScopeProvince = a.UnitCode
	case auth.LevelCentral:
	default:
		return nil, apperr.E(apperr.Forbidden, "no jurisdiction")
	}
	ps, err := s.Store.SearchPersons(ctx, f)
	if err != nil {
		return nil, err
	}
	entries := make([]accesslog.Entry, len(ps))
	for i, p := range ps {
		entries[i] = s.entry(a, accesslog.ActionSearch, accesslog.OutcomeOK, "full_name,birth_date,gender,residence", p.IDNumber)
	}
	if err := s.Log.Record(ctx, entries...); err != nil {
		return nil, err
	}
	return ps, nil
}

// History returns a person as of a date (effective-date axis) and as known
// at an instant (recording axis), with the events that made it so.
func (s *Service) History(ctx context.Context, a auth.Actor, id string, asOf string, knownAt time.Time) (*Person, []Event, error) {
	if !a.CanRead() {
		return nil, nil, s.deny(ctx, a, id, accesslog.ActionHistory)
	}
	if _, err := s.visible(ctx, a, id, accesslog.ActionHistory); err != nil {
		return nil, nil, err
	}
	events, err := s.Store.PersonEvents(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	p, kept, err := Replay(events, asOf, knownAt)
	if err != nil {
		return nil, nil, err
	}
	if err := s.log(ctx, a, accesslog.ActionHistory, accesslog.OutcomeOK, "*", id); err != nil {
		return nil, nil, err
	}
	if p == nil {
		return nil, nil, apperr.E(apperr.NotFound, "the person was not registered at that date")
	}
	return p, kept, nil
}

// Household returns a household whose commune or province is in the
// actor's jurisdiction, logging a read of every member.
func (s *Service) Household(ctx context.Context, a auth.Actor, id string) (*Household, []Member, error) {
	if !a.CanRead() {
		return nil, nil, apperr.E(apperr.Forbidden, "your role (%s) may not read households", a.Role)
	}
	h, members, err := s.Store.Household(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	ok := a.UnitLevel == auth.LevelCentral ||
		(a.UnitLevel == auth.LevelProvince && h.Province == a.UnitCode) ||
		(a.UnitLevel == auth.LevelCommune && h.Commune == a.UnitCode)
	if !ok {
		return nil, nil, apperr.E(apperr.NotFound, "no household with this id in your jurisdiction")
	}
	entries := make([]accesslog.Entry, len(members))
	for i, m := range members {
		entries[i] = s.entry(a, accesslog.ActionHousehold, accesslog.OutcomeOK, "full_name,birth_date,relation_to_head,status", m.IDNumber)
	}
	if err := s.Log.Record(ctx, entries...); err != nil {
		return nil, nil, err
	}
	return h, members, nil
}

func (s *Service) entry(a auth.Actor, action, outcome, fields, subject string) accesslog.Entry {
	return accesslog.Entry{
		At: s.Now().UTC(), Actor: a.ID, ActorRole: a.Role, Org: a.Org, Unit: a.UnitCode,
		Purpose: a.Purpose, LegalBasis: a.Legal, Subject: subject, Action: action,
		Fields: fields, Outcome: outcome, RequestID: a.RequestID,
	}
}

func (s *Service) log(ctx context.Context, a auth.Actor, action, outcome, fields, subject string) error {
	return s.Log.Record(ctx, s.entry(a, action, outcome, fields, subject))
}
