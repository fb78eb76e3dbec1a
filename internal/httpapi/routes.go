package httpapi

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes lists every route of the API.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()

	// Operations.
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))

	// Reference data: public, no personal data.
	mux.HandleFunc("GET /api/v1/units", s.handleUnitList)
	mux.HandleFunc("GET /api/v1/unit-mappings", s.handleUnitMappingList)
	mux.HandleFunc("GET /api/v1/idnumbers/{id}", s.handleIDNumberDecode)

	// The caller.
	mux.Handle("GET /api/v1/me", s.authed(s.handleMe))

	// Register: persons, events, households.
	mux.Handle("POST /api/v1/births", s.authed(s.idempotent(s.handleBirthCreate)))
	mux.Handle("GET /api/v1/persons", s.authed(s.handlePersonSearch))
	mux.Handle("GET /api/v1/persons/{id}", s.personGet()) // officers, or partners under a policy
	mux.Handle("GET /api/v1/persons/{id}/history", s.authed(s.handlePersonHistory))
	mux.Handle("POST /api/v1/persons/{id}/events", s.authed(s.idempotent(s.handleEventCreate)))
	mux.Handle("GET /api/v1/households/{id}", s.authed(s.handleHouseholdGet))

	// Access log: public checkpoints and proofs; entries for auditors.
	mux.HandleFunc("GET /api/v1/accesslog/checkpoint", s.handleCheckpointGet)
	mux.HandleFunc("GET /api/v1/accesslog/key", s.handleLogKeyGet)
	mux.HandleFunc("GET /api/v1/accesslog/proofs/inclusion", s.handleInclusionProof)
	mux.HandleFunc("GET /api/v1/accesslog/proofs/consistency", s.handleConsistencyProof)
	mux.Handle("GET /api/v1/accesslog/entries", s.authed(s.handleLogEntries))

	s.eidRoutes(mux)          // e-ID accounts, level 2 and organisations: see eid.go
	s.passkeyRoutes(mux)      // citizens' passkeys (WebAuthn): see passkey.go
	s.officerRoutes(mux)      // officers' own logins: see officer.go
	s.verifyRoutes(mux)       // eKYC for partners, single and bulk: see verify.go
	s.sharingRoutes(mux)      // policies, consents, partners' reads: see sharing.go
	s.subscriptionRoutes(mux) // change notifications: see subscriptions.go
	s.oidcRoutes(mux)         // the OpenID Connect provider and its clients: see oidc.go
	s.documentRoutes(mux)     // integrated documents (SD-JWT VCs): see documents.go
	s.cardRoutes(mux)         // chip ID cards, their PKI, verification and check-in: see card.go
	s.portalRoutes(mux)       // public-service portal: see portal.go
	s.residenceRoutes(mux)    // residence declarations: see residence.go
	s.qualityRoutes(mux)      // data-quality review queue: see quality.go
	s.dashboardRoutes(mux)    // the programme's indicators: see dashboard.go
	s.reconcileRoutes(mux)    // agencies' lists against the register: see reconcile.go
	// A citizen's own access log, anomaly alerts: see alert.go.
	s.oversightRoutes(mux)
	s.webRoutes(mux) // the web UI: home, citizen app, officer console: see web.go
	// Anything else under the API is a JSON 404, not the mux's text.
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, notFoundRoute)
	})
	return mux
}
