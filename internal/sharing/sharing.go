// Package sharing lets member organisations read citizens' data under a
// purpose with a legal basis: attribute-level policies say which fields an
// organisation may read for which purpose, and whether the citizen must
// consent; citizens grant and revoke such consents. Every read, and every
// refusal, goes to the access log.
package sharing

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/register"
)

// LegalBasis is the document a policy rests on.
type LegalBasis struct {
	DocumentNo   string `json:"document_no"`
	DocumentDate string `json:"document_date"`
	Issuer       string `json:"issuer"`
}

// Policy allows one organisation to read some fields of persons for one
// purpose, and to be told of some kinds of change.
type Policy struct {
	ID              string     `json:"id"`
	OrgID           string     `json:"organisation_id"`
	Purpose         string     `json:"purpose"`
	Description     string     `json:"description,omitempty"`
	Legal           LegalBasis `json:"legal_basis"`
	Fields          []string   `json:"fields"`
	EventTypes      []string   `json:"event_types,omitempty"`
	ConsentRequired bool       `json:"consent_required"`
	ValidUntil      *time.Time `json:"valid_until,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	RevokedAt       *time.Time `json:"revoked_at,omitempty"`
}

// Consent is a citizen's permission for an organisation and purpose.
type Consent struct {
	ID        string     `json:"id"`
	IDNumber  string     `json:"-"`
	OrgID     string     `json:"organisation_id"`
	Purpose   string     `json:"purpose"`
	GrantedAt time.Time  `json:"granted_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Fields an organisation can be allowed: the register's record fields.
var Fields = []string{"full_name", "gender", "birth_date", "birth_place", "birth_registration_province", "hometown",
	"ethnicity", "religion", "nationality", "status", "death_date", "missing_since", "father_id", "mother_id",
	"spouse_id", "guardian_id", "household_id", "relation_to_head", "permanent_residence", "temporary_residence",
	"temporary_absence", "current_residence", "id_card", "photo_ref"}

// EventTypes an organisation can subscribe to.
var EventTypes = []string{"death", "residence_change", "name_change", "id_card_issued", "merge"}

// Error codes of refused reads.
const (
	PurposeRequired   = apperr.PurposeRequired
	PurposeNotAllowed = apperr.PurposeNotAllowed
	ConsentRequired   = apperr.ConsentRequired
)

// Store keeps policies and consents.
type Store interface {
	CreateSharingPolicy(ctx context.Context, p *Policy) error
	SharingPolicies(ctx context.Context, orgID string) ([]*Policy, error)
	// SharingPolicy returns the organisation's policy for a purpose.
	SharingPolicy(ctx context.Context, orgID, purpose string) (*Policy, error)
	RevokeSharingPolicy(ctx context.Context, id string, at time.Time) error
	SaveSharingConsent(ctx context.Context, c *Consent) error
	SharingConsents(ctx context.Context, idNumber string) ([]*Consent, error)
	RevokeSharingConsent(ctx context.Context, idNumber, id string, at time.Time) error
	// ActiveSharingConsent reports whether the citizen consents now.
	ActiveSharingConsent(ctx context.Context, idNumber, orgID, purpose string, now time.Time) (bool, error)
}

// People reads the register.
type People interface {
	Person(ctx context.Context, id string) (*register.Person, error)
}

// Service applies policies.
type Service struct {
	Store  Store
	People People
	Log    *accesslog.Log
	Now    func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Validate checks a policy before an operator stores it.
func (p *Policy) Validate() error {
	if p.OrgID == "" {
		return apperr.Field(apperr.Invalid, "organisation_id", "the organisation is required")
	}
	if !validPurpose(p.Purpose) {
		return apperr.Field(apperr.Invalid, "purpose", "a purpose is a code of 3–64 lower-case letters, digits and _")
	}
	if p.Legal.DocumentNo == "" || p.Legal.Issuer == "" {
		return apperr.Field(apperr.Invalid, "legal_basis", "a policy rests on a legal document: document_no and issuer")
	}
	if _, err := register.ParseFullDate("legal_basis.document_date", p.Legal.DocumentDate); err != nil {
		return err
	}
	if len(p.Fields) == 0 && len(p.EventTypes) == 0 {
		return apperr.Field(apperr.Invalid, "fields", "allow at least one field or event type")
	}
	for _, f := range p.Fields {
		if !slices.Contains(Fields, f) {
			return apperr.Field(apperr.Invalid, "fields", "unknown field %q", f)
		}
	}
	for _, t := range p.EventTypes {
		if !slices.Contains(EventTypes, t) {
			return apperr.Field(apperr.Invalid, "event_types", "unknown event type %q", t)
		}
	}
	return nil
}

func validPurpose(s string) bool {
	if len(s) < 3 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// active reports whether a policy applies at now.
func (p *Policy) active(now time.Time) bool {
	return p.RevokedAt == nil && (p.ValidUntil == nil || now.Before(*p.ValidUntil))
}

// ReadPerson returns the fields of a person that the partner's policy for
// its declared purpose allows (and the citizen's consent, where needed),
// and records the read; refusals are recorded too.
func (s *Service) ReadPerson(ctx context.Context, a auth.Actor, idNumber string) (map[string]any, error) {
	now := s.now()
	refuse := func(outcome, code, msg string, fields []string) error {
		if err := s.record(ctx, a, idNumber, outcome, fields); err != nil {
			return err
		}
		return apperr.E(code, "%s", msg)
	}
	if a.Purpose == "" {
		return nil, refuse("refused_policy_no_purpose", PurposeRequired, "declare the purpose of the read in X-Purpose", nil)
	}
	pol, err := s.Store.SharingPolicy(ctx, a.Org, a.Purpose)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return nil, err
	}
	if err != nil || !pol.active(now) || len(pol.Fields) == 0 {
		return nil, refuse("refused_policy", PurposeNotAllowed, "no policy allows this organisation to read persons for purpose "+a.Purpose, nil)
	}
	if pol.ConsentRequired {
		ok, err := s.Store.ActiveSharingConsent(ctx, idNumber, a.Org, a.Purpose, now)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, refuse("refused_consent", ConsentRequired, "the citizen has not consented to this purpose", pol.Fields)
		}
	}
	p, err := s.People.Person(ctx, idNumber)
	if apperr.Is(err, apperr.NotFound) {
		if rerr := s.record(ctx, a, idNumber, "not_found", pol.Fields); rerr != nil {
			return nil, rerr
		}
		return nil, apperr.E(apperr.NotFound, "no person %s", idNumber)
	}
	if err != nil {
		return nil, err
	}
	out, err := register.Project(p, pol.Fields)
	if err != nil {
		return nil, err
	}
	if a.Legal == "" {
		a.Legal = pol.Legal.DocumentNo + " " + pol.Legal.Issuer
	}
	if err := s.record(ctx, a, idNumber, "ok", pol.Fields); err != nil {
		return nil, err // fail closed
	}
	return out, nil
}

func (s *Service) record(ctx context.Context, a auth.Actor, subject, outcome string, fields []string) error {
	if s.Log == nil {
		return nil
	}
	return s.Log.Record(ctx, accesslog.Entry{Actor: a.ID, ActorRole: a.Role, Org: a.Org, Purpose: a.Purpose,
		LegalBasis: a.Legal, Subject: subject, Action: "person.read", Fields: strings.Join(fields, ","),
		Outcome: outcome, RequestID: a.RequestID})
}

// GrantConsent records a citizen's consent to an organisation's purpose,
// which must be one that a policy subjects to consent.
func (s *Service) GrantConsent(ctx context.Context, idNumber, orgID, purpose string, expires time.Time) (*Consent, error) {
	now := s.now()
	pol, err := s.Store.SharingPolicy(ctx, orgID, purpose)
	if apperr.Is(err, apperr.NotFound) || (err == nil && (!pol.active(now) || !pol.ConsentRequired)) {
		return nil, apperr.E(apperr.NotFound, "no policy of organisation %s for purpose %s asks for consent", orgID, purpose)
	}
	if err != nil {
		return nil, err
	}
	if expires.IsZero() {
		expires = now.AddDate(1, 0, 0)
	}
	if !expires.After(now) || expires.After(now.AddDate(5, 0, 0)) {
		return nil, apperr.Field(apperr.Invalid, "expires_at", "a consent expires in the future, within five years")
	}
	c := &Consent{ID: newID(), IDNumber: idNumber, OrgID: orgID, Purpose: purpose, GrantedAt: now, ExpiresAt: expires}
	return c, s.Store.SaveSharingConsent(ctx, c)
}

// AllowsEvent reports whether a live policy lets an organisation be told
// of an event type for a purpose (webhook.Policies).
func (s *Service) AllowsEvent(ctx context.Context, orgID, purpose, eventType string) (bool, error) {
	pol, err := s.Store.SharingPolicy(ctx, orgID, purpose)
	if apperr.Is(err, apperr.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return pol.active(s.now()) && slices.Contains(pol.EventTypes, eventType), nil
}
