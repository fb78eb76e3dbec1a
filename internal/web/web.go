// Package web is dancu's server-rendered user interface: the home page,
// the citizen app under /app/ (what VNeID is on the web) and the officer
// console under /officer/. Pages are html/template, parsed once from
// embedded files around one layout; every text comes from a message
// catalogue (Vietnamese by default, English by a switch); forms work
// without JavaScript, follow post/redirect/get and carry a CSRF token.
//
// The package holds no rules of its own: it calls the same services as
// the JSON API (register, e-ID, officer logins, documents, sharing,
// OpenID consents, the access log), so jurisdiction and access logging
// apply exactly as they do there. See docs/web.md.
package web

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/card"
	"github.com/dancu-vn/dancu/internal/dashboard"
	"github.com/dancu-vn/dancu/internal/documents"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/idempotency"
	"github.com/dancu-vn/dancu/internal/officer"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/portal"
	"github.com/dancu-vn/dancu/internal/quality"
	"github.com/dancu-vn/dancu/internal/reconcile"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/residence"
	"github.com/dancu-vn/dancu/internal/sharing"
	"github.com/dancu-vn/dancu/internal/sms"
)

// TokenStore checks and revokes officers' bearer tokens; store.DB
// implements it.
type TokenStore interface {
	Authenticate(ctx context.Context, bearer string) (*auth.Officer, error)
	RevokeToken(ctx context.Context, id string) error
}

// SecretStore keeps the key that signs CSRF tokens and flow cookies, shared
// by every node; store.DB implements it.
type SecretStore interface {
	LoadOrCreateSecret(ctx context.Context, name string, create func() ([]byte, error)) ([]byte, error)
}

// Services are what the pages call. Register, EID, Log, Tokens and
// Secrets are required; a nil optional service hides its pages.
type Services struct {
	Register *register.Service
	EID      *eid.Service
	Log      *accesslog.Log
	// LogVerifierKey is the access log's public note key: the citizen's
	// access-log page verifies every entry's proof against a checkpoint
	// signed by it.
	LogVerifierKey string
	Tokens         TokenStore
	Secrets        SecretStore
	// Idempotency records which form submissions were made, keyed by the
	// form's nonce, so that a form sent twice (a double click, a resent
	// POST) makes one submission; nil: no such guard.
	Idempotency idempotency.Store

	Officers  *officer.Service   // officer logins
	OIDC      *oidc.Provider     // connected services (consents)
	Documents *documents.Service // integrated documents
	Sharing   *sharing.Service   // data-sharing consents
	Cards     *card.Service      // identity QR for check-in
	Portal    *portal.Service    // public-service portal: procedures, dossiers, payments, results
	Residence *residence.Service // residence declarations: businesses' guests, police's view
	Quality   *quality.Service   // data-quality review queue
	Dashboard *dashboard.Service // the programme's indicators
	Reconcile *reconcile.Service // agencies' lists against the register

	Now func() time.Time
}

// UI serves the pages.
type UI struct {
	svc  Services
	demo atomic.Pointer[Demo]

	keyMu sync.Mutex
	key   []byte // HMAC key of CSRF tokens and signed cookies, loaded once
}

// New returns the UI over the services.
func New(s Services) *UI {
	if s.Now == nil {
		s.Now = time.Now
	}
	return &UI{svc: s}
}

// Demo is what the home page shows on a demo server: the demo accounts.
// cmd/dancu fills it; the package never reads demo files itself.
type Demo struct {
	Officers []DemoOfficer
	Citizens []DemoCitizen
}

// DemoOfficer is a demo officer account.
type DemoOfficer struct {
	Username, FullName, Role, UnitName, Password, TOTPSecret string
}

// DemoCitizen is a demo e-ID account.
type DemoCitizen struct {
	IDNumber, FullName, Phone, Passcode string
	Level                               int
}

// SetDemo turns demo mode on: the home page lists the accounts, the
// officer login shows the demo TOTP codes, and the code pages show the
// one-time code the development outbox holds.
func (u *UI) SetDemo(d *Demo) { u.demo.Store(d) }

// outbox returns the development SMS outbox when the UI is in demo mode
// and the outbox is the sender in use, else nil.
func (u *UI) outbox() *sms.Outbox {
	if u.demo.Load() == nil {
		return nil
	}
	o, _ := u.svc.EID.Sender().(*sms.Outbox)
	return o
}

// now is the UI's clock.
func (u *UI) now() time.Time { return u.svc.Now().UTC() }

// Routes registers every page on mux. The API's more specific patterns
// keep priority; every page path starts with /app/, /officer/ or /static/,
// except the home page.
func (u *UI) Routes(mux *http.ServeMux) {
	var page route = func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, u.secured(h)) }
	var post route = func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, u.secured(u.checkCSRF(h))) }

	mux.HandleFunc("GET /static/", handleStatic)
	page("GET /{$}", u.handleHome)

	// Citizens: account.
	page("GET /app/register", u.handleRegisterPage)
	post("POST /app/register", u.handleRegisterSubmit)
	page("GET /app/register/code", u.handleRegisterCodePage)
	post("POST /app/register/code", u.handleRegisterCodeSubmit)
	page("GET /app/login", u.handleLoginPage)
	post("POST /app/login", u.handleLoginSubmit)
	page("GET /app/login/code", u.handleLoginCodePage)
	post("POST /app/login/code", u.handleLoginCodeSubmit)
	post("POST /app/logout", u.handleLogout)
	u.accountRoutes(page, post) // passcode reset and TOTP app: citizen_account.go

	// Citizens: their data.
	page("GET /app/{$}", u.citizen(u.handleAppHome))
	page("GET /app/record", u.citizen(u.handleRecord))
	page("GET /app/household", u.citizen(u.handleHousehold))
	page("GET /app/documents", u.citizen(u.handleDocuments))
	page("GET /app/documents/{id}", u.citizen(u.handleDocument))
	post("POST /app/documents/{id}/present", u.citizen(u.handlePresent))
	page("GET /app/consents", u.citizen(u.handleConsents))
	post("POST /app/consents/services/{client}/revoke", u.citizen(u.handleServiceRevoke))
	post("POST /app/consents/sharing/{id}/revoke", u.citizen(u.handleSharingRevoke))
	page("GET /app/access-log", u.citizen(u.handleAccessLog))
	page("GET /app/security", u.citizen(u.handleSecurity))
	post("POST /app/security/sessions/{id}/revoke", u.citizen(u.handleSessionRevoke))
	post("POST /app/security/devices/{id}/revoke", u.citizen(u.handleDeviceRevoke))
	post("POST /app/security/passkeys/{id}/remove", u.citizen(u.handlePasskeyRemove))
	post("POST /app/security/passkeys/begin", u.citizenJSON(u.handlePasskeyBegin))
	post("POST /app/security/passkeys", u.citizenJSON(u.handlePasskeyFinish))
	page("GET /app/notifications", u.citizen(u.handleNotifications))
	if u.svc.Cards != nil {
		page("GET /app/card", u.citizen(u.handleCard))
	}
	page("GET /app/identity-qr", u.citizen(u.handleIdentityQRPage))
	post("POST /app/identity-qr", u.citizen(u.handleIdentityQRSubmit))
	if u.svc.Portal != nil {
		u.portalRoutes(page, post) // citizens' portal pages: portal_citizen.go
	}
	page("/app/", u.handleNotFound)

	// Officers.
	page("GET /officer/login", u.handleOfficerLoginPage)
	post("POST /officer/login", u.handleOfficerLoginSubmit)
	post("POST /officer/logout", u.handleOfficerLogout)
	page("GET /officer/{$}", u.officer(u.handleOfficerSearch))
	page("GET /officer/persons/{id}", u.officer(u.handlePerson))
	page("GET /officer/persons/{id}/events/{kind}", u.officer(u.handleEventPage))
	post("POST /officer/persons/{id}/events/{kind}", u.officer(u.handleEventSubmit))
	page("GET /officer/persons/{id}/level2", u.officer(u.handleLevel2Page))
	post("POST /officer/persons/{id}/level2", u.officer(u.handleLevel2Submit))
	page("GET /officer/births/new", u.officer(u.handleBirthPage))
	post("POST /officer/births/new", u.officer(u.handleBirthSubmit))
	page("GET /officer/households/{id}", u.officer(u.handleOfficerHousehold))
	if u.svc.Portal != nil {
		u.officerDossierRoutes(page, post) // officers' dossier processing: officer_dossiers.go
	}
	if u.svc.Residence != nil {
		u.officerResidenceRoutes(page, post) // police's view of declarations: officer_residence.go
		u.businessRoutes(page, post)         // accommodation businesses: business.go
	}
	if u.svc.Quality != nil {
		u.officerQualityRoutes(page, post) // data-quality review queue: officer_quality.go
	}
	if u.svc.Dashboard != nil {
		u.officerDashboardRoutes(page, post) // the programme's indicators: officer_dashboard.go
	}
	if u.svc.Reconcile != nil {
		u.officerReconcileRoutes(page, post) // agencies' lists: officer_reconcile.go
	}
	page("/officer/", u.handleNotFound)
}

// route registers a page or a form's POST handler.
type route func(pattern string, h http.HandlerFunc)

// secure reports whether the UI is served over https, so that its
// cookies are marked Secure.
func (u *UI) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return u.svc.OIDC != nil && strings.HasPrefix(u.svc.OIDC.Issuer(), "https://")
}

// clientOf returns where a request comes from, as the e-ID service's
// sessions and rate limits see it.
func clientOf(r *http.Request) eid.Client { return eid.ClientOf(r) }
