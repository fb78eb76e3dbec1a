package portal

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/units"
)

// List returns dossiers in the officer's jurisdiction, oldest first,
// logging each as listed.
func (s *Service) List(ctx context.Context, a auth.Actor, f Filter) ([]*Dossier, error) {
	if !a.CanRead() {
		return nil, apperr.E(apperr.Forbidden, "your role (%s) may not read dossiers", a.Role)
	}
	if f.State != "" && !f.State.Valid() {
		return nil, apperr.Field(apperr.Invalid, "state", "unknown state %q", f.State)
	}
	switch a.UnitLevel {
	case auth.LevelCommune:
		f.ScopeUnit = a.UnitCode
	case auth.LevelProvince:
		f.ScopeProvince = a.UnitCode
	case auth.LevelCentral:
	default:
		return nil, apperr.E(apperr.Forbidden, "no jurisdiction")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	f.Now = s.now()
	ds, err := s.Store.ListDossiers(ctx, f)
	if err != nil {
		return nil, err
	}
	var entries []accesslog.Entry
	for _, d := range ds {
		d.markOverdue(f.Now)
		entries = append(entries, s.entries(a, ActionDossierList, accesslog.OutcomeOK, d)...)
	}
	if err := s.Log.Record(ctx, entries...); err != nil {
		return nil, err
	}
	return ds, nil
}

// Get returns a dossier in the officer's jurisdiction with its history.
// Outside it, the dossier is reported exactly as a missing one, and the
// attempt is logged.
func (s *Service) Get(ctx context.Context, a auth.Actor, id string) (*Dossier, error) {
	if !a.CanRead() {
		return nil, apperr.E(apperr.Forbidden, "your role (%s) may not read dossiers", a.Role)
	}
	d, err := s.visible(ctx, a, id, ActionDossierRead)
	if err != nil {
		return nil, err
	}
	if d.History, err = s.Store.DossierHistory(ctx, id); err != nil {
		return nil, err
	}
	if err := s.Log.Record(ctx, s.entries(a, ActionDossierRead, accesslog.OutcomeOK, d)...); err != nil {
		return nil, err
	}
	d.markOverdue(s.now())
	return d, nil
}

// LinkedPart is another part of a linked submission as an officer sees
// it: its procedure and office always, its state only where it is in his
// jurisdiction.
type LinkedPart struct {
	ID        string `json:"id"`
	Procedure string `json:"procedure"`
	UnitCode  string `json:"unit_code"`
	State     State  `json:"state,omitempty"`
	Visible   bool   `json:"visible"`
}

// Linked returns the other parts of a dossier's linked submission, for an
// officer who may see the dossier; each one in his jurisdiction is a
// dossier.list entry of the access log, as in his queue.
func (s *Service) Linked(ctx context.Context, a auth.Actor, d *Dossier) ([]LinkedPart, error) {
	if d.GroupID == "" {
		return nil, nil
	}
	if !a.CanRead() || !inJurisdiction(a, d) {
		return nil, apperr.E(apperr.NotFound, "no such dossier in your jurisdiction")
	}
	group, err := s.Store.GroupDossiers(ctx, d.GroupID)
	if err != nil {
		return nil, err
	}
	var out []LinkedPart
	var entries []accesslog.Entry
	for _, g := range group {
		if g.ID == d.ID {
			continue
		}
		part := LinkedPart{ID: g.ID, Procedure: g.Procedure, UnitCode: g.UnitCode}
		if inJurisdiction(a, g) {
			part.State, part.Visible = g.State, true
			entries = append(entries, s.entries(a, ActionDossierList, accesslog.OutcomeOK, g)...)
		}
		out = append(out, part)
	}
	if err := s.Log.Record(ctx, entries...); err != nil {
		return nil, err
	}
	return out, nil
}

// visible loads a dossier and checks jurisdiction, logging refusals.
func (s *Service) visible(ctx context.Context, a auth.Actor, id, action string) (*Dossier, error) {
	d, err := s.Store.Dossier(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.E(apperr.NotFound, "no such dossier in your jurisdiction")
	}
	if err != nil {
		return nil, err
	}
	if !inJurisdiction(a, d) {
		if err := s.Log.Record(ctx, s.entries(a, action, accesslog.OutcomeDenied, d)...); err != nil {
			return nil, err
		}
		return nil, apperr.E(apperr.NotFound, "no such dossier in your jurisdiction")
	}
	return d, nil
}

// Act is an officer's act on a dossier.
type Act struct {
	Action string `json:"-"`
	Note   string `json:"note"`
}

// Officer acts.
const (
	ActReceive     = "receive"
	ActRequestInfo = "request_info"
	ActApprove     = "approve"
	ActReject      = "reject"
	ActIssueResult = "issue_result"
)

// Do applies an officer's act to a dossier in his jurisdiction:
//
//	receive       submitted|resubmitted → processing (received while a fee is unpaid)
//	request_info  received|processing → info_requested (note required)
//	approve       processing → approved (the fee paid; a waiting part after its predecessor)
//	reject        any open state → rejected (note required)
//	issue_result  approved → result_issued (signs the result document)
func (s *Service) Do(ctx context.Context, a auth.Actor, id string, act Act) (*Dossier, error) {
	action := ActionDossierAct + act.Action
	if !a.CanWrite() {
		return nil, apperr.E(apperr.Forbidden, "your role (%s) may not process dossiers", a.Role)
	}
	d, err := s.visible(ctx, a, id, action)
	if err != nil {
		return nil, err
	}
	p, err := s.Procedure(ctx, d.Procedure)
	if err != nil {
		return nil, err
	}
	now := s.now()
	note := clean(act.Note, 2000)
	from := d.State
	c := &Commit{Updated: []*Dossier{d}}
	switch act.Action {
	case ActReceive:
		if d.State != Submitted && d.State != Resubmitted {
			return nil, conflict(d, act.Action)
		}
		d.State = Processing
		if d.Unpaid() {
			d.State = Received
		}
	case ActRequestInfo:
		if d.State != Received && d.State != Processing {
			return nil, conflict(d, act.Action)
		}
		if note == "" {
			return nil, apperr.Field(apperr.Invalid, "note", "say what information is needed")
		}
		d.State, d.Note = InfoRequested, note
	case ActReject:
		if d.State.Closed() {
			return nil, conflict(d, act.Action)
		}
		if note == "" {
			return nil, apperr.Field(apperr.Invalid, "note", "give the reason for the rejection")
		}
		d.State, d.Note = Rejected, note
	case ActApprove:
		if err := s.canApprove(ctx, d); err != nil {
			return nil, err
		}
		d.State = Approved
	case ActIssueResult:
		if d.State != Approved {
			return nil, conflict(d, act.Action)
		}
		if c.Result, err = s.result(ctx, a, d, p, now); err != nil {
			return nil, err
		}
		d.State, d.ResultID = ResultIssued, c.Result.ID
	default:
		return nil, apperr.Field(apperr.Invalid, "action", "unknown act %q", act.Action)
	}
	d.Version, d.UpdatedAt = d.Version+1, now
	s.record(c, d, a, act.Action, from, note, now, p)
	switch {
	case act.Action == ActApprove && p.Effect == EffectRegisterBirth:
		err = s.registerBirth(ctx, a, d, c, now)
	case act.Action == ActApprove:
		err = s.recordEffect(ctx, a, d, p, c, now)
	default:
		err = s.Store.CommitDossiers(ctx, c)
	}
	if err != nil {
		return nil, err
	}
	if err := s.Log.Record(ctx, s.entries(a, action, accesslog.OutcomeOK, d)...); err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

func conflict(d *Dossier, act string) error {
	return apperr.E(apperr.Conflict, "a dossier that is %s cannot be %s", d.State, strings.ReplaceAll(act, "_", " ")+"d")
}

// canApprove checks that a dossier may be approved: processing, paid,
// and, for a part that waits, after its predecessor.
func (s *Service) canApprove(ctx context.Context, d *Dossier) error {
	if d.Unpaid() {
		return apperr.E(apperr.PaymentRequired, "the fee of %d VND is not paid: the dossier cannot be processed", d.Fee)
	}
	if d.State != Processing {
		return conflict(d, ActApprove)
	}
	if d.WaitsFor == "" {
		return nil
	}
	group, err := s.Store.GroupDossiers(ctx, d.GroupID)
	if err != nil {
		return err
	}
	for _, g := range group {
		if g.Procedure == d.WaitsFor && (g.State == Approved || g.State == ResultIssued) && d.SubjectID != "" {
			return nil
		}
	}
	return apperr.E(apperr.Conflict, "this dossier waits for the approval of its linked %s dossier", d.WaitsFor)
}

// registerBirth approves a birth registration: the register creates the
// person with a new ID number, with the dossier as legal basis, in the
// same transaction as the approval; the linked dossiers waiting for it
// then concern the new person.
func (s *Service) registerBirth(ctx context.Context, a auth.Actor, d *Dossier, c *Commit, now time.Time) error {
	f := d.Fields
	req := register.BirthRequest{FullName: f["child_full_name"], Gender: idnum.Gender(f["child_gender"]),
		BirthDate: register.Date(f["child_birth_date"]), BirthPlace: f["child_birth_place"], Hometown: f["child_hometown"],
		Ethnicity: f["child_ethnicity"], FatherID: f["father_id"], MotherID: f["mother_id"],
		Legal: register.LegalBasis{DocumentNo: d.ID, DocumentDate: register.Date(register.Today(now)), Issuer: officeName(d, nil, now)}}
	applicant, err := s.Register.ForSubject(ctx, d.ApplicantID)
	if err != nil {
		return err
	}
	switch f["applicant_relation"] {
	case "father":
		if req.FatherID == "" {
			req.FatherID = d.ApplicantID
		}
	case "mother":
		if req.MotherID == "" {
			req.MotherID = d.ApplicantID
		}
	}
	if f["household_id"] != "" {
		req.HouseholdID, req.RelationToHead = f["household_id"], childRelation(applicant.RelationToHead, req.Gender)
	} else {
		req.Permanent = &register.Residence{Commune: f["residence_commune"], Address: f["residence_address"]}
	}
	c.SubjectFromBirth = []*Dossier{d}
	if d.GroupID != "" {
		group, err := s.Store.GroupDossiers(ctx, d.GroupID)
		if err != nil {
			return err
		}
		for _, g := range group {
			if g.WaitsFor == d.Procedure && g.ID != d.ID {
				from := g.State
				g.Version, g.UpdatedAt = g.Version+1, now
				c.Updated = append(c.Updated, g)
				c.SubjectFromBirth = append(c.SubjectFromBirth, g)
				c.Steps = append(c.Steps, Step{DossierID: g.ID, At: now, Actor: a.ID, ActorRole: a.Role,
					Action: "linked_birth_registered", From: from, To: g.State, Note: "birth registered by " + d.ID})
			}
		}
	}
	reg := *s.Register
	reg.Store = s.Store.RegisterWith(c)
	p, err := reg.RegisterBirth(ctx, a, req)
	if err != nil {
		return err
	}
	for _, x := range c.SubjectFromBirth {
		x.SubjectID = p.IDNumber
	}
	return nil
}

// childRelation is a newborn's relation to the head of the household
// the applicant belongs to.
func childRelation(applicantRel string, g idnum.Gender) string {
	child, grand := "son", "grandson"
	if g == idnum.Female {
		child, grand = "daughter", "granddaughter"
	}
	switch applicantRel {
	case "head", "wife", "husband":
		return child
	case "son", "daughter", "son_in_law", "daughter_in_law":
		return grand
	}
	return "other"
}

// officeName is the handling office as a document names it, e.g.
// "Ủy ban nhân dân cấp xã — Phường Thuận Hóa".
func officeName(d *Dossier, p *Procedure, now time.Time) string {
	level := units.Commune
	if d.UnitLevel == "province" {
		level = units.Province
	}
	name := d.UnitCode
	if u, ok := units.Find(d.UnitCode, level, register.Today(now)); ok {
		name = u.FullName()
	}
	if p != nil && p.Handling.Office.VI != "" {
		return p.Handling.Office.VI + " — " + name
	}
	return "UBND " + name
}

// valueText shows a field's value on a document.
var valueText = map[string]string{"male": "Nam", "female": "Nữ", "father": "Cha", "mother": "Mẹ", "other": "Khác"}

// result renders and signs the result document of an approved dossier.
func (s *Service) result(ctx context.Context, a auth.Actor, d *Dossier, p *Procedure, now time.Time) (*ResultDoc, error) {
	id := newID("KQ-")
	base := ""
	if s.BaseURL != nil {
		base = strings.TrimRight(s.BaseURL(), "/")
	}
	doc := document{ID: id, Title: p.Result.Title.VI, TitleEN: p.Result.Title.EN, Office: officeName(d, p, now),
		Procedure: p.Name.VI, IssuedAt: now, Officer: a.ID, VerifyURL: base + "/verify/" + id}
	doc.Lines = append(doc.Lines, [2]string{"Số hồ sơ", d.ID})
	if d.SubjectID != "" {
		doc.Lines = append(doc.Lines, [2]string{"Số định danh cá nhân", d.SubjectID})
	}
	for _, f := range p.Fields {
		v := d.Fields[f.Name]
		if v == "" || f.Name == "household_id" {
			continue
		}
		if t, ok := valueText[v]; ok {
			v = t
		}
		if f.Type == TypeCommune {
			if u, ok := units.Find(v, units.Commune, register.Today(now)); ok {
				v = u.FullName()
			}
		}
		doc.Lines = append(doc.Lines, [2]string{f.Label.VI, v})
	}
	return s.newResult(ctx, doc, d.ID, d.UnitCode)
}

// ResultFor returns a dossier's result document for its applicant.
func (s *Service) ResultFor(ctx context.Context, c Citizen, dossierID string) (*ResultDoc, error) {
	d, err := s.MyDossier(ctx, c, dossierID)
	if err != nil {
		return nil, err
	}
	if d.ResultID == "" {
		return nil, apperr.E(apperr.NotFound, "the dossier has no result yet")
	}
	return s.Store.Result(ctx, d.ResultID)
}

// OfficerResult returns a dossier's result document for an officer.
func (s *Service) OfficerResult(ctx context.Context, a auth.Actor, dossierID string) (*ResultDoc, error) {
	d, err := s.Get(ctx, a, dossierID)
	if err != nil {
		return nil, err
	}
	if d.ResultID == "" {
		return nil, apperr.E(apperr.NotFound, "the dossier has no result yet")
	}
	return s.Store.Result(ctx, d.ResultID)
}

// Pay starts paying a dossier's fee with a provider: a payment with the
// QR payload to scan.
func (s *Service) Pay(ctx context.Context, c Citizen, dossierID, provider string) (*Payment, error) {
	d, err := s.MyDossier(ctx, c, dossierID)
	if err != nil {
		return nil, err
	}
	if provider == "" {
		provider = "sandbox"
	}
	pr, ok := s.Payments[provider]
	if !ok {
		return nil, apperr.Field(apperr.Invalid, "provider", "no payment provider %q", provider)
	}
	switch {
	case d.Fee == 0:
		return nil, apperr.E(apperr.Conflict, "this procedure is free")
	case d.PaidAt != nil:
		return nil, apperr.E(apperr.Conflict, "the fee is already paid")
	case d.State.Closed():
		return nil, apperr.E(apperr.Conflict, "the dossier is %s", d.State)
	}
	p := &Payment{ID: newID("TT-"), DossierID: d.ID, Provider: pr.Name(), Amount: d.Fee, Currency: "VND",
		Status: PaymentPending, CreatedAt: s.now()}
	if err := pr.Prepare(ctx, p); err != nil {
		return nil, err
	}
	if err := s.Store.CommitDossiers(ctx, &Commit{Payment: p}); err != nil {
		return nil, err
	}
	return p, nil
}

// PaymentFor returns a payment of one of the citizen's dossiers.
func (s *Service) PaymentFor(ctx context.Context, c Citizen, paymentID string) (*Payment, error) {
	p, err := s.Store.Payment(ctx, paymentID)
	if err != nil {
		return nil, apperr.E(apperr.NotFound, "no such payment")
	}
	if _, err := s.MyDossier(ctx, c, p.DossierID); err != nil {
		return nil, apperr.E(apperr.NotFound, "no such payment")
	}
	return p, nil
}

// DossierPayments lists a dossier's payments for its applicant.
func (s *Service) DossierPayments(ctx context.Context, c Citizen, dossierID string) ([]*Payment, error) {
	if _, err := s.MyDossier(ctx, c, dossierID); err != nil {
		return nil, err
	}
	return s.Store.DossierPayments(ctx, dossierID)
}

// Confirm applies a provider's callback: the payment is paid, and a
// dossier waiting for its fee goes on to processing. A repeated callback
// changes nothing.
func (s *Service) Confirm(ctx context.Context, provider string, body []byte, h map[string][]string) (*Payment, error) {
	pr, ok := s.Payments[provider]
	if !ok {
		return nil, apperr.E(apperr.NotFound, "no payment provider %q", provider)
	}
	cf, err := pr.VerifyCallback(ctx, body, h)
	if err != nil {
		return nil, err
	}
	p, err := s.Store.Payment(ctx, cf.PaymentID)
	if err != nil || p.Provider != provider {
		return nil, apperr.E(apperr.NotFound, "no such payment")
	}
	if p.Status == PaymentPaid {
		return p, nil
	}
	if cf.Amount != p.Amount {
		return nil, apperr.Field(apperr.Invalid, "amount", "the amount paid (%d) is not the amount due (%d)", cf.Amount, p.Amount)
	}
	d, err := s.Store.Dossier(ctx, p.DossierID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	p.Status, p.ProviderRef, p.PaidAt = PaymentPaid, cf.ProviderRef, &now
	c := &Commit{Payment: p}
	if d.PaidAt == nil {
		from := d.State
		d.PaidAt = &now
		if d.State == Received {
			d.State = Processing
		}
		d.Version, d.UpdatedAt = d.Version+1, now
		c.Updated = []*Dossier{d}
		proc, _ := s.Store.Procedure(ctx, d.Procedure)
		s.record(c, d, auth.Actor{ID: "payment:" + provider, Role: "payment"}, "payment", from,
			fmt.Sprintf("%d VND paid (%s)", p.Amount, p.ID), now, proc)
	}
	if err := s.Store.CommitDossiers(ctx, c); err != nil {
		return nil, err
	}
	return p, nil
}
