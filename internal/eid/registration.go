package eid

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/register"
)

// MinAge is the age from which a citizen may create an e-ID account
// himself (Identity Law 2023, art. 31); younger children are added to a
// parent's account.
const MinAge = 14

// errMismatch is the one answer for details that do not lead to an
// account: unknown ID number, any field that differs, a person who is dead
// or missing. It never says which, so that registration cannot be used to
// read the register.
var errMismatch = apperr.E(apperr.DetailsMismatch, "the details do not match the register")

// validate checks the request's format and returns it normalised.
func (r RegistrationRequest) validate() (RegistrationRequest, error) {
	if err := checkIDNumber(r.IDNumber); err != nil {
		return r, err
	}
	if strings.TrimSpace(r.FullName) == "" || len(r.FullName) > 200 {
		return r, apperr.Field(apperr.Invalid, "full_name", "full name is required (at most 200 characters)")
	}
	if _, err := register.ParseDate("birth_date", r.BirthDate); err != nil {
		return r, err
	}
	phone, err := NormalizePhone(r.Phone)
	if err != nil {
		return r, err
	}
	r.Phone = phone
	return r, nil
}

// checkIDNumber refuses what is not a well-formed ID number.
func checkIDNumber(s string) error {
	if _, err := idnum.Parse(s); err != nil {
		var ie *idnum.Error
		if errors.As(err, &ie) {
			return apperr.Field(apperr.InvalidIDNumber, "id_number", "%s", ie.Message)
		}
		return apperr.Field(apperr.InvalidIDNumber, "id_number", "not a valid ID number")
	}
	return nil
}

// foldName compares names after NFC, case and space normalisation.
func foldName(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(norm.NFC.String(s)), " "))
}

// birthMatches reports whether a given birth date agrees with the recorded
// one on the recorded parts: a record of "1948" accepts "1948" and any
// date in 1948; a full record needs the full date.
func birthMatches(recorded register.Date, given string) bool {
	r := string(recorded)
	return r != "" && len(given) >= len(r) && given[:len(r)] == r
}

// matches reports whether the request agrees with the record of a living
// person.
func matches(p *register.Person, r RegistrationRequest) bool {
	return p.Status == register.Living && foldName(p.FullName) == foldName(r.FullName) &&
		birthMatches(p.BirthDate, r.BirthDate)
}

// ageOn returns the age at today (YYYY-MM-DD) of someone born on d; a
// partial date counts from its first possible day.
func ageOn(d register.Date, today string) int {
	b := d.Earliest()
	age := register.Date(today).Year() - d.Year()
	if today[4:] < b[4:] {
		age--
	}
	return age
}

// StartRegistration checks a citizen's details against the register and,
// when they match a living person of at least MinAge without an account,
// sends a 6-digit code to the phone. Details that do not match answer
// details_mismatch whatever the reason.
func (s *Service) StartRegistration(ctx context.Context, req RegistrationRequest, c Client) (Challenge, error) {
	now := s.now()
	if err := s.limit(ctx, now, "start-ip", c.IP, s.opts.StartPerIP); err != nil {
		return Challenge{}, err
	}
	req, err := req.validate()
	if err != nil {
		return Challenge{}, err
	}
	if err := s.limit(ctx, now, "start-id", req.IDNumber, s.opts.StartPerIDNumber); err != nil {
		return Challenge{}, err
	}
	p, err := s.people.ForSubject(ctx, req.IDNumber)
	switch {
	case apperr.Is(err, apperr.NotFound):
		return Challenge{}, errMismatch
	case err != nil:
		return Challenge{}, err
	case !matches(p, req):
		return Challenge{}, errMismatch
	case ageOn(p.BirthDate, register.Today(now)) < MinAge:
		return Challenge{}, apperr.E(apperr.Forbidden, "e-ID accounts are created from the age of %d; a parent adds a younger child to his own account", MinAge)
	}
	if err := s.noAccount(ctx, req.IDNumber); err != nil {
		return Challenge{}, err
	}
	ch := &Challenge{ID: newID(), Purpose: PurposeRegistration, Methods: []string{MethodSMS},
		IDNumber: req.IDNumber, Phone: req.Phone, CreatedAt: now}
	if err := s.sendCode(ctx, ch, c, now, true); err != nil {
		return Challenge{}, err
	}
	return *ch, nil
}

// noAccount fails with account_exists when the person has an account.
func (s *Service) noAccount(ctx context.Context, idNumber string) error {
	_, err := s.store.EIDAccountByIDNumber(ctx, idNumber)
	switch {
	case err == nil:
		return apperr.E(apperr.AccountExists, "this person already has an e-ID account")
	case apperr.Is(err, apperr.NotFound):
		return nil
	}
	return err
}

// CompleteRegistration checks the code sent by StartRegistration and
// creates the level-1 account with the chosen passcode. A weak passcode is
// refused before the code is tried, so that it costs no try.
func (s *Service) CompleteRegistration(ctx context.Context, challengeID, code, passcode string, c Client) (*Account, error) {
	now := s.now()
	ch, err := s.openChallenge(ctx, challengeID, PurposeRegistration, now)
	if err != nil {
		return nil, err
	}
	p, err := s.people.ForSubject(ctx, ch.IDNumber)
	if err != nil {
		return nil, err
	}
	if p.Status != register.Living {
		return nil, errMismatch
	}
	if err := CheckPasscode(passcode, p.BirthDate, ch.IDNumber, ch.Phone); err != nil {
		return nil, err
	}
	if err := s.checkCode(ctx, ch, code, nil, now); err != nil {
		return nil, err
	}
	hash, err := HashPasscode(s.opts.Argon2, passcode)
	if err != nil {
		return nil, err
	}
	a := &Account{ID: newID(), IDNumber: ch.IDNumber, Phone: ch.Phone, Level: Level1,
		PasscodeHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateEIDAccount(ctx, a, ch.ID, s.opts.OTPMaxTries); err != nil {
		return nil, err
	}
	return a, nil
}

// smsText is the message that carries a code. It names the purpose so
// that a citizen who did not ask for it knows what someone tried.
func smsText(purpose, code string, ttl time.Duration) string {
	what := map[string]string{
		PurposeRegistration:  "dang ky tai khoan dinh danh dien tu",
		PurposeLogin:         "dang nhap",
		PurposePasscodeReset: "dat lai mat khau",
	}[purpose]
	return "Ma xac thuc dancu (" + what + "): " + code + ". Hieu luc " +
		strconv.Itoa(int(ttl.Minutes())) + " phut. Khong chia se ma nay voi bat ky ai."
}
