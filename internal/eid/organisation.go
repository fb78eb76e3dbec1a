package eid

import (
	"context"
	"regexp"

	"golang.org/x/text/unicode/norm"

	"github.com/dancu-vn/dancu/internal/apperr"
)

var (
	// A business's enterprise code is its 10-digit tax code, a branch's
	// the parent's code and three digits (Decree 01/2021/NĐ-CP).
	businessNumber = regexp.MustCompile(`^[0-9]{10}(-[0-9]{3})?$`)
	// Agencies carry budget-unit or other codes: letters, digits, hyphens.
	agencyNumber = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z-]{0,19}$`)
)

// Validate checks an organisation's fields, normalising them.
func (o *Organisation) Validate() error {
	o.Name = cleanText(norm.NFC.String(o.Name), 400)
	o.RegistrationNumber = cleanText(o.RegistrationNumber, 64)
	switch o.Kind {
	case OrgBusiness:
		if !businessNumber.MatchString(o.RegistrationNumber) {
			return apperr.Field(apperr.Invalid, "registration_number", "a business's registration number is its 10-digit enterprise code (a branch adds -NNN)")
		}
	case OrgAgency:
		if !agencyNumber.MatchString(o.RegistrationNumber) {
			return apperr.Field(apperr.Invalid, "registration_number", "an agency's registration number is 1–20 letters, digits or hyphens")
		}
	default:
		return apperr.Field(apperr.Invalid, "kind", "kind must be business or agency")
	}
	if o.Name == "" || len([]rune(o.Name)) > 200 {
		return apperr.Field(apperr.Invalid, "name", "name is required (at most 200 characters)")
	}
	return nil
}

// CreateOrganisation gives a business or agency an account represented by
// a level-2 citizen. A registration number has one account.
func (s *Service) CreateOrganisation(ctx context.Context, representativeID string, o Organisation) (*Organisation, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	a, err := s.store.EIDAccount(ctx, representativeID)
	if err != nil {
		return nil, err
	}
	if a.Level < Level2 {
		return nil, apperr.E(apperr.Level2Required, "only a level-2 account may represent an organisation: have it attested at a police office")
	}
	o.ID, o.RepresentativeID, o.CreatedAt = newID(), a.ID, s.now()
	err = s.store.CreateEIDOrganisation(ctx, &o)
	if apperr.Is(err, apperr.Conflict) {
		return nil, apperr.Field(apperr.Conflict, "registration_number", "an organisation with this registration number already has an account")
	}
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// Organisations returns the organisations an account represents.
func (s *Service) Organisations(ctx context.Context, accountID string) ([]Organisation, error) {
	return s.store.EIDOrganisations(ctx, accountID)
}

// Organisation returns an organisation by id.
func (s *Service) Organisation(ctx context.Context, id string) (*Organisation, error) {
	return s.store.EIDOrganisation(ctx, id)
}
