package httpapi

import (
	"net/http"
	"sync"

	"github.com/dancu-vn/dancu/internal/web"
)

// webMu guards building the web UI once, from the server's own services.
var webMu sync.Mutex

// WebUI returns the web UI (internal/web) over the server's services,
// building it on first use: the pages call the same services as the API.
// Set Web before Handler to serve another.
func (s *Server) WebUI() *web.UI {
	webMu.Lock()
	defer webMu.Unlock()
	if s.Web == nil && s.EID != nil {
		s.Web = web.New(web.Services{Register: s.Register, EID: s.EID, Log: s.Log, LogVerifierKey: s.LogVerifierKey,
			Tokens: s.DB, Secrets: s.DB, Idempotency: s.DB, Officers: s.Officers, OIDC: s.OIDC, Documents: s.Documents, Sharing: s.Sharing,
			Cards: s.Cards, Portal: s.Portal, Residence: s.Residence, Quality: s.Quality, Dashboard: s.Dashboard, Reconcile: s.Reconcile, Now: s.Now})
	}
	return s.Web
}

// webRoutes mounts the web UI: the home page, the citizen app (/app/) and
// the officer console (/officer/). The API's patterns are more specific
// and keep priority.
func (s *Server) webRoutes(mux *http.ServeMux) {
	if ui := s.WebUI(); ui != nil {
		ui.Routes(mux)
	}
}
