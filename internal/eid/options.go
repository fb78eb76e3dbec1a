package eid

import (
	"crypto/rand"
	"time"
)

// Options tune the service. Every zero field takes the default named in
// its comment.
type Options struct {
	// Now is the clock (time.Now).
	Now func() time.Time

	// MaxFailures consecutive wrong passcodes or codes lock an account (5)
	// for LockBase (15 min), doubling on each repeat up to LockMax (24 h).
	MaxFailures int
	LockBase    time.Duration
	LockMax     time.Duration

	// OTPTTL is how long a one-time code is valid (5 min); OTPMaxTries
	// wrong codes end its challenge (5).
	OTPTTL      time.Duration
	OTPMaxTries int
	// SessionTTL is the lifetime of a login session (8 h).
	SessionTTL time.Duration

	// Rate limits, by client IP, account, phone and ID number.
	LoginPerIP       Limit // 30 login attempts a minute
	LoginPerAccount  Limit // 10 login attempts a minute
	SMSPerPhone      Limit // 3 codes a phone every 15 min
	SMSPerIP         Limit // 10 codes a client every 15 min
	StartPerIP       Limit // 10 registrations or resets started a client every 15 min
	StartPerIDNumber Limit // 5 registrations or resets started for one ID number every 15 min

	// Argon2 hashes passcodes (OWASP: argon2id, 19 MiB, 2 passes, 1 lane).
	Argon2 Argon2Params
	// OTPKey keys the HMAC that one-time codes are stored as. Every node
	// must share it; a random one is made if empty (one node only).
	OTPKey []byte
	// Log records officers' acts on accounts (level 2); required for them.
	Log AccessLog
	// Issuer names the service in TOTP apps and passkey prompts ("dancu").
	Issuer string

	// WebAuthnRPID is the relying-party ID that passkeys are bound to: the
	// host name of the public URL (an IP address is refused by WebAuthn).
	// Empty turns passkeys off; Service.SetWebAuthn changes it later.
	WebAuthnRPID string
	// WebAuthnOrigins are the origins (scheme://host[:port]) of the pages
	// that register and use passkeys.
	WebAuthnOrigins []string
	// PasskeyTTL is how long a passkey ceremony may take (5 min).
	PasskeyTTL time.Duration
}

// Limit allows Max events Per window; Max 0 turns the limit off.
type Limit struct {
	Max int
	Per time.Duration
}

// DefaultOptions returns the defaults.
func DefaultOptions() Options { return Options{}.withDefaults() }

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	defInt := func(n *int, v int) {
		if *n == 0 {
			*n = v
		}
	}
	defLimit := func(l *Limit, max int, per time.Duration) {
		if *l == (Limit{}) {
			*l = Limit{Max: max, Per: per}
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	defInt(&o.MaxFailures, 5)
	def(&o.LockBase, 15*time.Minute)
	def(&o.LockMax, 24*time.Hour)
	def(&o.OTPTTL, 5*time.Minute)
	defInt(&o.OTPMaxTries, 5)
	def(&o.SessionTTL, 8*time.Hour)
	def(&o.PasskeyTTL, 5*time.Minute)
	defLimit(&o.LoginPerIP, 30, time.Minute)
	defLimit(&o.LoginPerAccount, 10, time.Minute)
	defLimit(&o.SMSPerPhone, 3, 15*time.Minute)
	defLimit(&o.SMSPerIP, 10, 15*time.Minute)
	defLimit(&o.StartPerIP, 10, 15*time.Minute)
	defLimit(&o.StartPerIDNumber, 5, 15*time.Minute)
	if o.Argon2 == (Argon2Params{}) {
		o.Argon2 = DefaultArgon2
	}
	if len(o.OTPKey) == 0 {
		o.OTPKey = make([]byte, 32)
		rand.Read(o.OTPKey)
	}
	if o.Issuer == "" {
		o.Issuer = "dancu"
	}
	return o
}
