package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// Cookies of the UI. dancu_sid is the e-ID session shared with the OpenID
// provider's login pages, so that one login serves both; lang is shared
// with them too.
const (
	cookieSession = "dancu_sid"     // citizen's e-ID session token (dcs_…)
	cookieDevice  = "dancu_device"  // bound device token (dcd_…)
	cookieOfficer = "dancu_officer" // officer's session token (dct_…), under /officer only
	cookieCSRF    = "dancu_csrf"    // random value the CSRF token is derived from
	cookieFlow    = "dancu_flow"    // signed state of a multi-step login or registration
	cookieFlash   = "dancu_flash"   // catalogue key of a one-time message after a redirect
	cookieLang    = "lang"
)

// contentSecurityPolicy allows only the UI's own stylesheet and scripts,
// images from itself or inline data (QR codes), forms to itself, and no
// framing.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// secured sets the security headers of every page.
func (u *UI) secured(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		// Pages show personal data: never stored by a cache.
		h.Set("Cache-Control", "no-store")
		if id := h.Get("X-Request-Id"); id != "" {
			r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		}
		next(w, r)
	})
}

// setCookie sets an HttpOnly cookie of the UI; ttl 0 makes a session
// cookie, a negative ttl deletes it.
func (u *UI) setCookie(w http.ResponseWriter, r *http.Request, name, value, path string, ttl time.Duration, same http.SameSite) {
	c := &http.Cookie{Name: name, Value: value, Path: path, HttpOnly: true, Secure: u.secure(r), SameSite: same}
	switch {
	case ttl < 0:
		c.MaxAge, c.Value = -1, ""
	case ttl > 0:
		c.Expires, c.MaxAge = u.now().Add(ttl), int(ttl.Seconds())
	}
	http.SetCookie(w, c)
}

func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// secretKey returns the HMAC key, created once in the database so that
// every node shares it.
func (u *UI) secretKey(r *http.Request) ([]byte, error) {
	u.keyMu.Lock()
	defer u.keyMu.Unlock()
	if u.key != nil {
		return u.key, nil
	}
	k, err := u.svc.Secrets.LoadOrCreateSecret(r.Context(), "web-csrf-key", func() ([]byte, error) {
		b := make([]byte, 32)
		_, err := rand.Read(b)
		return b, err
	})
	if err != nil {
		return nil, err
	}
	u.key = k
	return k, nil
}

func (u *UI) mac(r *http.Request, parts ...string) (string, error) {
	k, err := u.secretKey(r)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, k)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)), nil
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrfToken returns the CSRF token of a form: an HMAC of the browser's
// random CSRF cookie (set here if missing) and of its e-ID session cookie
// — a signed double-submit token bound to the citizen's session. A site
// that cannot read the cookie or the key cannot forge it; a token of
// another session does not fit. (The officer's cookie, sent under
// /officer/ only, is not part of it, so that every form of a page posts
// with one token; it is SameSite=Strict besides.)
func (u *UI) csrfToken(w http.ResponseWriter, r *http.Request) (string, error) {
	seed := cookieValue(r, cookieCSRF)
	if len(seed) < 20 {
		seed = randomString(24)
		u.setCookie(w, r, cookieCSRF, seed, "/", 0, http.SameSiteLaxMode)
		r.AddCookie(&http.Cookie{Name: cookieCSRF, Value: seed})
	}
	return u.csrfFor(r, seed)
}

func (u *UI) csrfFor(r *http.Request, seed string) (string, error) {
	return u.mac(r, "csrf", seed, cookieValue(r, cookieSession))
}

// maxForm bounds a posted form.
const maxForm = 64 << 10

// checkCSRF refuses a POST whose token (form field csrf, or header
// X-CSRF-Token for the passkey script's requests) does not match: 403,
// and nothing is done.
func (u *UI) checkCSRF(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		got := r.Header.Get("X-CSRF-Token")
		if got == "" {
			if err := r.ParseForm(); err != nil {
				u.renderError(w, r, http.StatusBadRequest, "err.request")
				return
			}
			got = r.PostForm.Get("csrf")
		}
		seed := cookieValue(r, cookieCSRF)
		want, err := u.csrfFor(r, seed)
		if err != nil {
			u.renderError(w, r, http.StatusInternalServerError, "err.generic")
			return
		}
		if seed == "" || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			u.renderError(w, r, http.StatusForbidden, "err.csrf")
			return
		}
		next(w, r)
	}
}

// flow is the state of a multi-step form kept between its steps in a
// signed cookie, so that the challenge never appears in a URL.
type flow struct {
	Kind      string   `json:"k"` // "login" or "register"
	Challenge string   `json:"c"`
	Methods   []string `json:"m,omitempty"`
	SentTo    string   `json:"s,omitempty"` // masked phone
	Phone     string   `json:"p,omitempty"` // demo mode only: to show the outbox's code
	Expires   int64    `json:"e"`
}

// flowTTL is how long a started login or registration may be finished.
const flowTTL = 10 * time.Minute

func (u *UI) setFlow(w http.ResponseWriter, r *http.Request, f flow) error {
	f.Expires = u.now().Add(flowTTL).Unix()
	b, _ := json.Marshal(f)
	body := base64.RawURLEncoding.EncodeToString(b)
	sig, err := u.mac(r, "flow", body)
	if err != nil {
		return err
	}
	u.setCookie(w, r, cookieFlow, body+"."+sig, "/app/", flowTTL, http.SameSiteStrictMode)
	return nil
}

// readFlow returns the flow of the given kind, if the cookie holds a
// valid, unexpired one.
func (u *UI) readFlow(r *http.Request, kind string) (flow, bool) {
	var f flow
	body, sig, ok := strings.Cut(cookieValue(r, cookieFlow), ".")
	if !ok {
		return f, false
	}
	want, err := u.mac(r, "flow", body)
	if err != nil || subtle.ConstantTimeCompare([]byte(sig), []byte(want)) != 1 {
		return f, false
	}
	b, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || json.Unmarshal(b, &f) != nil || f.Kind != kind || u.now().Unix() > f.Expires {
		return flow{}, false
	}
	return f, true
}

// flash leaves a message (a catalogue key) for the next page.
func (u *UI) flash(w http.ResponseWriter, r *http.Request, key string) {
	u.setCookie(w, r, cookieFlash, key, "/", time.Minute, http.SameSiteLaxMode)
}

// redirect ends a successful POST (post/redirect/get).
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}
