// Package reconcile checks an agency's list of persons against the
// register, for the officers who clean the agencies' data with the
// register as reference (the "làm sạch" of Project 06). Unlike a
// partner's eKYC check, which answers only match or no match, the report
// gives an officer what the register holds for each fact that differs, a
// death, and the number that replaced a retired one: it is a read of each
// person listed, within the officer's jurisdiction, and each is
// access-logged. The comparison itself is eKYC's.
package reconcile

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/ekyc"
	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/register"
)

// MaxRows bounds one list: a request's worth of reads (larger lists are
// sent in parts).
const MaxRows = 10_000

// Row is one person of the list, as the agency holds him.
type Row struct {
	Line      int // in the file, for the report
	RecordID  string
	IDNumber  string
	FullName  string // "" when the list has no such column or cell
	BirthDate string // ISO, possibly partial
	Gender    string // male or female
	Problem   string // why the row cannot be checked ("" if it can)
}

// Outcomes of a row.
const (
	Match    = "match"     // every fact given agrees
	Differs  = "differs"   // a fact given differs: Fields names them
	NotFound = "not_found" // no such number in the register (or not in the officer's jurisdiction)
	Retired  = "retired"   // the number was retired when its record was merged into KeptID
	Invalid  = "invalid"   // the row cannot be checked: Message says why
)

// Result is one row's answer. Register* hold the register's value of each
// fact that differs, so that the agency can correct its record.
type Result struct {
	Row
	Outcome           string
	Fields            []string // the facts that differ
	Status            string   // living, dead or missing
	DeathDate         string
	KeptID            string
	RegisterFullName  string
	RegisterBirthDate string
	RegisterGender    string
	Message           string
}

// People reads records by ID number, many at once.
type People interface {
	// Persons returns the records of the ID numbers that exist.
	Persons(ctx context.Context, ids []string) (map[string]*register.Person, error)
}

// Recorder appends access-log entries.
type Recorder interface {
	Record(ctx context.Context, entries ...accesslog.Entry) error
}

// Service reconciles lists.
type Service struct {
	People People
	Log    Recorder
	Now    func() time.Time
}

// ActionReconcile is the access-log action of a row read.
const ActionReconcile = "reconcile"

// Reconcile checks rows for an officer who may read person data; the
// entries of every person read (or refused) are durable before it
// returns.
func (s *Service) Reconcile(ctx context.Context, a auth.Actor, rows []Row) ([]Result, error) {
	if !a.CanRead() {
		return nil, apperr.E(apperr.Forbidden, "this role does not read person data")
	}
	if len(rows) > MaxRows {
		return nil, apperr.E(apperr.Invalid, "a list holds at most %d rows: send it in parts", MaxRows)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	today := register.Today(now())
	rows = slices.Clone(rows)
	var ids []string
	for i, row := range rows {
		if row.Problem != "" {
			continue
		}
		if _, err := idnum.Parse(row.IDNumber); err != nil {
			rows[i].Problem = "id_number is not a valid 12-digit personal identification number"
			continue
		}
		ids = append(ids, row.IDNumber)
	}
	found, err := s.People.Persons(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Result, len(rows))
	var entries []accesslog.Entry
	for i, row := range rows {
		res, outcome := check(a, row, found[row.IDNumber], today)
		out[i] = res
		if outcome != "" {
			entries = append(entries, accesslog.Entry{At: now().UTC(), Actor: a.ID, ActorRole: a.Role, Org: a.Org, Unit: a.UnitCode,
				Purpose: a.Purpose, LegalBasis: a.Legal, Subject: row.IDNumber, Action: ActionReconcile,
				Fields: strings.Join(row.fields(), ","), Outcome: outcome, RequestID: a.RequestID})
		}
	}
	if len(entries) > 0 && s.Log != nil {
		if err := s.Log.Record(ctx, entries...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// check answers one row (its number checked) against its record (nil:
// none) and says how the read is logged ("" for none: an invalid row
// reads nothing).
func check(a auth.Actor, row Row, p *register.Person, today string) (Result, string) {
	res := Result{Row: row}
	if row.Problem != "" {
		res.Outcome, res.Message = Invalid, row.Problem
		return res, ""
	}
	switch {
	case p == nil:
		res.Outcome = NotFound
		return res, accesslog.OutcomeNotFound
	case !register.InJurisdiction(a, p):
		res.Outcome = NotFound // exactly as a missing person
		return res, accesslog.OutcomeDenied
	case p.MergedInto != "":
		res.Outcome, res.KeptID = Retired, p.MergedInto
		return res, accesslog.OutcomeOK
	}
	v := ekyc.CompareAt(row.request(), p, "", today)
	res.Status = string(p.Status)
	if p.Status == register.Dead {
		res.DeathDate = string(p.DeathDate)
	}
	res.Outcome = Match
	for _, f := range row.fields() {
		switch v.Attributes[f] {
		case ekyc.Match, ekyc.PartialMatch:
			continue
		}
		res.Outcome = Differs
		res.Fields = append(res.Fields, f)
		switch f {
		case "full_name":
			res.RegisterFullName = p.FullName
		case "birth_date":
			res.RegisterBirthDate = string(p.BirthDate)
		case "gender":
			res.RegisterGender = string(p.Gender)
		}
	}
	return res, accesslog.OutcomeOK
}

// fields are the facts a row gives besides its number.
func (r Row) fields() []string {
	var f []string
	for _, x := range []struct{ name, v string }{{"full_name", r.FullName}, {"birth_date", r.BirthDate}, {"gender", r.Gender}} {
		if x.v != "" {
			f = append(f, x.name)
		}
	}
	return f
}

// request is the row as eKYC compares it.
func (r Row) request() ekyc.Request {
	q := ekyc.Request{IDNumber: r.IDNumber}
	set := func(v string) *string {
		if v == "" {
			return nil
		}
		return &v
	}
	q.FullName, q.BirthDate, q.Gender = set(r.FullName), set(r.BirthDate), set(r.Gender)
	return q
}

// Outcomes lists the outcomes, for documentation and reports.
var Outcomes = []string{Match, Differs, NotFound, Retired, Invalid}
