package register

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/idnum"
)

// EventRequest is an event as an officer submits it: the kind, when it
// took effect, its legal basis and the kind's payload.
type EventRequest struct {
	Kind          Kind            `json:"kind"`
	EffectiveDate Date            `json:"effective_date"`
	Legal         LegalBasis      `json:"legal_basis"`
	Payload       json.RawMessage `json:"payload"`
}

// NewHousehold asks a household_change to found a household headed by the
// person.
type NewHousehold struct {
	Commune string `json:"commune"`
	Address string `json:"address"`
}

// householdRequest is the payload of a household_change request.
type householdRequest struct {
	HouseholdID    string        `json:"household_id"`
	RelationToHead string        `json:"relation_to_head"`
	New            *NewHousehold `json:"new_household"`
}

// plan is what a validated event request will write.
type plan struct {
	payload   any
	other     *Person // the spouse in a marriage or divorce
	otherPl   any
	household *Household
	reachable bool // the actor may act though the person is elsewhere (arrival at a new residence)
}

// RecordEvent records one event for a person and returns the new record.
// Invalid input returns an error and writes nothing.
func (s *Service) RecordEvent(ctx context.Context, a auth.Actor, id string, req EventRequest) (*Person, error) {
	if !a.CanWrite() {
		return nil, s.deny(ctx, a, id, accesslog.ActionChange)
	}
	if req.Kind == KindBirth || req.Kind == KindInitial {
		return nil, apperr.Field(apperr.Invalid, "kind", "a registration creates a person: use the births endpoint")
	}
	if IsCardKind(req.Kind) {
		return nil, apperr.Field(apperr.Invalid, "kind", "chip ID card steps are recorded through the cards API")
	}
	p, err := s.Store.Person(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		s.log(ctx, a, accesslog.ActionChange, accesslog.OutcomeNotFound, "", id)
		return nil, apperr.Field(apperr.NotFound, "id_number", "no person with this ID number in your jurisdiction")
	}
	if err != nil {
		return nil, err
	}
	if p.MergedInto != "" && InJurisdiction(a, p) {
		return nil, apperr.Field(apperr.Conflict, "id_number", "this record was merged into %s: record events there", p.MergedInto)
	}
	today := Today(s.Now())
	eff, err := ParseFullDate("effective_date", string(req.EffectiveDate))
	if err != nil {
		return nil, err
	}
	if string(eff) > today {
		return nil, apperr.Field(apperr.InvalidDate, "effective_date", "the effective date is in the future")
	}
	pl, err := s.planEvent(ctx, a, p, req, today)
	if err != nil {
		if !InJurisdiction(a, p) {
			// Do not reveal, through validation messages, a person the
			// actor may not see.
			s.log(ctx, a, accesslog.ActionChange, accesslog.OutcomeDenied, "", id)
			return nil, apperr.Field(apperr.NotFound, "id_number", "no person with this ID number in your jurisdiction")
		}
		return nil, err
	}
	if !InJurisdiction(a, p) && !pl.reachable {
		s.log(ctx, a, accesslog.ActionChange, accesslog.OutcomeDenied, "", id)
		return nil, apperr.Field(apperr.NotFound, "id_number", "no person with this ID number in your jurisdiction")
	}
	if eff.Earliest() < p.BirthDate.Earliest() {
		return nil, apperr.Field(apperr.InvalidDate, "effective_date", "the effective date is before the person's birth")
	}
	if err := req.Legal.Validate(); err != nil {
		return nil, err
	}
	c, err := s.buildChange(a, p, req, eff, pl)
	if err != nil {
		return nil, err
	}
	if err := s.Store.CommitChange(ctx, c); err != nil {
		return nil, err
	}
	entries := make([]accesslog.Entry, len(c.Records))
	for i, r := range c.Records {
		entries[i] = s.entry(a, accesslog.ActionChange, accesslog.OutcomeOK, string(req.Kind), r.Person.IDNumber)
	}
	if err := s.Log.Record(ctx, entries...); err != nil {
		return nil, err
	}
	return c.Records[0].Person, nil
}

// buildChange turns a plan into events and new states.
func (s *Service) buildChange(a auth.Actor, p *Person, req EventRequest, eff Date, pl *plan) (*Change, error) {
	group := ""
	if pl.other != nil {
		group = newID("g")
	}
	c := &Change{}
	add := func(target *Person, payload any) error {
		ev, err := newEvent(a, target.IDNumber, target.Version+1, req.Kind, eff, req.Legal, payload)
		if err != nil {
			return err
		}
		ev.GroupID, ev.RecordedAt = group, s.Now().UTC()
		state, err := Apply(target, ev)
		if err != nil {
			return err
		}
		c.Records = append(c.Records, Record{Event: ev, Person: state})
		return nil
	}
	if err := add(p, pl.payload); err != nil {
		return nil, err
	}
	if pl.other != nil {
		if err := add(pl.other, pl.otherPl); err != nil {
			return nil, err
		}
	}
	if pl.household != nil {
		pl.household.UpdatedAt = s.Now().UTC()
		c.Households = []*Household{pl.household}
	}
	return c, nil
}

// planEvent validates the kind's payload against the person's state.
func (s *Service) planEvent(ctx context.Context, a auth.Actor, p *Person, req EventRequest, today string) (*plan, error) {
	living := func() error {
		if p.Status != Living {
			return apperr.Field(apperr.PersonNotLiving, "id_number", "the person is %s", p.Status)
		}
		return nil
	}
	switch req.Kind {
	case KindDeath:
		var pl DeathPayload
		if err := strict(req.Payload, &pl); err != nil {
			return nil, err
		}
		if p.Status == Dead {
			return nil, apperr.Field(apperr.PersonNotLiving, "id_number", "the death is already registered")
		}
		d, err := ParseDate("payload.death_date", string(pl.DeathDate))
		if err != nil {
			return nil, err
		}
		if d.Earliest() > today || d.Earliest() < p.BirthDate.Earliest() {
			return nil, apperr.Field(apperr.InvalidDate, "payload.death_date", "the death date must be between the birth date and today")
		}
		return &plan{payload: pl}, nil
	case KindMissing:
		var pl MissingPayload
		if err := strict(req.Payload, &pl); err != nil {
			return nil, err
		}
		if pl.Annulled {
			if p.Status != Missing {
				return nil, apperr.Field(apperr.Invalid, "payload.annulled", "the person is not declared missing")
			}
			return &plan{payload: pl}, nil
		}
		if err := living(); err != nil {
			return nil, err
		}
		if _, err := ParseDate("payload.since", string(pl.Since)); err != nil {
			return nil, err
		}
		return &plan{payload: pl}, nil
	case KindMarriage, KindDivorce:
		if err := living(); err != nil {
			return nil, err
		}
		return s.planSpouse(ctx, p, req, today)
	case KindNameChange:
		var pl NameChangePayload
		if err := strict(req.Payload, &pl); err != nil {
			return nil, err
		}
		name, err := ValidName("payload.full_name", pl.FullName)
		if err != nil {
			return nil, err
		}
		if name == p.FullName {
			return nil, apperr.Field(apperr.Invalid, "payload.full_name", "the new name is the current name")
		}
		pl.FullName = name
		return &plan{payload: pl}, living()
	case KindResidence:
		if err := living(); err != nil {
			return nil, err
		}
		return planResidence(a, p, req.Payload, today)
	case KindHousehold:
		if err := living(); err != nil {
			return nil, err
		}
		return s.planHousehold(ctx, a, p, req.Payload, today)
	case KindCorrection:
		return s.planCorrection(ctx, p, req.Payload, today)
	case KindMerge:
		return s.planMerge(ctx, a, p, req.Payload)
	case KindGuardianship:
		var pl GuardianshipPayload
		if err := strict(req.Payload, &pl); err != nil {
			return nil, err
		}
		if pl.GuardianID != "" {
			g, err := s.Store.Person(ctx, pl.GuardianID)
			if err != nil || g.Status != Living || g.IDNumber == p.IDNumber {
				return nil, apperr.Field(apperr.Invalid, "payload.guardian_id", "the guardian must be another living person in the register")
			}
			if g.MergedInto != "" {
				return nil, retiredRef("payload.guardian_id", g)
			}
		}
		return &plan{payload: pl}, nil
	}
	return nil, apperr.Field(apperr.Invalid, "kind", "unknown event kind %q", req.Kind)
}

// Minimum marriage ages (Law on Marriage and Family 2014, art. 8).
const (
	marriageAgeMale   = 20
	marriageAgeFemale = 18
)

func (s *Service) planSpouse(ctx context.Context, p *Person, req EventRequest, today string) (*plan, error) {
	var pl SpousePayload
	if err := strict(req.Payload, &pl); err != nil {
		return nil, err
	}
	other, err := s.Store.Person(ctx, pl.SpouseID)
	if err != nil || other.IDNumber == p.IDNumber {
		return nil, apperr.Field(apperr.NotFound, "payload.spouse_id", "no other person with this ID number")
	}
	if other.MergedInto != "" {
		return nil, retiredRef("payload.spouse_id", other)
	}
	if req.Kind == KindDivorce {
		if p.SpouseID != other.IDNumber {
			return nil, apperr.Field(apperr.Conflict, "payload.spouse_id", "the two persons are not married to each other")
		}
		return &plan{payload: pl, other: other, otherPl: SpousePayload{SpouseID: p.IDNumber}}, nil
	}
	switch {
	case other.Status != Living:
		return nil, apperr.Field(apperr.PersonNotLiving, "payload.spouse_id", "the other party is %s", other.Status)
	case p.SpouseID != "" || other.SpouseID != "":
		return nil, apperr.Field(apperr.Conflict, "payload.spouse_id", "one of the parties is already married")
	case p.Gender == other.Gender:
		return nil, apperr.Field(apperr.Invalid, "payload.spouse_id", "the law recognises marriage between a man and a woman")
	}
	for _, q := range []*Person{p, other} {
		min := marriageAgeFemale
		if q.Gender == idnum.Male {
			min = marriageAgeMale
		}
		if q.BirthDate.Year()+min > Date(today).Year() {
			return nil, apperr.Field(apperr.Invalid, "payload.spouse_id", "a %s must be at least %d years old to marry", q.Gender, min)
		}
	}
	return &plan{payload: pl, other: other, otherPl: SpousePayload{SpouseID: p.IDNumber}}, nil
}

func planResidence(a auth.Actor, p *Person, raw json.RawMessage, today string) (*plan, error) {
	var pl ResidencePayload
	if err := strict(raw, &pl); err != nil {
		return nil, err
	}
	switch pl.Type {
	case "permanent", "temporary", "current":
		if pl.End {
			if pl.Type == "permanent" {
				return nil, apperr.Field(apperr.Invalid, "payload.end", "a permanent residence is replaced, not ended")
			}
			return &plan{payload: pl}, nil
		}
		if pl.Place == nil {
			return nil, apperr.Field(apperr.Invalid, "payload.place", "the new place is required")
		}
		r, err := ValidResidence("payload.place", *pl.Place, today)
		if err != nil {
			return nil, err
		}
		if pl.Type == "temporary" && r.Until != "" {
			if _, err := ParseFullDate("payload.place.until", string(r.Until)); err != nil {
				return nil, err
			}
		}
		pl.Place = &r
		// The office of the destination registers an arrival.
		dest := &Person{Permanent: &r}
		return &plan{payload: pl, reachable: InJurisdiction(a, dest)}, nil
	case "temporary_absence":
		if pl.End {
			return &plan{payload: pl}, nil
		}
		if pl.Absence == nil {
			return nil, apperr.Field(apperr.Invalid, "payload.absence", "the absence is required")
		}
		if _, err := ParseFullDate("payload.absence.from", string(pl.Absence.From)); err != nil {
			return nil, err
		}
		return &plan{payload: pl}, nil
	}
	return nil, apperr.Field(apperr.Invalid, "payload.type", "type must be permanent, temporary, temporary_absence or current")
}

func (s *Service) planHousehold(ctx context.Context, a auth.Actor, p *Person, raw json.RawMessage, today string) (*plan, error) {
	var req householdRequest
	if err := strict(raw, &req); err != nil {
		return nil, err
	}
	if req.New != nil {
		r, err := ValidResidence("payload.new_household", Residence{Commune: req.New.Commune, Address: req.New.Address}, today)
		if err != nil {
			return nil, err
		}
		h := &Household{ID: newID("hh"), HeadID: p.IDNumber, Commune: r.Commune, Province: r.Province, Address: r.Address, CreatedAt: s.Now().UTC()}
		return &plan{payload: HouseholdPayload{HouseholdID: h.ID, RelationToHead: "head"}, household: h}, nil
	}
	if req.HouseholdID == "" {
		return &plan{payload: HouseholdPayload{}}, nil // leaves the household
	}
	if !ValidRelation(req.RelationToHead) {
		return nil, apperr.Field(apperr.Invalid, "payload.relation_to_head", "unknown relation to the head of household")
	}
	h, _, err := s.Store.Household(ctx, req.HouseholdID)
	if err != nil {
		return nil, apperr.Field(apperr.NotFound, "payload.household_id", "no such household")
	}
	pl := &plan{payload: HouseholdPayload{HouseholdID: h.ID, RelationToHead: req.RelationToHead}}
	if req.RelationToHead == "head" {
		h.HeadID = p.IDNumber
		pl.household = h
	}
	return pl, nil
}

func (s *Service) planCorrection(ctx context.Context, p *Person, raw json.RawMessage, today string) (*plan, error) {
	var pl CorrectionPayload
	if err := strict(raw, &pl); err != nil {
		return nil, err
	}
	if pl == (CorrectionPayload{}) {
		return nil, apperr.Field(apperr.Invalid, "payload", "name at least one field to correct")
	}
	if pl.BirthDate != nil {
		d, err := ParseDate("payload.birth_date", string(*pl.BirthDate))
		if err != nil {
			return nil, err
		}
		if d.Year() != p.BirthDate.Year() {
			return nil, apperr.Field(apperr.InvalidIDNumber, "payload.birth_date", "the birth year is part of the ID number and cannot be corrected here")
		}
		if d.Earliest() > today {
			return nil, apperr.Field(apperr.InvalidDate, "payload.birth_date", "the birth date is in the future")
		}
	}
	// A parent named is checked as at a birth registration; "" unlinks.
	for _, par := range []struct {
		field string
		id    *string
		g     idnum.Gender
	}{{"payload.father_id", pl.FatherID, idnum.Male}, {"payload.mother_id", pl.MotherID, idnum.Female}} {
		if par.id == nil || *par.id == "" {
			continue
		}
		if *par.id == p.IDNumber {
			return nil, apperr.Field(apperr.Invalid, par.field, "a person is not his own parent")
		}
		if err := s.checkParent(ctx, par.field, *par.id, par.g, p.BirthDate); err != nil {
			return nil, err
		}
	}
	probe := *p
	eth, rel, nat := p.Ethnicity, p.Religion, p.Nationality
	if pl.Ethnicity != nil {
		eth = *pl.Ethnicity
	}
	if pl.Religion != nil {
		rel = *pl.Religion
	}
	if pl.Nationality != nil {
		nat = *pl.Nationality
	}
	if err := fillReference(&probe, eth, rel, nat); err != nil {
		return nil, err
	}
	return &plan{payload: pl}, nil
}

// strict decodes a payload rejecting unknown fields, so that a misspelt
// field is an error rather than silently ignored.
func strict(raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		return apperr.Field(apperr.Invalid, "payload", "the payload is required")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return apperr.Field(apperr.InvalidJSON, "payload", "invalid payload: %v", err)
	}
	return nil
}

// newID returns a random identifier with a prefix, e.g. "hh_3f9a…".
func newID(prefix string) string {
	b := make([]byte, 10)
	rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}
