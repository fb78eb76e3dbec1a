package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/eid"
)

// citizenCtx is the logged-in citizen of a request.
type citizenCtx struct {
	session *eid.Session
	account *eid.Account
	nav     *CitizenNav
}

// actor is the citizen as the access log names him: the same actor the
// JSON API uses, so that his own acts are left out of his access log
// wherever they were made.
func (c *citizenCtx) actor(r *http.Request) auth.Actor {
	return auth.Actor{ID: "citizen:" + c.account.ID, Role: "citizen", RequestID: requestID(r)}
}

type citizenKey struct{}
type officerKey struct{}

func citizenFrom(r *http.Request) *citizenCtx {
	c, _ := r.Context().Value(citizenKey{}).(*citizenCtx)
	return c
}

// currentCitizen returns the e-ID session of the session cookie, if live.
func (u *UI) currentCitizen(r *http.Request) (*eid.Session, *eid.Account) {
	tok := cookieValue(r, cookieSession)
	if !strings.HasPrefix(tok, eid.SessionTokenPrefix) {
		return nil, nil
	}
	s, a, err := u.svc.EID.Authenticate(r.Context(), tok)
	if err != nil {
		return nil, nil
	}
	return s, a
}

// navOf is the header's view of a citizen: his name from the register.
func (u *UI) navOf(r *http.Request, a *eid.Account) *CitizenNav {
	n := &CitizenNav{Name: a.IDNumber, Level: a.Level}
	if p, err := u.svc.Register.ForSubject(r.Context(), a.IDNumber); err == nil {
		n.Name = p.FullName
	}
	return n
}

// citizen requires a logged-in citizen; without one the browser goes to
// the login page, which brings it back afterwards.
func (u *UI) citizen(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, acct := u.currentCitizen(r)
		if sess == nil {
			to := "/app/login"
			if r.Method == http.MethodGet {
				to += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			redirect(w, r, to)
			return
		}
		c := &citizenCtx{session: sess, account: acct, nav: u.navOf(r, acct)}
		next(w, r.WithContext(context.WithValue(r.Context(), citizenKey{}, c)))
	}
}

// citizenJSON is citizen for the passkey script's requests: 401 instead
// of a redirect.
func (u *UI) citizenJSON(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, acct := u.currentCitizen(r)
		if sess == nil {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": translate(langOf(r), "err.unauthorized")})
			return
		}
		c := &citizenCtx{session: sess, account: acct, nav: &CitizenNav{Level: acct.Level}}
		next(w, r.WithContext(context.WithValue(r.Context(), citizenKey{}, c)))
	}
}

// officerCtx is the logged-in officer of a request.
type officerCtx struct {
	officer *auth.Officer
	token   string
}

func officerFrom(r *http.Request) *officerCtx {
	o, _ := r.Context().Value(officerKey{}).(*officerCtx)
	return o
}

// actor is the officer as the register and the access log see him: as
// through the API, with the console's purpose.
func (o *officerCtx) actor(r *http.Request) auth.Actor {
	a := auth.ActorFor(o.officer)
	a.Purpose, a.RequestID = "official_duty", requestID(r)
	return a
}

// officer requires a logged-in officer (the session cookie holds the
// token officer logins issue, checked as the API checks bearer tokens).
func (u *UI) officer(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := cookieValue(r, cookieOfficer)
		var o *auth.Officer
		if tok != "" {
			o, _ = u.svc.Tokens.Authenticate(r.Context(), tok)
		}
		if o == nil {
			redirect(w, r, "/officer/login")
			return
		}
		c := &officerCtx{officer: o, token: tok}
		next(w, r.WithContext(context.WithValue(r.Context(), officerKey{}, c)))
	}
}

// requestID is the request's ID as the API's middleware set it on the
// response, for the access log.
func requestID(r *http.Request) string {
	if v, ok := r.Context().Value(requestIDKey{}).(string); ok {
		return v
	}
	return ""
}

type requestIDKey struct{}
