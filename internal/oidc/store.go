package oidc

import (
	"context"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// Store is where the provider keeps clients, keys, authorization
// requests, tokens and consents. package store implements it on SQL.
type Store interface {
	CreateOIDCClient(ctx context.Context, c *Client) error
	OIDCClient(ctx context.Context, id string) (*Client, error)
	OIDCClients(ctx context.Context) ([]*Client, error)
	UpdateOIDCClient(ctx context.Context, c *Client) error

	// OIDCSigningKeys returns every key not yet expired, newest first.
	OIDCSigningKeys(ctx context.Context, now time.Time) ([]*SigningKey, error)
	// AddOIDCSigningKey stores k and retires the keys in use: they stop
	// signing at k.UseFrom and leave the key set at expireOld.
	AddOIDCSigningKey(ctx context.Context, k *SigningKey, expireOld time.Time) error

	CreateOIDCAuthRequest(ctx context.Context, a *AuthRequest) error
	OIDCAuthRequest(ctx context.Context, id string) (*AuthRequest, error)
	// UpdateOIDCAuthRequest saves the login, consent and code fields of a.
	UpdateOIDCAuthRequest(ctx context.Context, a *AuthRequest) error
	// OIDCAuthRequestByCode returns the request whose code hashes to codeHash.
	OIDCAuthRequestByCode(ctx context.Context, codeHash []byte) (*AuthRequest, error)
	// UseOIDCCode marks the request's code used; false if it already was.
	UseOIDCCode(ctx context.Context, id string, at time.Time) (bool, error)

	InsertOIDCTokens(ctx context.Context, ts ...*Token) error
	OIDCToken(ctx context.Context, hash []byte) (*Token, error)
	// RotateOIDCRefresh marks the refresh token old rotated and stores its
	// successors, unless old was rotated or revoked already: then it
	// reports false and stores nothing.
	RotateOIDCRefresh(ctx context.Context, old []byte, at time.Time, successors ...*Token) (bool, error)
	RevokeOIDCToken(ctx context.Context, hash []byte, at time.Time) error
	// RevokeOIDCFamily revokes every token of a refresh family.
	RevokeOIDCFamily(ctx context.Context, family string, at time.Time) error
	// RevokeOIDCByAuthRequest revokes every token issued from one code.
	RevokeOIDCByAuthRequest(ctx context.Context, authRequestID string, at time.Time) error
	// RevokeOIDCBySession revokes the tokens of one login session, and returns
	// the clients they were issued to.
	RevokeOIDCBySession(ctx context.Context, sessionID string, at time.Time) ([]string, error)

	OIDCConsent(ctx context.Context, accountID, clientID string) (*Consent, error)
	SaveOIDCConsent(ctx context.Context, c *Consent) error
	OIDCConsents(ctx context.Context, accountID string) ([]*Consent, error)
	RevokeOIDCConsent(ctx context.Context, accountID, clientID string, at time.Time) error

	// UseOIDCOnce records a one-time value (a DPoP proof or client assertion
	// jti) until expires; apperr.Conflict if it was seen before.
	UseOIDCOnce(ctx context.Context, key string, expires time.Time) error

	// PruneOIDC deletes authorization requests, tokens and one-time values
	// that expired before cutoff.
	PruneOIDC(ctx context.Context, cutoff time.Time) error
}

// OIDCAuthRequest is one authorization request, from /authorize or pushed
// (PAR), through login and consent to its code.
type AuthRequest struct {
	ID        string
	ClientID  string
	Request   oidc.AuthRequest // the parameters as received
	Pushed    bool             // came through PAR
	CSRF      string           // ties the login and consent forms to this request
	DPoPJKT   string           // the code is bound to this DPoP key (RFC 9449 §10)
	CreatedAt time.Time
	ExpiresAt time.Time

	AccountID string // set at login
	SessionID string
	Subject   string // the client's subject for the account
	AuthTime  time.Time
	ACR       string
	AMR       []string
	Consented bool
	Scopes    []string // granted

	CodeHash      []byte
	CodeExpiresAt time.Time
	CodeUsedAt    *time.Time
}

// OIDCToken is an issued access or refresh token, kept as the SHA-256 of its
// value. Refresh tokens of one login share a Family, so that the reuse of
// a rotated one revokes them all.
type Token struct {
	Hash          []byte
	Kind          string // TokenAccess or TokenRefresh
	ClientID      string
	AccountID     string // empty for client_credentials
	Subject       string
	Scopes        []string
	ACR           string
	AMR           []string
	AuthTime      time.Time
	Family        string
	AuthRequestID string
	SessionID     string
	JKT           string // DPoP key thumbprint the token is bound to
	IssuedAt      time.Time
	ExpiresAt     time.Time
	RevokedAt     *time.Time
	RotatedAt     *time.Time
}

// OIDCToken kinds.
const (
	TokenAccess  = "access"
	TokenRefresh = "refresh"
)

// Active reports whether the token can be used at now.
func (t *Token) Active(now time.Time) bool {
	return t.RevokedAt == nil && t.RotatedAt == nil && now.Before(t.ExpiresAt)
}

// OIDCConsent is what a citizen allowed a client to receive, remembered.
type Consent struct {
	AccountID string
	ClientID  string
	Scopes    []string
	GrantedAt time.Time
	RevokedAt *time.Time
}

// SigningKey is one of the provider's token signing keys.
type SigningKey struct {
	ID        string
	Algorithm string
	Private   []byte // PKCS #8 DER
	CreatedAt time.Time
	UseFrom   time.Time  // signs from then on: published earlier
	RetireAt  *time.Time // stops signing
	ExpiresAt *time.Time // leaves the key set
}

// CleanRequest drops the empty values that a stored request's
// space-delimited lists read back with (an empty list is stored as "").
func CleanRequest(r *oidc.AuthRequest) {
	drop := func(v []string) []string {
		out := v[:0]
		for _, s := range v {
			if s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	r.Scopes, r.Prompt, r.ACRValues = drop(r.Scopes), drop(r.Prompt), drop(r.ACRValues)
}
