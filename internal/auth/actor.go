// Package auth holds who is calling: officers, their roles and
// jurisdictions, and API tokens. It decides nothing about persons; the
// register applies jurisdiction to records.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// Level is the tier of a jurisdiction: commune < province < central.
type Level string

// Jurisdiction levels.
const (
	LevelCommune  Level = "commune"
	LevelProvince Level = "province"
	LevelCentral  Level = "central"
)

// Roles. Least privilege: a registrar records events, a reader only reads,
// an auditor reads the access log but no person data, an admin manages
// officers but reads no person data either.
const (
	RoleRegistrar = "registrar"
	RoleReader    = "reader"
	RoleAuditor   = "auditor"
	RoleAdmin     = "admin"
)

// ValidRole reports whether r is a known role.
func ValidRole(r string) bool {
	switch r {
	case RoleRegistrar, RoleReader, RoleAuditor, RoleAdmin:
		return true
	}
	return false
}

// Officer is a police or civil-status officer account.
type Officer struct {
	Username  string    `json:"username"`
	FullName  string    `json:"full_name"`
	Role      string    `json:"role"`
	UnitCode  string    `json:"unit_code"` // commune or province code of the 2025 structure; "" for central
	UnitLevel Level     `json:"unit_level"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks an officer before it is stored.
func (o *Officer) Validate() error {
	switch {
	case o.Username == "" || len(o.Username) > 64 || strings.ContainsAny(o.Username, " \t\n/:"):
		return apperr.Field(apperr.Invalid, "username", "username must be 1–64 characters without spaces, / or :")
	case strings.TrimSpace(o.FullName) == "":
		return apperr.Field(apperr.Invalid, "full_name", "full name is required")
	case !ValidRole(o.Role):
		return apperr.Field(apperr.Invalid, "role", "role must be registrar, reader, auditor or admin")
	}
	switch o.UnitLevel {
	case LevelCentral:
		if o.UnitCode != "" {
			return apperr.Field(apperr.Invalid, "unit", "a central officer has no unit code")
		}
	case LevelProvince, LevelCommune:
		if o.UnitCode == "" {
			return apperr.Field(apperr.Invalid, "unit", "a %s officer needs a unit code", o.UnitLevel)
		}
	default:
		return apperr.Field(apperr.Invalid, "unit_level", "unit level must be commune, province or central")
	}
	return nil
}

// Actor is whoever makes a request, as the access log records it.
type Actor struct {
	ID        string // officer username, or client id
	Role      string
	Org       string // issuing organisation (for officers: their unit's office)
	UnitCode  string
	UnitLevel Level
	Purpose   string // declared purpose of the request
	Legal     string // legal basis the caller declared
	RequestID string
}

// Declared cuts a purpose or legal basis the caller declared (a header, a
// form field) to the 200 bytes the access log keeps.
func Declared(s string) string {
	const max = 200
	if len(s) > max {
		return s[:max]
	}
	return s
}

// CanRead reports whether the actor's role may read person data.
func (a Actor) CanRead() bool { return a.Role == RoleRegistrar || a.Role == RoleReader }

// CanWrite reports whether the actor's role may record register events.
func (a Actor) CanWrite() bool { return a.Role == RoleRegistrar }

// ActorFor returns the actor of an officer.
func ActorFor(o *Officer) Actor {
	return Actor{ID: o.Username, Role: o.Role, UnitCode: o.UnitCode, UnitLevel: o.UnitLevel}
}

type ctxKey struct{}

// WithActor returns ctx carrying the actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, ctxKey{}, a)
}

// ActorFrom returns the actor in ctx.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(ctxKey{}).(Actor)
	return a, ok
}

// Token is an API bearer token: "dct_<id>_<secret>". Only the SHA-256 of
// the secret is stored.
type Token struct {
	ID         string     `json:"id"`
	Officer    string     `json:"officer"`
	Name       string     `json:"name"`
	SecretHash []byte     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// NewToken returns a fresh token and its clear text, shown once.
func NewToken(officer, name string, now time.Time, ttl time.Duration) (*Token, string) {
	id := randomString(9)
	secret := randomString(24)
	sum := sha256.Sum256([]byte(secret))
	t := &Token{ID: id, Officer: officer, Name: name, SecretHash: sum[:], CreatedAt: now, ExpiresAt: now.Add(ttl)}
	return t, "dct_" + id + "_" + secret
}

// ParseToken splits a clear-text token into id and secret.
func ParseToken(s string) (id, secret string, err error) {
	rest, ok := strings.CutPrefix(s, "dct_")
	if ok {
		id, secret, ok = strings.Cut(rest, "_")
	}
	if !ok || id == "" || secret == "" {
		return "", "", apperr.E(apperr.Unauthorized, "malformed bearer token")
	}
	return id, secret, nil
}

// Check verifies a secret against the token at time now.
func (t *Token) Check(secret string, now time.Time) error {
	sum := sha256.Sum256([]byte(secret))
	switch {
	case subtle.ConstantTimeCompare(sum[:], t.SecretHash) != 1:
		return apperr.E(apperr.Unauthorized, "invalid bearer token")
	case t.RevokedAt != nil:
		return apperr.E(apperr.Unauthorized, "bearer token revoked")
	case !now.Before(t.ExpiresAt):
		return apperr.E(apperr.Unauthorized, "bearer token expired")
	}
	return nil
}

// randomString returns n random bytes as URL-safe base64 without padding
// and without "_" (which separates the token's parts).
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return strings.ReplaceAll(base64.RawURLEncoding.EncodeToString(b), "_", "x")
}
