package web

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/eid"
)

// securityPage lists the citizen's sessions, bound devices and passkeys.
type securityPage struct {
	Page
	Account  *eid.Account
	Current  string // the session of this browser
	Sessions []eid.Session
	Devices  []eid.Device
	Passkeys []eid.Passkey
	// PasskeysOn: passkeys can be registered from this page's host.
	PasskeysOn bool
	TOTPOn     bool // a TOTP app is the second factor (citizen_account.go)
}

// handleSecurity answers GET /app/security.
func (u *UI) handleSecurity(w http.ResponseWriter, r *http.Request) {
	c := citizenFrom(r)
	ctx := r.Context()
	p := &securityPage{Page: u.page(w, r, "app", "title.security"), Account: c.account, Current: c.session.ID,
		TOTPOn: c.account.TOTPSecret != ""}
	var err error
	if p.Sessions, err = u.svc.EID.Sessions(ctx, c.account.ID); err == nil {
		if p.Devices, err = u.svc.EID.Devices(ctx, c.account.ID); err == nil {
			p.Passkeys, err = u.svc.EID.Passkeys(ctx, c.account.ID)
		}
	}
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	p.PasskeysOn = passkeyHost(r, u.svc.EID.PasskeyRPID())
	u.render(w, r, http.StatusOK, "security", p)
}

// passkeyHost reports whether the page's host is within the passkeys'
// relying-party ID (a browser at 127.0.0.1 cannot use passkeys of
// localhost).
func passkeyHost(r *http.Request, rpID string) bool {
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

// handleSessionRevoke answers POST /app/security/sessions/{id}/revoke. The
// current session's end is a logout.
func (u *UI) handleSessionRevoke(w http.ResponseWriter, r *http.Request) {
	c := citizenFrom(r)
	if err := u.svc.EID.RevokeSession(r.Context(), c.account.ID, r.PathValue("id")); err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	if r.PathValue("id") == c.session.ID {
		u.setCookie(w, r, cookieSession, "", "/", -1, http.SameSiteLaxMode)
		u.flash(w, r, "flash.logged_out")
		redirect(w, r, "/")
		return
	}
	u.flash(w, r, "flash.session_revoked")
	redirect(w, r, "/app/security")
}

// handleDeviceRevoke answers POST /app/security/devices/{id}/revoke.
func (u *UI) handleDeviceRevoke(w http.ResponseWriter, r *http.Request) {
	if err := u.svc.EID.UnbindDevice(r.Context(), citizenFrom(r).account.ID, r.PathValue("id")); err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	u.flash(w, r, "flash.device_revoked")
	redirect(w, r, "/app/security")
}

// handlePasskeyRemove answers POST /app/security/passkeys/{id}/remove.
func (u *UI) handlePasskeyRemove(w http.ResponseWriter, r *http.Request) {
	if err := u.svc.EID.RemovePasskey(r.Context(), citizenFrom(r).account.ID, r.PathValue("id")); err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	u.flash(w, r, "flash.passkey_removed")
	redirect(w, r, "/app/security")
}

// handlePasskeyBegin answers POST /app/security/passkeys/begin (the
// passkey script, with the page's CSRF token in X-CSRF-Token): the
// options for navigator.credentials.create.
func (u *UI) handlePasskeyBegin(w http.ResponseWriter, r *http.Request) {
	opts, id, err := u.svc.EID.BeginPasskeyRegistration(r.Context(), citizenFrom(r).account.ID)
	if err != nil {
		writeJSONError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ceremony_id": id, "options": json.RawMessage(opts)})
}

// handlePasskeyFinish answers POST /app/security/passkeys {"ceremony_id",
// "name", "response"}: registers the authenticator's credential.
func (u *UI) handlePasskeyFinish(w http.ResponseWriter, r *http.Request) {
	var in struct {
		CeremonyID string          `json:"ceremony_id"`
		Name       string          `json:"name"`
		Response   json.RawMessage `json:"response"`
	}
	b, err := io.ReadAll(r.Body)
	if err != nil || json.Unmarshal(b, &in) != nil {
		writeJSONError(w, r, apperr.E(apperr.Invalid, "invalid request"))
		return
	}
	if _, err := u.svc.EID.FinishPasskeyRegistration(r.Context(), citizenFrom(r).account.ID, in.CeremonyID, in.Name, in.Response); err != nil {
		writeJSONError(w, r, err)
		return
	}
	u.flash(w, r, "flash.passkey_added")
	writeJSON(w, http.StatusCreated, map[string]string{"next": "/app/security"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeJSONError answers the passkey script with a message in the page's
// language.
func writeJSONError(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusUnprocessableEntity
	switch apperr.Code(err) {
	case apperr.RateLimited:
		status = http.StatusTooManyRequests
	case apperr.Unavailable:
		status = http.StatusServiceUnavailable
	case apperr.Internal:
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, map[string]string{"error": errorText(langOf(r), err)})
}
