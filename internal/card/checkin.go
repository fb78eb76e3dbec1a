package card

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"slices"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/pki"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/sharing"
)

// IdentityQRLifetime is how long an identity QR is valid: long enough to
// walk to a counter, too short to be copied and reused.
const IdentityQRLifetime = 2 * time.Minute

// IdentityFields are the fields an identity QR may carry besides the ID
// number, which it always carries.
var IdentityFields = []string{"full_name", "birth_date", "gender", "nationality", "photo_ref"}

// ActionCheckin is the access-log action of a partner's check of an
// identity QR; ActionCardVerify that of an online card verification.
const (
	ActionCheckin    = "checkin_verify"
	ActionCardVerify = "card_verify"
)

// Policies is the sharing storage check-in reads: an organisation's
// policy for a purpose, and the citizen's consent where it needs one.
type Policies interface {
	SharingPolicy(ctx context.Context, orgID, purpose string) (*sharing.Policy, error)
	ActiveSharingConsent(ctx context.Context, idNumber, orgID, purpose string, now time.Time) (bool, error)
}

// Checkin verifies identity QRs for partners (airlines, hotels).
type Checkin struct {
	Cards    *Service
	Policies Policies
	// EIDLevel returns the level of a person's e-ID account now (0: none).
	EIDLevel func(ctx context.Context, idNumber string) (int, error)
}

// IdentityQR is a signed identity QR as the citizen's app shows it.
type IdentityQR struct {
	QR         string    `json:"qr"`
	ValidUntil time.Time `json:"valid_until"`
	Fields     []string  `json:"fields"`
}

// IdentityQR signs a short-lived identity QR for a level-2 e-ID holder,
// carrying the fields asked (IdentityFields by default) and, when the
// holder has a valid card, its serial.
func (s *Service) IdentityQR(ctx context.Context, idNumber string, level int, fields []string) (*IdentityQR, error) {
	if level < 2 {
		return nil, apperr.E(apperr.Level2Required, "an identity QR needs a level-2 e-ID account: have it attested at a police office")
	}
	if len(fields) == 0 {
		fields = IdentityFields
	}
	for _, f := range fields {
		if !slices.Contains(IdentityFields, f) {
			return nil, apperr.Field(apperr.Invalid, "fields", "an identity QR carries %s", strings.Join(IdentityFields, ", "))
		}
	}
	p, err := s.People.Person(ctx, idNumber)
	if err != nil {
		return nil, err
	}
	if err := living(p); err != nil {
		return nil, err
	}
	sg, err := s.PKI.Signer(ctx, pki.RoleIdentitySigner)
	if err != nil {
		return nil, err
	}
	now := s.now()
	h := &Holder{IDNumber: p.IDNumber}
	has := func(f string) bool { return slices.Contains(fields, f) }
	if has("full_name") {
		h.FullName = p.FullName
	}
	if has("birth_date") {
		h.BirthDate = p.BirthDate
	}
	if has("nationality") {
		h.Nationality = nationality(p.Nationality)
	}
	if c := p.IDCard; c != nil && c.Status == register.CardValid && (c.ExpiryDate == "" || string(c.ExpiryDate) >= register.Today(now)) {
		h.Serial = c.Serial
		if has("photo_ref") {
			h.PhotoRef = c.PhotoRef
		}
	}
	fs := holderFields(h, false)
	if !has("gender") {
		fs = slices.DeleteFunc(fs, func(f sealField) bool { return f.tag == tagGender })
	}
	until := now.Add(IdentityQRLifetime).Truncate(time.Second)
	nonce := make([]byte, 8)
	rand.Read(nonce)
	fs = append(fs, sealField{tagSerial, []byte(h.Serial)}, sealField{tagValidUntil, binary.BigEndian.AppendUint32(nil, uint32(until.Unix()))},
		sealField{tagNonce, nonce}, sealField{tagLevel, []byte{byte(level)}})
	qr, err := signSeal(pki.DocTypeIdentityQR, sg.Serial, sg.Key, now, fs)
	if err != nil {
		return nil, apperr.Wrap(err, "sign identity QR")
	}
	return &IdentityQR{QR: qr, ValidUntil: until, Fields: fields}, nil
}

// CheckinResult answers a partner's check of an identity QR. Holder has
// the fields the organisation's policy for its purpose allows, read from
// the register now, and only when the QR is valid.
type CheckinResult struct {
	Result     string         `json:"result"`
	Message    string         `json:"message"`
	Field      string         `json:"field,omitempty"`
	Holder     map[string]any `json:"holder,omitempty"`
	ValidUntil *time.Time     `json:"valid_until,omitempty"`
	EIDLevel   int            `json:"eid_level,omitempty"`
}

// Verify checks an identity QR for a partner under its declared purpose:
// the signature and freshness (as offline), then online that the holder
// is living, still level 2 and their card not revoked; the answer holds
// only the policy's fields. Every check, refused or not, is written to
// the holder's access log.
func (c *Checkin) Verify(ctx context.Context, a auth.Actor, qr string) (*CheckinResult, error) {
	s := c.Cards
	now := s.now()
	record := func(subject, outcome string, fields []string) error {
		return s.Log.Record(ctx, accesslog.Entry{At: now, Actor: a.ID, ActorRole: a.Role, Org: a.Org, Purpose: a.Purpose,
			LegalBasis: a.Legal, Subject: subject, Action: ActionCheckin, Fields: strings.Join(fields, ","),
			Outcome: outcome, RequestID: a.RequestID})
	}
	if a.Purpose == "" {
		if err := record("", "refused_policy_no_purpose", nil); err != nil {
			return nil, err
		}
		return nil, apperr.E(apperr.PurposeRequired, "declare the purpose of the check in X-Purpose")
	}
	pol, err := c.Policies.SharingPolicy(ctx, a.Org, a.Purpose)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return nil, err
	}
	if err != nil || pol.RevokedAt != nil || (pol.ValidUntil != nil && !now.Before(*pol.ValidUntil)) || len(pol.Fields) == 0 {
		if err := record("", "refused_policy", nil); err != nil {
			return nil, err
		}
		return nil, apperr.E(apperr.PurposeNotAllowed, "no policy allows this organisation to check identities for purpose %s", a.Purpose)
	}
	v, err := s.Verifier(ctx)
	if err != nil {
		return nil, err
	}
	r := v.VerifySeal(ctx, qr)
	if r.Result == ResultValid && r.Document != DocIdentityQR {
		r = Result{Result: ResultMalformed, Message: "this is a card's seal, not an e-ID identity QR"}
	}
	out := &CheckinResult{Result: r.Result, Message: r.Message, Field: r.Field, ValidUntil: r.ValidUntil, EIDLevel: r.EIDLevel}
	subject := ""
	if r.Holder != nil {
		subject = r.Holder.IDNumber
	}
	if r.Result != ResultValid {
		return out, record(subject, "rejected_"+r.Result, nil)
	}
	p, err := s.People.Person(ctx, subject)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return nil, err
	}
	level := 0
	if err == nil && c.EIDLevel != nil {
		if level, err = c.EIDLevel(ctx, subject); err != nil {
			return nil, err
		}
	}
	if p == nil || p.Status != register.Living || level < 2 {
		out.Result, out.Message = ResultRevoked, "the holder's e-ID is no longer valid at level 2"
		return out, record(subject, "rejected_"+ResultRevoked, nil)
	}
	if pol.ConsentRequired {
		ok, err := c.Policies.ActiveSharingConsent(ctx, subject, a.Org, a.Purpose, now)
		if err != nil {
			return nil, err
		}
		if !ok {
			if err := record(subject, "refused_consent", pol.Fields); err != nil {
				return nil, err
			}
			return nil, apperr.E(apperr.ConsentRequired, "the citizen has not consented to this purpose")
		}
	}
	out.Holder, err = register.Project(p, pol.Fields)
	if err != nil {
		return nil, err
	}
	if a.Legal == "" {
		a.Legal = pol.Legal.DocumentNo + " " + pol.Legal.Issuer
	}
	return out, record(subject, accesslog.OutcomeOK, pol.Fields)
}

// storeRevocations answers revocation from the register: a card is
// revoked unless it is issued (a serial the register does not know, or a
// card never handed over, is not a valid card).
type storeRevocations struct{ store Store }

func (r storeRevocations) CardRevoked(ctx context.Context, serial string) (bool, string, error) {
	c, err := r.store.CardBySerial(ctx, serial)
	if apperr.Is(err, apperr.NotFound) {
		return true, "unknown card", nil
	}
	if err != nil {
		return false, "", err
	}
	switch c.Status {
	case Issued:
		return false, "", nil
	case Revoked:
		return true, c.Reason, nil
	}
	return true, "not issued", nil
}

// Verifier returns a verifier with the published certificates and the
// register's revocations.
func (s *Service) Verifier(ctx context.Context) (*Verifier, error) {
	t, err := s.PKI.Trust(ctx)
	if err != nil {
		return nil, err
	}
	return &Verifier{Trust: t, Revocations: storeRevocations{s.Store}, Now: s.now}, nil
}

// VerifyOnline verifies what a verifier sent (a seal or identity QR, a
// chip file, a printed QR with its seal) against the published
// certificates and the register's revocations. The card's status is
// personal data: a verification that names a holder is logged.
func (s *Service) VerifyOnline(ctx context.Context, a auth.Actor, input string) (Result, error) {
	v, err := s.Verifier(ctx)
	if err != nil {
		return Result{}, err
	}
	r := v.Verify(ctx, input)
	if r.Holder != nil {
		if err := s.log(ctx, a, ActionCardVerify, r.Result, "id_card.status", r.Holder.IDNumber); err != nil {
			return Result{}, err
		}
	}
	return r, nil
}

// RevokedList signs the current list of revoked cards.
func (s *Service) RevokedList(ctx context.Context) ([]byte, error) {
	sg, err := s.PKI.Signer(ctx, pki.RoleDocumentSigner)
	if err != nil {
		return nil, err
	}
	cards, err := s.Store.RevokedCards(ctx)
	if err != nil {
		return nil, err
	}
	der, err := SignRevokedList(sg, cards, s.now())
	if err != nil {
		return nil, apperr.Wrap(err, "sign revoked cards list")
	}
	return der, nil
}
