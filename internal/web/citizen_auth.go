package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/eid"
)

// formPage is a page with a form and what it needs besides the layout.
type formPage struct {
	Page
	Methods  []string // second-factor methods offered
	SentTo   string   // masked phone a code was sent to
	DemoCode string   // demo mode: the code the development outbox holds
	Next     string
}

// handleRegisterPage answers GET /app/register: the first step of a level-1
// account (details the register checks, and the phone).
func (u *UI) handleRegisterPage(w http.ResponseWriter, r *http.Request) {
	p := &formPage{Page: u.page(w, r, "app", "title.register")}
	u.render(w, r, http.StatusOK, "register", p)
}

var registerFields = []string{"id_number", "full_name", "birth_date", "phone"}

// handleRegisterSubmit answers POST /app/register: checks the details and
// sends the code.
func (u *UI) handleRegisterSubmit(w http.ResponseWriter, r *http.Request) {
	p := &formPage{Page: u.page(w, r, "app", "title.register")}
	f := r.PostForm
	req := eid.RegistrationRequest{IDNumber: strings.TrimSpace(f.Get("id_number")), FullName: strings.TrimSpace(f.Get("full_name")),
		BirthDate: strings.TrimSpace(f.Get("birth_date")), Phone: strings.TrimSpace(f.Get("phone"))}
	for _, name := range registerFields {
		if strings.TrimSpace(f.Get(name)) == "" {
			p.fail(name, p.T("err.required."+name))
		}
	}
	if len(p.Form.Summary) == 0 {
		ch, err := u.svc.EID.StartRegistration(r.Context(), req, clientOf(r))
		if err == nil {
			fl := flow{Kind: "register", Challenge: ch.ID, SentTo: ch.SentTo}
			if u.outbox() != nil {
				fl.Phone = ch.Phone
			}
			if err = u.setFlow(w, r, fl); err == nil {
				redirect(w, r, "/app/register/code")
				return
			}
		}
		p.failErr(err, registerFields...)
	}
	u.render(w, r, statusOf(p.Form.Summary), "register", p)
}

// statusOf is the status of a form page shown again with errors.
func statusOf(errs []FieldError) int {
	if len(errs) > 0 {
		return http.StatusUnprocessableEntity
	}
	return http.StatusOK
}

// handleRegisterCodePage answers GET /app/register/code: the code sent and
// the passcode to choose.
func (u *UI) handleRegisterCodePage(w http.ResponseWriter, r *http.Request) {
	fl, ok := u.readFlow(r, "register")
	if !ok {
		redirect(w, r, "/app/register")
		return
	}
	p := &formPage{Page: u.page(w, r, "app", "title.register_code"), SentTo: fl.SentTo}
	p.DemoCode = u.demoCode(r, fl)
	u.render(w, r, http.StatusOK, "register_code", p)
}

// codeAndPasscode reads the one-time code and the new passcode, typed
// twice, of a registration's or a reset's second step, and fails the
// form where one is missing or the two passcodes differ.
func (p *formPage) codeAndPasscode(f url.Values) (code, pass string) {
	code, pass = strings.TrimSpace(f.Get("code")), f.Get("passcode")
	switch {
	case code == "":
		p.fail("code", p.T("err.required.code"))
	case pass == "":
		p.fail("passcode", p.T("err.required.passcode"))
	case pass != f.Get("passcode2"):
		p.fail("passcode2", p.T("err.passcode_mismatch"))
	}
	return code, pass
}

// handleRegisterCodeSubmit answers POST /app/register/code: creates the
// account, then sends the citizen to log in.
func (u *UI) handleRegisterCodeSubmit(w http.ResponseWriter, r *http.Request) {
	fl, ok := u.readFlow(r, "register")
	if !ok {
		redirect(w, r, "/app/register")
		return
	}
	p := &formPage{Page: u.page(w, r, "app", "title.register_code"), SentTo: fl.SentTo}
	code, pass := p.codeAndPasscode(r.PostForm)
	if len(p.Form.Summary) == 0 {
		_, err := u.svc.EID.CompleteRegistration(r.Context(), fl.Challenge, code, pass, clientOf(r))
		if err == nil {
			u.setCookie(w, r, cookieFlow, "", "/app/", -1, http.SameSiteStrictMode)
			u.flash(w, r, "flash.registered")
			redirect(w, r, "/app/login")
			return
		}
		switch apperr.Code(err) {
		case apperr.WeakPasscode:
			p.fail("passcode", p.T("err.weak_passcode"))
		case apperr.OTPInvalid, apperr.OTPExpired:
			p.fail("code", p.T("err.otp_invalid"))
		default:
			p.failErr(err, "code", "passcode")
		}
	}
	p.DemoCode = u.demoCode(r, fl)
	u.render(w, r, statusOf(p.Form.Summary), "register_code", p)
}

// safeNext returns where to go after a login: a local path of the app,
// never another site.
func safeNext(next string) string {
	// The pages that use the e-ID session: the citizen app and the
	// businesses' area, whose representatives log in as citizens.
	if (strings.HasPrefix(next, "/app/") || strings.HasPrefix(next, "/business/")) && !strings.ContainsAny(next, "\\\r\n") {
		return next
	}
	return "/app/"
}

// handleLoginPage answers GET /app/login. A citizen already logged in
// (here or at a service's e-ID login) goes straight to the app.
func (u *UI) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	if s, _ := u.currentCitizen(r); s != nil {
		redirect(w, r, safeNext(r.URL.Query().Get("next")))
		return
	}
	p := &formPage{Page: u.page(w, r, "app", "title.login"), Next: r.URL.Query().Get("next")}
	u.render(w, r, http.StatusOK, "login", p)
}

// handleLoginSubmit answers POST /app/login: ID number and passcode; a
// bound device logs in at once, else the code step follows.
func (u *UI) handleLoginSubmit(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	p := &formPage{Page: u.page(w, r, "app", "title.login"), Next: f.Get("next")}
	idNumber := strings.TrimSpace(f.Get("id_number"))
	if idNumber == "" {
		p.fail("id_number", p.T("err.required.id_number"))
	}
	if f.Get("passcode") == "" {
		p.fail("passcode", p.T("err.required.passcode"))
	}
	if len(p.Form.Summary) == 0 {
		res, err := u.svc.EID.BeginLogin(r.Context(), eid.LoginRequest{IDNumber: idNumber, Passcode: f.Get("passcode"),
			DeviceToken: cookieValue(r, cookieDevice)}, clientOf(r))
		if err == nil {
			if res.Session != nil {
				u.loggedIn(w, r, res, p.Next)
				return
			}
			fl := flow{Kind: "login", Challenge: res.Challenge.ID, Methods: res.Challenge.Methods, SentTo: res.Challenge.SentTo}
			if u.outbox() != nil {
				fl.Phone = res.Challenge.Phone
			}
			if err = u.setFlow(w, r, fl); err == nil {
				redirect(w, r, "/app/login/code?next="+url.QueryEscape(p.Next))
				return
			}
		}
		p.fail("", loginError(p.Lang, err))
	}
	u.render(w, r, loginStatus(p.Form.Summary), "login", p)
}

// loginError never says which of the ID number and passcode was wrong.
func loginError(lang string, err error) string {
	switch apperr.Code(err) {
	case apperr.AccountLocked:
		return translate(lang, "err.account_locked")
	case apperr.RateLimited:
		return translate(lang, "err.rate_limited")
	case apperr.Internal, apperr.Unavailable:
		return translate(lang, "err.generic")
	case apperr.Forbidden:
		return translate(lang, "err.account_unusable")
	}
	return translate(lang, "err.invalid_credentials")
}

func loginStatus(errs []FieldError) int {
	if len(errs) > 0 {
		return http.StatusUnauthorized
	}
	return http.StatusOK
}

// handleLoginCodePage answers GET /app/login/code: the second factor.
func (u *UI) handleLoginCodePage(w http.ResponseWriter, r *http.Request) {
	fl, ok := u.readFlow(r, "login")
	if !ok {
		redirect(w, r, "/app/login")
		return
	}
	p := &formPage{Page: u.page(w, r, "app", "title.login_code"), Methods: fl.Methods, SentTo: fl.SentTo,
		Next: r.URL.Query().Get("next")}
	p.DemoCode = u.demoCode(r, fl)
	u.render(w, r, http.StatusOK, "login_code", p)
}

// handleLoginCodeSubmit answers POST /app/login/code.
func (u *UI) handleLoginCodeSubmit(w http.ResponseWriter, r *http.Request) {
	fl, ok := u.readFlow(r, "login")
	if !ok {
		redirect(w, r, "/app/login")
		return
	}
	f := r.PostForm
	p := &formPage{Page: u.page(w, r, "app", "title.login_code"), Methods: fl.Methods, SentTo: fl.SentTo, Next: f.Get("next")}
	method := f.Get("method")
	if method == "" && len(fl.Methods) > 0 {
		method = fl.Methods[0]
	}
	code := strings.TrimSpace(f.Get("code"))
	if code == "" {
		p.fail("code", p.T("err.required.code"))
	} else {
		res, err := u.svc.EID.FinishLogin(r.Context(), fl.Challenge, method, code, f.Get("bind_device") == "1",
			deviceName(r), clientOf(r))
		if err == nil {
			u.setCookie(w, r, cookieFlow, "", "/app/", -1, http.SameSiteStrictMode)
			u.loggedIn(w, r, res, p.Next)
			return
		}
		switch apperr.Code(err) {
		case apperr.AccountLocked, apperr.RateLimited, apperr.Internal, apperr.Unavailable:
			p.fail("", loginError(p.Lang, err))
		default:
			p.fail("code", p.T("err.otp_invalid"))
		}
	}
	p.DemoCode = u.demoCode(r, fl)
	u.render(w, r, loginStatus(p.Form.Summary), "login_code", p)
}

// deviceName names a device bound from the browser by its user agent.
func deviceName(r *http.Request) string {
	ua := r.UserAgent()
	for _, k := range []string{"Android", "iPhone", "iPad", "Windows", "Macintosh", "Linux"} {
		if strings.Contains(ua, k) {
			return "Trình duyệt (" + k + ")"
		}
	}
	return "Trình duyệt"
}

// loggedIn sets the session cookie — the same one the OpenID provider's
// login pages use, so one login serves both — and the device cookie if a
// device was bound.
func (u *UI) loggedIn(w http.ResponseWriter, r *http.Request, res eid.LoginResult, next string) {
	ttl := time.Until(res.Session.ExpiresAt)
	u.setCookie(w, r, cookieSession, res.Token, "/", ttl, http.SameSiteLaxMode)
	if res.DeviceToken != "" {
		u.setCookie(w, r, cookieDevice, res.DeviceToken, "/", 365*24*time.Hour, http.SameSiteStrictMode)
	}
	redirect(w, r, safeNext(next))
}

// handleLogout answers POST /app/logout: ends the e-ID session here and
// for the services that shared it.
func (u *UI) handleLogout(w http.ResponseWriter, r *http.Request) {
	if s, a := u.currentCitizen(r); s != nil {
		if err := u.svc.EID.RevokeSession(r.Context(), a.ID, s.ID); err != nil && !apperr.Is(err, apperr.NotFound) {
			u.renderServiceError(w, r, err)
			return
		}
	}
	u.setCookie(w, r, cookieSession, "", "/", -1, http.SameSiteLaxMode)
	u.flash(w, r, "flash.logged_out")
	redirect(w, r, "/")
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// demoCode returns, in demo mode with the development outbox, the newest
// code sent to the flow's phone, so that a newcomer can finish without a
// phone. Never outside demo mode.
func (u *UI) demoCode(r *http.Request, fl flow) string {
	o := u.outbox()
	if o == nil || fl.Phone == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	msgs, err := o.Messages(ctx, fl.Phone, 1)
	if err != nil || len(msgs) == 0 {
		return ""
	}
	return sixDigits.FindString(msgs[0].Text)
}
