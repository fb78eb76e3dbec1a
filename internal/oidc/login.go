package oidc

import (
	"context"
	"crypto/subtle"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/op"

	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/eid"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{"t": t}).ParseFS(templateFS, "templates/*.html"))

// Cookies of the login pages: the e-ID session (single sign-on across
// relying parties) and a bound device.
const (
	sessionCookie = "dancu_sid"
	deviceCookie  = "dancu_device"
)

// page is what every login page template gets.
type page struct {
	Lang, OtherLang, SwitchURL, Title, Error string
	AR, CSRF                                 string
	IDNumber                                 string
	ChallengeID, SentTo                      string
	Methods                                  []string
	ClientName, ACR                          string
	Scopes                                   []string
	// Passkeys offers the passkey login (set by render on the login page).
	Passkeys bool

	// formTo is the origin of the client's redirect URI: forms of the
	// page may end there (CSP form-action also governs their redirects).
	formTo string
}

// formPage returns the page of a step of an authorization request.
func formPage(ar *AuthRequest) page {
	return page{AR: ar.ID, CSRF: ar.CSRF, formTo: originOf(ar.Request.RedirectURI)}
}

// originOf returns a URI's origin as a CSP source: scheme://host[:port],
// or scheme: for a URI without a host (an app's custom scheme).
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return ""
	}
	if u.Host == "" {
		return u.Scheme + ":"
	}
	return u.Scheme + "://" + u.Host
}

// render writes a page in the request's language.
func (p *Provider) render(w http.ResponseWriter, r *http.Request, status int, name, titleKey string, pg page, locales ...string) {
	pg.Lang = lang(r, locales...)
	pg.OtherLang = "en"
	if pg.Lang == "en" {
		pg.OtherLang = "vi"
	}
	q := r.URL.Query()
	if pg.AR != "" {
		q.Set("ar", pg.AR)
	}
	q.Set("lang", pg.OtherLang)
	path := r.URL.Path
	if r.Method != http.MethodGet {
		path = pathLogin
		if name == "consent" {
			path = pathConsent
		}
	}
	pg.SwitchURL = path + "?" + q.Encode()
	pg.Title = t(pg.Lang, titleKey)
	pg.Passkeys = name == "login" && p.passkeysOn(r)
	if pg.Error != "" {
		pg.Error = t(pg.Lang, pg.Error)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	formAction := "'self'"
	if src := pg.formTo; src != "" && !strings.ContainsAny(src, " ;,'") {
		formAction += " " + src
	}
	// script-src and connect-src: the passkey script, and its fetch of
	// the challenge; nothing inline.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; "+
		"form-action "+formAction+"; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, pg); err != nil {
		p.logger.Error("render login page", "page", name, "err", err)
	}
}

// renderError shows a page for a request that cannot go back to a client.
func (p *Provider) renderError(w http.ResponseWriter, r *http.Request, status int, key string) {
	p.render(w, r, status, "error", "title.error", page{Error: key})
}

// authRequestFor loads the authorization request a login page works on.
func (p *Provider) authRequestFor(ctx context.Context, id string) (*AuthRequest, bool) {
	if id == "" {
		return nil, false
	}
	ar, err := p.store.OIDCAuthRequest(ctx, id)
	if err != nil || ar.Pushed || !p.now().Before(ar.ExpiresAt) || ar.CodeHash != nil {
		return nil, false
	}
	return ar, true
}

// clientOf returns the request's origin as the e-ID service sees it.
func clientOf(r *http.Request) eid.Client { return eid.ClientOf(r) }

// requiredLevel is the account level an authorization request asks for.
func requiredLevel(ar *AuthRequest) eid.Level {
	if slices.Contains(ar.Request.ACRValues, ACRLevel2) && !slices.Contains(ar.Request.ACRValues, ACRLevel1) {
		return eid.Level2
	}
	return eid.Level1
}

// handleLoginPage starts a login: with a live e-ID session that suffices,
// straight to consent (single sign-on), else the login form.
func (p *Provider) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ar, ok := p.authRequestFor(ctx, r.URL.Query().Get("ar"))
	if !ok {
		p.renderError(w, r, http.StatusBadRequest, "err.request")
		return
	}
	if !slices.Contains(ar.Request.Prompt, "login") {
		if sess, acct := p.currentSession(r); sess != nil && p.sessionFits(ar, sess) {
			p.attach(w, r, ar, sess, acct)
			return
		}
	}
	if slices.Contains(ar.Request.Prompt, "none") {
		p.redirect(w, r, p.errorRedirect(&ar.Request, "login_required", "no e-ID session"))
		return
	}
	pg := formPage(ar)
	pg.IDNumber = ar.Request.LoginHint
	p.render(w, r, http.StatusOK, "login", "title.login", pg, ar.Request.UILocales.String())
}

// sessionFits reports whether a session can serve a request without a new
// login: recent enough for max_age, and of the level asked for.
func (p *Provider) sessionFits(ar *AuthRequest, s *eid.Session) bool {
	if ar.Request.MaxAge != nil && p.now().Sub(s.AuthTime) > time.Duration(*ar.Request.MaxAge)*time.Second {
		return false
	}
	return s.Level >= requiredLevel(ar)
}

// currentSession returns the e-ID session of the session cookie, if live.
func (p *Provider) currentSession(r *http.Request) (*eid.Session, *eid.Account) {
	tok := cookieValue(r, sessionCookie)
	if tok == "" {
		return nil, nil
	}
	s, a, err := p.accounts.Authenticate(r.Context(), tok)
	if err != nil {
		return nil, nil
	}
	return s, a
}

// checkForm loads the request of a posted login form and checks its CSRF
// token (the authorization request's own random value).
func (p *Provider) checkForm(w http.ResponseWriter, r *http.Request) (*AuthRequest, bool) {
	ar, status, key := p.postedRequest(w, r)
	if ar == nil {
		p.renderError(w, r, status, key)
		return nil, false
	}
	return ar, true
}

// postedRequest parses a posted form and returns its authorization
// request if its CSRF token matches, else the status and message key.
func (p *Provider) postedRequest(w http.ResponseWriter, r *http.Request) (*AuthRequest, int, string) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return nil, http.StatusBadRequest, "err.request"
	}
	ar, ok := p.authRequestFor(r.Context(), r.PostForm.Get("ar"))
	if !ok {
		return nil, http.StatusBadRequest, "err.request"
	}
	if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(ar.CSRF)) != 1 {
		return nil, http.StatusForbidden, "err.csrf"
	}
	return ar, 0, ""
}

// handleLoginSubmit checks the ID number and passcode.
func (p *Provider) handleLoginSubmit(w http.ResponseWriter, r *http.Request) {
	ar, ok := p.checkForm(w, r)
	if !ok {
		return
	}
	idNumber := strings.TrimSpace(r.PostForm.Get("id_number"))
	res, err := p.accounts.BeginLogin(r.Context(), eid.LoginRequest{IDNumber: idNumber,
		Passcode: r.PostForm.Get("passcode"), DeviceToken: cookieValue(r, deviceCookie)}, clientOf(r))
	if err != nil {
		pg := formPage(ar)
		pg.IDNumber, pg.Error = idNumber, loginErrorKey(err)
		p.render(w, r, loginStatus(err), "login", "title.login", pg)
		return
	}
	p.afterStep(w, r, ar, res)
}

// handleCodeSubmit checks the second factor.
func (p *Provider) handleCodeSubmit(w http.ResponseWriter, r *http.Request) {
	ar, ok := p.checkForm(w, r)
	if !ok {
		return
	}
	f := r.PostForm
	res, err := p.accounts.FinishLogin(r.Context(), f.Get("challenge_id"), f.Get("method"), strings.TrimSpace(f.Get("code")),
		f.Get("bind_device") == "1", "browser", clientOf(r))
	if err != nil {
		key := loginErrorKey(err)
		if key == "err.credentials" || key == "err.generic" {
			key = "err.code"
		}
		methods := f["method"]
		if len(methods) == 0 {
			methods = []string{eid.MethodSMS}
		}
		pg := formPage(ar)
		pg.ChallengeID, pg.Methods, pg.Error = f.Get("challenge_id"), methods, key
		p.render(w, r, loginStatus(err), "code", "title.code", pg)
		return
	}
	p.afterStep(w, r, ar, res)
}

// afterStep continues after a login step: to the code page, or logged in.
func (p *Provider) afterStep(w http.ResponseWriter, r *http.Request, ar *AuthRequest, res eid.LoginResult) {
	if res.Session == nil {
		ch := res.Challenge
		if ch == nil {
			p.renderError(w, r, http.StatusInternalServerError, "err.generic")
			return
		}
		pg := formPage(ar)
		pg.ChallengeID, pg.Methods, pg.SentTo = ch.ID, ch.Methods, ch.SentTo
		p.render(w, r, http.StatusOK, "code", "title.code", pg)
		return
	}
	secure := strings.HasPrefix(p.cfg.Issuer, "https://")
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: res.Token, Path: "/", Expires: res.Session.ExpiresAt,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	if res.DeviceToken != "" {
		http.SetCookie(w, &http.Cookie{Name: deviceCookie, Value: res.DeviceToken, Path: "/login",
			Expires: p.now().AddDate(1, 0, 0), HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
	}
	acct, err := p.accounts.Account(r.Context(), res.Session.AccountID)
	if err != nil {
		p.renderError(w, r, http.StatusInternalServerError, "err.generic")
		return
	}
	p.attach(w, r, ar, res.Session, acct)
}

// attach ties a login to the request and moves on to consent; a login
// below the level asked for ends the request with
// unmet_authentication_requirements.
func (p *Provider) attach(w http.ResponseWriter, r *http.Request, ar *AuthRequest, s *eid.Session, acct *eid.Account) {
	if s.Level < requiredLevel(ar) {
		p.redirect(w, r, p.errorRedirect(&ar.Request, "unmet_authentication_requirements",
			"this service requires a level 2 e-ID account"))
		return
	}
	c, err := p.store.OIDCClient(r.Context(), ar.ClientID)
	if err != nil {
		p.renderError(w, r, http.StatusBadRequest, "err.request")
		return
	}
	sub, err := p.subjectFor(c, acct.ID)
	if err != nil {
		p.renderError(w, r, http.StatusInternalServerError, "err.generic")
		return
	}
	ar.AccountID, ar.SessionID, ar.Subject = acct.ID, s.ID, sub
	ar.AuthTime, ar.ACR, ar.AMR = s.AuthTime, acrFor(s.Level), s.AMR
	if err := p.store.UpdateOIDCAuthRequest(r.Context(), ar); err != nil {
		p.renderError(w, r, http.StatusInternalServerError, "err.generic")
		return
	}
	http.Redirect(w, r, pathConsent+"?ar="+url.QueryEscape(ar.ID), http.StatusSeeOther)
}

// handleConsentPage asks the citizen to allow the claims, unless a
// remembered consent covers them.
func (p *Provider) handleConsentPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ar, ok := p.authRequestFor(ctx, r.URL.Query().Get("ar"))
	if !ok || ar.AccountID == "" {
		p.renderError(w, r, http.StatusBadRequest, "err.request")
		return
	}
	if s, _ := p.currentSession(r); s == nil || s.ID != ar.SessionID {
		p.renderError(w, r, http.StatusForbidden, "err.request")
		return
	}
	if !slices.Contains(ar.Request.Prompt, "consent") {
		if c, err := p.store.OIDCConsent(ctx, ar.AccountID, ar.ClientID); err == nil && c.RevokedAt == nil && covers(c.Scopes, ar.Request.Scopes) {
			p.finish(w, r, ar, ar.Request.Scopes)
			return
		}
	}
	if slices.Contains(ar.Request.Prompt, "none") {
		p.redirect(w, r, p.errorRedirect(&ar.Request, "consent_required", "consent is needed"))
		return
	}
	c, err := p.store.OIDCClient(ctx, ar.ClientID)
	if err != nil {
		p.renderError(w, r, http.StatusBadRequest, "err.request")
		return
	}
	pg := formPage(ar)
	pg.ClientName, pg.Scopes, pg.ACR = c.Name, ar.Request.Scopes, ar.ACR
	p.render(w, r, http.StatusOK, "consent", "title.consent", pg, ar.Request.UILocales.String())
}

// handleConsentSubmit records the citizen's decision.
func (p *Provider) handleConsentSubmit(w http.ResponseWriter, r *http.Request) {
	ar, ok := p.checkForm(w, r)
	if !ok {
		return
	}
	if s, _ := p.currentSession(r); ar.AccountID == "" || s == nil || s.ID != ar.SessionID {
		p.renderError(w, r, http.StatusForbidden, "err.request")
		return
	}
	if r.PostForm.Get("decision") != "allow" {
		p.redirect(w, r, p.errorRedirect(&ar.Request, "access_denied", "the citizen declined"))
		return
	}
	if r.PostForm.Get("remember") == "1" {
		c := &Consent{AccountID: ar.AccountID, ClientID: ar.ClientID, Scopes: ar.Request.Scopes, GrantedAt: p.now()}
		if old, err := p.store.OIDCConsent(r.Context(), ar.AccountID, ar.ClientID); err == nil && old.RevokedAt == nil {
			c.Scopes = union(old.Scopes, c.Scopes)
		}
		if err := p.store.SaveOIDCConsent(r.Context(), c); err != nil {
			p.renderError(w, r, http.StatusInternalServerError, "err.generic")
			return
		}
	}
	p.finish(w, r, ar, ar.Request.Scopes)
}

// finish issues the code and sends the browser back to the client with it
// and the issuer (RFC 9207).
func (p *Provider) finish(w http.ResponseWriter, r *http.Request, ar *AuthRequest, scopes []string) {
	code := randomToken(32)
	now := p.now()
	ar.Consented, ar.Scopes = true, scopes
	ar.CodeHash, ar.CodeExpiresAt = hashToken(code), now.Add(codeTTL)
	if err := p.store.UpdateOIDCAuthRequest(r.Context(), ar); err != nil {
		p.renderError(w, r, http.StatusInternalServerError, "err.generic")
		return
	}
	v := url.Values{"code": {code}, "iss": {p.cfg.Issuer}}
	if ar.Request.State != "" {
		v.Set("state", ar.Request.State)
	}
	http.Redirect(w, r, withQuery(ar.Request.RedirectURI, v), http.StatusSeeOther)
}

// errorRedirect sends an OAuth error back to a checked redirect URI.
func (p *Provider) errorRedirect(req *zoidc.AuthRequest, code, desc string) *op.Redirect {
	v := url.Values{"error": {code}, "error_description": {desc}, "iss": {p.cfg.Issuer}}
	if req.State != "" {
		v.Set("state", req.State)
	}
	return op.NewRedirect(withQuery(req.RedirectURI, v))
}

// redirect writes an op.Redirect from a page handler.
func (p *Provider) redirect(w http.ResponseWriter, r *http.Request, red *op.Redirect) {
	http.Redirect(w, r, red.URL, http.StatusSeeOther)
}

// withQuery adds parameters to a URI that may have a query already.
func withQuery(raw string, v url.Values) string {
	sep := "?"
	if strings.Contains(raw, "?") {
		sep = "&"
	}
	return raw + sep + v.Encode()
}

// covers reports whether granted includes every scope of asked.
func covers(granted, asked []string) bool {
	for _, s := range asked {
		if !slices.Contains(granted, s) {
			return false
		}
	}
	return true
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// loginErrorKey maps an e-ID error to the message shown, never saying
// which of ID number and passcode was wrong.
func loginErrorKey(err error) string {
	switch apperr.Code(err) {
	case "account_locked":
		return "err.locked"
	case apperr.RateLimited:
		return "err.rate"
	case apperr.Unauthorized, apperr.NotFound, apperr.Invalid, "otp_invalid", "otp_expired", "challenge_not_found":
		return "err.credentials"
	}
	return "err.generic"
}

// loginStatus is the HTTP status of a failed login step's page.
func loginStatus(err error) int {
	switch apperr.Code(err) {
	case "account_locked":
		return http.StatusLocked
	case apperr.RateLimited:
		return http.StatusTooManyRequests
	case apperr.Internal, apperr.Unavailable:
		return http.StatusInternalServerError
	}
	return http.StatusUnauthorized
}
