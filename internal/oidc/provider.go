// Package oidc is dancu's OpenID Connect provider: relying parties (public
// portals, banks, telcos, airlines) log citizens in with their e-ID
// accounts. zitadel/oidc's op package parses the protocol's requests and
// writes its errors; this package decides every answer — clients, codes,
// tokens, consent, pairwise subjects — and adds what the library lacks:
// pushed authorization requests (RFC 9126), the iss response parameter
// (RFC 9207), DPoP (RFC 9449) and back-channel logout.
package oidc

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/register"
)

// Lifetimes. Codes are short (RFC 9700 asks minutes at most); access
// tokens are short so that a stolen one is soon useless; refresh tokens
// rotate on each use.
const (
	codeTTL         = time.Minute
	authRequestTTL  = 15 * time.Minute
	parTTL          = 90 * time.Second
	accessTTL       = 10 * time.Minute
	refreshTTL      = 30 * 24 * time.Hour
	idTokenTTL      = time.Hour
	assertionMaxTTL = 5 * time.Minute
	dpopWindow      = 2 * time.Minute
)

// Paths of the provider's endpoints.
const (
	pathAuthorize  = "/oauth/authorize"
	pathToken      = "/oauth/token"
	pathIntrospect = "/oauth/introspect"
	pathUserinfo   = "/oauth/userinfo"
	pathRevoke     = "/oauth/revoke"
	pathLogout     = "/oauth/logout"
	pathJWKS       = "/oauth/jwks"
	pathPAR        = "/oauth/par"
	pathLogin      = "/login"
	pathLoginCode  = "/login/code"
	pathConsent    = "/consent"
	pathLoggedOut  = "/logged-out"
)

// Paths of the passkey login: its challenge, its answer, and the script
// that runs it on the login page.
const (
	pathLoginPasskey      = "/login/passkey"
	pathLoginPasskeyBegin = "/login/passkey/begin"
	pathPasskeyScript     = "/oauth/static/passkey.js"
)

// Accounts is what the provider needs of e-ID accounts.
type Accounts interface {
	BeginLogin(ctx context.Context, req eid.LoginRequest, c eid.Client) (eid.LoginResult, error)
	FinishLogin(ctx context.Context, challengeID, method, code string, bindDevice bool, deviceName string, c eid.Client) (eid.LoginResult, error)
	Authenticate(ctx context.Context, sessionToken string) (*eid.Session, *eid.Account, error)
	Account(ctx context.Context, accountID string) (*eid.Account, error)
	RevokeSession(ctx context.Context, accountID, sessionID string) error
	// PasskeyRPID is the WebAuthn relying-party ID, "" while passkeys are off.
	PasskeyRPID() string
	BeginPasskeyLogin(ctx context.Context, c eid.Client) (options json.RawMessage, ceremonyID string, err error)
	FinishPasskeyLogin(ctx context.Context, ceremonyID string, response []byte, c eid.Client) (eid.LoginResult, error)
}

// People is what the provider reads of the register to release claims.
type People interface {
	ForSubject(ctx context.Context, idNumber string) (*register.Person, error)
}

var _ People = (*register.Service)(nil)

// Config configures a Provider.
type Config struct {
	// Issuer is the provider's public base URL, without a trailing slash.
	Issuer string
	// PairwiseKey keys the pairwise subject identifiers (32 random bytes,
	// kept secret and never changed: changing it changes every subject).
	PairwiseKey []byte
	Logger      *slog.Logger
	Now         func() time.Time
	// HTTPClient delivers back-channel logout tokens.
	HTTPClient *http.Client
}

// Provider is the OpenID Connect provider.
type Provider struct {
	cfg      Config
	store    Store
	accounts Accounts
	people   People
	log      *accesslog.Log
	keys     *keyring
	clients  clientCache
	tokens   tokenCache
	now      func() time.Time
	logger   *slog.Logger
	handler  http.Handler
}

// New returns a provider.
func New(cfg Config, store Store, accounts Accounts, people People, log *accesslog.Log) *Provider {
	cfg.Issuer = strings.TrimRight(cfg.Issuer, "/")
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	p := &Provider{cfg: cfg, store: store, accounts: accounts, people: people, log: log,
		now: cfg.Now, logger: cfg.Logger}
	p.keys = &keyring{store: store, now: cfg.Now}
	p.handler = p.routes()
	return p
}

// SetIssuer sets the issuer once the listening address is known (a
// server on an ephemeral port); call it before serving.
func (p *Provider) SetIssuer(iss string) { p.cfg.Issuer = strings.TrimRight(iss, "/") }

// Issuer returns the provider's issuer URL.
func (p *Provider) Issuer() string { return p.cfg.Issuer }

// Handler serves every endpoint of the provider and its login pages.
func (p *Provider) Handler() http.Handler { return p.handler }

// Paths lists the path prefixes Handler serves, for mounting beside the API.
func Paths() []string {
	return []string{"/.well-known/openid-configuration", "/oauth/", pathLogin, pathLoginCode, pathLoginPasskey,
		pathLoginPasskeyBegin, pathConsent, pathLoggedOut}
}

// routes mounts zitadel's protocol handlers and this package's own.
func (p *Provider) routes() http.Handler {
	ep := op.Endpoints{
		Authorization: op.NewEndpoint(pathAuthorize),
		Token:         op.NewEndpoint(pathToken),
		Introspection: op.NewEndpoint(pathIntrospect),
		Revocation:    op.NewEndpoint(pathRevoke),
		EndSession:    op.NewEndpoint(pathLogout),
		JwksURI:       op.NewEndpoint(pathJWKS),
	}
	lib := op.RegisterServer(&server{p: p}, ep, op.WithServerCORSOptions(nil))
	mux := http.NewServeMux()
	mux.Handle("/.well-known/openid-configuration", lib)
	mux.Handle("/oauth/", lib)
	mux.HandleFunc("POST "+pathPAR, p.handlePAR)
	mux.HandleFunc(pathUserinfo, p.handleUserinfo)
	mux.HandleFunc("GET "+pathLogin, p.handleLoginPage)
	mux.HandleFunc("POST "+pathLogin, p.handleLoginSubmit)
	mux.HandleFunc("POST "+pathLoginCode, p.handleCodeSubmit)
	mux.HandleFunc("POST "+pathLoginPasskeyBegin, p.handlePasskeyBegin)
	mux.HandleFunc("POST "+pathLoginPasskey, p.handlePasskeySubmit)
	mux.HandleFunc("GET "+pathPasskeyScript, p.handlePasskeyScript)
	mux.HandleFunc("GET "+pathConsent, p.handleConsentPage)
	mux.HandleFunc("POST "+pathConsent, p.handleConsentSubmit)
	mux.HandleFunc("GET "+pathLoggedOut, p.handleLoggedOut)
	return mux
}

// randomToken returns n random bytes, base64url.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is how tokens and codes are kept: SHA-256 of the value.
func hashToken(v string) []byte {
	h := sha256.Sum256([]byte(v))
	return h[:]
}
