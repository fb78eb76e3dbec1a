package eid

import (
	"context"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/register"
)

// Access-log actions of officers' acts on e-ID accounts.
const (
	ActionLevel2Upgrade = "eid_level2_upgrade"
	ActionLevel2Revoke  = "eid_level2_revoke"
)

// loggedFields names what an officer's act on an account touches.
const loggedFields = "eid_level"

// Validate checks an attestation's form; the checks themselves are the
// officer's (UpgradeLevel2 refuses unless both passed).
func (at *Attestation) Validate(idNumber string) error {
	at.Document, at.Note = cleanText(at.Document, 64), cleanText(at.Note, 1000)
	switch {
	case at.Document == "" || len(at.Document) > 32:
		return apperr.Field(apperr.Invalid, "document", "document is the number of the chip ID card that was read (at most 32 characters)")
	case len(at.Document) == idnum.Length && strings.Trim(at.Document, "0123456789") == "" && at.Document != idNumber:
		return apperr.Field(apperr.Invalid, "document", "a chip ID card's number is its holder's ID number")
	case len(at.Note) > 500:
		return apperr.Field(apperr.Invalid, "note", "note is at most 500 characters")
	}
	return nil
}

// UpgradeLevel2 raises a level-1 account to level 2 on an officer's
// in-person attestation: the card's chip read and the face matched, both
// required. The officer must be a registrar whose jurisdiction holds the
// person; outside it the answer is not_found exactly as for a missing
// person. Every attempt is written to the access log.
func (s *Service) UpgradeLevel2(ctx context.Context, actor auth.Actor, idNumber string, at Attestation) (*Account, error) {
	if err := checkIDNumber(idNumber); err != nil {
		return nil, err
	}
	if err := at.Validate(idNumber); err != nil {
		return nil, err
	}
	now := s.now()
	a, err := s.officerAccount(ctx, actor, idNumber, ActionLevel2Upgrade, now)
	if err != nil {
		return nil, err
	}
	var refusal error
	switch {
	case !at.ChipRead || !at.FaceMatch:
		refusal = apperr.E(apperr.AttestationFailed, "level 2 needs both the chip read and the face matched")
	case a.Level >= Level2:
		refusal = apperr.E(apperr.Conflict, "the account is already level 2")
	}
	if refusal != nil {
		return nil, s.logged(ctx, actor, ActionLevel2Upgrade, accesslog.OutcomeRejected, idNumber, now, refusal)
	}
	e := &LevelEvent{AccountID: a.ID, Kind: LevelUpgrade, Officer: actor.ID, OfficerUnit: actor.UnitCode,
		ChipRead: at.ChipRead, FaceMatch: at.FaceMatch, Document: at.Document, Note: at.Note, At: now}
	if err := s.store.SetEIDLevel(ctx, a.ID, Level1, Level2, e); err != nil {
		return nil, err
	}
	if err := s.logged(ctx, actor, ActionLevel2Upgrade, accesslog.OutcomeOK, idNumber, now, nil); err != nil {
		return nil, err
	}
	return s.Account(ctx, a.ID)
}

// RevokeLevel2 returns a level-2 account to level 1 with a reason (a card
// reported lost, an attestation found wrong), under the same rules as
// UpgradeLevel2. The account's sessions end, since they claimed level 2.
func (s *Service) RevokeLevel2(ctx context.Context, actor auth.Actor, idNumber, reason string) (*Account, error) {
	if err := checkIDNumber(idNumber); err != nil {
		return nil, err
	}
	reason = cleanText(reason, 1000)
	if reason == "" || len(reason) > 500 {
		return nil, apperr.Field(apperr.Invalid, "reason", "a reason is required (at most 500 characters)")
	}
	now := s.now()
	a, err := s.officerAccount(ctx, actor, idNumber, ActionLevel2Revoke, now)
	if err != nil {
		return nil, err
	}
	if a.Level != Level2 {
		return nil, s.logged(ctx, actor, ActionLevel2Revoke, accesslog.OutcomeRejected, idNumber, now,
			apperr.E(apperr.Conflict, "the account is not level 2"))
	}
	e := &LevelEvent{AccountID: a.ID, Kind: LevelRevoke, Officer: actor.ID, OfficerUnit: actor.UnitCode, Note: reason, At: now}
	if err := s.store.SetEIDLevel(ctx, a.ID, Level2, Level1, e); err != nil {
		return nil, err
	}
	if err := s.logged(ctx, actor, ActionLevel2Revoke, accesslog.OutcomeOK, idNumber, now, nil); err != nil {
		return nil, err
	}
	return s.Account(ctx, a.ID)
}

// officerAccount applies the register's rules to an officer acting on a
// person's account: a registrar's role, the person in his jurisdiction
// (else not_found, as for a missing person), living, with an account.
// Refusals are logged.
func (s *Service) officerAccount(ctx context.Context, actor auth.Actor, idNumber, action string, now time.Time) (*Account, error) {
	if s.opts.Log == nil {
		return nil, apperr.E(apperr.Internal, "the e-ID service has no access log")
	}
	if !actor.CanWrite() {
		return nil, s.logged(ctx, actor, action, accesslog.OutcomeDenied, idNumber, now,
			apperr.E(apperr.Forbidden, "your role (%s) may not attest e-ID accounts", actor.Role))
	}
	notFound := apperr.Field(apperr.NotFound, "id_number", "no person with this ID number in your jurisdiction")
	p, err := s.people.ForSubject(ctx, idNumber)
	switch {
	case apperr.Is(err, apperr.NotFound):
		return nil, s.logged(ctx, actor, action, accesslog.OutcomeNotFound, idNumber, now, notFound)
	case err != nil:
		return nil, err
	case !register.InJurisdiction(actor, p):
		return nil, s.logged(ctx, actor, action, accesslog.OutcomeDenied, idNumber, now, notFound)
	case p.Status != register.Living:
		return nil, s.logged(ctx, actor, action, accesslog.OutcomeRejected, idNumber, now,
			apperr.E(apperr.PersonNotLiving, "the person is not living"))
	}
	a, err := s.store.EIDAccountByIDNumber(ctx, idNumber)
	if apperr.Is(err, apperr.NotFound) {
		return nil, s.logged(ctx, actor, action, accesslog.OutcomeRejected, idNumber, now,
			apperr.Field(apperr.NotFound, "id_number", "this person has no e-ID account: he registers level 1 first"))
	}
	return a, err
}

// logged writes an access-log entry for an officer's act and returns
// answer, or the log's error if the entry could not be written (the log
// fails closed).
func (s *Service) logged(ctx context.Context, a auth.Actor, action, outcome, subject string, now time.Time, answer error) error {
	e := accesslog.Entry{
		At: now, Actor: a.ID, ActorRole: a.Role, Org: a.Org, Unit: a.UnitCode, Purpose: a.Purpose,
		LegalBasis: a.Legal, Subject: subject, Action: action, Fields: loggedFields, Outcome: outcome, RequestID: a.RequestID,
	}
	if err := s.opts.Log.Record(ctx, e); err != nil {
		return err
	}
	return answer
}
