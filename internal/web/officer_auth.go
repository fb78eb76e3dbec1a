package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
)

// officerLoginPage is the officer's login form.
type officerLoginPage struct {
	Page
	// DemoCodes, in demo mode: each demo officer's current TOTP code.
	DemoCodes []demoCode
}

type demoCode struct{ Username, Code string }

// demoCodes returns the demo officers' current TOTP codes (demo mode only).
func (u *UI) demoCodes() []demoCode {
	d := u.demo.Load()
	if d == nil {
		return nil
	}
	var out []demoCode
	for _, o := range d.Officers {
		if o.TOTPSecret == "" {
			continue
		}
		if c, err := totp.GenerateCode(o.TOTPSecret, time.Now()); err == nil {
			out = append(out, demoCode{Username: o.Username, Code: c})
		}
	}
	return out
}

// handleOfficerLoginPage answers GET /officer/login.
func (u *UI) handleOfficerLoginPage(w http.ResponseWriter, r *http.Request) {
	p := &officerLoginPage{Page: u.page(w, r, "officer", "title.officer_login"), DemoCodes: u.demoCodes()}
	u.render(w, r, http.StatusOK, "officer_login", p)
}

// handleOfficerLoginSubmit answers POST /officer/login: username,
// password and the TOTP code, all three required. The token issued is
// kept in an HttpOnly cookie of /officer/ only.
func (u *UI) handleOfficerLoginSubmit(w http.ResponseWriter, r *http.Request) {
	p := &officerLoginPage{Page: u.page(w, r, "officer", "title.officer_login")}
	f := r.PostForm
	user, code := strings.TrimSpace(f.Get("username")), strings.TrimSpace(f.Get("code"))
	for _, k := range []string{"username", "password", "code"} {
		if strings.TrimSpace(f.Get(k)) == "" {
			p.fail(k, p.T("err.required."+k))
		}
	}
	if len(p.Form.Summary) == 0 && u.svc.Officers == nil {
		p.fail("", p.T("err.generic"))
	}
	if len(p.Form.Summary) == 0 {
		tok, exp, err := u.svc.Officers.Login(r.Context(), user, f.Get("password"), code, clientOf(r).IP)
		if err == nil {
			u.setCookie(w, r, cookieOfficer, tok, "/officer/", time.Until(exp), http.SameSiteStrictMode)
			redirect(w, r, "/officer/")
			return
		}
		switch apperr.Code(err) {
		case apperr.AccountLocked:
			p.fail("", p.T("err.account_locked"))
		case apperr.RateLimited:
			p.fail("", p.T("err.rate_limited"))
		case apperr.InvalidCredentials:
			p.fail("", p.T("err.officer_credentials"))
		default:
			p.fail("", p.T("err.generic"))
		}
	}
	p.DemoCodes = u.demoCodes()
	u.render(w, r, loginStatus(p.Form.Summary), "officer_login", p)
}

// handleOfficerLogout answers POST /officer/logout: revokes the token.
func (u *UI) handleOfficerLogout(w http.ResponseWriter, r *http.Request) {
	if tok := cookieValue(r, cookieOfficer); tok != "" {
		if o, err := u.svc.Tokens.Authenticate(r.Context(), tok); err == nil && o != nil {
			if id, _, err := auth.ParseToken(tok); err == nil {
				if err := u.svc.Tokens.RevokeToken(r.Context(), id); err != nil && !apperr.Is(err, apperr.NotFound) {
					u.renderServiceError(w, r, err)
					return
				}
			}
		}
	}
	u.setCookie(w, r, cookieOfficer, "", "/officer/", -1, http.SameSiteStrictMode)
	u.flash(w, r, "flash.logged_out")
	redirect(w, r, "/officer/login")
}
