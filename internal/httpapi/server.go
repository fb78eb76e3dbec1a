// Package httpapi serves dancu's versioned JSON API under /api/v1/, the
// health and readiness probes and Prometheus metrics. Handlers decode and
// encode; the rules live in the domain services they call.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/anomaly"
	"github.com/dancu-vn/dancu/internal/card"
	"github.com/dancu-vn/dancu/internal/dashboard"
	"github.com/dancu-vn/dancu/internal/documents"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/ekyc"
	"github.com/dancu-vn/dancu/internal/officer"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/pki"
	"github.com/dancu-vn/dancu/internal/portal"
	"github.com/dancu-vn/dancu/internal/quality"
	"github.com/dancu-vn/dancu/internal/reconcile"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/residence"
	"github.com/dancu-vn/dancu/internal/sharing"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/web"
	"github.com/dancu-vn/dancu/internal/webhook"
)

// Server holds what the handlers need.
type Server struct {
	DB       *store.DB
	Register *register.Service
	Log      *accesslog.Log
	Logger   *slog.Logger
	Now      func() time.Time
	// Version is reported by /healthz.
	Version string
	// LogVerifierKey is the public note key of the access log's checkpoints.
	LogVerifierKey string
	// EID is the e-ID service; its routes exist only when it is set.
	EID *eid.Service
	// OIDC is the OpenID Connect provider; mounted only when it is set.
	OIDC *oidc.Provider
	// Officers logs officers in with password and TOTP; mounted when set.
	Officers *officer.Service
	// Alerts is the access log's anomaly detector; its routes exist only
	// when it is set.
	Alerts *anomaly.Detector
	// EKYC verifies partners' requests; Jobs runs their bulk files.
	EKYC *ekyc.Service
	Jobs *ekyc.Jobs
	// Sharing applies data-sharing policies and consents.
	Sharing *sharing.Service
	// Webhooks runs subscriptions to changes.
	Webhooks *webhook.Service

	// Documents holds citizens' integrated documents (SD-JWT VCs); its
	// routes exist only when it is set.
	Documents *documents.Service

	// Cards runs the chip ID cards, PKI their certificates, Checkin the
	// partners' check of identity QRs; card routes exist only when Cards
	// and PKI are set.
	Cards   *card.Service
	PKI     *pki.Service
	Checkin *card.Checkin
	revoked revokedCache

	// Portal is the public-service portal (procedures, dossiers, fees,
	// results); Residence the residence declarations. Mounted when set.
	Portal    *portal.Service
	Residence *residence.Service
	Quality   *quality.Service
	// Dashboard is the programme's indicators; Reconcile checks agencies'
	// lists against the register. Mounted when set.
	Dashboard *dashboard.Service
	Reconcile *reconcile.Service

	// Web is the server-rendered UI (internal/web); built from the
	// services above by WebUI when not set.
	Web *web.UI

	metrics  *metrics
	registry *prometheus.Registry
}

// New returns a server with its metrics registered.
func New(db *store.DB, reg *register.Service, log *accesslog.Log, logVerifierKey string, logger *slog.Logger, version string) *Server {
	s := &Server{DB: db, Register: reg, Log: log, LogVerifierKey: logVerifierKey, Logger: logger, Now: time.Now, Version: version}
	s.registry = prometheus.NewRegistry()
	s.metrics = newMetrics(s.registry, log)
	s.registry.MustRegister(alertMetrics{s})
	return s
}

// Handler returns the router wrapped in the middleware every route gets.
func (s *Server) Handler() http.Handler {
	return s.recoverer(s.observe(s.routes()))
}

// readyTimeout bounds the readiness probe's database checks.
const readyTimeout = 2 * time.Second

// handleHealthz answers GET /healthz: the process is alive.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.Version})
}

// handleReadyz answers GET /readyz: the database answers and its schema
// is current, so this node may take traffic.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
		return
	}
	pending, err := s.DB.PendingMigrations(ctx)
	if err != nil || pending != 0 {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "migrations pending", "pending": pending})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "engine": string(s.DB.Engine)})
}
