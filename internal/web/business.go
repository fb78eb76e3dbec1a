package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/residence"
	"github.com/dancu-vn/dancu/internal/units"
)

// businessRoutes registers the area's pages: an accommodation business's
// representative, logged in with his own e-ID session, declares the stays
// of the organisation he picks (see docs/residence.md).
func (u *UI) businessRoutes(page, post route) {
	page("GET /business/{$}", u.citizen(u.handleBusinessHome))
	page("GET /business/stays-template.csv", u.handleBusinessTemplate)
	page("GET /business/{org}/{$}", u.business(u.handleBusinessOrg))
	post("POST /business/{org}/establishments", u.business(u.handleBusinessEstablishmentCreate))
	page("GET /business/{org}/establishments/{id}", u.business(u.handleBusinessEstablishment))
	post("POST /business/{org}/establishments/{id}/stays", u.business(u.handleBusinessCheckIn))
	post("POST /business/{org}/establishments/{id}/stays/{stay}/checkout", u.business(u.handleBusinessCheckOut))
	// Multipart: its own CSRF check, with the upload's larger cap.
	page("POST /business/{org}/establishments/{id}/upload", u.checkUploadCSRF(u.business(u.handleBusinessUpload)))
	page("/business/", u.handleNotFound)
}

// rolePartner is the access log's role of an organisation acting through
// dancu, the same as its API clients' (httpapi.RolePartner), so that
// auditors find a business's checks by one role whichever way it came.
const rolePartner = "partner"

// BusinessActor is a representative acting for his organisation on the
// web, as residence declarations and the access log record him: the
// organisation (Org) and who acted — his e-ID account, marked with the
// organisation, so that an entry never reads as the citizen's own act
// (his own access log leaves those out). Exported so that the demo set-up
// acts exactly as the pages do.
func BusinessActor(accountID, orgID string) auth.Actor {
	return auth.Actor{ID: "citizen:" + accountID + "@" + orgID, Role: rolePartner, Org: orgID}
}

// businessCtx is the organisation a representative acts for on a request.
type businessCtx struct {
	org   eid.Organisation
	actor auth.Actor
}

type businessKey struct{}

func businessFrom(r *http.Request) *businessCtx {
	b, _ := r.Context().Value(businessKey{}).(*businessCtx)
	return b
}

// business requires a logged-in level-2 citizen who represents the
// organisation of the path. Another organisation is the page of a
// missing one; a level-1 account is told why it cannot act.
func (u *UI) business(next http.HandlerFunc) http.HandlerFunc {
	return u.citizen(func(w http.ResponseWriter, r *http.Request) {
		c := citizenFrom(r)
		if c.account.Level < eid.Level2 {
			p := &businessHomePage{Page: u.page(w, r, "business", "business.title"), Level1: true}
			u.render(w, r, http.StatusForbidden, "business_home", p)
			return
		}
		orgs, err := u.svc.EID.Organisations(r.Context(), c.account.ID)
		if err != nil {
			u.renderServiceError(w, r, err)
			return
		}
		for _, o := range orgs {
			if o.ID == r.PathValue("org") {
				a := BusinessActor(c.account.ID, o.ID)
				a.RequestID = requestID(r)
				b := &businessCtx{org: o, actor: a}
				next(w, r.WithContext(context.WithValue(r.Context(), businessKey{}, b)))
				return
			}
		}
		u.handleNotFound(w, r)
	})
}

// businessHomePage is /business/: the organisations the citizen
// represents, or why he cannot act for one.
type businessHomePage struct {
	Page
	Level1 bool
	Orgs   []eid.Organisation
}

// handleBusinessHome answers GET /business/: a representative of one
// organisation goes straight to it; of several, he picks one; of none, or
// at level 1, he is told how an organisation account is made.
func (u *UI) handleBusinessHome(w http.ResponseWriter, r *http.Request) {
	c := citizenFrom(r)
	p := &businessHomePage{Page: u.page(w, r, "business", "business.title")}
	if c.account.Level < eid.Level2 {
		p.Level1 = true
		u.render(w, r, http.StatusOK, "business_home", p)
		return
	}
	orgs, err := u.svc.EID.Organisations(r.Context(), c.account.ID)
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	if len(orgs) == 1 {
		http.Redirect(w, r, "/business/"+orgs[0].ID+"/", http.StatusFound)
		return
	}
	p.Orgs = orgs
	u.render(w, r, http.StatusOK, "business_home", p)
}

// businessOrgPage is an organisation's establishments and the form that
// registers one.
type businessOrgPage struct {
	Page
	Org            eid.Organisation
	Establishments []*residence.Establishment
	Kinds          []string
	Provinces      []units.Unit
	Province       string       // the province whose communes the form lists
	Communes       []units.Unit // its communes valid today
}

// establishmentKinds are the kinds the form offers, in the service's
// order.
var establishmentKinds = []string{"hotel", "guesthouse", "homestay", "dormitory", "host", "other"}

// establishmentFields are the inputs of the establishment form.
var establishmentFields = []string{"name", "kind", "commune", "address"}

// businessOrgPage reads the organisation's establishments and the units
// the form offers: the communes of the province chosen (?province=, or
// the form's hidden input), else of its first establishment's; with no
// province, the commune is typed as its code.
func (u *UI) businessOrgPage(w http.ResponseWriter, r *http.Request) (*businessOrgPage, error) {
	b := businessFrom(r)
	p := &businessOrgPage{Page: u.page(w, r, "business", "business.org.title"), Org: b.org, Kinds: establishmentKinds}
	p.Title = b.org.Name
	es, err := u.svc.Residence.Establishments(r.Context(), b.actor)
	if err != nil {
		return nil, err
	}
	p.Establishments = es
	today := register.Today(u.now())
	for _, x := range units.At(today) {
		if x.Level == units.Province {
			p.Provinces = append(p.Provinces, x)
		}
	}
	// A form sent back keeps the province it was sent with (none: the
	// commune was typed as a code).
	if r.Method == http.MethodPost {
		p.Province = r.PostForm.Get("province")
	} else if p.Province = r.URL.Query().Get("province"); p.Province == "" && len(es) > 0 {
		p.Province = es[0].Province
	}
	if _, ok := units.Find(p.Province, units.Province, today); ok {
		p.Communes = units.CommunesOf(p.Province, today)
	} else {
		p.Province = ""
	}
	return p, nil
}

// handleBusinessOrg answers GET /business/{org}/?province=.
func (u *UI) handleBusinessOrg(w http.ResponseWriter, r *http.Request) {
	p, err := u.businessOrgPage(w, r)
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "business_org", p)
}

// handleBusinessEstablishmentCreate answers POST
// /business/{org}/establishments: registers an establishment through the
// residence service (which checks the commune is valid today); on error
// the form again with the input.
func (u *UI) handleBusinessEstablishmentCreate(w http.ResponseWriter, r *http.Request) {
	p, err := u.businessOrgPage(w, r)
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	f := r.PostForm
	v := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	for _, k := range establishmentFields {
		if v(k) == "" {
			p.fail(k, p.T("business.err.required."+k))
		}
	}
	if len(p.Form.Summary) == 0 {
		e := residence.Establishment{Name: v("name"), Kind: v("kind"), Commune: v("commune"), Address: v("address")}
		_, err = u.svc.Residence.CreateEstablishment(r.Context(), businessFrom(r).actor, e)
		if err == nil {
			u.flash(w, r, "flash.business.establishment_created")
			redirect(w, r, "/business/"+p.Org.ID+"/")
			return
		}
		p.fail(businessField(err, establishmentFields), businessErrorText(p.Lang, err))
	}
	u.render(w, r, http.StatusUnprocessableEntity, "business_org", p)
}

// businessField is the input a service error names (its last dotted
// part), if the form has it.
func businessField(err error, fields []string) string {
	field := apperr.FieldOf(err)
	if i := strings.LastIndexByte(field, '.'); i >= 0 {
		field = field[i+1:]
	}
	for _, f := range fields {
		if f == field {
			return field
		}
	}
	return ""
}

// businessErrorText is the area's text for a service error on a field
// (business.err.<code>.<field>), else the common one.
func businessErrorText(lang string, err error) string {
	field := apperr.FieldOf(err)
	if i := strings.LastIndexByte(field, '.'); i >= 0 {
		field = field[i+1:]
	}
	if key := "business.err." + apperr.Code(err) + "." + field; field != "" && has(lang, key) {
		return translate(lang, key)
	}
	return errorText(lang, err)
}
