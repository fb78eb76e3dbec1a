// Package officer lets officers log in with their own account: a password
// and a TOTP code (both required), giving a short-lived session token that
// the API accepts like an automation token. Automation keeps its API
// tokens (dancu token create); people log in.
package officer

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/eid"
)

// Credential is an officer's login secrets and lock-out state.
type Credential struct {
	Username     string
	PasswordHash string // argon2id PHC string
	TOTPSecret   string // base32
	TOTPLastStep int64  // last accepted time step, against replay
	Failed       int
	LockCount    int
	LockedUntil  *time.Time
	UpdatedAt    time.Time
}

// Store is what the service needs.
type Store interface {
	Officer(ctx context.Context, username string) (*auth.Officer, error)
	OfficerCredential(ctx context.Context, username string) (*Credential, error)
	SaveOfficerCredential(ctx context.Context, c *Credential) error
	IssueToken(ctx context.Context, officer, name string, ttl time.Duration) (*auth.Token, string, error)
	EIDRateHit(ctx context.Context, key string, now time.Time, window time.Duration, limit int) (time.Duration, error)
}

// Login rules.
const (
	MinPassword  = 12
	maxFailures  = 5
	SessionTTL   = 8 * time.Hour
	loginsPerIP  = 30 // a minute
	sessionName  = "login session"
	totpIssuer   = "dancu (cán bộ)"
	totpSkewStep = 1
)

var lockPolicy = eid.LockPolicy{MaxFailures: maxFailures, Base: 15 * time.Minute, Max: 24 * time.Hour}

// errBadLogin never says which of the three was wrong.
var errBadLogin = apperr.E(apperr.InvalidCredentials, "wrong username, password or code")

// Service logs officers in.
type Service struct {
	Store  Store
	Argon2 eid.Argon2Params
	Now    func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Enroll sets an officer's password and a new TOTP secret, and returns the
// secret and its otpauth URL for the officer's authenticator app. It is an
// operator's act (CLI), done when an account is handed over.
func (s *Service) Enroll(ctx context.Context, username, password string) (secret, url string, err error) {
	if _, err := s.Store.Officer(ctx, username); err != nil {
		return "", "", err
	}
	if err := CheckPassword(password, username); err != nil {
		return "", "", err
	}
	hash, err := eid.HashPasscode(s.params(), password)
	if err != nil {
		return "", "", err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: username, Rand: rand.Reader})
	if err != nil {
		return "", "", fmt.Errorf("generate TOTP secret: %w", err)
	}
	c := &Credential{Username: username, PasswordHash: hash, TOTPSecret: key.Secret(), UpdatedAt: s.now()}
	if err := s.Store.SaveOfficerCredential(ctx, c); err != nil {
		return "", "", err
	}
	return key.Secret(), key.URL(), nil
}

func (s *Service) params() eid.Argon2Params {
	if s.Argon2.Memory == 0 {
		return eid.DefaultArgon2
	}
	return s.Argon2
}

// CheckPassword accepts passwords of at least MinPassword characters that
// do not contain the username.
func CheckPassword(password, username string) error {
	if utf8.RuneCountInString(password) < MinPassword {
		return apperr.Field(apperr.WeakPassword, "password", "a password needs at least %d characters", MinPassword)
	}
	if strings.Contains(strings.ToLower(password), strings.ToLower(username)) {
		return apperr.Field(apperr.WeakPassword, "password", "a password must not contain the username")
	}
	return nil
}

// Login checks a password and a TOTP code and issues a session token.
func (s *Service) Login(ctx context.Context, username, password, code, ip string) (token string, expires time.Time, err error) {
	now := s.now()
	if wait, err := s.Store.EIDRateHit(ctx, "officer-login-ip:"+ip, now, time.Minute, loginsPerIP); err != nil {
		return "", time.Time{}, err
	} else if wait > 0 {
		e := apperr.E(apperr.RateLimited, "too many login attempts from this address")
		e.RetryAfter = wait
		return "", time.Time{}, e
	}
	o, err := s.Store.Officer(ctx, username)
	if apperr.Code(err) == apperr.NotFound {
		eid.VerifyPasscode(dummyHash(), password) // same time as a real check
		return "", time.Time{}, errBadLogin
	}
	if err != nil {
		return "", time.Time{}, err
	}
	c, err := s.Store.OfficerCredential(ctx, username)
	if apperr.Code(err) == apperr.NotFound || (err == nil && o.Disabled) {
		eid.VerifyPasscode(dummyHash(), password)
		return "", time.Time{}, errBadLogin
	}
	if err != nil {
		return "", time.Time{}, err
	}
	if c.LockedUntil != nil && now.Before(*c.LockedUntil) {
		e := apperr.E(apperr.AccountLocked, "the account is locked after repeated failures until %s", c.LockedUntil.Format(time.RFC3339))
		e.RetryAfter = c.LockedUntil.Sub(now)
		return "", time.Time{}, e
	}
	ok, err := eid.VerifyPasscode(c.PasswordHash, password)
	if err != nil {
		return "", time.Time{}, err
	}
	step, codeOK := s.checkTOTP(c, code, now)
	if !ok || !codeOK {
		return "", time.Time{}, s.fail(ctx, c, now)
	}
	c.Failed, c.LockCount, c.LockedUntil, c.TOTPLastStep, c.UpdatedAt = 0, 0, nil, step, now
	if eid.NeedsRehash(c.PasswordHash, s.params()) { // the parameters rose since it was set
		if hash, err := eid.HashPasscode(s.params(), password); err == nil {
			c.PasswordHash = hash
		}
	}
	if err := s.Store.SaveOfficerCredential(ctx, c); err != nil {
		return "", time.Time{}, err
	}
	t, clear, err := s.Store.IssueToken(ctx, username, sessionName, SessionTTL)
	if err != nil {
		return "", time.Time{}, err
	}
	return clear, t.ExpiresAt, nil
}

// checkTOTP accepts a code of the current step or one step either side,
// newer than the last one used.
func (s *Service) checkTOTP(c *Credential, code string, now time.Time) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	base := now.Unix() / 30
	for d := int64(-totpSkewStep); d <= totpSkewStep; d++ {
		step := base + d
		want, err := totp.GenerateCodeCustom(c.TOTPSecret, time.Unix(step*30, 0), totp.ValidateOpts{
			Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && want == code && step > c.TOTPLastStep {
			return step, true
		}
	}
	return 0, false
}

// fail counts a failure and locks the account at the threshold.
func (s *Service) fail(ctx context.Context, c *Credential, now time.Time) error {
	c.Failed++
	c.UpdatedAt = now
	if c.Failed >= lockPolicy.MaxFailures {
		until := now.Add(lockPolicy.Duration(c.LockCount))
		c.LockedUntil, c.Failed = &until, 0
		c.LockCount++
	}
	if err := s.Store.SaveOfficerCredential(ctx, c); err != nil {
		return errors.Join(errBadLogin, err)
	}
	return errBadLogin
}

// dummyHash is verified for unknown users, so that a login takes as long
// whether the username exists or not.
var dummyHash = sync.OnceValue(func() string {
	b := make([]byte, 10)
	rand.Read(b)
	h, _ := eid.HashPasscode(eid.DefaultArgon2, base32.StdEncoding.EncodeToString(b))
	return h
})
