package eid

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/register"
)

// Authentication method references (RFC 8176) recorded on sessions.
var (
	amrSMS    = []string{"pwd", "otp", "sms", "mfa"}
	amrTOTP   = []string{"pwd", "otp", "mfa"}
	amrDevice = []string{"pwd", "swk", "mfa"} // swk: the bound device's key
)

// errCredentials is the one answer for an unknown ID number or a wrong
// passcode, so that login does not tell which accounts exist.
var errCredentials = apperr.E(apperr.InvalidCredentials, "wrong ID number or passcode")

// BeginLogin checks the passcode. With a valid device token of the account
// it opens a session at once; otherwise it answers a challenge for the
// second factor, having sent a code by SMS unless the account has a TOTP
// app (then the challenge offers "totp" first and ResendOTP sends an SMS
// on request).
func (s *Service) BeginLogin(ctx context.Context, req LoginRequest, c Client) (LoginResult, error) {
	now := s.now()
	if err := s.limit(ctx, now, "login-ip", c.IP, s.opts.LoginPerIP); err != nil {
		return LoginResult{}, err
	}
	var a *Account
	if checkIDNumber(req.IDNumber) == nil {
		var err error
		a, err = s.store.EIDAccountByIDNumber(ctx, req.IDNumber)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return LoginResult{}, err
		}
	}
	if a == nil {
		VerifyPasscode(s.dummy, req.Passcode) // the same work as for an account
		return LoginResult{}, errCredentials
	}
	if err := s.limit(ctx, now, "login-account", a.ID, s.opts.LoginPerAccount); err != nil {
		return LoginResult{}, err
	}
	if a.Locked(now) {
		return LoginResult{}, lockedError(*a.LockedUntil, now)
	}
	ok, err := VerifyPasscode(a.PasscodeHash, req.Passcode)
	if err != nil {
		return LoginResult{}, err
	}
	if !ok {
		if _, err := s.fail(ctx, a, now); err != nil {
			return LoginResult{}, err
		}
		return LoginResult{}, errCredentials
	}
	if err := s.stillLiving(ctx, a); err != nil {
		return LoginResult{}, err
	}
	s.rehash(ctx, a, req.Passcode, now)
	if d := s.boundDevice(ctx, a, req.DeviceToken); d != nil {
		if err := s.store.TouchEIDDevice(ctx, d.ID, now); err != nil {
			return LoginResult{}, err
		}
		return s.openSession(ctx, a, amrDevice, d.ID, c, now)
	}
	ch := &Challenge{ID: newID(), Purpose: PurposeLogin, AccountID: a.ID, IDNumber: a.IDNumber, Phone: a.Phone, CreatedAt: now}
	if a.TOTPSecret != "" {
		ch.Methods, ch.ExpiresAt = []string{MethodTOTP, MethodSMS}, now.Add(s.opts.OTPTTL)
		err = s.store.CreateEIDChallenge(ctx, ch)
	} else {
		ch.Methods = []string{MethodSMS}
		err = s.sendCode(ctx, ch, c, now, true)
	}
	if err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Challenge: ch}, nil
}

// rehash hashes a passcode just verified again when its hash predates
// the current parameters. A failure only leaves the old hash in place.
func (s *Service) rehash(ctx context.Context, a *Account, passcode string, now time.Time) {
	if !NeedsRehash(a.PasscodeHash, s.opts.Argon2) {
		return
	}
	hash, err := HashPasscode(s.opts.Argon2, passcode)
	if err == nil {
		err = s.store.RehashEIDPasscode(ctx, a.ID, a.PasscodeHash, hash, now)
	}
	if err == nil {
		a.PasscodeHash = hash
	}
}

// stillLiving refuses the account of a person the register no longer
// records as living (dead, declared missing, or gone).
func (s *Service) stillLiving(ctx context.Context, a *Account) error {
	p, err := s.people.ForSubject(ctx, a.IDNumber)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return err
	}
	if err != nil || p.Status != register.Living {
		return apperr.E(apperr.Forbidden, "this e-ID account can no longer be used")
	}
	return nil
}

// boundDevice returns the account's device named by a device token, or
// nil when the token is absent, unknown, revoked or not the account's.
func (s *Service) boundDevice(ctx context.Context, a *Account, token string) *Device {
	id, secret, ok := parseToken(DeviceTokenPrefix, token)
	if !ok {
		return nil
	}
	d, err := s.store.EIDDevice(ctx, id)
	if err != nil || d.AccountID != a.ID || d.RevokedAt != nil || !secretMatches(secret, d.SecretHash) {
		return nil
	}
	return d
}

// FinishLogin checks the second factor of a login challenge ("sms" with
// the code sent, or "totp" with the app's code) and opens a session. With
// bindDevice it also binds the device and returns its token once: a later
// BeginLogin with it skips this step.
func (s *Service) FinishLogin(ctx context.Context, challengeID, method, code string, bindDevice bool, deviceName string, c Client) (LoginResult, error) {
	now := s.now()
	ch, err := s.openChallenge(ctx, challengeID, PurposeLogin, now)
	if err != nil {
		return LoginResult{}, err
	}
	a, err := s.store.EIDAccount(ctx, ch.AccountID)
	if err != nil {
		return LoginResult{}, err
	}
	if a.Locked(now) {
		return LoginResult{}, lockedError(*a.LockedUntil, now)
	}
	var amr []string
	switch method {
	case MethodSMS:
		if err := s.checkCode(ctx, ch, code, a, now); err != nil {
			return LoginResult{}, err
		}
		amr = amrSMS
	case MethodTOTP:
		if a.TOTPSecret == "" {
			return LoginResult{}, apperr.Field(apperr.Invalid, "method", "this account has no TOTP app: use sms")
		}
		step, ok := totpStep(a.TOTPSecret, code, now)
		if ok {
			if ok, err = s.store.UseEIDTOTPStep(ctx, a.ID, step); err != nil {
				return LoginResult{}, err
			}
		}
		if !ok {
			return LoginResult{}, s.wrongCode(ctx, ch, a, now)
		}
		amr = amrTOTP
	default:
		return LoginResult{}, apperr.Field(apperr.Invalid, "method", "method must be sms or totp")
	}
	if err := s.store.ConsumeEIDChallenge(ctx, ch.ID, s.opts.OTPMaxTries, now); err != nil {
		return LoginResult{}, err
	}
	var res LoginResult
	deviceID := ""
	if bindDevice {
		d := &Device{ID: newID(), AccountID: a.ID, Name: cleanText(deviceName, 100), CreatedAt: now}
		if d.Name == "" {
			d.Name = "device"
		}
		res.DeviceToken, d.SecretHash = newToken(DeviceTokenPrefix, d.ID)
		if err := s.store.CreateEIDDevice(ctx, d); err != nil {
			return LoginResult{}, err
		}
		res.Device, deviceID = d, d.ID
	}
	sess, err := s.openSession(ctx, a, amr, deviceID, c, now)
	if err != nil {
		return LoginResult{}, err
	}
	res.Session, res.Token = sess.Session, sess.Token
	return res, nil
}

// openSession starts a session after a complete login and clears the
// account's failures.
func (s *Service) openSession(ctx context.Context, a *Account, amr []string, deviceID string, c Client, now time.Time) (LoginResult, error) {
	sess := &Session{ID: newID(), AccountID: a.ID, IDNumber: a.IDNumber, Level: a.Level, AMR: amr,
		AuthTime: now, ExpiresAt: now.Add(s.opts.SessionTTL), DeviceID: deviceID,
		IP: cleanText(c.IP, 64), UserAgent: cleanText(c.UserAgent, 256)}
	token, hash := newToken(SessionTokenPrefix, sess.ID)
	sess.SecretHash = hash
	if err := s.store.ClearEIDFailures(ctx, a.ID, now); err != nil {
		return LoginResult{}, err
	}
	if err := s.store.CreateEIDSession(ctx, sess); err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Session: sess, Token: token}, nil
}

// cleanText makes outside text storable: valid UTF-8 without NUL bytes,
// trimmed, at most n bytes.
func cleanText(s string, n int) string {
	s = strings.TrimSpace(strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\x00", ""))
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}
