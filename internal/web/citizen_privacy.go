package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/sharing"
)

// serviceConsent is a connected service (an OpenID relying party) the
// citizen allowed.
type serviceConsent struct {
	ClientID, Name string
	Scopes         []string
	GrantedAt      time.Time
	Revoked        bool
}

// consentsPage lists connected services and data-sharing consents.
type consentsPage struct {
	Page
	Services []serviceConsent
	Sharing  []*sharing.Consent
}

// handleConsents answers GET /app/consents.
func (u *UI) handleConsents(w http.ResponseWriter, r *http.Request) {
	c := citizenFrom(r)
	p := &consentsPage{Page: u.page(w, r, "app", "title.consents")}
	ctx := r.Context()
	if u.svc.OIDC != nil {
		cs, err := u.svc.OIDC.Consents(ctx, c.account.ID)
		if err != nil {
			u.renderServiceError(w, r, err)
			return
		}
		for _, x := range cs {
			v := serviceConsent{ClientID: x.ClientID, Name: x.ClientID, Scopes: x.Scopes, GrantedAt: x.GrantedAt, Revoked: x.RevokedAt != nil}
			if cl, err := u.svc.OIDC.Store().OIDCClient(ctx, x.ClientID); err == nil {
				v.Name = cl.Name
			}
			p.Services = append(p.Services, v)
		}
	}
	if u.svc.Sharing != nil {
		cs, err := u.svc.Sharing.Store.SharingConsents(ctx, c.account.IDNumber)
		if err != nil {
			u.renderServiceError(w, r, err)
			return
		}
		p.Sharing = cs
	}
	u.render(w, r, http.StatusOK, "consents", p)
}

// handleServiceRevoke answers POST /app/consents/services/{client}/revoke:
// the service must ask again next time.
func (u *UI) handleServiceRevoke(w http.ResponseWriter, r *http.Request) {
	if u.svc.OIDC == nil {
		u.handleNotFound(w, r)
		return
	}
	if err := u.svc.OIDC.RevokeConsent(r.Context(), citizenFrom(r).account.ID, r.PathValue("client")); err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	u.flash(w, r, "flash.consent_revoked")
	redirect(w, r, "/app/consents")
}

// handleSharingRevoke answers POST /app/consents/sharing/{id}/revoke.
func (u *UI) handleSharingRevoke(w http.ResponseWriter, r *http.Request) {
	if u.svc.Sharing == nil {
		u.handleNotFound(w, r)
		return
	}
	err := u.svc.Sharing.Store.RevokeSharingConsent(r.Context(), citizenFrom(r).account.IDNumber, r.PathValue("id"), u.now())
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	u.flash(w, r, "flash.consent_revoked")
	redirect(w, r, "/app/consents")
}

// accessRow is one access to the citizen's data with the outcome of its
// verification.
type accessRow struct {
	accesslog.Entry
	Who      string // the office or service, for people
	Verified bool   // its inclusion proof verified against the signed checkpoint
}

// accessLogPage is a page of who accessed the citizen's data.
type accessLogPage struct {
	Page
	Entries []accessRow
	// CheckpointOK: the checkpoint's signature verified with the
	// published key; Size is its tree size.
	CheckpointOK bool
	Size         int64
	AllVerified  bool
	NextBefore   string
}

// accessLogPageSize is the entries per page.
const accessLogPageSize = 25

// handleAccessLog answers GET /app/access-log?before=: who accessed the
// citizen's data, when and why — every entry about him by anyone else,
// newest first. Each entry's inclusion proof is checked here, on the
// server, against a checkpoint whose signature is checked with the
// published verifier key; the page shows the outcome of each check. (The
// JSON API hands the same proofs to the citizen's own app, which checks
// them itself.)
func (u *UI) handleAccessLog(w http.ResponseWriter, r *http.Request) {
	c := citizenFrom(r)
	ctx := r.Context()
	p := &accessLogPage{Page: u.page(w, r, "app", "title.access_log")}
	f := accesslog.Filter{Subject: c.account.IDNumber, ExceptActor: c.actor(r).ID, Newest: true, Limit: accessLogPageSize + 1}
	if v := r.URL.Query().Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			u.renderError(w, r, http.StatusBadRequest, "err.request")
			return
		}
		f.BeforeSeq = &n
	}
	entries, err := u.svc.Log.Entries(ctx, f)
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	if len(entries) > accessLogPageSize {
		entries = entries[:accessLogPageSize]
		p.NextBefore = strconv.FormatInt(entries[len(entries)-1].Seq, 10)
	}
	// Signed after the entries were read, so that it covers them all.
	cp, err := u.svc.Log.Checkpoint(ctx)
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	opened, err := accesslog.OpenCheckpoint(cp.Note, u.svc.LogVerifierKey)
	p.CheckpointOK, p.Size = err == nil, cp.Size
	p.AllVerified = p.CheckpointOK
	names := map[string]string{}
	for _, e := range entries {
		row := accessRow{Entry: e, Who: u.accessorName(r, p, e, names)}
		if p.CheckpointOK {
			proof, err := u.svc.Log.InclusionProof(ctx, e.Seq, opened.Size)
			row.Verified = err == nil && accesslog.VerifyInclusion(e, proof, opened) == nil
		}
		p.AllVerified = p.AllVerified && row.Verified
		p.Entries = append(p.Entries, row)
	}
	u.render(w, r, http.StatusOK, "access_log", p)
}

// accessorName names who made an access: a relying party or partner by
// its client's name, an officer by his unit, else by role.
func (u *UI) accessorName(r *http.Request, p *accessLogPage, e accesslog.Entry, cache map[string]string) string {
	if id, ok := strings.CutPrefix(e.Actor, "client:"); ok && u.svc.OIDC != nil {
		if n, ok := cache[id]; ok {
			return n
		}
		name := p.T("role.relying_party")
		if cl, err := u.svc.OIDC.Store().OIDCClient(r.Context(), id); err == nil {
			name = cl.Name
		} else if !apperr.Is(err, apperr.NotFound) {
			return name
		}
		cache[id] = name
		return name
	}
	if e.Unit != "" {
		return p.T("access.officer_of", unitName(e.Unit))
	}
	// An organisation acting other than through a client of its own (a
	// hotel's representative on the web): its registered name.
	if e.Org != "" && u.svc.EID != nil {
		key := "org:" + e.Org
		if n, ok := cache[key]; ok {
			return n
		}
		if o, err := u.svc.EID.Organisation(r.Context(), e.Org); err == nil {
			cache[key] = o.Name
			return o.Name
		}
	}
	if has(p.Lang, "role."+e.ActorRole) {
		return p.T("role." + e.ActorRole)
	}
	return e.ActorRole
}

// Action names an access-log action for people.
func (p *Page) Action(a string) string {
	if key := "action." + strings.ReplaceAll(a, ".", "_"); has(p.Lang, key) {
		return p.T(key)
	}
	return a
}

// Outcome names an access-log outcome for people.
func (p *Page) Outcome(o string) string {
	if has(p.Lang, "outcome."+o) {
		return p.T("outcome." + o)
	}
	return o
}

// Purpose names a declared purpose for people.
func (p *Page) Purpose(s string) string {
	if has(p.Lang, "purpose."+s) {
		return p.T("purpose." + s)
	}
	return s
}

// Fields names the fields of an access: "*" is the whole record.
func (p *Page) Fields(f string) string {
	if f == "*" {
		return p.T("access.all_fields")
	}
	return f
}
