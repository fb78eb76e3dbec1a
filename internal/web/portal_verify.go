package web

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/portal"
)

// portalVerifyPage is the public verification of a result document.
type portalVerifyPage struct {
	Page
	ResultID string
	SHA256   string // the hash the visitor asked about
	V        *portal.Verification
	Name     string // the procedure's name
	Office   string // the kind of office that handles it
}

// VerifyResultPage answers GET /verify/{result}?sha256= for a browser (the
// API answers JSON to others; httpapi routes the request here when the
// browser prefers HTML): whether the result document is genuine — its
// title, issuing office and date, its signature, and whether a copy's
// hash matches. No login; it tells nothing about the person.
func (u *UI) VerifyResultPage(w http.ResponseWriter, r *http.Request) {
	u.secured(u.handleVerifyResult).ServeHTTP(w, r)
}

func (u *UI) handleVerifyResult(w http.ResponseWriter, r *http.Request) {
	p := &portalVerifyPage{Page: u.page(w, r, "home", "portal.title.verify"), ResultID: r.PathValue("result"),
		SHA256: strings.ToLower(strings.TrimSpace(r.URL.Query().Get("sha256")))}
	p.Form.Values = r.URL.Query()
	if u.svc.Portal == nil {
		u.handleNotFound(w, r)
		return
	}
	v, err := u.svc.Portal.Verify(r.Context(), p.ResultID, p.SHA256)
	switch {
	case apperr.Is(err, apperr.NotFound):
		u.render(w, r, http.StatusNotFound, "portal_verify", p)
		return
	case err != nil:
		u.renderServiceError(w, r, err)
		return
	}
	p.V = v
	if pr, err := u.svc.Portal.Procedure(r.Context(), v.Procedure); err == nil {
		p.Name, p.Office = p.PortalText(pr.Name), p.PortalText(pr.Handling.Office)
	}
	u.render(w, r, http.StatusOK, "portal_verify", p)
}

// PortalMatches reports whether the hash asked about is the document's.
func (p *portalVerifyPage) PortalMatches() bool {
	return p.V != nil && p.V.Matches != nil && *p.V.Matches
}

// PrefersHTML reports whether a request's Accept header prefers an HTML
// page to JSON, as a browser's does; a client that names neither, or only
// */*, gets JSON.
func PrefersHTML(r *http.Request) bool {
	html, json := -1.0, -1.0
	htmlAt, jsonAt := -1, -1
	for i, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				q = f
			}
		}
		switch mt {
		case "text/html", "application/xhtml+xml":
			if q > html {
				html, htmlAt = q, i
			}
		case "application/json":
			json, jsonAt = q, i
		}
	}
	switch {
	case html <= 0:
		return false
	case html != json:
		return html > json
	}
	return htmlAt < jsonAt
}
