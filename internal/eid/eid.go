// Package eid holds citizens' electronic identification accounts (tài khoản
// định danh điện tử, as the VNeID app provides them): level 1, which a
// citizen creates himself from details the register confirms and a code
// sent to his phone, and level 2, which an officer grants in person after
// reading the chip of the ID card and matching the face. Accounts log in
// with a 6-digit passcode and a second factor (a one-time code by SMS, a
// TOTP app, or a device bound earlier), or with a passkey (WebAuthn)
// registered from a logged-in session; repeated failures lock them for a
// while. Level-2 accounts may represent organisations.
//
// The package knows nothing of SQL or HTTP: storage implements Store,
// handlers and the OpenID provider call Service.
package eid

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/sms"
)

// Level is an account's assurance level.
type Level int

// Levels of e-ID accounts (Decree 69/2024/NĐ-CP).
const (
	Level1 Level = 1 // self-registered; details checked against the register and the phone by a code
	Level2 Level = 2 // attested in person by an officer: chip read and face matched
)

// Account is a citizen's e-ID account. The fields after UpdatedAt are
// kept by storage and never leave the process.
type Account struct {
	ID          string     `json:"id"`
	IDNumber    string     `json:"id_number"`
	Phone       string     `json:"phone"`
	Level       Level      `json:"level"`
	TOTPEnabled bool       `json:"totp_enabled"`
	LockedUntil *time.Time `json:"locked_until,omitempty"`
	Level2At    *time.Time `json:"level2_at,omitempty"`
	Level2By    string     `json:"level2_by,omitempty"` // officer who attested level 2
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`

	PasscodeHash   string `json:"-"` // PHC string of argon2id
	FailedAttempts int    `json:"-"` // consecutive wrong passcodes and codes
	LockCount      int    `json:"-"` // lock-outs since the last successful login
	TOTPSecret     string `json:"-"` // base32; empty when TOTP is off
	TOTPPending    string `json:"-"` // enrolled, not yet confirmed
	TOTPLastStep   int64  `json:"-"` // last TOTP time step used, against replay
}

// Locked reports whether the account is locked at now.
func (a *Account) Locked(now time.Time) bool {
	return a.LockedUntil != nil && now.Before(*a.LockedUntil)
}

// Challenge is a pending one-time-code step: of a registration, of a
// login after the passcode, or of a passcode reset. Only its ID, purpose,
// methods, expiry and the masked phone are ever shown.
type Challenge struct {
	ID        string    `json:"challenge_id"`
	Purpose   string    `json:"purpose"`
	Methods   []string  `json:"methods"`
	ExpiresAt time.Time `json:"expires_at"`
	SentTo    string    `json:"sent_to,omitempty"` // masked phone, when a code was sent

	AccountID string     `json:"-"` // empty for a registration
	IDNumber  string     `json:"-"`
	Phone     string     `json:"-"`
	OTPHash   []byte     `json:"-"` // HMAC of the code; nil until a code is sent
	Tries     int        `json:"-"` // wrong codes so far
	UsedAt    *time.Time `json:"-"`
	CreatedAt time.Time  `json:"-"`
}

// Challenge purposes.
const (
	PurposeRegistration  = "registration"
	PurposeLogin         = "login"
	PurposePasscodeReset = "passcode_reset"
)

// Second-factor methods of a login challenge.
const (
	MethodSMS  = "sms"
	MethodTOTP = "totp"
)

// Session is a logged-in citizen. AMR lists the authentication methods
// used (RFC 8176: "pwd", "otp", "sms", "swk" for a bound device, "mfa").
type Session struct {
	ID        string    `json:"id"`
	AccountID string    `json:"account_id"`
	IDNumber  string    `json:"-"`
	Level     Level     `json:"level"` // the account's level at login
	AMR       []string  `json:"amr"`
	AuthTime  time.Time `json:"auth_time"`
	ExpiresAt time.Time `json:"expires_at"`
	DeviceID  string    `json:"device_id,omitempty"`
	IP        string    `json:"ip,omitempty"`
	UserAgent string    `json:"user_agent,omitempty"`

	SecretHash []byte     `json:"-"` // SHA-256 of the token's secret
	RevokedAt  *time.Time `json:"-"`
}

// Device is a device bound to an account: logging in from it skips the
// one-time code.
type Device struct {
	ID         string     `json:"id"`
	AccountID  string     `json:"account_id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`

	SecretHash []byte     `json:"-"`
	RevokedAt  *time.Time `json:"-"`
}

// Client is where a request comes from, as sessions and rate limits see it.
type Client struct {
	IP        string
	UserAgent string
}

// ClientOf returns where a request comes from: its connection's address
// (the client's own behind trusted proxies, see package proxy) and user
// agent, as sessions and rate limits see it.
func ClientOf(r *http.Request) Client {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	return Client{IP: ip, UserAgent: r.UserAgent()}
}

// RegistrationRequest is what a citizen gives to create a level-1 account.
type RegistrationRequest struct {
	IDNumber  string `json:"id_number"`
	FullName  string `json:"full_name"`
	BirthDate string `json:"birth_date"` // YYYY-MM-DD, or as recorded (YYYY, YYYY-MM)
	Phone     string `json:"phone"`
}

// LoginRequest is the first step of a login.
type LoginRequest struct {
	IDNumber    string `json:"id_number"`
	Passcode    string `json:"passcode"`
	DeviceToken string `json:"device_token,omitempty"`
}

// LoginResult is the outcome of a login step: either a session with its
// token (shown once), or a challenge for the second factor. DeviceToken is
// set once when a device was bound.
type LoginResult struct {
	Session     *Session   `json:"session,omitempty"`
	Token       string     `json:"token,omitempty"`
	Challenge   *Challenge `json:"challenge,omitempty"`
	DeviceToken string     `json:"device_token,omitempty"`
	Device      *Device    `json:"device,omitempty"`
}

// Attestation is what an officer declares when upgrading an account to
// level 2 in person.
type Attestation struct {
	ChipRead  bool   `json:"chip_read"`  // the card's chip was read and its signature verified
	FaceMatch bool   `json:"face_match"` // the face matched the chip's photo
	Document  string `json:"document"`   // the chip ID card's number
	Note      string `json:"note,omitempty"`
}

// LevelEvent is a stored change of an account's level: an upgrade with its
// attestation, or a revocation with its reason (in Note).
type LevelEvent struct {
	AccountID   string
	Kind        string // "upgrade" or "revoke"
	Officer     string
	OfficerUnit string
	ChipRead    bool
	FaceMatch   bool
	Document    string
	Note        string
	At          time.Time
}

// Level event kinds.
const (
	LevelUpgrade = "upgrade"
	LevelRevoke  = "revoke"
)

// Organisation is a business or an agency with an e-ID account, held by a
// level-2 citizen who represents it.
type Organisation struct {
	ID                 string    `json:"id"`
	RegistrationNumber string    `json:"registration_number"` // enterprise code (mã số doanh nghiệp) or agency code
	Name               string    `json:"name"`
	Kind               string    `json:"kind"` // "business" or "agency"
	RepresentativeID   string    `json:"representative_id"`
	CreatedAt          time.Time `json:"created_at"`
}

// Organisation kinds.
const (
	OrgBusiness = "business"
	OrgAgency   = "agency"
)

// LockPolicy says when repeated failures lock an account and for how long.
type LockPolicy struct {
	MaxFailures int           // consecutive failures that lock
	Base        time.Duration // first lock
	Max         time.Duration // cap of the doubling
}

// Duration returns how long the lock after lockCount earlier lock-outs
// lasts: Base, doubling on each repeat, at most Max.
func (p LockPolicy) Duration(lockCount int) time.Duration {
	d := p.Base
	for i := 0; i < lockCount && d < p.Max; i++ {
		d *= 2
	}
	return min(d, p.Max)
}

// Store is the storage the e-ID service needs. Instants are given by the
// service so that one clock rules expiry.
type Store interface {
	// CreateEIDAccount consumes the registration challenge and inserts the
	// account in one transaction: a used challenge fails with
	// challenge_not_found, a second account for the ID number with
	// account_exists.
	CreateEIDAccount(ctx context.Context, a *Account, challengeID string, maxTries int) error
	// EIDAccount returns an account by id, or not_found.
	EIDAccount(ctx context.Context, id string) (*Account, error)
	// EIDAccountByIDNumber returns the account of a person, or not_found.
	EIDAccountByIDNumber(ctx context.Context, idNumber string) (*Account, error)
	// RecordEIDFailure counts a wrong passcode or code atomically; the
	// failure that reaches p.MaxFailures locks the account until the
	// returned instant (zero when not locked) and restarts the count.
	RecordEIDFailure(ctx context.Context, accountID string, now time.Time, p LockPolicy) (lockedUntil time.Time, failures int, err error)
	// ClearEIDFailures resets the failure and lock-out counts after a
	// successful login.
	ClearEIDFailures(ctx context.Context, accountID string, now time.Time) error
	// ResetEIDPasscode consumes the reset challenge, sets the passcode,
	// clears any lock and revokes every session, device binding and
	// passkey, in one transaction.
	ResetEIDPasscode(ctx context.Context, accountID, hash, challengeID string, maxTries int, now time.Time) error
	// RehashEIDPasscode replaces the passcode hash with one of the same
	// passcode under stronger parameters, if it is still oldHash.
	RehashEIDPasscode(ctx context.Context, accountID, oldHash, newHash string, now time.Time) error
	// SetEIDTOTP sets the confirmed and pending TOTP secrets and the last
	// step used ("" turns one off).
	SetEIDTOTP(ctx context.Context, accountID, secret, pending string, lastStep int64, now time.Time) error
	// UseEIDTOTPStep records that a TOTP step was used; false when that or
	// a later step was already used (a replay).
	UseEIDTOTPStep(ctx context.Context, accountID string, step int64) (bool, error)
	// SetEIDLevel changes the level from from to to (conflict if it is not
	// from) and stores the event; a downgrade revokes the sessions.
	SetEIDLevel(ctx context.Context, accountID string, from, to Level, e *LevelEvent) error

	// CreateEIDChallenge stores a challenge.
	CreateEIDChallenge(ctx context.Context, c *Challenge) error
	// EIDChallenge returns a challenge, or challenge_not_found.
	EIDChallenge(ctx context.Context, id string) (*Challenge, error)
	// SetEIDChallengeOTP replaces the code of an unused challenge.
	SetEIDChallengeOTP(ctx context.Context, id string, otpHash []byte, expiresAt time.Time) error
	// EIDChallengeFailed counts a wrong code and returns the tries so far.
	EIDChallengeFailed(ctx context.Context, id string) (int, error)
	// ConsumeEIDChallenge marks an unused challenge with fewer than
	// maxTries wrong codes as used; otherwise challenge_not_found.
	ConsumeEIDChallenge(ctx context.Context, id string, maxTries int, now time.Time) error

	// CreateEIDSession stores a session.
	CreateEIDSession(ctx context.Context, s *Session) error
	// EIDSession returns a session (revoked and expired ones too).
	EIDSession(ctx context.Context, id string) (*Session, error)
	// EIDSessions returns an account's active sessions, newest first.
	EIDSessions(ctx context.Context, accountID string, now time.Time) ([]Session, error)
	// RevokeEIDSession revokes an active session of the account, or not_found.
	RevokeEIDSession(ctx context.Context, accountID, sessionID string, now time.Time) error
	// CreateEIDDevice stores a device binding.
	CreateEIDDevice(ctx context.Context, d *Device) error
	// EIDDevice returns a device binding (revoked ones too).
	EIDDevice(ctx context.Context, id string) (*Device, error)
	// EIDDevices returns an account's bound devices, newest first.
	EIDDevices(ctx context.Context, accountID string) ([]Device, error)
	// RevokeEIDDevice unbinds a device of the account and revokes the
	// sessions opened from it, or not_found.
	RevokeEIDDevice(ctx context.Context, accountID, deviceID string, now time.Time) error
	// TouchEIDDevice records a login from a device.
	TouchEIDDevice(ctx context.Context, id string, now time.Time) error

	// CreateEIDOrganisation stores an organisation; a registration number
	// already held is a conflict.
	CreateEIDOrganisation(ctx context.Context, o *Organisation) error
	// EIDOrganisation returns an organisation, or not_found.
	EIDOrganisation(ctx context.Context, id string) (*Organisation, error)
	// EIDOrganisations returns the organisations an account represents.
	EIDOrganisations(ctx context.Context, representativeID string) ([]Organisation, error)

	// EIDRateHit records one event under key unless max events are already
	// recorded within window before now; then it records nothing and
	// returns how long until the oldest of them leaves the window.
	EIDRateHit(ctx context.Context, key string, now time.Time, window time.Duration, max int) (wait time.Duration, err error)
	// PruneEID deletes expired challenges and passkey ceremonies, old
	// rate-limit events and long-expired sessions.
	PruneEID(ctx context.Context, now time.Time) error

	PasskeyStore
}

// PersonLookup is what the e-ID service needs from the register: a
// person's record for checks the service makes itself. register.Service
// satisfies it. It writes no access-log entry; where an officer acts, the
// service logs the act.
type PersonLookup interface {
	ForSubject(ctx context.Context, idNumber string) (*register.Person, error)
}

// AccessLog records accesses to personal data; the register's log.
type AccessLog interface {
	Record(ctx context.Context, entries ...accesslog.Entry) error
}

// Compile-time check that the register is a PersonLookup.
var _ PersonLookup = (*register.Service)(nil)

// Service enforces the e-ID rules.
type Service struct {
	store  Store
	sender sms.Sender
	people PersonLookup
	opts   Options
	lock   LockPolicy
	dummy  string // PHC hash compared against when no account exists, so timing says nothing

	// relyingParty is the WebAuthn configuration of passkeys; nil while
	// they are off. It changes when the server learns its public URL.
	relyingParty atomic.Pointer[webauthn.WebAuthn]
}

// New returns a service. Zero options take their defaults (see Options).
func New(store Store, sender sms.Sender, people PersonLookup, opts Options) *Service {
	opts = opts.withDefaults()
	s := &Service{store: store, sender: sender, people: people, opts: opts,
		lock: LockPolicy{MaxFailures: opts.MaxFailures, Base: opts.LockBase, Max: opts.LockMax}}
	s.dummy, _ = HashPasscode(opts.Argon2, "000000")
	// An invalid relying party leaves passkeys off; SetWebAuthn says why.
	_ = s.SetWebAuthn(opts.WebAuthnRPID, opts.WebAuthnOrigins)
	return s
}

// Sender returns the SMS sender, so that the HTTP layer can offer the
// development outbox when it is the one in use.
func (s *Service) Sender() sms.Sender { return s.sender }

// now returns the service's clock in UTC.
func (s *Service) now() time.Time { return s.opts.Now().UTC() }

// Prune deletes expired challenges, old rate-limit events and sessions
// expired for a month. Run it now and then (the server does every 15
// minutes).
func (s *Service) Prune(ctx context.Context) error { return s.store.PruneEID(ctx, s.now()) }
