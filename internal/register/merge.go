package register

import (
	"context"
	"encoding/json"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
)

// mergeRequest is the payload of a merge as an officer submits it, on the
// record to keep: the duplicate record to retire.
type mergeRequest struct {
	Retired string `json:"retired"`
}

// planMerge checks that the record p keeps can absorb the retired one. A
// merge is refused rather than guessed at whenever the two records
// disagree on what identifies a person, or the retired one is still in
// use (a card, a household, a marriage): the officer settles that first
// through the usual acts, each with its legal basis.
func (s *Service) planMerge(ctx context.Context, a auth.Actor, p *Person, raw json.RawMessage) (*plan, error) {
	var req mergeRequest
	if err := strict(raw, &req); err != nil {
		return nil, err
	}
	notFound := apperr.Field(apperr.NotFound, "payload.retired", "no other person with this ID number in your jurisdiction")
	r, err := s.Store.Person(ctx, req.Retired)
	if err != nil || r.IDNumber == p.IDNumber {
		return nil, notFound
	}
	if !InJurisdiction(a, r) {
		return nil, notFound
	}
	field := func(code, format string, args ...any) error {
		return apperr.Field(code, "payload.retired", format, args...)
	}
	switch {
	case r.MergedInto != "":
		return nil, field(apperr.Conflict, "that record was already merged into %s", r.MergedInto)
	case r.Gender != p.Gender:
		return nil, field(apperr.Invalid, "the two records differ in gender: correct the wrong one first")
	case !p.BirthDate.Compatible(r.BirthDate):
		return nil, field(apperr.Invalid, "the two records' birth dates differ: correct the wrong one first")
	case r.Status != p.Status:
		return nil, field(apperr.Invalid, "one record is %s, the other %s: register the death or correct first", p.Status, r.Status)
	case r.IDCard != nil && r.IDCard.Status == CardValid:
		return nil, field(apperr.Conflict, "the record to retire holds a valid chip ID card: revoke it first")
	case r.HouseholdID != "":
		return nil, field(apperr.Conflict, "the record to retire belongs to a household: record its leaving first")
	case r.SpouseID != "":
		// The spouse's record names this one, and no correction changes
		// a spouse: the marriage must be settled first.
		return nil, field(apperr.Conflict, "the record to retire is married: its spouse's record names it; settle the marriage first")
	case r.GuardianID != "" && p.GuardianID != "" && r.GuardianID != p.GuardianID:
		return nil, field(apperr.Invalid, "the two records name different guardians: correct the wrong one first")
	}
	for _, pair := range [][2]string{{p.FatherID, r.FatherID}, {p.MotherID, r.MotherID}} {
		if pair[0] != "" && pair[1] != "" && pair[0] != pair[1] {
			return nil, field(apperr.Invalid, "the two records name different parents: correct the wrong one first")
		}
	}
	if s.Accounts != nil {
		has, err := s.Accounts(ctx, r.IDNumber)
		if err != nil {
			return nil, err
		}
		if has {
			return nil, field(apperr.Conflict, "the record to retire has an e-ID account: its holder signs in with the kept number once it is closed")
		}
	}
	return &plan{payload: MergePayload{Retired: r.IDNumber, Filled: filled(p, r)}, other: r,
		otherPl: MergePayload{Into: p.IDNumber}}, nil
}

// filled is what the kept record k takes from the retired record r: the
// facts k lacks (and a fuller birth date); nil if none.
func filled(k, r *Person) *CorrectionPayload {
	var c CorrectionPayload
	some := false
	take := func(kept, retired string) *string {
		if kept == "" && retired != "" {
			some = true
			v := retired
			return &v
		}
		return nil
	}
	if len(r.BirthDate) > len(k.BirthDate) {
		d := r.BirthDate
		c.BirthDate, some = &d, true
	}
	c.BirthPlace = take(k.BirthPlace, r.BirthPlace)
	c.Hometown = take(k.Hometown, r.Hometown)
	c.FatherID = take(k.FatherID, r.FatherID)
	c.MotherID = take(k.MotherID, r.MotherID)
	if !some {
		return nil
	}
	return &c
}

// applyMerge is what a merge does to each of its records.
func applyMerge(n *Person, pl MergePayload) {
	if pl.Into != "" {
		n.MergedInto = pl.Into
		return
	}
	n.MergedFrom = append(append([]string(nil), n.MergedFrom...), pl.Retired)
	if pl.Filled != nil {
		applyCorrection(n, *pl.Filled)
	}
}

// retiredRef is the error of naming a retired record where a person is
// meant (a parent, a spouse, a guardian): the kept record is named.
func retiredRef(field string, r *Person) error {
	return apperr.Field(apperr.Conflict, field, "%s was merged into %s: name that record", r.IDNumber, r.MergedInto)
}
