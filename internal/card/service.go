package card

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/pki"
	"github.com/dancu-vn/dancu/internal/refdata"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/units"
)

// Service enforces the cards' rules. Officers act within their
// jurisdiction (register.InJurisdiction); every step writes an event of
// the holder and an access-log entry.
type Service struct {
	Store  Store
	People People
	PKI    *pki.Service
	Log    AccessLog
	Now    func() time.Time
	Issuer string // printed on cards; DefaultIssuer if empty
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Request is an officer's act on a card: the application's type and
// reason (applications), a reason (rejections, revocations) and the
// legal basis of the step (the application form, the decision).
type Request struct {
	Type   Type                `json:"type,omitempty"`
	Reason string              `json:"reason,omitempty"`
	Legal  register.LegalBasis `json:"legal_basis"`
}

// notFound is what a card or person outside the actor's jurisdiction
// looks like, exactly as a missing one.
func notFound(field string) error {
	return apperr.Field(apperr.NotFound, field, "no such card or person in your jurisdiction")
}

// person loads a person the actor may act on, logging refusals.
func (s *Service) person(ctx context.Context, a auth.Actor, id, action string) (*register.Person, error) {
	p, err := s.People.Person(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		if err := s.log(ctx, a, action, accesslog.OutcomeNotFound, "", id); err != nil {
			return nil, err
		}
		return nil, notFound("id_number")
	}
	if err != nil {
		return nil, err
	}
	if !register.InJurisdiction(a, p) {
		if err := s.log(ctx, a, action, accesslog.OutcomeDenied, "", id); err != nil {
			return nil, err
		}
		return nil, notFound("id_number")
	}
	return p, nil
}

// load returns a card and its holder, within the actor's jurisdiction.
func (s *Service) load(ctx context.Context, a auth.Actor, cardID, action string) (*Card, *register.Person, error) {
	c, err := s.Store.Card(ctx, cardID)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil, notFound("card_id")
	}
	if err != nil {
		return nil, nil, err
	}
	p, err := s.person(ctx, a, c.IDNumber, action)
	if err != nil {
		return nil, nil, notFound("card_id")
	}
	c.Fill()
	return c, p, nil
}

func (s *Service) deny(ctx context.Context, a auth.Actor, subject, action string) error {
	if err := s.log(ctx, a, action, accesslog.OutcomeDenied, "", subject); err != nil {
		return err
	}
	return apperr.E(apperr.Forbidden, "your role (%s) may not do this", a.Role)
}

func (s *Service) log(ctx context.Context, a auth.Actor, action, outcome, fields, subject string) error {
	return s.Log.Record(ctx, accesslog.Entry{At: s.now(), Actor: a.ID, ActorRole: a.Role, Org: a.Org, Unit: a.UnitCode,
		Purpose: a.Purpose, LegalBasis: a.Legal, Subject: subject, Action: action, Fields: fields, Outcome: outcome,
		RequestID: a.RequestID})
}

func validateRequest(req Request) error {
	if len(req.Reason) > 500 {
		return apperr.Field(apperr.Invalid, "reason", "reason is at most 500 characters")
	}
	return req.Legal.Validate()
}

// commit writes a step: the cards changed and the holder's event, then
// the access-log entry.
func (s *Service) commit(ctx context.Context, a auth.Actor, p *register.Person, kind register.Kind, legal register.LegalBasis,
	payload register.IDCardPayload, cards ...*Card) error {
	raw, err := json.Marshal(payload)
	if err != nil {
		return apperr.Wrap(err, "encode card event")
	}
	now := s.now()
	ev := &register.Event{PersonID: p.IDNumber, Seq: p.Version + 1, Kind: kind, EffectiveDate: register.Date(register.Today(now)),
		RecordedAt: now, Officer: a.ID, OfficerUnit: a.UnitCode, Legal: legal, Payload: raw}
	state, err := register.Apply(p, ev)
	if err != nil {
		return err
	}
	for _, c := range cards {
		c.UpdatedAt = now
		c.Version++
	}
	if err := s.Store.CommitCard(ctx, cards, register.Record{Event: ev, Person: state}); err != nil {
		return err
	}
	return s.log(ctx, a, accesslog.ActionChange, accesslog.OutcomeOK, string(kind), p.IDNumber)
}

// Apply receives an application for a person's card.
func (s *Service) Apply(ctx context.Context, a auth.Actor, idNumber string, req Request) (*Card, error) {
	if !a.CanWrite() {
		return nil, s.deny(ctx, a, idNumber, accesslog.ActionChange)
	}
	switch req.Type {
	case First, Renewal, Reissue, Replacement:
	default:
		return nil, apperr.Field(apperr.Invalid, "type", "type is first, renewal, reissue or replacement")
	}
	if err := validateRequest(req); err != nil {
		return nil, err
	}
	p, err := s.person(ctx, a, idNumber, accesslog.ActionChange)
	if err != nil {
		return nil, err
	}
	if err := living(p); err != nil {
		return nil, err
	}
	cards, err := s.Store.PersonCards(ctx, idNumber)
	if err != nil {
		return nil, err
	}
	current, err := checkApplication(req.Type, cards, register.Today(s.now()))
	if err != nil {
		return nil, err
	}
	now := s.now()
	c := &Card{ID: newCardID(), IDNumber: idNumber, Type: req.Type, Status: Applied, Reason: strings.TrimSpace(req.Reason),
		Unit: a.UnitCode, ReceivedBy: a.ID, AppliedAt: now}
	if current != nil && (req.Type == Renewal || req.Type == Replacement) {
		c.Replaces = current.ID
	}
	err = s.commit(ctx, a, p, register.KindCardApplied, req.Legal,
		register.IDCardPayload{CardID: c.ID, Type: string(c.Type), Reason: c.Reason}, c)
	return c, err
}

// checkApplication applies the rules of an application type to the
// person's cards and returns the card in force (status issued), if any.
func checkApplication(t Type, cards []*Card, today string) (*Card, error) {
	var current *Card
	everIssued := false
	for _, c := range cards {
		if c.open() {
			return nil, apperr.Field(apperr.CardApplicationOpen, "type", "an application of this person is in progress (%s)", c.ID)
		}
		if c.Status == Issued {
			current = c
		}
		everIssued = everIssued || c.IssuedAt != nil
	}
	switch t {
	case First:
		if current != nil {
			return nil, apperr.Field(apperr.CardExists, "type", "the person holds a card already (serial %s)", current.Serial)
		}
		if everIssued {
			return nil, apperr.Field(apperr.Invalid, "type", "the person had a card: apply for a reissue")
		}
	case Reissue:
		if current != nil {
			return nil, apperr.Field(apperr.CardExists, "type", "the person holds a card (serial %s): report it lost first, or apply for a renewal or replacement", current.Serial)
		}
		if !everIssued {
			return nil, apperr.Field(apperr.Invalid, "type", "the person never had a card: apply for a first card")
		}
	case Renewal:
		if current == nil {
			return nil, apperr.Field(apperr.Invalid, "type", "the person holds no card to renew")
		}
		if !DueForRenewal(current.ExpiryDate, today) {
			return nil, apperr.Field(apperr.CardNotDue, "type", "the card is valid until %s: renewal opens two years before", current.ExpiryDate)
		}
	case Replacement:
		if current == nil {
			return nil, apperr.Field(apperr.Invalid, "type", "the person holds no card to replace")
		}
		if current.Expired(today) {
			return nil, apperr.Field(apperr.Invalid, "type", "the card expired: apply for a renewal")
		}
	}
	return current, nil
}

// step loads a card for an officer's step and checks the role, the legal
// basis and that the card is in one of the statuses from.
func (s *Service) step(ctx context.Context, a auth.Actor, cardID string, req Request, from ...Status) (*Card, *register.Person, error) {
	if !a.CanWrite() {
		return nil, nil, s.deny(ctx, a, "", accesslog.ActionChange)
	}
	if err := validateRequest(req); err != nil {
		return nil, nil, err
	}
	c, p, err := s.load(ctx, a, cardID, accesslog.ActionChange)
	if err != nil {
		return nil, nil, err
	}
	for _, st := range from {
		if c.Status == st {
			return c, p, nil
		}
	}
	if c.Status == Revoked {
		return nil, nil, apperr.Field(apperr.CardRevoked, "card_id", "the card was revoked (%s): it can no longer change", c.Reason)
	}
	return nil, nil, apperr.Field(apperr.CardInvalidTransition, "card_id", "the card is %s", c.Status)
}

// living refuses a card to a holder who is not living, or whose record
// was merged into another (its number is retired: the card goes on the
// kept record). Ending a card (rejection, loss, revocation) stays open.
func living(p *register.Person) error {
	if p.MergedInto != "" {
		return apperr.Field(apperr.Conflict, "id_number", "the record was merged into %s: its number is retired", p.MergedInto)
	}
	if p.Status != register.Living {
		return apperr.Field(apperr.PersonNotLiving, "id_number", "the holder is %s: no card is issued", p.Status)
	}
	return nil
}

// Approve approves an application. The officer who received it may not
// approve it.
func (s *Service) Approve(ctx context.Context, a auth.Actor, cardID string, req Request) (*Card, error) {
	c, p, err := s.step(ctx, a, cardID, req, Applied)
	if err != nil {
		return nil, err
	}
	if a.ID == c.ReceivedBy {
		return nil, apperr.E(apperr.Forbidden, "the officer who received an application may not approve it")
	}
	if err := living(p); err != nil {
		return nil, err
	}
	c.Status, c.ApprovedBy = Approved, a.ID
	return c, s.commit(ctx, a, p, register.KindCardApproved, req.Legal, register.IDCardPayload{CardID: c.ID}, c)
}

// Reject rejects an application, with a reason.
func (s *Service) Reject(ctx context.Context, a auth.Actor, cardID string, req Request) (*Card, error) {
	if strings.TrimSpace(req.Reason) == "" {
		return nil, apperr.Field(apperr.Invalid, "reason", "a rejection gives its reason")
	}
	c, p, err := s.step(ctx, a, cardID, req, Applied, Approved)
	if err != nil {
		return nil, err
	}
	c.Status, c.Reason = Rejected, strings.TrimSpace(req.Reason)
	return c, s.commit(ctx, a, p, register.KindCardRejected, req.Legal, register.IDCardPayload{CardID: c.ID, Reason: c.Reason}, c)
}

// Personalise writes and signs an approved card's chip data and seal: it
// assigns the serial, the issue date (today) and the expiry date.
func (s *Service) Personalise(ctx context.Context, a auth.Actor, cardID string, req Request) (*Card, error) {
	c, p, err := s.step(ctx, a, cardID, req, Approved)
	if err != nil {
		return nil, err
	}
	if err := living(p); err != nil {
		return nil, err
	}
	sg, err := s.PKI.Signer(ctx, pki.RoleDocumentSigner)
	if err != nil {
		return nil, err
	}
	now := s.now()
	today := register.Today(now)
	h := s.holderOf(p, newSerial(), register.Date(today))
	if err := s.sign(c, h, sg, now); err != nil {
		return nil, err
	}
	c.Status = Personalised
	return c, s.commit(ctx, a, p, register.KindCardPersonalised, req.Legal,
		register.IDCardPayload{CardID: c.ID, Card: c.summary(h, "")}, c)
}

// sign fills a card's chip data and seal.
func (s *Service) sign(c *Card, h *Holder, sg *pki.Signer, now time.Time) error {
	chip, err := newChipData(h)
	if err != nil {
		return apperr.Wrap(err, "chip data")
	}
	if chip.SOD, err = signSOD(chip, sg.Cert, sg.Key); err != nil {
		return apperr.Wrap(err, "sign chip data")
	}
	seal, err := signSeal(pki.DocTypeIDCard, sg.Serial, sg.Key, now, holderFields(h, true))
	if err != nil {
		return apperr.Wrap(err, "sign seal")
	}
	c.Chip, c.Seal, c.PrintedQR = chip, seal, PrintedQR(h)
	c.Serial, c.IssueDate, c.ExpiryDate, c.SignerSerial = h.Serial, h.IssueDate, h.ExpiryDate, sg.Serial
	return nil
}

// summary is the card as the register's record shows it.
func (c *Card) summary(h *Holder, status string) *register.IDCard {
	return &register.IDCard{ID: c.ID, Number: c.IDNumber, Serial: c.Serial, IssueDate: c.IssueDate, ExpiryDate: c.ExpiryDate,
		Issuer: h.Issuer, PhotoRef: h.PhotoRef, Status: status}
}

// Issue hands a personalised card to its holder: it becomes the valid
// card, and the card it replaces (if any) is revoked as replaced.
func (s *Service) Issue(ctx context.Context, a auth.Actor, cardID string, req Request) (*Card, error) {
	c, p, err := s.step(ctx, a, cardID, req, Personalised)
	if err != nil {
		return nil, err
	}
	if err := living(p); err != nil {
		return nil, err
	}
	cards, err := s.Store.PersonCards(ctx, c.IDNumber)
	if err != nil {
		return nil, err
	}
	now := s.now()
	// The replaced card is written first: at no point are two valid.
	var changed []*Card
	for _, o := range cards {
		if o.Status != Issued {
			continue
		}
		if o.ID != c.Replaces {
			return nil, apperr.Field(apperr.CardExists, "card_id", "the person holds another valid card (serial %s)", o.Serial)
		}
		o.Status, o.Reason, o.RevokedAt = Revoked, ReasonReplaced, &now
		changed = append(changed, o)
	}
	h, err := c.holder()
	if err != nil {
		return nil, err
	}
	c.Status, c.IssuedAt = Issued, &now
	return c, s.commit(ctx, a, p, register.KindCardIssued, req.Legal,
		register.IDCardPayload{CardID: c.ID, Card: c.summary(h, register.CardValid)}, append(changed, c)...)
}

// ReportLost records the loss of a card (issued, or personalised and not
// yet handed over): it is no longer valid.
func (s *Service) ReportLost(ctx context.Context, a auth.Actor, cardID string, req Request) (*Card, error) {
	c, p, err := s.step(ctx, a, cardID, req, Issued, Personalised)
	if err != nil {
		return nil, err
	}
	now := s.now()
	c.Status, c.Reason, c.RevokedAt = Revoked, ReasonLost, &now
	return c, s.commit(ctx, a, p, register.KindCardLost, req.Legal, register.IDCardPayload{CardID: c.ID, Reason: ReasonLost}, c)
}

// Revoke revokes a card (issued or personalised) for a reason: damaged,
// withdrawn or cancelled.
func (s *Service) Revoke(ctx context.Context, a auth.Actor, cardID string, req Request) (*Card, error) {
	if !validRevocation[req.Reason] {
		return nil, apperr.Field(apperr.Invalid, "reason", "reason is damaged, withdrawn or cancelled (a loss is reported as such)")
	}
	c, p, err := s.step(ctx, a, cardID, req, Issued, Personalised)
	if err != nil {
		return nil, err
	}
	now := s.now()
	c.Status, c.Reason, c.RevokedAt = Revoked, req.Reason, &now
	return c, s.commit(ctx, a, p, register.KindCardRevoked, req.Legal, register.IDCardPayload{CardID: c.ID, Reason: req.Reason}, c)
}

// Get returns a card the actor may read, logging the read.
func (s *Service) Get(ctx context.Context, a auth.Actor, cardID string) (*Card, error) {
	if !a.CanRead() {
		return nil, s.deny(ctx, a, "", accesslog.ActionRead)
	}
	c, _, err := s.load(ctx, a, cardID, accesslog.ActionRead)
	if err != nil {
		return nil, err
	}
	return c, s.log(ctx, a, accesslog.ActionRead, accesslog.OutcomeOK, "id_card", c.IDNumber)
}

// List returns a person's cards, logging the read.
func (s *Service) List(ctx context.Context, a auth.Actor, idNumber string) ([]*Card, error) {
	if !a.CanRead() {
		return nil, s.deny(ctx, a, idNumber, accesslog.ActionRead)
	}
	if _, err := s.person(ctx, a, idNumber, accesslog.ActionRead); err != nil {
		return nil, err
	}
	cards, err := s.Store.PersonCards(ctx, idNumber)
	if err != nil {
		return nil, err
	}
	for _, c := range cards {
		c.Fill()
	}
	return cards, s.log(ctx, a, accesslog.ActionRead, accesslog.OutcomeOK, "id_card", idNumber)
}

// scope narrows a due-renewal filter to the actor's jurisdiction.
func scope(a auth.Actor, f *DueFilter, today string) error {
	if f.Before == "" {
		t, _ := time.Parse(time.DateOnly, today)
		f.Before = t.AddDate(0, 0, 90).Format(time.DateOnly)
	} else if _, err := register.ParseFullDate("before", f.Before); err != nil {
		return err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	switch a.UnitLevel {
	case auth.LevelCommune:
		if f.Commune != "" && f.Commune != a.UnitCode {
			return apperr.Field(apperr.Forbidden, "commune", "a commune officer sees their own commune")
		}
		f.Commune = a.UnitCode
	case auth.LevelProvince:
		if f.Province != "" && f.Province != a.UnitCode {
			return apperr.Field(apperr.Forbidden, "province", "a province officer sees their own province")
		}
		f.Province = a.UnitCode
	case auth.LevelCentral:
		if f.Commune == "" && f.Province == "" {
			return apperr.Field(apperr.Invalid, "commune", "give a commune or a province")
		}
	default:
		return apperr.E(apperr.Forbidden, "no jurisdiction")
	}
	return nil
}

// Due lists the valid cards of a commune (or province) that expire on or
// before a date (default: in 90 days), by expiry date; each holder listed
// is logged as read.
func (s *Service) Due(ctx context.Context, a auth.Actor, f DueFilter) ([]DueCard, error) {
	if !a.CanRead() {
		return nil, s.deny(ctx, a, "", accesslog.ActionSearch)
	}
	if err := scope(a, &f, register.Today(s.now())); err != nil {
		return nil, err
	}
	due, err := s.Store.DueCards(ctx, f)
	if err != nil {
		return nil, err
	}
	entries := make([]accesslog.Entry, len(due))
	for i, d := range due {
		entries[i] = accesslog.Entry{At: s.now(), Actor: a.ID, ActorRole: a.Role, Org: a.Org, Unit: a.UnitCode,
			Purpose: a.Purpose, LegalBasis: a.Legal, Subject: d.IDNumber, Action: accesslog.ActionSearch,
			Fields: "full_name,id_card", Outcome: accesslog.OutcomeOK, RequestID: a.RequestID}
	}
	return due, s.Log.Record(ctx, entries...)
}

// DueSummary counts due cards by commune in the actor's jurisdiction: no
// personal data, so operators and auditors see it too.
func (s *Service) DueSummary(ctx context.Context, a auth.Actor, f DueFilter) ([]DueCount, error) {
	if err := scope(a, &f, register.Today(s.now())); err != nil {
		return nil, err
	}
	return s.Store.DueSummary(ctx, f)
}

// holderOf is what a new card will say of a person.
func (s *Service) holderOf(p *register.Person, serial string, issue register.Date) *Holder {
	h := &Holder{IDNumber: p.IDNumber, FullName: p.FullName, BirthDate: p.BirthDate, Gender: p.Gender,
		Nationality: nationality(p.Nationality), Hometown: p.Hometown, Serial: serial, IssueDate: issue,
		ExpiryDate: ExpiryDate(p.BirthDate, string(issue)), Issuer: s.Issuer}
	if h.Issuer == "" {
		h.Issuer = DefaultIssuer
	}
	if e, ok := refdata.EthnicityByCode(p.Ethnicity); ok {
		h.Ethnicity = e.Name
	}
	if r, ok := refdata.ReligionByCode(p.Religion); ok {
		h.Religion = r.Name
	}
	if p.Permanent != nil {
		h.Address = address(p.Permanent, string(issue))
	}
	return h
}

// address writes a residence as printed: the address, the commune and
// the province by their names at date.
func address(r *register.Residence, date string) string {
	parts := []string{strings.TrimSpace(r.Address)}
	if u, ok := units.Find(r.Commune, units.Commune, date); ok {
		parts = append(parts, u.FullName())
		if pr, ok := units.Find(u.ProvinceCode, units.Province, date); ok {
			parts = append(parts, pr.FullName())
		}
	} else if r.Commune != "" {
		parts = append(parts, r.Commune)
	}
	return strings.Join(parts, ", ")
}

// nationality returns the ICAO code of an ISO 3166 alpha-2 nationality.
func nationality(iso2 string) string {
	if iso2 == "" || iso2 == "VN" {
		return "VNM"
	}
	return iso2
}

// holder reads a personalised card's holder data back from its chip.
func (c *Card) holder() (*Holder, error) {
	if c.Chip == nil {
		return nil, apperr.E(apperr.Internal, "card %s has no chip data", c.ID)
	}
	h, err := decodeDG13(c.Chip.DG13)
	if err != nil {
		return nil, apperr.Wrap(err, "chip data of card "+c.ID)
	}
	h.PhotoRef = PhotoRef(c.Chip.DG2)
	return h, nil
}

// Fill derives what a stored card does not keep: its printed QR.
func (c *Card) Fill() {
	if h, err := c.holder(); err == nil {
		c.PrintedQR = PrintedQR(h)
	}
}

// newCardID returns a card's identifier.
func newCardID() string {
	b := make([]byte, 10)
	rand.Read(b)
	return "card_" + hex.EncodeToString(b)
}

// serialAlphabet has no I, O, 0 or 1, which read alike.
const serialAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// newSerial returns a chip document number: 9 characters (ICAO's
// document number field), 45 random bits.
func newSerial() string {
	b := make([]byte, 9)
	rand.Read(b)
	for i := range b {
		b[i] = serialAlphabet[b[i]%32]
	}
	return string(b)
}

// Mine returns a citizen's own card: the newest issued (valid or since
// revoked), with its printed QR. Not logged: the subject reads it.
func (s *Service) Mine(ctx context.Context, idNumber string) (*Card, error) {
	cards, err := s.Store.PersonCards(ctx, idNumber)
	if err != nil {
		return nil, err
	}
	for i := len(cards) - 1; i >= 0; i-- {
		if c := cards[i]; c.IssuedAt != nil {
			c.Fill()
			return c, nil
		}
	}
	return nil, apperr.E(apperr.NotFound, "you have no chip ID card yet")
}
