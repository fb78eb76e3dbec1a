// Package quality keeps the register's data quality: rules every record
// is checked against, duplicate detection by record linkage, a
// completeness score per commune, and the review queue in which officers
// look at what the checks flagged. A scan checks every record of a
// province and brings the queue up to date: new findings are opened,
// findings that no longer hold (the record was corrected through an
// event) are resolved, and findings an officer dismissed stay dismissed.
// It knows nothing of SQL or HTTP: storage implements Store.
package quality

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/register"
)

// Status is where a flag is in the review queue.
type Status string

// Statuses: open until a scan finds the record corrected (resolved) or an
// officer judges it is not a fault (dismissed, with a note).
const (
	Open      Status = "open"
	Resolved  Status = "resolved"
	Dismissed Status = "dismissed"
)

// Flag is one finding: a rule a person's record breaks, or, for a possible
// duplicate, a pair of records (PersonID < OtherID).
type Flag struct {
	ID       string `json:"id"`
	Rule     string `json:"rule"`
	PersonID string `json:"person_id"`
	OtherID  string `json:"other_id,omitempty"`
	Score    int    `json:"score,omitempty"` // duplicates: the match score
	// Commune and Province place the flag for jurisdiction: the person's
	// residence (permanent, else temporary, else current); the other
	// record's for a duplicate.
	Commune       string    `json:"commune"`
	Province      string    `json:"province"`
	OtherCommune  string    `json:"other_commune,omitempty"`
	OtherProvince string    `json:"other_province,omitempty"`
	Status        Status    `json:"status"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	ReviewedBy    string    `json:"reviewed_by,omitempty"`
	Note          string    `json:"note,omitempty"`
}

// Summary is a commune's data quality at its last scan.
type Summary struct {
	Commune      string         `json:"commune"`
	Province     string         `json:"province"`
	Persons      int            `json:"persons"`
	Completeness float64        `json:"completeness"` // mean completeness score, percent
	Findings     map[string]int `json:"findings"`     // what the rules found, by rule (dismissed ones included)
	ScannedAt    time.Time      `json:"scanned_at"`
}

// Filter selects flags for the review queue, oldest first.
type Filter struct {
	// Jurisdiction: a commune or province code (either the flag's or the
	// other record's); empty for all.
	Commune, Province string
	Rule              string
	Status            Status
	Person            string // flags about one person
	After             string // cursor: the last flag id of the previous page
	Limit             int
}

// Scan is what a scan found, for the operator.
type Scan struct {
	Province  string         `json:"province"`
	Persons   int            `json:"persons"`
	Opened    int            `json:"opened"`
	Resolved  int            `json:"resolved"`
	Found     map[string]int `json:"found"` // findings by rule (dismissed ones included)
	Started   time.Time      `json:"started"`
	Finished  time.Time      `json:"finished"`
	Communes  int            `json:"communes"`
	Completes float64        `json:"completeness"`
}

// Store is the quality tables and the register's records, read in bulk.
type Store interface {
	// ScanPersons returns up to limit records of a province (its permanent
	// residents, and those with no permanent residence who live in it
	// temporarily or currently; "" for the whole register) with ID
	// numbers after after, in ID number order.
	ScanPersons(ctx context.Context, province, after string, limit int) ([]*register.Person, error)
	// DuplicateBlocks returns the records of a province that share their
	// folded name, gender and birth year with another, grouped so.
	DuplicateBlocks(ctx context.Context, province string) ([][]*register.Person, error)
	// SyncFlags brings the province's flags to found: inserts new ones,
	// resolves open ones not found, keeps dismissed ones; and replaces
	// the province's summaries.
	SyncFlags(ctx context.Context, province string, found []*Flag, sums []Summary, now time.Time) (opened, resolved int, err error)
	Flags(ctx context.Context, f Filter) ([]*Flag, error)
	Flag(ctx context.Context, id string) (*Flag, error)
	// UpdateFlag writes a reviewed flag if it is still in status from.
	UpdateFlag(ctx context.Context, f *Flag, from Status) error
	Summaries(ctx context.Context, province string) ([]Summary, error)
	Person(ctx context.Context, id string) (*register.Person, error)
	// RetiredNumbers returns the ID numbers of the records merged into
	// another.
	RetiredNumbers(ctx context.Context) (map[string]bool, error)
}

// Recorder appends access-log entries.
type Recorder interface {
	Record(ctx context.Context, entries ...accesslog.Entry) error
}

// Service runs scans and the review queue.
type Service struct {
	Store Store
	Log   Recorder
	Now   func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

func newID() string {
	b := make([]byte, 10)
	rand.Read(b)
	return "DQ-" + strings.ToUpper(hex.EncodeToString(b))
}

// place returns where a person lives for jurisdiction: the permanent
// residence, else the temporary, else the current one.
func place(p *register.Person) (commune, province string) {
	for _, r := range []*register.Residence{p.Permanent, p.Temporary, p.Current} {
		if r != nil && r.Commune != "" {
			return r.Commune, r.Province
		}
	}
	return "", ""
}

// scanPage is how many records a scan reads at a time.
const scanPage = 2000

// Scan checks every record of a province ("" for the whole register)
// and brings its flags and summaries up to date. The scan is the
// system's own processing, not an officer's reading: it is one
// access-log entry (action quality.scan, the province as unit) rather
// than one per record.
func (s *Service) Scan(ctx context.Context, province string) (*Scan, error) {
	now := s.now()
	today := register.Today(now)
	res := &Scan{Province: province, Started: now, Found: map[string]int{}}
	var found []*Flag
	sums := map[string]*Summary{}
	retired, err := s.Store.RetiredNumbers(ctx)
	if err != nil {
		return nil, apperr.Wrap(err, "retired numbers")
	}
	after := ""
	for {
		page, err := s.Store.ScanPersons(ctx, province, after, scanPage)
		if err != nil {
			return nil, apperr.Wrap(err, "scan persons")
		}
		for _, p := range page {
			rules, score := Check(p, today)
			if namesRetired(p, retired) {
				rules = append(rules, RuleRetiredReference)
			}
			commune, prov := place(p)
			res.Persons++
			sum := sums[commune]
			if sum == nil {
				sum = &Summary{Commune: commune, Province: prov, Findings: map[string]int{}, ScannedAt: now}
				sums[commune] = sum
			}
			sum.Persons++
			sum.Completeness += float64(score)
			for _, r := range rules {
				found = append(found, &Flag{Rule: r, PersonID: p.IDNumber, Commune: commune, Province: prov})
			}
		}
		if len(page) < scanPage {
			break
		}
		after = page[len(page)-1].IDNumber
	}
	blocks, err := s.Store.DuplicateBlocks(ctx, province)
	if err != nil {
		return nil, apperr.Wrap(err, "duplicate blocks")
	}
	found = append(found, duplicates(blocks)...)
	for _, f := range found {
		f.ID, f.Status, f.CreatedAt, f.UpdatedAt = newID(), Open, now, now
		res.Found[f.Rule]++
		if sum := sums[f.Commune]; sum != nil {
			sum.Findings[f.Rule]++
		}
	}
	var list []Summary
	for _, sum := range sums {
		sum.Completeness /= float64(sum.Persons)
		res.Completes += sum.Completeness * float64(sum.Persons)
		list = append(list, *sum)
	}
	if res.Persons > 0 {
		res.Completes /= float64(res.Persons)
	}
	res.Communes = len(list)
	if res.Opened, res.Resolved, err = s.Store.SyncFlags(ctx, province, found, list, now); err != nil {
		return nil, apperr.Wrap(err, "sync flags")
	}
	res.Finished = s.now()
	if s.Log != nil {
		if err := s.Log.Record(ctx, accesslog.Entry{At: now, Actor: "system:quality", ActorRole: "system", Unit: province,
			Purpose: "data_quality", Action: "quality.scan", Fields: "*", Outcome: "ok"}); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// duplicates scores every pair within each block and returns the pairs
// at or above the threshold as flags.
func duplicates(blocks [][]*register.Person) []*Flag {
	var out []*Flag
	for _, b := range blocks {
		for i := range b {
			for j := i + 1; j < len(b); j++ {
				x, y := b[i], b[j]
				if x.IDNumber > y.IDNumber {
					x, y = y, x
				}
				score := MatchScore(x, y)
				if score < DuplicateThreshold {
					continue
				}
				c1, p1 := place(x)
				c2, p2 := place(y)
				out = append(out, &Flag{Rule: RulePossibleDuplicate, PersonID: x.IDNumber, OtherID: y.IDNumber, Score: score,
					Commune: c1, Province: p1, OtherCommune: c2, OtherProvince: p2})
			}
		}
	}
	return out
}

// scope returns the filter an officer's jurisdiction allows.
func scope(a auth.Actor, f Filter) (Filter, error) {
	if !a.CanRead() {
		return f, apperr.E(apperr.Forbidden, "this role does not read person data")
	}
	switch a.UnitLevel {
	case auth.LevelCentral:
	case auth.LevelProvince:
		f.Province = a.UnitCode // a commune asked for must also be in it
	case auth.LevelCommune:
		f.Commune, f.Province = a.UnitCode, ""
	default:
		return f, apperr.E(apperr.Forbidden, "no jurisdiction")
	}
	return f, nil
}

// inJurisdiction reports whether an officer may see a flag: either record
// placed in his unit.
func inJurisdiction(a auth.Actor, f *Flag) bool {
	switch a.UnitLevel {
	case auth.LevelCentral:
		return true
	case auth.LevelProvince:
		return a.UnitCode != "" && (f.Province == a.UnitCode || f.OtherProvince == a.UnitCode)
	case auth.LevelCommune:
		return a.UnitCode != "" && (f.Commune == a.UnitCode || f.OtherCommune == a.UnitCode)
	}
	return false
}

// PageLimit is the page size List uses for a requested limit: 50 unless
// 1..200 is asked.
func PageLimit(n int) int {
	if n <= 0 || n > 200 {
		return 50
	}
	return n
}

// List returns the review queue in the officer's jurisdiction. The flags
// name persons (their ID numbers), so each person listed is an access-log
// entry, as a search result is.
func (s *Service) List(ctx context.Context, a auth.Actor, f Filter) ([]*Flag, error) {
	if f.Rule != "" && !KnownRule(f.Rule) {
		return nil, apperr.Field(apperr.Invalid, "rule", "unknown rule %q", f.Rule)
	}
	switch f.Status {
	case "", Open, Resolved, Dismissed:
	default:
		return nil, apperr.Field(apperr.Invalid, "status", "status must be open, resolved or dismissed")
	}
	f.Limit = PageLimit(f.Limit)
	f, err := scope(a, f)
	if err != nil {
		return nil, err
	}
	flags, err := s.Store.Flags(ctx, f)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var entries []accesslog.Entry
	for _, fl := range flags {
		for _, id := range []string{fl.PersonID, fl.OtherID} {
			if id != "" && !seen[id] {
				seen[id] = true
				entries = append(entries, s.entry(a, "quality.list", id, "ok"))
			}
		}
	}
	if err := s.record(ctx, entries...); err != nil {
		return nil, err
	}
	return flags, nil
}

// Get returns one flag in the officer's jurisdiction; outside it, or
// missing, is not_found (and logged as denied).
func (s *Service) Get(ctx context.Context, a auth.Actor, id string) (*Flag, error) {
	if _, err := scope(a, Filter{}); err != nil {
		return nil, err
	}
	f, err := s.Store.Flag(ctx, id)
	if err == nil && !inJurisdiction(a, f) {
		if err := s.record(ctx, s.entry(a, "quality.read", f.PersonID, "denied")); err != nil {
			return nil, err
		}
		err = apperr.E(apperr.NotFound, "no such flag")
	}
	if err != nil {
		return nil, err
	}
	return f, s.record(ctx, s.entry(a, "quality.read", f.PersonID, "ok"))
}

// Dismiss closes an open flag as not a fault, with the officer's reason;
// later scans keep it dismissed.
func (s *Service) Dismiss(ctx context.Context, a auth.Actor, id, note string) (*Flag, error) {
	note = strings.TrimSpace(note)
	if note == "" {
		return nil, apperr.Field(apperr.Invalid, "note", "say why this is not a fault")
	}
	if len(note) > 1000 {
		return nil, apperr.Field(apperr.Invalid, "note", "the note is longer than 1000 bytes")
	}
	return s.review(ctx, a, id, "quality.dismiss", Open, func(f *Flag) {
		f.Status, f.Note = Dismissed, note
	})
}

// Reopen puts a dismissed flag back in the queue.
func (s *Service) Reopen(ctx context.Context, a auth.Actor, id string) (*Flag, error) {
	return s.review(ctx, a, id, "quality.reopen", Dismissed, func(f *Flag) {
		f.Status, f.Note = Open, ""
	})
}

// Recheck checks an open flag's record(s) again now, so that an officer
// who has just corrected a record sees the flag resolved without waiting
// for the next scan.
func (s *Service) Recheck(ctx context.Context, a auth.Actor, id string) (*Flag, error) {
	f, err := s.reviewable(ctx, a, id, Open)
	if err != nil {
		return nil, err
	}
	holds, err := s.stillHolds(ctx, f)
	if err != nil || holds {
		return f, err
	}
	return s.save(ctx, a, f, "quality.recheck", Open, func(f *Flag) { f.Status = Resolved })
}

func (s *Service) stillHolds(ctx context.Context, f *Flag) (bool, error) {
	p, err := s.Store.Person(ctx, f.PersonID)
	if err != nil {
		return false, err
	}
	if p.MergedInto != "" {
		return false, nil // a retired record: its findings went with it
	}
	if f.Rule == RulePossibleDuplicate {
		o, err := s.Store.Person(ctx, f.OtherID)
		if err != nil {
			return false, err
		}
		if o.MergedInto != "" {
			return false, nil // the two records were merged: one person, one record
		}
		return register.NameKey(p.FullName) == register.NameKey(o.FullName) && p.Gender == o.Gender &&
			p.BirthDate.Year() == o.BirthDate.Year() && MatchScore(p, o) >= DuplicateThreshold, nil
	}
	if f.Rule == RuleRetiredReference {
		for _, id := range references(p) {
			if id == "" {
				continue
			}
			if q, err := s.Store.Person(ctx, id); err == nil && q.MergedInto != "" {
				return true, nil
			}
		}
		return false, nil
	}
	rules, _ := Check(p, register.Today(s.now()))
	for _, r := range rules {
		if r == f.Rule {
			return true, nil
		}
	}
	return false, nil
}

// review applies a registrar's act to a flag in his jurisdiction.
func (s *Service) review(ctx context.Context, a auth.Actor, id, action string, from Status, apply func(*Flag)) (*Flag, error) {
	f, err := s.reviewable(ctx, a, id, from)
	if err != nil {
		return nil, err
	}
	return s.save(ctx, a, f, action, from, apply)
}

// reviewable reads a flag a registrar may act on, in status from.
func (s *Service) reviewable(ctx context.Context, a auth.Actor, id string, from Status) (*Flag, error) {
	if !a.CanWrite() {
		return nil, apperr.E(apperr.Forbidden, "only registrars review data-quality flags")
	}
	f, err := s.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if f.Status != from {
		return nil, apperr.E(apperr.Conflict, "the flag is %s", f.Status)
	}
	return f, nil
}

// save writes an act on a flag read in status from, and logs it.
func (s *Service) save(ctx context.Context, a auth.Actor, f *Flag, action string, from Status, apply func(*Flag)) (*Flag, error) {
	apply(f)
	f.ReviewedBy, f.UpdatedAt = a.ID, s.now()
	if err := s.Store.UpdateFlag(ctx, f, from); err != nil {
		return nil, err
	}
	return f, s.record(ctx, s.entry(a, action, f.PersonID, "ok"))
}

// Summaries returns the communes' data quality in the officer's
// jurisdiction (aggregates only: not personal data, not logged).
func (s *Service) Summaries(ctx context.Context, a auth.Actor, province string) ([]Summary, error) {
	f, err := scope(a, Filter{Province: province})
	if err != nil {
		return nil, err
	}
	sums, err := s.Store.Summaries(ctx, f.Province)
	if err != nil {
		return nil, err
	}
	if f.Commune != "" {
		out := sums[:0]
		for _, x := range sums {
			if x.Commune == f.Commune {
				out = append(out, x)
			}
		}
		sums = out
	}
	return sums, nil
}

func (s *Service) entry(a auth.Actor, action, subject, outcome string) accesslog.Entry {
	return accesslog.Entry{At: s.now(), Actor: a.ID, ActorRole: a.Role, Unit: a.UnitCode, Purpose: "data_quality",
		Subject: subject, Action: action, Fields: "quality_flags", Outcome: outcome, RequestID: a.RequestID}
}

func (s *Service) record(ctx context.Context, entries ...accesslog.Entry) error {
	if s.Log == nil || len(entries) == 0 {
		return nil
	}
	return s.Log.Record(ctx, entries...)
}
