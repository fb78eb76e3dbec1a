package oidc

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// Client is a relying party registered by an operator.
type Client struct {
	ID                     string   `json:"client_id"`
	Name                   string   `json:"name"`
	SecretHash             []byte   `json:"-"` // SHA-256 of the secret (client_secret_basic)
	AuthMethod             string   `json:"token_endpoint_auth_method"`
	RedirectURIs           []string `json:"redirect_uris"`
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris,omitempty"`
	BackchannelLogoutURI   string   `json:"backchannel_logout_uri,omitempty"`
	GrantTypes             []string `json:"grant_types"`
	Scopes                 []string `json:"scopes"`         // scopes it may ask for
	JWKS                   string   `json:"jwks,omitempty"` // public keys for private_key_jwt
	SubjectType            string   `json:"subject_type"`   // pairwise (default) or public
	Profile                string   `json:"profile"`        // "" or "fapi2"
	RequireDPoP            bool     `json:"dpop_bound_access_tokens"`
	OrgID                  string   `json:"organisation_id,omitempty"`
	// Partner API limits: requests (or bulk rows) a second per node and a
	// day in all; zero takes the defaults of package quota.
	RatePerSecond float64   `json:"rate_per_second,omitempty"`
	DailyQuota    int64     `json:"daily_quota,omitempty"`
	Disabled      bool      `json:"disabled"`
	CreatedAt     time.Time `json:"created_at"`
}

// Client authentication methods, grant types, subject types and
// profiles a client can have.
const (
	AuthSecretBasic   = "client_secret_basic"
	AuthPrivateKeyJWT = "private_key_jwt"

	GrantCode              = "authorization_code"
	GrantRefresh           = "refresh_token"
	GrantClientCredentials = "client_credentials"

	SubjectPairwise = "pairwise"
	SubjectPublic   = "public"

	ProfileFAPI2 = "fapi2"
)

// Scopes the provider knows. ScopeIDNumber releases the personal ID
// number, only to clients an operator allowed it.
const (
	ScopeOpenID   = "openid"
	ScopeProfile  = "profile"
	ScopeAddress  = "address"
	ScopePhone    = "phone"
	ScopeIDNumber = "id_number"
	ScopeEIDLevel = "eid_level"
	ScopeOffline  = "offline_access"
)

// KnownScopes lists every scope in the order the consent screen shows them.
var KnownScopes = []string{ScopeOpenID, ScopeProfile, ScopeAddress, ScopePhone, ScopeIDNumber, ScopeEIDLevel, ScopeOffline}

// Validate checks a client's registration.
func (c *Client) Validate() error {
	if c.ID == "" || strings.ContainsAny(c.ID, " \t\r\n:") || len(c.ID) > 100 {
		return apperr.Field(apperr.Invalid, "client_id", "client id must be 1–100 characters without spaces or colons")
	}
	if strings.TrimSpace(c.Name) == "" {
		return apperr.Field(apperr.Invalid, "name", "client name is required")
	}
	switch c.AuthMethod {
	case AuthSecretBasic:
	case AuthPrivateKeyJWT:
		if _, err := c.KeySet(); err != nil {
			return err
		}
	default:
		return apperr.Field(apperr.Invalid, "token_endpoint_auth_method", "must be client_secret_basic or private_key_jwt")
	}
	if len(c.GrantTypes) == 0 {
		return apperr.Field(apperr.Invalid, "grant_types", "at least one grant type is required")
	}
	for _, g := range c.GrantTypes {
		if g != GrantCode && g != GrantRefresh && g != GrantClientCredentials {
			return apperr.Field(apperr.Invalid, "grant_types", "unknown grant type %q", g)
		}
	}
	if c.HasGrant(GrantCode) && len(c.RedirectURIs) == 0 {
		return apperr.Field(apperr.Invalid, "redirect_uris", "a client of the authorization code flow needs a redirect URI")
	}
	for _, u := range append(slices.Clone(c.RedirectURIs), c.PostLogoutRedirectURIs...) {
		if err := checkRedirectURI(u); err != nil {
			return err
		}
	}
	if c.BackchannelLogoutURI != "" {
		if err := checkRedirectURI(c.BackchannelLogoutURI); err != nil {
			return err
		}
	}
	for _, s := range c.Scopes {
		if !slices.Contains(KnownScopes, s) {
			return apperr.Field(apperr.Invalid, "scopes", "unknown scope %q", s)
		}
	}
	switch c.SubjectType {
	case SubjectPairwise, SubjectPublic:
	default:
		return apperr.Field(apperr.Invalid, "subject_type", "must be pairwise or public")
	}
	switch c.Profile {
	case "":
	case ProfileFAPI2:
		if c.AuthMethod != AuthPrivateKeyJWT || !c.RequireDPoP {
			return apperr.Field(apperr.Invalid, "profile", "the FAPI 2.0 profile needs private_key_jwt and DPoP-bound tokens")
		}
	default:
		return apperr.Field(apperr.Invalid, "profile", "unknown profile %q", c.Profile)
	}
	return nil
}

// checkRedirectURI accepts absolute http(s) URIs without fragments.
func checkRedirectURI(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Fragment != "" {
		return apperr.Field(apperr.Invalid, "redirect_uris", "%q is not an absolute http(s) URI without fragment", raw)
	}
	return nil
}

// HasGrant reports whether the client may use a grant type.
func (c *Client) HasGrant(g string) bool { return slices.Contains(c.GrantTypes, g) }

// RequirePAR reports whether authorization requests must be pushed.
func (c *Client) RequirePAR() bool { return c.Profile == ProfileFAPI2 }

// SetSecret stores the hash of a new secret.
func (c *Client) SetSecret(secret string) {
	h := sha256.Sum256([]byte(secret))
	c.SecretHash = h[:]
}

// CheckSecret compares a presented secret in constant time. Secrets are
// 256-bit random values, so a plain SHA-256 at rest is enough (a slow hash
// only protects guessable secrets) and keeps token requests fast.
func (c *Client) CheckSecret(secret string) bool {
	if len(c.SecretHash) == 0 {
		return false
	}
	h := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(h[:], c.SecretHash) == 1
}

// KeySet parses the client's registered public keys.
func (c *Client) KeySet() (*jose.JSONWebKeySet, error) {
	var ks jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(c.JWKS), &ks); err != nil || len(ks.Keys) == 0 {
		return nil, apperr.Field(apperr.Invalid, "jwks", "private_key_jwt needs a JSON Web Key Set with at least one public key")
	}
	for _, k := range ks.Keys {
		if !k.IsPublic() || !k.Valid() {
			return nil, apperr.Field(apperr.Invalid, "jwks", "key %q is not a valid public key", k.KeyID)
		}
	}
	return &ks, nil
}

// Sector is the host that pairwise subjects are computed for: the host of
// the redirect URIs (which must then all share it).
func (c *Client) Sector() (string, error) {
	var host string
	for _, raw := range c.RedirectURIs {
		u, err := url.Parse(raw)
		if err != nil {
			return "", err
		}
		if host != "" && u.Hostname() != host {
			return "", fmt.Errorf("redirect URIs of client %s span several hosts", c.ID)
		}
		host = u.Hostname()
	}
	if host == "" {
		host = "client:" + c.ID
	}
	return host, nil
}

// opClient adapts a Client to zitadel's op.Client, which the library's
// redirect URI and scope checks use.
type opClient struct{ c *Client }

var _ op.Client = opClient{}

func (o opClient) GetID() string                    { return o.c.ID }
func (o opClient) RedirectURIs() []string           { return o.c.RedirectURIs }
func (o opClient) PostLogoutRedirectURIs() []string { return o.c.PostLogoutRedirectURIs }
func (o opClient) ApplicationType() op.ApplicationType {
	return op.ApplicationTypeWeb // confidential clients only
}
func (o opClient) AuthMethod() oidc.AuthMethod {
	if o.c.AuthMethod == AuthPrivateKeyJWT {
		return oidc.AuthMethodPrivateKeyJWT
	}
	return oidc.AuthMethodBasic
}
func (o opClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (o opClient) GrantTypes() []oidc.GrantType {
	out := make([]oidc.GrantType, len(o.c.GrantTypes))
	for i, g := range o.c.GrantTypes {
		out[i] = oidc.GrantType(g)
	}
	return out
}
func (o opClient) LoginURL(id string) string            { return "/login?ar=" + url.QueryEscape(id) }
func (o opClient) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (o opClient) IDTokenLifetime() time.Duration       { return idTokenTTL }
func (o opClient) DevMode() bool                        { return false }
func (o opClient) IsScopeAllowed(scope string) bool     { return slices.Contains(o.c.Scopes, scope) }
func (o opClient) IDTokenUserinfoClaimsAssertion() bool { return true }
func (o opClient) ClockSkew() time.Duration             { return 0 }
func (o opClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (o opClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
