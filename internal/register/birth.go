package register

import (
	"context"
	"encoding/json"
	"strings"
	"unicode"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/refdata"
	"github.com/dancu-vn/dancu/internal/units"
)

// BirthRequest is a birth registration (đăng ký khai sinh) as an officer
// submits it.
type BirthRequest struct {
	FullName       string       `json:"full_name"`
	Gender         idnum.Gender `json:"gender"`
	BirthDate      Date         `json:"birth_date"`
	BirthPlace     string       `json:"birth_place"`
	Hometown       string       `json:"hometown"`
	Ethnicity      string       `json:"ethnicity"`
	Religion       string       `json:"religion"`
	Nationality    string       `json:"nationality"`
	FatherID       string       `json:"father_id"`
	MotherID       string       `json:"mother_id"`
	HouseholdID    string       `json:"household_id"`
	RelationToHead string       `json:"relation_to_head"`
	Permanent      *Residence   `json:"permanent_residence"`
	// BirthProvince overrides the 3-digit ID province code, which is
	// otherwise derived from the commune of registration.
	BirthProvince string     `json:"birth_registration_province"`
	Legal         LegalBasis `json:"legal_basis"`
}

// maxIDAttempts bounds retries when a random serial is already taken.
const maxIDAttempts = 20

// RegisterBirth registers a newborn, allocating a new ID number.
func (s *Service) RegisterBirth(ctx context.Context, a auth.Actor, req BirthRequest) (*Person, error) {
	if !a.CanWrite() {
		return nil, s.deny(ctx, a, "", accesslog.ActionCreate)
	}
	today := Today(s.Now())
	p, err := s.validateBirth(ctx, a, &req, today)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		n, err := idnum.New(p.BirthProvince, p.Gender, p.BirthDate.Year(), s.Rand)
		if err != nil {
			return nil, apperr.Field(apperr.InvalidIDNumber, "birth_date", "%v", err)
		}
		p.IDNumber = n.String()
		ev, err := newEvent(a, p.IDNumber, 1, KindBirth, Date(p.BirthDate), req.Legal, RegistrationPayload{Person: *p})
		if err != nil {
			return nil, err
		}
		ev.RecordedAt = s.Now().UTC()
		state, err := Apply(nil, ev)
		if err != nil {
			return nil, err
		}
		c := &Change{NewIDs: []string{p.IDNumber}, Records: []Record{{Event: ev, Person: state}}}
		err = s.Store.CommitChange(ctx, c)
		if apperr.Is(err, apperr.Conflict) && apperr.FieldOf(err) == "id_number" && attempt < maxIDAttempts {
			continue // the random serial was taken: draw another
		}
		if err != nil {
			return nil, err
		}
		if err := s.log(ctx, a, accesslog.ActionCreate, accesslog.OutcomeOK, "*", p.IDNumber); err != nil {
			return nil, err
		}
		return state, nil
	}
}

// validateBirth checks a birth request and returns the person to create.
func (s *Service) validateBirth(ctx context.Context, a auth.Actor, req *BirthRequest, today string) (*Person, error) {
	name, err := ValidName("full_name", req.FullName)
	if err != nil {
		return nil, err
	}
	if !req.Gender.Valid() {
		return nil, apperr.Field(apperr.Invalid, "gender", "gender must be male or female")
	}
	bd, err := ParseFullDate("birth_date", string(req.BirthDate))
	if err != nil {
		return nil, err
	}
	if string(bd) > today {
		return nil, apperr.Field(apperr.InvalidDate, "birth_date", "the birth date is in the future")
	}
	if err := req.Legal.Validate(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.BirthPlace) == "" {
		return nil, apperr.Field(apperr.Invalid, "birth_place", "the place of birth is required")
	}
	p := &Person{
		FullName: name, Gender: req.Gender, BirthDate: bd, BirthPlace: strings.TrimSpace(req.BirthPlace),
		Hometown: strings.TrimSpace(req.Hometown), Status: Living,
		FatherID: req.FatherID, MotherID: req.MotherID,
	}
	if err := fillReference(p, req.Ethnicity, req.Religion, req.Nationality); err != nil {
		return nil, err
	}
	if err := s.checkParent(ctx, "father_id", p.FatherID, idnum.Male, bd); err != nil {
		return nil, err
	}
	if err := s.checkParent(ctx, "mother_id", p.MotherID, idnum.Female, bd); err != nil {
		return nil, err
	}
	if err := s.birthResidence(ctx, a, req, p, today); err != nil {
		return nil, err
	}
	p.BirthProvince = req.BirthProvince
	if p.BirthProvince == "" {
		p.BirthProvince = IDProvinceFor(p.Permanent.Province)
	}
	if _, ok := idnum.ProvinceName(p.BirthProvince); !ok {
		return nil, apperr.Field(apperr.Invalid, "birth_registration_province", "%q is not a province code of the ID number table", p.BirthProvince)
	}
	return p, nil
}

// birthResidence places the newborn in a household and a permanent
// residence in the actor's jurisdiction.
func (s *Service) birthResidence(ctx context.Context, a auth.Actor, req *BirthRequest, p *Person, today string) error {
	if req.HouseholdID != "" {
		h, _, err := s.Store.Household(ctx, req.HouseholdID)
		if apperr.Is(err, apperr.NotFound) {
			return apperr.Field(apperr.NotFound, "household_id", "no such household")
		}
		if err != nil {
			return err
		}
		if !ValidRelation(req.RelationToHead) || req.RelationToHead == "head" {
			return apperr.Field(apperr.Invalid, "relation_to_head", "give the newborn's relation to the head of household")
		}
		p.HouseholdID, p.RelationToHead = h.ID, req.RelationToHead
		if req.Permanent == nil {
			req.Permanent = &Residence{Commune: h.Commune, Address: h.Address}
		}
	}
	if req.Permanent == nil {
		return apperr.Field(apperr.Invalid, "permanent_residence", "give a household or a permanent residence")
	}
	res, err := ValidResidence("permanent_residence", *req.Permanent, today)
	if err != nil {
		return err
	}
	res.Since = p.BirthDate
	p.Permanent, p.Current = &res, &res
	if !InJurisdiction(a, p) {
		return apperr.Field(apperr.Forbidden, "permanent_residence", "the residence is outside your jurisdiction")
	}
	return nil
}

// checkParent requires a named parent to exist with the right gender and
// to be older than the child.
func (s *Service) checkParent(ctx context.Context, field, id string, g idnum.Gender, childBirth Date) error {
	if id == "" {
		return nil
	}
	par, err := s.Store.Person(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		return apperr.Field(apperr.NotFound, field, "no person with this ID number")
	}
	if err != nil {
		return err
	}
	if par.MergedInto != "" {
		return retiredRef(field, par)
	}
	if par.Gender != g {
		return apperr.Field(apperr.Invalid, field, "the %s must be %s", strings.TrimSuffix(field, "_id"), g)
	}
	if par.BirthDate.Year() > childBirth.Year()-12 {
		return apperr.Field(apperr.Invalid, field, "the %s is not old enough to be a parent", strings.TrimSuffix(field, "_id"))
	}
	return nil
}

// ValidName normalises and checks a Vietnamese full name: letters of any
// script with single spaces, at least two words, at most 100 characters.
func ValidName(field, s string) (string, error) {
	name := NormalizeName(s)
	if len(strings.Fields(name)) < 2 || len([]rune(name)) > 100 {
		return "", apperr.Field(apperr.Invalid, field, "a full name has a family name and a given name, at most 100 characters")
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) && r != ' ' && r != '-' && r != '\'' {
			return "", apperr.Field(apperr.Invalid, field, "a name contains only letters, spaces, hyphens and apostrophes")
		}
	}
	return name, nil
}

// ValidResidence checks a residence's commune against the units valid at
// date and fills in its province.
func ValidResidence(field string, r Residence, date string) (Residence, error) {
	u, ok := units.Find(r.Commune, units.Commune, date)
	if !ok {
		return r, apperr.Field(apperr.InvalidUnit, field+".commune", "%q is not a commune code valid on %s", r.Commune, date)
	}
	r.Province = u.ProvinceCode
	r.Address = strings.Join(strings.Fields(r.Address), " ")
	if r.Address == "" {
		return r, apperr.Field(apperr.Invalid, field+".address", "the address is required")
	}
	return r, nil
}

// IDProvinceFor returns the 3-digit ID-number province code for births
// registered in a province of the 2025 structure: the legacy province
// that kept the code, or else the first legacy province merged into it.
// (Births keep being numbered with the legacy 63-province table.)
func IDProvinceFor(province string) string {
	if _, ok := idnum.ProvinceName("0" + province); ok {
		if np, ok := units.NewProvinceOf(province); ok && np == province {
			return "0" + province
		}
	}
	for _, m := range units.Mappings() {
		if m.Level == units.Province && m.NewCode == province {
			return "0" + m.LegacyCode
		}
	}
	return ""
}

// fillReference validates and defaults the reference-data fields.
func fillReference(p *Person, ethnicity, religion, nationality string) error {
	if ethnicity == "" {
		return apperr.Field(apperr.Invalid, "ethnicity", "the ethnicity code is required (01 = Kinh)")
	}
	if _, ok := refdata.EthnicityByCode(ethnicity); !ok {
		return apperr.Field(apperr.Invalid, "ethnicity", "%q is not one of the 54 ethnicity codes", ethnicity)
	}
	if religion == "" {
		religion = "none"
	}
	if _, ok := refdata.ReligionByCode(religion); !ok {
		return apperr.Field(apperr.Invalid, "religion", "%q is not a known religion code", religion)
	}
	if nationality == "" {
		nationality = "VN"
	}
	if len(nationality) != 2 || strings.ToUpper(nationality) != nationality {
		return apperr.Field(apperr.Invalid, "nationality", "nationality is an ISO 3166 two-letter code")
	}
	p.Ethnicity, p.Religion, p.Nationality = ethnicity, religion, nationality
	return nil
}

// newEvent builds an event with its payload.
func newEvent(a auth.Actor, personID string, seq int, kind Kind, eff Date, legal LegalBasis, payload any) (*Event, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return nil, apperr.Wrap(err, "encode event payload")
	}
	return &Event{PersonID: personID, Seq: seq, Kind: kind, EffectiveDate: eff, Officer: a.ID,
		OfficerUnit: a.UnitCode, Legal: legal, Payload: raw}, nil
}
