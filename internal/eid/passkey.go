package eid

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// Passkey is a WebAuthn credential of an account (a khóa truy cập): a key
// pair whose private half stays in the citizen's authenticator (phone,
// laptop, security key) and that logs the account in without passcode or
// one-time code. Registering one needs a logged-in session; it is
// discoverable, so logging in needs no ID number. The fields after
// RevokedAt are kept by storage and never leave the process.
type Passkey struct {
	ID           string                    `json:"id"`
	AccountID    string                    `json:"account_id"`
	Name         string                    `json:"name"`
	CredentialID protocol.URLEncodedBase64 `json:"credential_id"` // base64url, as authenticators name it
	Transports   []string                  `json:"transports"`
	AAGUID       uuid.UUID                 `json:"aaguid"` // the authenticator model; zero when it does not say
	// BackupEligible: the passkey may be synced to the citizen's other
	// devices; BackedUp: it was, as of its last use.
	BackupEligible bool       `json:"backup_eligible"`
	BackedUp       bool       `json:"backed_up"`
	CreatedAt      time.Time  `json:"created_at"`
	LastUsedAt     *time.Time `json:"last_used_at,omitempty"`
	RevokedAt      *time.Time `json:"-"`

	PublicKey         []byte `json:"-"` // COSE_Key
	SignCount         uint32 `json:"-"`
	AttestationFormat string `json:"-"`
	UserVerified      bool   `json:"-"` // the user was verified at registration
}

// PasskeyCeremony is the server's half of a WebAuthn ceremony between its
// begin and finish steps: the challenge and what it was asked with, as
// go-webauthn's SessionData in JSON. It is used once.
type PasskeyCeremony struct {
	ID        string
	Kind      string // PasskeyRegistration or PasskeyLogin
	AccountID string // the account registering; empty for a login
	Session   []byte
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}

// Kinds of passkey ceremonies.
const (
	PasskeyRegistration = "registration"
	PasskeyLogin        = "login"
)

// maxPasskeys bounds an account's passkeys, so that the exclusion list
// sent to authenticators stays small.
const maxPasskeys = 20

// amrPasskey is a passkey login with user verification (RFC 8176: hwk, a
// hardware-bound key; user, a PIN or biometric; together two factors).
var amrPasskey = []string{"hwk", "user", "mfa"}

// PasskeyStore is the storage of passkeys and their ceremonies; part of
// Store.
type PasskeyStore interface {
	// CreateEIDPasskeyCeremony stores a ceremony.
	CreateEIDPasskeyCeremony(ctx context.Context, c *PasskeyCeremony) error
	// TakeEIDPasskeyCeremony marks an unused ceremony of the kind and the
	// account ("" for a login) that has not expired at now as used, and
	// returns it; anything else is passkey_ceremony_not_found.
	TakeEIDPasskeyCeremony(ctx context.Context, id, kind, accountID string, now time.Time) (*PasskeyCeremony, error)
	// CreateEIDPasskey stores a passkey; a credential ID already stored is
	// a conflict.
	CreateEIDPasskey(ctx context.Context, p *Passkey) error
	// EIDPasskeys returns an account's passkeys that are not removed,
	// newest first.
	EIDPasskeys(ctx context.Context, accountID string) ([]Passkey, error)
	// EIDPasskeyByCredential returns the passkey of a credential ID
	// (removed ones too), or not_found.
	EIDPasskeyByCredential(ctx context.Context, credentialID []byte) (*Passkey, error)
	// UseEIDPasskey records a login with a passkey that is not removed:
	// its new signature counter, backup state and time. It fails with
	// not_found when the passkey was removed or when the counter does not
	// move forward (another login with the same count won the race).
	UseEIDPasskey(ctx context.Context, id string, signCount uint32, backedUp bool, now time.Time) error
	// RevokeEIDPasskey removes a passkey of the account, or not_found.
	RevokeEIDPasskey(ctx context.Context, accountID, id string, now time.Time) error
}

var (
	errPasskeysOff = apperr.E(apperr.Unavailable,
		"passkeys are off on this server: its public URL must have a host name, not an IP address")
	errNoCeremony = apperr.E(apperr.PasskeyCeremonyNotFound,
		"no such passkey ceremony, or it was already used or has expired: start again")
	// errPasskeyRefused is the one answer for an unknown, removed or
	// mismatched passkey and a bad signature.
	errPasskeyRefused = apperr.E(apperr.InvalidCredentials, "the passkey was not accepted")
)

// SetWebAuthn sets the relying party that passkeys are bound to: its ID
// (the host name of the public URL; never an IP address, which WebAuthn
// refuses) and the origins its pages are served from. An empty rpID turns
// passkeys off. Ceremonies already begun finish under the configuration
// they began with only if it still accepts their origin.
func (s *Service) SetWebAuthn(rpID string, origins []string) error {
	if rpID == "" {
		s.relyingParty.Store(nil)
		return nil
	}
	ttl := s.opts.PasskeyTTL
	wa, err := webauthn.New(&webauthn.Config{
		RPID: rpID, RPDisplayName: s.opts.Issuer, RPOrigins: origins,
		// Discoverable credentials (no ID number to type) that verify
		// the user (PIN or biometric), so that a passkey is two factors.
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification: protocol.VerificationRequired},
		// The browser's timeout; the server enforces its own clock's.
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Timeout: ttl, TimeoutUVD: ttl},
			Registration: webauthn.TimeoutConfig{Timeout: ttl, TimeoutUVD: ttl}},
	})
	if err != nil {
		return apperr.Wrap(err, "WebAuthn configuration")
	}
	s.relyingParty.Store(wa)
	return nil
}

// PasskeyRPID returns the relying-party ID passkeys are bound to, or ""
// while passkeys are off. Pages offer passkeys only on hosts within it.
func (s *Service) PasskeyRPID() string {
	if wa := s.relyingParty.Load(); wa != nil {
		return wa.Config.RPID
	}
	return ""
}

// webAuthn returns the relying party, or unavailable while passkeys are off.
func (s *Service) webAuthn() (*webauthn.WebAuthn, error) {
	wa := s.relyingParty.Load()
	if wa == nil {
		return nil, errPasskeysOff
	}
	return wa, nil
}

// passkeyUser is an account as go-webauthn sees it. The user handle is
// the account's random ID: nothing personal is stored in authenticators
// beyond the names shown in their account pickers.
type passkeyUser struct {
	id, name, displayName string
	credentials           []webauthn.Credential
}

func (u *passkeyUser) WebAuthnID() []byte                         { return []byte(u.id) }
func (u *passkeyUser) WebAuthnName() string                       { return u.name }
func (u *passkeyUser) WebAuthnDisplayName() string                { return u.displayName }
func (u *passkeyUser) WebAuthnCredentials() []webauthn.Credential { return u.credentials }

// credential is a stored passkey as go-webauthn verifies it.
func (p *Passkey) credential() webauthn.Credential {
	flags := protocol.FlagUserPresent
	for _, f := range []struct {
		on   bool
		flag protocol.AuthenticatorFlags
	}{{p.UserVerified, protocol.FlagUserVerified}, {p.BackupEligible, protocol.FlagBackupEligible}, {p.BackedUp, protocol.FlagBackupState}} {
		if f.on {
			flags |= f.flag
		}
	}
	c := webauthn.Credential{ID: p.CredentialID, PublicKey: p.PublicKey, AttestationFormat: p.AttestationFormat,
		Flags: webauthn.NewCredentialFlags(flags), Authenticator: webauthn.Authenticator{SignCount: p.SignCount}}
	if p.AAGUID != uuid.Nil {
		c.Authenticator.AAGUID = p.AAGUID[:]
	}
	for _, t := range p.Transports {
		c.Transport = append(c.Transport, protocol.AuthenticatorTransport(t))
	}
	return c
}

// BeginPasskeyRegistration starts registering a passkey for a logged-in
// account. It returns the options for navigator.credentials.create (as
// JSON: {"publicKey": …}) and the ceremony to finish with.
func (s *Service) BeginPasskeyRegistration(ctx context.Context, accountID string) (options json.RawMessage, ceremonyID string, err error) {
	wa, err := s.webAuthn()
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	a, err := s.store.EIDAccount(ctx, accountID)
	if err != nil {
		return nil, "", err
	}
	if err := s.limit(ctx, now, "passkey-account", a.ID, s.opts.LoginPerAccount); err != nil {
		return nil, "", err
	}
	keys, err := s.store.EIDPasskeys(ctx, a.ID)
	if err != nil {
		return nil, "", err
	}
	if len(keys) >= maxPasskeys {
		return nil, "", apperr.E(apperr.Conflict, "an account has at most %d passkeys: remove one first", maxPasskeys)
	}
	user := &passkeyUser{id: a.ID, name: a.IDNumber, displayName: maskIDNumber(a.IDNumber)}
	if p, err := s.people.ForSubject(ctx, a.IDNumber); err == nil && p.FullName != "" {
		user.displayName = p.FullName
	}
	exclude := make([]protocol.CredentialDescriptor, len(keys))
	for i := range keys {
		c := keys[i].credential()
		exclude[i] = c.Descriptor()
	}
	creation, sd, err := wa.BeginRegistration(user, webauthn.WithExclusions(exclude),
		webauthn.WithExtensions(webauthn.WithExtensionCredProps()))
	if err != nil {
		return nil, "", apperr.Wrap(err, "begin passkey registration")
	}
	return s.beginCeremony(ctx, PasskeyRegistration, a.ID, creation, sd, now)
}

// beginCeremony stores a ceremony's session data and returns the options
// for the browser with the ceremony's ID.
func (s *Service) beginCeremony(ctx context.Context, kind, accountID string, options any, sd *webauthn.SessionData, now time.Time) (json.RawMessage, string, error) {
	session, err := json.Marshal(sd)
	if err != nil {
		return nil, "", apperr.Wrap(err, "encode passkey ceremony")
	}
	opts, err := json.Marshal(options)
	if err != nil {
		return nil, "", apperr.Wrap(err, "encode passkey options")
	}
	c := &PasskeyCeremony{ID: newID(), Kind: kind, AccountID: accountID, Session: session,
		ExpiresAt: now.Add(s.opts.PasskeyTTL), CreatedAt: now}
	if err := s.store.CreateEIDPasskeyCeremony(ctx, c); err != nil {
		return nil, "", err
	}
	return opts, c.ID, nil
}

// takeCeremony uses up a ceremony and decodes its session data.
func (s *Service) takeCeremony(ctx context.Context, id, kind, accountID string, now time.Time) (webauthn.SessionData, error) {
	var sd webauthn.SessionData
	if id == "" || len(id) > 64 {
		return sd, errNoCeremony
	}
	c, err := s.store.TakeEIDPasskeyCeremony(ctx, id, kind, accountID, now)
	if err != nil {
		return sd, err
	}
	if err := json.Unmarshal(c.Session, &sd); err != nil {
		return sd, apperr.Wrap(err, "decode passkey ceremony")
	}
	return sd, nil
}

// FinishPasskeyRegistration checks the authenticator's answer to the
// ceremony (the PublicKeyCredential as JSON) and stores the passkey under
// name. The ceremony is used up whatever the outcome.
func (s *Service) FinishPasskeyRegistration(ctx context.Context, accountID, ceremonyID, name string, response []byte) (*Passkey, error) {
	wa, err := s.webAuthn()
	if err != nil {
		return nil, err
	}
	now := s.now()
	sd, err := s.takeCeremony(ctx, ceremonyID, PasskeyRegistration, accountID, now)
	if err != nil {
		return nil, err
	}
	keys, err := s.store.EIDPasskeys(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if len(keys) >= maxPasskeys {
		return nil, apperr.E(apperr.Conflict, "an account has at most %d passkeys: remove one first", maxPasskeys)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return nil, passkeyInvalid(err)
	}
	user := &passkeyUser{id: accountID}
	for i := range keys {
		user.credentials = append(user.credentials, keys[i].credential())
	}
	cred, err := wa.CreateCredential(user, sd, parsed)
	if err != nil {
		return nil, passkeyInvalid(err)
	}
	p := &Passkey{ID: newID(), AccountID: accountID, Name: cleanText(name, 100), CredentialID: cred.ID,
		PublicKey: cred.PublicKey, SignCount: cred.Authenticator.SignCount, AttestationFormat: cred.AttestationFormat,
		UserVerified: cred.Flags.UserVerified, BackupEligible: cred.Flags.BackupEligible, BackedUp: cred.Flags.BackupState,
		Transports: []string{}, CreatedAt: now}
	if p.Name == "" {
		p.Name = "passkey"
	}
	if id, err := uuid.FromBytes(cred.Authenticator.AAGUID); err == nil {
		p.AAGUID = id
	}
	for _, t := range cred.Transport {
		p.Transports = append(p.Transports, cleanText(string(t), 32))
	}
	if err := s.store.CreateEIDPasskey(ctx, p); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			return nil, apperr.E(apperr.Conflict, "this passkey is already registered")
		}
		return nil, err
	}
	return p, nil
}

// passkeyInvalid answers a registration response that does not verify,
// with go-webauthn's reason (which names no person).
func passkeyInvalid(err error) error {
	msg := "the passkey could not be verified"
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.Details != "" {
		msg += ": " + pe.Details
	}
	return &apperr.Error{Code: apperr.PasskeyInvalid, Message: msg, Err: err}
}

// Passkeys returns the account's passkeys, newest first.
func (s *Service) Passkeys(ctx context.Context, accountID string) ([]Passkey, error) {
	return s.store.EIDPasskeys(ctx, accountID)
}

// RemovePasskey removes one of the account's passkeys: it logs in no more.
func (s *Service) RemovePasskey(ctx context.Context, accountID, id string) error {
	return s.store.RevokeEIDPasskey(ctx, accountID, id, s.now())
}

// BeginPasskeyLogin starts a passkey login for whoever is at the browser:
// the options for navigator.credentials.get (as JSON: {"publicKey": …},
// with no allowed credentials, so that the authenticator offers its
// passkeys for this site) and the ceremony to finish with. It counts
// against the client's login rate limit.
func (s *Service) BeginPasskeyLogin(ctx context.Context, c Client) (options json.RawMessage, ceremonyID string, err error) {
	wa, err := s.webAuthn()
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	if err := s.limit(ctx, now, "login-ip", c.IP, s.opts.LoginPerIP); err != nil {
		return nil, "", err
	}
	assertion, sd, err := wa.BeginDiscoverableLogin()
	if err != nil {
		return nil, "", apperr.Wrap(err, "begin passkey login")
	}
	return s.beginCeremony(ctx, PasskeyLogin, "", assertion, sd, now)
}

// FinishPasskeyLogin checks the authenticator's assertion (the
// PublicKeyCredential as JSON) and opens a session as a complete
// passcode-and-code login does, with amr ["hwk","user","mfa"]. A locked
// account, or one of a person no longer living, cannot log in; a bad
// signature from a known passkey counts towards the lock-out; an unknown
// or removed passkey answers like a bad one (invalid_credentials).
func (s *Service) FinishPasskeyLogin(ctx context.Context, ceremonyID string, response []byte, c Client) (LoginResult, error) {
	wa, err := s.webAuthn()
	if err != nil {
		return LoginResult{}, err
	}
	now := s.now()
	if err := s.limit(ctx, now, "login-ip", c.IP, s.opts.LoginPerIP); err != nil {
		return LoginResult{}, err
	}
	sd, err := s.takeCeremony(ctx, ceremonyID, PasskeyLogin, "", now)
	if err != nil {
		return LoginResult{}, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return LoginResult{}, errPasskeyRefused
	}
	pk, err := s.store.EIDPasskeyByCredential(ctx, parsed.RawID)
	switch {
	case apperr.Is(err, apperr.NotFound):
		return LoginResult{}, errPasskeyRefused
	case err != nil:
		return LoginResult{}, err
	case pk.RevokedAt != nil || string(parsed.Response.UserHandle) != pk.AccountID:
		return LoginResult{}, errPasskeyRefused
	}
	a, err := s.store.EIDAccount(ctx, pk.AccountID)
	if err != nil {
		return LoginResult{}, err
	}
	if err := s.limit(ctx, now, "login-account", a.ID, s.opts.LoginPerAccount); err != nil {
		return LoginResult{}, err
	}
	if a.Locked(now) {
		return LoginResult{}, lockedError(*a.LockedUntil, now)
	}
	user := &passkeyUser{id: a.ID, credentials: []webauthn.Credential{pk.credential()}}
	byHandle := func(rawID, userHandle []byte) (webauthn.User, error) { return user, nil }
	_, cred, err := wa.ValidatePasskeyLogin(byHandle, sd, parsed)
	if err == nil && cred.Authenticator.CloneWarning {
		// The counter went back: two copies of the key may exist.
		err = errors.New("signature counter did not increase")
	}
	if err != nil {
		if _, ferr := s.fail(ctx, a, now); ferr != nil {
			return LoginResult{}, ferr
		}
		return LoginResult{}, errPasskeyRefused
	}
	if err := s.stillLiving(ctx, a); err != nil {
		return LoginResult{}, err
	}
	if err := s.store.UseEIDPasskey(ctx, pk.ID, cred.Authenticator.SignCount, cred.Flags.BackupState, now); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return LoginResult{}, errPasskeyRefused
		}
		return LoginResult{}, err
	}
	amr := amrPasskey
	if !parsed.Response.AuthenticatorData.Flags.HasUserVerified() {
		amr = []string{"hwk"} // unreachable while user verification is required
	}
	return s.openSession(ctx, a, amr, "", c, now)
}
