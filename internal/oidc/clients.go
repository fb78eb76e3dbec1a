package oidc

import (
	"context"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// secretPrefix marks client secrets.
const secretPrefix = "dcsec_"

// RegisterClient completes a registration with defaults, checks it and
// stores it. It returns the client secret for client_secret_basic
// clients: shown once, kept only as a hash.
func RegisterClient(ctx context.Context, s Store, c *Client, now time.Time) (string, error) {
	if c.ID == "" {
		c.ID = "rp_" + strings.ToLower(randomToken(9))
	}
	if c.AuthMethod == "" {
		c.AuthMethod = AuthSecretBasic
	}
	if len(c.GrantTypes) == 0 {
		c.GrantTypes = []string{GrantCode, GrantRefresh}
	}
	if len(c.Scopes) == 0 {
		c.Scopes = []string{ScopeOpenID, ScopeProfile}
	}
	if c.SubjectType == "" {
		c.SubjectType = SubjectPairwise
	}
	if c.Profile == ProfileFAPI2 {
		c.RequireDPoP = true
	}
	c.CreatedAt = now.UTC()
	if err := c.Validate(); err != nil {
		return "", err
	}
	var secret string
	if c.AuthMethod == AuthSecretBasic {
		secret = secretPrefix + randomToken(32)
		c.SetSecret(secret)
	} else {
		c.SecretHash = nil
	}
	if err := s.CreateOIDCClient(ctx, c); err != nil {
		return "", err
	}
	return secret, nil
}

// RotateClientSecret replaces a client's secret; the old one stops
// working at once.
func RotateClientSecret(ctx context.Context, s Store, id string) (string, error) {
	c, err := s.OIDCClient(ctx, id)
	if err != nil {
		return "", err
	}
	if c.AuthMethod != AuthSecretBasic {
		return "", apperr.E(apperr.Invalid, "client %s authenticates with private_key_jwt and has no secret", id)
	}
	secret := secretPrefix + randomToken(32)
	c.SetSecret(secret)
	return secret, s.UpdateOIDCClient(ctx, c)
}

// SetClientDisabled disables or re-enables a client. A disabled client
// can neither start logins nor redeem, refresh or use its tokens.
func SetClientDisabled(ctx context.Context, s Store, id string, disabled bool) (*Client, error) {
	c, err := s.OIDCClient(ctx, id)
	if err != nil {
		return nil, err
	}
	c.Disabled = disabled
	return c, s.UpdateOIDCClient(ctx, c)
}

// Consents lists the services a citizen allowed, for the citizen.
func (p *Provider) Consents(ctx context.Context, accountID string) ([]*Consent, error) {
	return p.store.OIDCConsents(ctx, accountID)
}

// RevokeConsent withdraws a citizen's consent to a client, and the
// tokens the client holds for the citizen.
func (p *Provider) RevokeConsent(ctx context.Context, accountID, clientID string) error {
	return p.store.RevokeOIDCConsent(ctx, accountID, clientID, p.now())
}

// Store returns the provider's store, for operator tools.
func (p *Provider) Store() Store { return p.store }

// pruneAfter is how long expired requests and tokens are kept (for
// support questions) before Prune deletes them.
const pruneAfter = 7 * 24 * time.Hour

// Prune deletes what expired more than a week ago.
func (p *Provider) Prune(ctx context.Context) error {
	return p.store.PruneOIDC(ctx, p.now().Add(-pruneAfter))
}
