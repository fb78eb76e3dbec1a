package eid

import (
	"context"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// Authenticate checks a session bearer token ("dcs_…") and returns the
// session with its account as it is now. Any failure is unauthorized,
// without saying whether the token was unknown, wrong, revoked or expired.
func (s *Service) Authenticate(ctx context.Context, sessionToken string) (*Session, *Account, error) {
	invalid := apperr.E(apperr.Unauthorized, "invalid or expired session")
	id, secret, ok := parseToken(SessionTokenPrefix, sessionToken)
	if !ok || len(id) > 64 {
		return nil, nil, invalid
	}
	now := s.now()
	sess, err := s.store.EIDSession(ctx, id)
	switch {
	case apperr.Is(err, apperr.NotFound):
		return nil, nil, invalid
	case err != nil:
		return nil, nil, err
	case !secretMatches(secret, sess.SecretHash) || sess.RevokedAt != nil || !now.Before(sess.ExpiresAt):
		return nil, nil, invalid
	}
	a, err := s.Account(ctx, sess.AccountID)
	if err != nil {
		return nil, nil, err
	}
	return sess, a, nil
}

// Sessions returns an account's active sessions, newest first.
func (s *Service) Sessions(ctx context.Context, accountID string) ([]Session, error) {
	return s.store.EIDSessions(ctx, accountID, s.now())
}

// RevokeSession ends one of the account's sessions (logging out when it
// is the caller's own).
func (s *Service) RevokeSession(ctx context.Context, accountID, sessionID string) error {
	return s.store.RevokeEIDSession(ctx, accountID, sessionID, s.now())
}

// Devices returns the account's bound devices.
func (s *Service) Devices(ctx context.Context, accountID string) ([]Device, error) {
	return s.store.EIDDevices(ctx, accountID)
}

// UnbindDevice unbinds one of the account's devices and ends the sessions
// opened from it: its token then needs a one-time code again.
func (s *Service) UnbindDevice(ctx context.Context, accountID, deviceID string) error {
	return s.store.RevokeEIDDevice(ctx, accountID, deviceID, s.now())
}

// Account returns an account by id; LockedUntil is set only while locked.
func (s *Service) Account(ctx context.Context, accountID string) (*Account, error) {
	a, err := s.store.EIDAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return s.present(a), nil
}

// AccountByIDNumber returns the account of a person by ID number.
func (s *Service) AccountByIDNumber(ctx context.Context, idNumber string) (*Account, error) {
	a, err := s.store.EIDAccountByIDNumber(ctx, idNumber)
	if err != nil {
		return nil, err
	}
	return s.present(a), nil
}

// present drops a lock that has run out from what is shown.
func (s *Service) present(a *Account) *Account {
	if !a.Locked(s.now()) {
		a.LockedUntil = nil
	}
	a.TOTPEnabled = a.TOTPSecret != ""
	return a
}
