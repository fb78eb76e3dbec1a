package eid

import (
	"context"
	"crypto/subtle"

	"github.com/pquerna/otp/totp"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// StartPasscodeReset sends a code to the account's phone when the ID
// number and phone are an account's; otherwise it answers
// details_mismatch, saying no more.
func (s *Service) StartPasscodeReset(ctx context.Context, idNumber, phone string, c Client) (Challenge, error) {
	now := s.now()
	if err := s.limit(ctx, now, "start-ip", c.IP, s.opts.StartPerIP); err != nil {
		return Challenge{}, err
	}
	if err := checkIDNumber(idNumber); err != nil {
		return Challenge{}, err
	}
	phone, err := NormalizePhone(phone)
	if err != nil {
		return Challenge{}, err
	}
	if err := s.limit(ctx, now, "start-id", idNumber, s.opts.StartPerIDNumber); err != nil {
		return Challenge{}, err
	}
	a, err := s.store.EIDAccountByIDNumber(ctx, idNumber)
	switch {
	case apperr.Is(err, apperr.NotFound):
		return Challenge{}, apperr.E(apperr.DetailsMismatch, "the ID number and phone do not match an e-ID account")
	case err != nil:
		return Challenge{}, err
	case subtle.ConstantTimeCompare([]byte(a.Phone), []byte(phone)) != 1:
		return Challenge{}, apperr.E(apperr.DetailsMismatch, "the ID number and phone do not match an e-ID account")
	case a.Locked(now):
		return Challenge{}, lockedError(*a.LockedUntil, now)
	}
	ch := &Challenge{ID: newID(), Purpose: PurposePasscodeReset, Methods: []string{MethodSMS},
		AccountID: a.ID, IDNumber: a.IDNumber, Phone: a.Phone, CreatedAt: now}
	if err := s.sendCode(ctx, ch, c, now, true); err != nil {
		return Challenge{}, err
	}
	return *ch, nil
}

// CompletePasscodeReset checks the code and sets a new passcode. Every
// session ends, every device is unbound and every passkey removed:
// whoever knew the old passcode, and may have added a way in, is out.
func (s *Service) CompletePasscodeReset(ctx context.Context, challengeID, code, newPasscode string, c Client) error {
	now := s.now()
	ch, err := s.openChallenge(ctx, challengeID, PurposePasscodeReset, now)
	if err != nil {
		return err
	}
	a, err := s.store.EIDAccount(ctx, ch.AccountID)
	if err != nil {
		return err
	}
	if a.Locked(now) {
		return lockedError(*a.LockedUntil, now)
	}
	p, err := s.people.ForSubject(ctx, a.IDNumber)
	if err != nil {
		return err
	}
	if err := CheckPasscode(newPasscode, p.BirthDate, a.IDNumber, a.Phone); err != nil {
		return err
	}
	if err := s.checkCode(ctx, ch, code, a, now); err != nil {
		return err
	}
	hash, err := HashPasscode(s.opts.Argon2, newPasscode)
	if err != nil {
		return err
	}
	return s.store.ResetEIDPasscode(ctx, a.ID, hash, ch.ID, s.opts.OTPMaxTries, now)
}

// EnrollTOTP makes a new TOTP secret for the account, pending until
// ConfirmTOTP proves that an app holds it. It returns the secret and the
// otpauth:// URL that apps read from a QR code.
func (s *Service) EnrollTOTP(ctx context.Context, accountID string) (secret, otpauthURL string, err error) {
	a, err := s.store.EIDAccount(ctx, accountID)
	if err != nil {
		return "", "", err
	}
	if a.TOTPSecret != "" {
		return "", "", apperr.E(apperr.Conflict, "a TOTP app is already enrolled: disable it first")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.opts.Issuer, AccountName: maskIDNumber(a.IDNumber),
		Period: totpOpts.Period, Digits: totpOpts.Digits, Algorithm: totpOpts.Algorithm, SecretSize: 20})
	if err != nil {
		return "", "", apperr.Wrap(err, "generate TOTP secret")
	}
	if err := s.store.SetEIDTOTP(ctx, a.ID, "", key.Secret(), 0, s.now()); err != nil {
		return "", "", err
	}
	return key.Secret(), key.URL(), nil
}

// ConfirmTOTP turns TOTP on once the app shows a valid code for the
// pending secret.
func (s *Service) ConfirmTOTP(ctx context.Context, accountID, code string) error {
	now := s.now()
	a, err := s.store.EIDAccount(ctx, accountID)
	if err != nil {
		return err
	}
	if a.TOTPPending == "" {
		return apperr.E(apperr.Conflict, "no TOTP enrolment is pending: enrol first")
	}
	step, ok := totpStep(a.TOTPPending, code, now)
	if !ok {
		return apperr.Field(apperr.OTPInvalid, "code", "wrong code: check the app's clock and try the current code")
	}
	return s.store.SetEIDTOTP(ctx, a.ID, a.TOTPPending, "", step, now)
}

// DisableTOTP turns TOTP off, on the account's passcode (a wrong one
// counts towards the lock-out).
func (s *Service) DisableTOTP(ctx context.Context, accountID, passcode string) error {
	now := s.now()
	a, err := s.store.EIDAccount(ctx, accountID)
	if err != nil {
		return err
	}
	if a.Locked(now) {
		return lockedError(*a.LockedUntil, now)
	}
	ok, err := VerifyPasscode(a.PasscodeHash, passcode)
	if err != nil {
		return err
	}
	if !ok {
		if _, err := s.fail(ctx, a, now); err != nil {
			return err
		}
		return apperr.Field(apperr.InvalidCredentials, "passcode", "wrong passcode")
	}
	return s.store.SetEIDTOTP(ctx, a.ID, "", "", 0, now)
}
