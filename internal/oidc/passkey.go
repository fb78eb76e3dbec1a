package oidc

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"strings"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// passkeyScript runs the passkey login on the login page: it is served by
// the provider itself, so that the page's CSP allows only 'self' scripts
// and there is no build step.
//
//go:embed static/passkey.js
var passkeyScript []byte

// passkeyScriptETag names the script's version for caches.
var passkeyScriptETag = func() string {
	sum := sha256.Sum256(passkeyScript)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}()

// handlePasskeyScript answers GET /oauth/static/passkey.js.
func (p *Provider) handlePasskeyScript(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "no-cache") // revalidated by ETag, so a new version is used at once
	h.Set("ETag", passkeyScriptETag)
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Header.Get("If-None-Match") == passkeyScriptETag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(passkeyScript)
}

// passkeysOn reports whether the login page offers passkeys: they are on
// and the page's host is within their relying-party ID (a browser at
// 127.0.0.1 cannot use passkeys of localhost).
func (p *Provider) passkeysOn(r *http.Request) bool {
	rpID := p.accounts.PasskeyRPID()
	if rpID == "" {
		return false
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	return host == rpID || strings.HasSuffix(host, "."+rpID)
}

// passkeyBegin is the answer of POST /login/passkey/begin.
type passkeyBegin struct {
	CeremonyID string          `json:"ceremony_id"`
	Options    json.RawMessage `json:"options"` // for navigator.credentials.get: {"publicKey": …}
}

// handlePasskeyBegin answers POST /login/passkey/begin (form: ar, csrf)
// with a passkey challenge as JSON, or {"error": message} in the page's
// language.
func (p *Provider) handlePasskeyBegin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	ar, status, key := p.postedRequest(w, r)
	if ar == nil {
		writePageJSON(w, status, map[string]string{"error": t(lang(r), key)})
		return
	}
	options, id, err := p.accounts.BeginPasskeyLogin(r.Context(), clientOf(r))
	if err != nil {
		if apperr.Code(err) == apperr.Internal {
			p.logger.Error("begin passkey login", "err", err)
		}
		writePageJSON(w, loginStatus(err), map[string]string{"error": t(lang(r), passkeyErrorKey(err))})
		return
	}
	writePageJSON(w, http.StatusOK, passkeyBegin{CeremonyID: id, Options: options})
}

// handlePasskeySubmit answers POST /login/passkey (form: ar, csrf,
// ceremony_id, response: the PublicKeyCredential as JSON): logged in, it
// continues as a passcode login does; otherwise the login page again.
func (p *Provider) handlePasskeySubmit(w http.ResponseWriter, r *http.Request) {
	ar, ok := p.checkForm(w, r)
	if !ok {
		return
	}
	res, err := p.accounts.FinishPasskeyLogin(r.Context(), r.PostForm.Get("ceremony_id"), []byte(r.PostForm.Get("response")), clientOf(r))
	if err != nil {
		if apperr.Code(err) == apperr.Internal {
			p.logger.Error("finish passkey login", "err", err)
		}
		pg := formPage(ar)
		pg.Error = passkeyErrorKey(err)
		p.render(w, r, loginStatus(err), "login", "title.login", pg)
		return
	}
	p.afterStep(w, r, ar, res)
}

// passkeyErrorKey maps an e-ID error of a passkey login to the message
// shown: a lock-out and a rate limit as for passcodes, anything else as
// one refusal.
func passkeyErrorKey(err error) string {
	switch key := loginErrorKey(err); key {
	case "err.locked", "err.rate":
		return key
	}
	return "err.passkey"
}

// writePageJSON answers a login page's script.
func writePageJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
}
