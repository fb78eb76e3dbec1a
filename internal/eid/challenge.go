package eid

import (
	"context"
	"crypto/hmac"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// maxChallengeAge bounds how long new codes may be asked for one challenge.
const maxChallengeAge = 30 * time.Minute

// openChallenge returns an unused, unexpired challenge of the purpose (any
// purpose if purpose is empty) that still has tries left.
func (s *Service) openChallenge(ctx context.Context, id, purpose string, now time.Time) (*Challenge, error) {
	return s.findChallenge(ctx, id, purpose, now, false)
}

// findChallenge is openChallenge that, when allowExpired, also returns a
// challenge whose code has expired, if it is younger than maxChallengeAge.
func (s *Service) findChallenge(ctx context.Context, id, purpose string, now time.Time, allowExpired bool) (*Challenge, error) {
	notFound := apperr.E(apperr.ChallengeNotFound, "no such challenge, or it was already used: start again")
	if id == "" || len(id) > 64 {
		return nil, notFound
	}
	ch, err := s.store.EIDChallenge(ctx, id)
	switch {
	case apperr.Is(err, apperr.NotFound) || apperr.Is(err, apperr.ChallengeNotFound):
		return nil, notFound
	case err != nil:
		return nil, err
	case (purpose != "" && ch.Purpose != purpose) || ch.UsedAt != nil:
		return nil, notFound
	case ch.Tries >= s.opts.OTPMaxTries:
		return nil, apperr.E(apperr.ChallengeNotFound, "too many wrong codes for this challenge: start again")
	case allowExpired && now.Sub(ch.CreatedAt) > maxChallengeAge:
		return nil, apperr.E(apperr.OTPExpired, "this challenge is too old: start again")
	case !allowExpired && !now.Before(ch.ExpiresAt):
		return nil, apperr.E(apperr.OTPExpired, "the code has expired: ask for a new one or start again")
	}
	return ch, nil
}

// checkCode compares a code with the challenge's in constant time. A wrong
// code costs a try of the challenge and, when the challenge belongs to an
// account, counts as a failure of the account (which may lock it).
func (s *Service) checkCode(ctx context.Context, ch *Challenge, code string, a *Account, now time.Time) error {
	if ch.OTPHash != nil && hmac.Equal(s.otpHash(ch.ID, code), ch.OTPHash) {
		return nil
	}
	return s.wrongCode(ctx, ch, a, now)
}

// wrongCode records a wrong code and returns the error to answer.
func (s *Service) wrongCode(ctx context.Context, ch *Challenge, a *Account, now time.Time) error {
	tries, err := s.store.EIDChallengeFailed(ctx, ch.ID)
	if err != nil {
		return err
	}
	if a != nil {
		if _, err := s.fail(ctx, a, now); err != nil {
			return err
		}
	}
	if left := s.opts.OTPMaxTries - tries; left > 0 {
		return apperr.Field(apperr.OTPInvalid, "otp", "wrong code: %d tries left", left)
	}
	return apperr.Field(apperr.OTPInvalid, "otp", "wrong code: no tries left, start again")
}

// fail counts a wrong passcode or code against an account. It returns
// the failures left before a lock, or account_locked when this one locked
// the account.
func (s *Service) fail(ctx context.Context, a *Account, now time.Time) (left int, err error) {
	until, n, err := s.store.RecordEIDFailure(ctx, a.ID, now, s.lock)
	if err != nil {
		return 0, err
	}
	if !until.IsZero() {
		return 0, lockedError(until, now)
	}
	return s.lock.MaxFailures - n, nil
}

// lockedError answers for a locked account with the time it unlocks.
func lockedError(until, now time.Time) error {
	return apperr.Retry(apperr.AccountLocked, until.Sub(now),
		"too many failed attempts: the account is locked until %s", until.UTC().Format(time.RFC3339))
}

// sendCode makes a new code for the challenge, stores the challenge (or
// its new code) and sends the code by SMS, within the rate limits of the
// phone and of the client.
func (s *Service) sendCode(ctx context.Context, ch *Challenge, c Client, now time.Time, create bool) error {
	if err := s.limit(ctx, now, "sms-phone", ch.Phone, s.opts.SMSPerPhone); err != nil {
		return err
	}
	if err := s.limit(ctx, now, "sms-ip", c.IP, s.opts.SMSPerIP); err != nil {
		return err
	}
	code := newOTP()
	ch.OTPHash = s.otpHash(ch.ID, code)
	ch.ExpiresAt = now.Add(s.opts.OTPTTL)
	ch.SentTo = maskPhone(ch.Phone)
	var err error
	if create {
		err = s.store.CreateEIDChallenge(ctx, ch)
	} else {
		err = s.store.SetEIDChallengeOTP(ctx, ch.ID, ch.OTPHash, ch.ExpiresAt)
	}
	if err != nil {
		return err
	}
	if err := s.sender.Send(ctx, ch.Phone, smsText(ch.Purpose, code, s.opts.OTPTTL)); err != nil {
		// The cause names the gateway only; neither the phone nor the
		// text reaches it or the log.
		return &apperr.Error{Code: apperr.Unavailable, Message: "the code could not be sent: try again later", Err: err}
	}
	return nil
}

// ResendOTP sends a new code for an open challenge (the old one stops
// working): when the SMS did not arrive or the code expired, or to use
// SMS on a login that offered TOTP first. Tries already spent stay spent.
func (s *Service) ResendOTP(ctx context.Context, challengeID string, c Client) (Challenge, error) {
	now := s.now()
	ch, err := s.findChallenge(ctx, challengeID, "", now, true)
	if err != nil {
		return Challenge{}, err
	}
	if ch.AccountID != "" {
		a, err := s.store.EIDAccount(ctx, ch.AccountID)
		if err != nil {
			return Challenge{}, err
		}
		if a.Locked(now) {
			return Challenge{}, lockedError(*a.LockedUntil, now)
		}
	}
	if err := s.sendCode(ctx, ch, c, now, false); err != nil {
		return Challenge{}, err
	}
	return *ch, nil
}

// limit records one event against a rate limit, or answers rate_limited
// with how long to wait. An empty subject (no client IP) is not limited.
func (s *Service) limit(ctx context.Context, now time.Time, kind, subject string, l Limit) error {
	if l.Max <= 0 || subject == "" {
		return nil
	}
	wait, err := s.store.EIDRateHit(ctx, rateKey(kind, subject), now, l.Per, l.Max)
	if err != nil {
		return err
	}
	if wait > 0 {
		return apperr.Retry(apperr.RateLimited, wait, "too many requests: try again in %s", wait.Round(time.Second))
	}
	return nil
}
