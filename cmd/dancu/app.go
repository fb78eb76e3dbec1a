package main

import (
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/anomaly"
	"github.com/dancu-vn/dancu/internal/card"
	"github.com/dancu-vn/dancu/internal/dashboard"
	"github.com/dancu-vn/dancu/internal/documents"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/ekyc"
	"github.com/dancu-vn/dancu/internal/httpapi"
	"github.com/dancu-vn/dancu/internal/officer"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/pki"
	"github.com/dancu-vn/dancu/internal/portal"
	"github.com/dancu-vn/dancu/internal/proxy"
	"github.com/dancu-vn/dancu/internal/quality"
	"github.com/dancu-vn/dancu/internal/quota"
	"github.com/dancu-vn/dancu/internal/reconcile"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/residence"
	"github.com/dancu-vn/dancu/internal/sharing"
	"github.com/dancu-vn/dancu/internal/sms"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/webhook"
)

// app is a wired dancu: database, access log, services, HTTP server.
type app struct {
	cfg    Config
	db     *store.DB
	log    *accesslog.Log
	reg    *register.Service
	eid    *eid.Service
	server *httpapi.Server
	logger *slog.Logger
	stop   context.CancelFunc // ends background housekeeping
	// extra serves paths outside the API (the demo relying party), if set.
	extra map[string]http.Handler
}

// handler is what the HTTP server serves: the API and any extra paths.
func (a *app) handler() http.Handler {
	var h http.Handler = a.server.Handler()
	if len(a.extra) > 0 {
		mux := http.NewServeMux()
		mux.Handle("/", h)
		for p, x := range a.extra {
			mux.Handle(p, x)
		}
		h = mux
	}
	return proxy.RealClient(h, a.cfg.TrustedProxies)
}

// openDB opens and migrates the configured database and loads the
// administrative units.
func openDB(ctx context.Context, cfg Config) (*store.DB, error) {
	db, err := store.Open(ctx, cfg.DSN())
	if err != nil {
		return nil, err
	}
	if cfg.SealKeyFile != "" {
		key, err := readKeyFile(cfg.SealKeyFile)
		if err == nil {
			err = db.SetSealKey(key)
		}
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("--seal-key-file: %w", err)
		}
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if _, err := db.SyncUnits(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// readKeyFile reads a 32-byte key written as 64 hex digits (openssl rand
// -hex 32) or in base64.
func readKeyFile(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	text := strings.TrimSpace(string(raw))
	if key, err := hex.DecodeString(text); err == nil && len(key) == 32 {
		return key, nil
	}
	if key, err := base64.StdEncoding.DecodeString(text); err == nil && len(key) == 32 {
		return key, nil
	}
	return nil, fmt.Errorf("%s: not a 32-byte key in hex or base64", path)
}

// openApp wires everything the server needs.
func openApp(ctx context.Context, cfg Config) (*app, error) {
	db, err := openDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	signer, vkey, err := logSigner(ctx, cfg, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	alog := accesslog.New(db, signer, accesslog.Options{Origin: cfg.LogOrigin})
	logger := newLogger(cfg.LogLevel)
	reg := &register.Service{Store: db, Log: alog, Now: time.Now, Rand: rand.IntN, Accounts: db.HasEIDAccount}
	srv := httpapi.New(db, reg, alog, vkey, logger, version)
	ids, err := newEID(ctx, cfg, db, reg, alog)
	if err != nil {
		alog.Close()
		db.Close()
		return nil, err
	}
	srv.EID = ids
	prov, err := newOIDC(ctx, cfg, db, ids, reg, alog, logger)
	if err != nil {
		alog.Close()
		db.Close()
		return nil, err
	}
	srv.OIDC = prov
	srv.Officers = &officer.Service{Store: db}
	// Integrated documents: status lists are published under the issuer URL.
	srv.Documents = &documents.Service{Store: db, People: reg, Log: alog, BaseURL: prov.Issuer}
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	go prune(bg, logger, map[string]func(context.Context) error{"eid": ids.Prune, "oidc": prov.Prune})
	srv.EKYC, srv.Jobs = newEKYC(bg, db, alog, logger)
	srv.Sharing = &sharing.Service{Store: db, People: db, Log: alog}
	// Chip ID cards: signers come from the database; the CSCA's key stays
	// with `dancu pki`, never on a serving node.
	srv.PKI = &pki.Service{Store: db}
	srv.Cards = &card.Service{Store: db, People: db, PKI: srv.PKI, Log: alog}
	srv.Checkin = &card.Checkin{Cards: srv.Cards, Policies: db, EIDLevel: db.EIDLevel}
	srv.Webhooks = &webhook.Service{Store: db, Policies: srv.Sharing, Sign: prov.SignDetached,
		HTTP: &http.Client{Timeout: 15 * time.Second}, Logger: logger}
	go srv.Webhooks.Run(bg)
	// The public-service portal (built-in procedures loaded) and residence declarations.
	if srv.Portal, err = portal.Open(ctx, db, reg, alog, prov.Issuer, time.Now); err != nil {
		stop()
		alog.Close()
		db.Close()
		return nil, err
	}
	go prune(bg, logger, map[string]func(context.Context) error{"portal_files": srv.Portal.PruneFiles})
	srv.Residence = &residence.Service{Store: db, Facts: db, Log: alog}
	srv.Quality = &quality.Service{Store: db, Log: alog}
	srv.Dashboard = &dashboard.Service{Store: db}
	srv.Reconcile = &reconcile.Service{People: db, Log: alog}
	if cfg.DashboardEvery > 0 {
		go snapshots(bg, logger, srv.Dashboard, cfg.DashboardEvery)
	}
	// Anomaly alerts: scans the access log in the background (read only).
	srv.Alerts = anomaly.Start(db, cfg.Alerts, logger)
	return &app{cfg: cfg, db: db, log: alog, reg: reg, eid: ids, server: srv, logger: logger, stop: stop}, nil
}

// newEID wires the e-ID service: one-time codes keyed by a secret shared
// through the database, sent by the configured SMS gateway or, by
// default, kept in the development outbox.
func newEID(ctx context.Context, cfg Config, db *store.DB, reg *register.Service, alog *accesslog.Log) (*eid.Service, error) {
	key, err := db.LoadOrCreateSecret(ctx, "eid-otp-key", func() ([]byte, error) {
		b := make([]byte, 32)
		_, err := crand.Read(b)
		return b, err
	})
	if err != nil {
		return nil, err
	}
	var sender sms.Sender = &sms.Outbox{Store: db}
	if cfg.SMSURL != "" {
		token, err := os.ReadFile(cfg.SMSTokenFile)
		if err != nil {
			return nil, fmt.Errorf("read SMS gateway token: %w", err)
		}
		sender = &sms.HTTPProvider{URL: cfg.SMSURL, Token: strings.TrimSpace(string(token))}
	}
	rpID, origins := webAuthnFor(cfg.IssuerURL())
	return eid.New(db, sender, reg, eid.Options{Log: alog, OTPKey: key, WebAuthnRPID: rpID, WebAuthnOrigins: origins}), nil
}

// newOIDC wires the OpenID Connect provider. Its pairwise-subject key is
// generated once and kept in the database: changing it would change every
// citizen's subject at every relying party.
func newOIDC(ctx context.Context, cfg Config, db *store.DB, ids *eid.Service, reg *register.Service,
	alog *accesslog.Log, logger *slog.Logger) (*oidc.Provider, error) {
	key, err := db.LoadOrCreateSecret(ctx, "oidc-pairwise-key", func() ([]byte, error) {
		b := make([]byte, 32)
		_, err := crand.Read(b)
		return b, err
	})
	if err != nil {
		return nil, err
	}
	// zitadel/oidc logs refused requests to the default logger: make it
	// ours (JSON, no personal data in what it logs).
	slog.SetDefault(logger)
	return oidc.New(oidc.Config{Issuer: cfg.IssuerURL(), PairwiseKey: key, Logger: logger}, db, ids, reg, alog), nil
}

// newEKYC wires verification for partners: quotas flushed to the
// database every second (shared by nodes), and the bulk-job worker, which
// runs until bg ends.
func newEKYC(bg context.Context, db *store.DB, alog *accesslog.Log, logger *slog.Logger) (*ekyc.Service, *ekyc.Jobs) {
	limiter := quota.New(db, nil)
	go limiter.Run(bg, time.Second)
	svc := &ekyc.Service{Store: db, Log: alog, Quota: limiter}
	host, _ := os.Hostname()
	jobs := &ekyc.Jobs{Service: svc, Store: db, Node: fmt.Sprintf("%s/%d/%d", host, os.Getpid(), time.Now().UnixNano()),
		Logger: logger}
	go jobs.Run(bg)
	return svc, jobs
}

// pruneEvery is how often expired e-ID challenges, rate-limit events, old
// sessions and the portal's unclaimed papers are deleted.
const pruneEvery = 15 * time.Minute

// prune runs each housekeeping function every pruneEvery until ctx ends:
// expired e-ID challenges, rate-limit events and sessions, OpenID
// requests, tokens and one-time values.
func prune(ctx context.Context, logger *slog.Logger, fns map[string]func(context.Context) error) {
	repeat(ctx, pruneEvery, false, func() {
		for name, fn := range fns {
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				logger.Warn("prune", "tables", name, "err", err)
			}
		}
	})
}

// snapshots counts the dashboard's indicators at start and then every
// period until ctx ends. Each snapshot scans the register's tables once:
// at 100 million persons operators leave it to one node
// (--dashboard-every, docs/dashboard.md).
func snapshots(ctx context.Context, logger *slog.Logger, d *dashboard.Service, every time.Duration) {
	repeat(ctx, every, true, func() {
		if _, err := d.Snapshot(ctx); err != nil && ctx.Err() == nil {
			logger.Warn("dashboard snapshot", "err", err)
		}
	})
}

// repeat runs fn every period until ctx ends, first at once if now.
func repeat(ctx context.Context, period time.Duration, now bool, fn func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	if now {
		fn()
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

// logSigner returns the access log's checkpoint signer: from the key file
// if one is configured, else the key kept in the database.
func logSigner(ctx context.Context, cfg Config, db *store.DB) (note.Signer, string, error) {
	if cfg.LogKeyFile != "" {
		b, err := os.ReadFile(cfg.LogKeyFile)
		if err != nil {
			return nil, "", fmt.Errorf("read access log key: %w", err)
		}
		return accesslog.SignerFromKey(strings.TrimSpace(string(b)))
	}
	return accesslog.LoadOrCreateSigner(ctx, db, "accesslog-signer")
}

// listen opens the configured address and, unless an issuer is
// configured, makes the OpenID provider's issuer the address listened on
// (so that a port chosen by the system is right in discovery).
func (a *app) listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	if a.cfg.Issuer == "" {
		iss := "http://" + ln.Addr().String()
		a.server.OIDC.SetIssuer(iss)
		rpID, origins := webAuthnFor(iss)
		if err := a.eid.SetWebAuthn(rpID, origins); err != nil {
			ln.Close()
			return nil, err
		}
		if rpID == "localhost" {
			a.logger.Info("passkeys need a host name: open the login pages at localhost", "url", origins[0])
		}
	}
	return ln, nil
}

// webAuthnFor returns the WebAuthn relying party of an issuer URL: its
// host name, and the origin pages are served from. WebAuthn refuses IP
// addresses: a loopback address becomes localhost (which browsers treat
// as secure even over http), any other address turns passkeys off.
func webAuthnFor(issuer string) (rpID string, origins []string) {
	u, err := url.Parse(issuer)
	if err != nil || u.Hostname() == "" {
		return "", nil
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil {
		if !ip.IsLoopback() {
			return "", nil
		}
		host = "localhost"
	}
	origin := u.Scheme + "://" + host
	if u.Port() != "" {
		origin = u.Scheme + "://" + net.JoinHostPort(host, u.Port())
	}
	return host, []string{origin}
}

func (a *app) Close() {
	a.stop()
	a.server.Alerts.Close()
	a.log.Close()
	a.db.Close()
}
