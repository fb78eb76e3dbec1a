package register

import (
	"context"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
)

// SubjectEvents returns the events of idNumber's own record, oldest
// first, for the subject's own use (his notifications). Like ForSubject it
// writes no access-log entry: the log records accesses by anyone but the
// subject.
func (s *Service) SubjectEvents(ctx context.Context, idNumber string) ([]Event, error) {
	return s.Store.PersonEvents(ctx, idNumber)
}

// SubjectHousehold returns the household of the person idNumber with its
// members, for the subject himself (a citizen reading his own household).
// The subject's own row is not logged; every other member's is, as a
// household read by the citizen actor a, because it is someone else's
// data. A person without a household is not_found.
func (s *Service) SubjectHousehold(ctx context.Context, a auth.Actor, idNumber string) (*Household, []Member, error) {
	p, err := s.Store.Person(ctx, idNumber)
	if err != nil {
		return nil, nil, err
	}
	if p.HouseholdID == "" {
		return nil, nil, apperr.E(apperr.NotFound, "the person belongs to no household")
	}
	h, members, err := s.Store.Household(ctx, p.HouseholdID)
	if err != nil {
		return nil, nil, err
	}
	var entries []accesslog.Entry
	for _, m := range members {
		if m.IDNumber != idNumber {
			entries = append(entries, s.entry(a, accesslog.ActionHousehold, accesslog.OutcomeOK,
				"full_name,birth_date,relation_to_head,status", m.IDNumber))
		}
	}
	if len(entries) > 0 {
		if err := s.Log.Record(ctx, entries...); err != nil {
			return nil, nil, err
		}
	}
	return h, members, nil
}
