package web

import (
	"crypto/subtle"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// accountRoutes registers the citizen's account pages: the passcode
// reset (without a session) and the TOTP app (with one).
func (u *UI) accountRoutes(page, post route) {
	page("GET /app/reset", u.handleResetPage)
	post("POST /app/reset", u.handleResetSubmit)
	page("GET /app/reset/code", u.handleResetCodePage)
	post("POST /app/reset/code", u.handleResetCodeSubmit)
	page("GET /app/security/totp", u.citizen(u.handleTOTPPage))
	post("POST /app/security/totp/enrol", u.citizen(u.handleTOTPEnrol))
	post("POST /app/security/totp/confirm", u.citizen(u.handleTOTPConfirm))
	post("POST /app/security/totp/disable", u.citizen(u.handleTOTPDisable))
}

// flowReset is the kind of the flow cookie between the two steps of a
// passcode reset.
const flowReset = "reset"

var resetFields = []string{"id_number", "phone"}

// handleResetPage answers GET /app/reset: the first step of a passcode
// reset (ID number and the account's phone).
func (u *UI) handleResetPage(w http.ResponseWriter, r *http.Request) {
	p := &formPage{Page: u.page(w, r, "app", "account.title.reset")}
	u.render(w, r, http.StatusOK, "reset", p)
}

// handleResetSubmit answers POST /app/reset: sends a code to the
// account's phone. An unknown ID number and a phone that is not the
// account's get the same answer (the service's details_mismatch).
func (u *UI) handleResetSubmit(w http.ResponseWriter, r *http.Request) {
	p := &formPage{Page: u.page(w, r, "app", "account.title.reset")}
	f := r.PostForm
	idNumber, phone := strings.TrimSpace(f.Get("id_number")), strings.TrimSpace(f.Get("phone"))
	for _, name := range resetFields {
		if strings.TrimSpace(f.Get(name)) == "" {
			p.fail(name, p.T("err.required."+name))
		}
	}
	if len(p.Form.Summary) == 0 {
		ch, err := u.svc.EID.StartPasscodeReset(r.Context(), idNumber, phone, clientOf(r))
		if err == nil {
			fl := flow{Kind: flowReset, Challenge: ch.ID, SentTo: ch.SentTo}
			if u.outbox() != nil {
				fl.Phone = ch.Phone
			}
			if err = u.setFlow(w, r, fl); err == nil {
				redirect(w, r, "/app/reset/code")
				return
			}
		}
		if apperr.Code(err) == apperr.DetailsMismatch {
			p.fail("", p.T("account.reset.mismatch"))
		} else {
			p.failErr(err, resetFields...)
		}
	}
	u.render(w, r, statusOf(p.Form.Summary), "reset", p)
}

// handleResetCodePage answers GET /app/reset/code: the code sent and the
// new passcode.
func (u *UI) handleResetCodePage(w http.ResponseWriter, r *http.Request) {
	fl, ok := u.readFlow(r, flowReset)
	if !ok {
		redirect(w, r, "/app/reset")
		return
	}
	p := &formPage{Page: u.page(w, r, "app", "account.title.reset_code"), SentTo: fl.SentTo}
	p.DemoCode = u.demoCode(r, fl)
	u.render(w, r, http.StatusOK, "reset_code", p)
}

// handleResetCodeSubmit answers POST /app/reset/code: sets the new
// passcode. The service ends every session, unbinds every device and
// removes every passkey, so this browser's cookies go too.
func (u *UI) handleResetCodeSubmit(w http.ResponseWriter, r *http.Request) {
	fl, ok := u.readFlow(r, flowReset)
	if !ok {
		redirect(w, r, "/app/reset")
		return
	}
	p := &formPage{Page: u.page(w, r, "app", "account.title.reset_code"), SentTo: fl.SentTo}
	code, pass := p.codeAndPasscode(r.PostForm)
	if len(p.Form.Summary) == 0 {
		err := u.svc.EID.CompletePasscodeReset(r.Context(), fl.Challenge, code, pass, clientOf(r))
		if err == nil {
			u.setCookie(w, r, cookieFlow, "", "/app/", -1, http.SameSiteStrictMode)
			u.setCookie(w, r, cookieSession, "", "/", -1, http.SameSiteLaxMode)
			u.setCookie(w, r, cookieDevice, "", "/", -1, http.SameSiteStrictMode)
			u.flash(w, r, "flash.account.passcode_reset")
			redirect(w, r, "/app/login")
			return
		}
		resetCodeError(p, err)
	}
	p.DemoCode = u.demoCode(r, fl)
	u.render(w, r, statusOf(p.Form.Summary), "reset_code", p)
}

// resetCodeError shows a failed reset next to the field it concerns.
func resetCodeError(p *formPage, err error) {
	switch apperr.Code(err) {
	case apperr.WeakPasscode:
		p.fail("passcode", p.T("err.weak_passcode"))
	case apperr.OTPInvalid:
		p.fail("code", p.T("err.otp_invalid"))
	case apperr.OTPExpired, apperr.ChallengeNotFound:
		p.fail("", p.T("account.reset.expired"))
	default:
		p.failErr(err, "code", "passcode")
	}
}

// totpPage is the TOTP app's page: its state, and while enrolling the
// secret to add to the app, as text and as a QR code.
type totpPage struct {
	Page
	On        bool
	Secret    string
	URL       string // otpauth://, carried back by the confirm form
	QR        template.URL
	Enrolling bool // the secret is shown: confirm with a code
}

// handleTOTPPage answers GET /app/security/totp.
func (u *UI) handleTOTPPage(w http.ResponseWriter, r *http.Request) {
	c := citizenFrom(r)
	p := &totpPage{Page: u.page(w, r, "app", "account.title.totp"), On: c.account.TOTPSecret != ""}
	u.render(w, r, http.StatusOK, "totp", p)
}

// handleTOTPEnrol answers POST /app/security/totp/enrol: a new pending
// secret, shown once as text and QR code with the form to confirm it.
func (u *UI) handleTOTPEnrol(w http.ResponseWriter, r *http.Request) {
	c := citizenFrom(r)
	secret, otpauth, err := u.svc.EID.EnrollTOTP(r.Context(), c.account.ID)
	if apperr.Is(err, apperr.Conflict) { // on already: the page says so
		redirect(w, r, "/app/security/totp")
		return
	}
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	p := &totpPage{Page: u.page(w, r, "app", "account.title.totp")}
	p.showSecret(secret, otpauth)
	u.render(w, r, http.StatusOK, "totp", p)
}

func (p *totpPage) showSecret(secret, otpauth string) {
	p.Enrolling, p.Secret, p.URL, p.QR = true, secret, otpauth, qrDataURL(otpauth)
}

// handleTOTPConfirm answers POST /app/security/totp/confirm: a code of
// the app turns TOTP on.
func (u *UI) handleTOTPConfirm(w http.ResponseWriter, r *http.Request) {
	c := citizenFrom(r)
	p := &totpPage{Page: u.page(w, r, "app", "account.title.totp")}
	code := strings.TrimSpace(r.PostForm.Get("code"))
	if code == "" {
		p.fail("code", p.T("err.required.code"))
	} else {
		err := u.svc.EID.ConfirmTOTP(r.Context(), c.account.ID, code)
		switch apperr.Code(err) {
		case "":
			u.flash(w, r, "flash.account.totp_on")
			redirect(w, r, "/app/security")
			return
		case apperr.OTPInvalid:
			p.fail("code", p.T("account.totp.wrong_code"))
		case apperr.Conflict:
			p.fail("", p.T("account.totp.not_pending"))
		default:
			u.renderServiceError(w, r, err)
			return
		}
	}
	// Show the secret again only if the form carried back the pending
	// one: the browser had it already, and nothing else is ever echoed.
	if otpauth := r.PostForm.Get("otpauth"); c.account.TOTPPending != "" {
		if s := otpauthSecret(otpauth); s != "" && subtle.ConstantTimeCompare([]byte(s), []byte(c.account.TOTPPending)) == 1 {
			p.showSecret(s, otpauth)
		}
	}
	u.render(w, r, http.StatusUnprocessableEntity, "totp", p)
}

// otpauthSecret returns the secret of an otpauth:// URL, "" if it is none.
func otpauthSecret(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" {
		return ""
	}
	return u.Query().Get("secret")
}

// handleTOTPDisable answers POST /app/security/totp/disable: the passcode
// turns TOTP off (a wrong one counts towards the lock-out).
func (u *UI) handleTOTPDisable(w http.ResponseWriter, r *http.Request) {
	c := citizenFrom(r)
	p := &totpPage{Page: u.page(w, r, "app", "account.title.totp"), On: c.account.TOTPSecret != ""}
	pass := r.PostForm.Get("passcode")
	if pass == "" {
		p.fail("passcode", p.T("err.required.passcode"))
	} else {
		err := u.svc.EID.DisableTOTP(r.Context(), c.account.ID, pass)
		switch apperr.Code(err) {
		case "":
			u.flash(w, r, "flash.account.totp_off")
			redirect(w, r, "/app/security")
			return
		case apperr.InvalidCredentials:
			p.fail("passcode", p.T("account.totp.wrong_passcode"))
		case apperr.AccountLocked:
			p.fail("", p.T("err.account_locked"))
		default:
			u.renderServiceError(w, r, err)
			return
		}
	}
	u.render(w, r, http.StatusUnprocessableEntity, "totp", p)
}
