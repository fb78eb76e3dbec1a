package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/portal"
	"github.com/dancu-vn/dancu/internal/refdata"
	"github.com/dancu-vn/dancu/internal/units"
)

// portalRoutes registers the citizen's pages of the public-service
// portal: the catalogue, the forms, his dossiers, their payment,
// resubmission and result. The forms with files post multipart bodies,
// which checkCSRF does not read: portalForm checks their token.
func (u *UI) portalRoutes(page, post route) {
	page("GET /app/services", u.citizen(u.handleServices))
	page("GET /app/services/{code}", u.citizen(u.handleServiceForm))
	page("POST /app/services/{code}", u.portalForm(u.citizen(u.handleServiceSubmit)))
	page("GET /app/dossiers", u.citizen(u.handleMyDossiers))
	page("GET /app/dossiers/{id}", u.citizen(u.handleMyDossier))
	page("GET /app/dossiers/{id}/resubmit", u.citizen(u.handleResubmitForm))
	page("POST /app/dossiers/{id}/resubmit", u.portalForm(u.citizen(u.handleDossierResubmit)))
	post("POST /app/dossiers/{id}/pay", u.citizen(u.handleDossierPay))
	page("GET /app/dossiers/{id}/payment", u.citizen(u.handleDossierPayment))
	post("POST /app/dossiers/{id}/payment/sandbox", u.citizen(u.handleSandboxPay))
	page("GET /app/dossiers/{id}/result", u.citizen(u.handleDossierResult))
	page("GET /app/dossiers/{id}/documents/{code}", u.citizen(u.handleDossierPaper))
}

// portalCitizen is the logged-in citizen as the portal sees him: the same
// account and ID number the API's citizen routes pass.
func portalCitizen(r *http.Request) portal.Citizen {
	c := citizenFrom(r)
	return portal.Citizen{AccountID: c.account.ID, IDNumber: c.account.IDNumber}
}

// PortalText is a procedure's text in the page's language.
func (p *Page) PortalText(t portal.Text) string {
	if p.Lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.VI
}

// PortalVND formats an amount of dong: 7.000 ₫ in Vietnamese, 7,000 VND
// in English; 0 is "free".
func (p *Page) PortalVND(n int64) string {
	if n == 0 {
		return p.T("portal.free")
	}
	s := []byte{}
	digits := []byte(strconv.FormatInt(n, 10))
	sep := byte('.')
	if p.Lang == "en" {
		sep = ','
	}
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			s = append(s, sep)
		}
		s = append(s, d)
	}
	return p.T("portal.vnd", string(s))
}

// PortalOption names an option of an enum field: the catalogue's
// portal.option.<field>.<value>, then portal.option.<value>, else the
// value itself (procedures carry no option labels).
func (p *Page) PortalOption(field, value string) string {
	for _, k := range []string{"portal.option." + field + "." + value, "portal.option." + value} {
		if has(p.Lang, k) {
			return p.T(k)
		}
	}
	return value
}

// portalCatalogueItem is one procedure of the catalogue with, for a
// linked one, its parts.
type portalCatalogueItem struct {
	*portal.Procedure
	Parts []*portal.Procedure
}

// portalServicesPage is the catalogue.
type portalServicesPage struct {
	Page
	Items []portalCatalogueItem
}

// handleServices answers GET /app/services: every procedure with its fee,
// time limit and office; linked procedures with their parts.
func (u *UI) handleServices(w http.ResponseWriter, r *http.Request) {
	ps, err := u.svc.Portal.Procedures(r.Context())
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	byCode := map[string]*portal.Procedure{}
	for _, pr := range ps {
		byCode[pr.Code] = pr
	}
	p := &portalServicesPage{Page: u.page(w, r, "app", "portal.title.services")}
	for _, pr := range ps {
		item := portalCatalogueItem{Procedure: pr}
		for _, part := range pr.Parts {
			if q := byCode[part.Procedure]; q != nil {
				item.Parts = append(item.Parts, q)
			}
		}
		p.Items = append(p.Items, item)
	}
	// Linked procedures first: one submission does several things.
	slices.SortStableFunc(p.Items, func(a, b portalCatalogueItem) int {
		switch {
		case a.Linked() == b.Linked():
			return 0
		case a.Linked():
			return -1
		}
		return 1
	})
	u.render(w, r, http.StatusOK, "portal_services", p)
}

// portalOptionView is one choice of a select or radio group.
type portalOptionView struct{ Value, Label string }

// portalInput is one asked field of a procedure's form.
type portalInput struct {
	P                        *Page // for the partial's texts and errors
	Name, Label, Kind, Value string
	Required                 bool
	Max                      int
	Options                  []portalOptionView
	Code                     string // commune: a code typed for a commune outside the list
}

// ErrText is the error of the field, once the form was checked.
func (in portalInput) ErrText() string { return in.P.Err(in.Name) }

// ErrText is the error of the paper's file input.
func (in portalDocInput) ErrText() string { return in.P.Err("doc_" + in.Code) }

// portalPrefilled is a value the register gives: shown, never asked.
type portalPrefilled struct{ Label, Value string }

// portalDocInput is a paper to attach: its file input, or the file sent
// with an earlier attempt, kept as its descriptor.
type portalDocInput struct {
	P          *Page // for the partial's texts and errors
	Code, Name string
	Required   bool
	Kept       *portal.DocumentRef
	KeptValue  string // the descriptor, encoded for the hidden input
}

// portalFormPage is a procedure's form: a new submission's, or the
// information an officer asked for on Dossier.
type portalFormPage struct {
	Page
	Action    string
	Dossier   *portal.Dossier
	Proc      *portal.Procedure
	Parts     []*portal.Procedure
	Prefilled []portalPrefilled
	Inputs    []portalInput
	Docs      []portalDocInput
	Nonce     string
	MaxMB     int
}

// portalFormPage builds a procedure's form for the citizen; false when
// the page was answered (no such procedure).
func (u *UI) portalFormPage(w http.ResponseWriter, r *http.Request) (*portalFormPage, bool) {
	ctx := r.Context()
	c := portalCitizen(r)
	pr, err := u.svc.Portal.Procedure(ctx, r.PathValue("code"))
	if err != nil {
		u.renderServiceError(w, r, err)
		return nil, false
	}
	pre, err := u.svc.Portal.Form(ctx, c, pr.Code)
	if err != nil {
		u.renderServiceError(w, r, err)
		return nil, false
	}
	p := &portalFormPage{Page: u.page(w, r, "app", "portal.title.form"), Proc: pr, MaxMB: portalMaxFile >> 20,
		Action: "/app/services/" + pr.Code}
	p.Title = p.PortalText(pr.Name)
	for _, part := range pr.Parts {
		if q, err := u.svc.Portal.Procedure(ctx, part.Procedure); err == nil {
			p.Parts = append(p.Parts, q)
		}
	}
	communes := u.portalCommunes(ctx, c.IDNumber)
	for i := range pr.Fields {
		f := &pr.Fields[i]
		if f.Prefill != "" {
			if v := pre[f.Name]; v != "" {
				p.Prefilled = append(p.Prefilled, portalPrefilled{Label: p.PortalText(f.Label), Value: p.portalValue(f, v)})
			}
			continue
		}
		p.Inputs = append(p.Inputs, p.portalInput(f, "", communes))
	}
	for _, d := range pr.Documents {
		p.Docs = append(p.Docs, portalDocInput{P: &p.Page, Code: d.Code, Name: p.PortalText(d.Name), Required: d.Required})
	}
	p.Nonce = r.PostFormValue("nonce")
	if p.Nonce == "" || len(p.Nonce) > 64 {
		p.Nonce = randomString(18)
	}
	return p, true
}

// portalCommunes are the communes offered for a commune field: today's
// communes of the citizen's province (his own record, read for himself).
func (u *UI) portalCommunes(ctx context.Context, idNumber string) []units.Unit {
	person, err := u.svc.Register.ForSubject(ctx, idNumber)
	if err != nil || person.Permanent == nil {
		return nil
	}
	today := u.now().Format("2006-01-02")
	cm, ok := units.Find(person.Permanent.Commune, units.Commune, today)
	if !ok {
		return nil
	}
	return units.CommunesOf(cm.ProvinceCode, today)
}

// portalInput describes the input of an asked field: its kind (text,
// date, number, id_number, select, radios, commune, checkbox) and, after
// a failed POST, the value sent. A field whose name says it holds an
// ethnicity code offers the list of ethnicities.
func (p *Page) portalInput(f *portal.Field, current string, communes []units.Unit) portalInput {
	in := portalInput{P: p, Name: f.Name, Label: p.PortalText(f.Label), Kind: f.Type, Required: f.Required, Max: f.MaxLength,
		Value: current}
	if p.Form.Values != nil {
		in.Value = p.Val(f.Name)
	}
	if in.Max == 0 {
		in.Max = 200
	}
	switch f.Type {
	case portal.TypeEnum:
		in.Kind = "select"
		if len(f.Options) <= 4 {
			in.Kind = "radios"
		}
		for _, o := range f.Options {
			in.Options = append(in.Options, portalOptionView{Value: o, Label: p.PortalOption(f.Name, o)})
		}
	case portal.TypeBool:
		in.Kind = "checkbox"
	case portal.TypeCommune:
		if p.Form.Values != nil {
			in.Code = p.Val(f.Name + "_code")
		}
		for _, c := range communes {
			in.Options = append(in.Options, portalOptionView{Value: c.Code, Label: c.FullName()})
		}
		if in.Value != "" && !slices.ContainsFunc(in.Options, func(o portalOptionView) bool { return o.Value == in.Value }) {
			in.Code, in.Value = in.Value, ""
		}
	case portal.TypeText:
		if strings.HasSuffix(f.Name, "ethnicity") {
			in.Kind = "select"
			for _, e := range refdata.Ethnicities() {
				in.Options = append(in.Options, portalOptionView{Value: e.Code, Label: e.Name})
			}
		}
	}
	return in
}

// portalValue shows a field's value for people: an option's name, a
// commune's name, a date as the language writes it, yes or no.
func (p *Page) portalValue(f *portal.Field, v string) string {
	switch {
	case v == "":
		return ""
	case f.Type == portal.TypeEnum:
		if strings.HasSuffix(f.Name, "gender") && has(p.Lang, "gender."+v) {
			return p.T("gender." + v)
		}
		return p.PortalOption(f.Name, v)
	case f.Type == portal.TypeCommune:
		return unitName(v)
	case f.Type == portal.TypeDate && len(v) == 10:
		return v[8:10] + "/" + v[5:7] + "/" + v[:4]
	case f.Type == portal.TypeBool && v == "true":
		return p.T("portal.yes")
	case f.Type == portal.TypeBool:
		return p.T("portal.no")
	case f.Type == portal.TypeText && strings.HasSuffix(f.Name, "ethnicity"):
		if e, ok := refdata.EthnicityByCode(v); ok {
			return e.Name
		}
	}
	return v
}

// handleServiceForm answers GET /app/services/{code}: the form, with the
// register's values shown and not asked.
func (u *UI) handleServiceForm(w http.ResponseWriter, r *http.Request) {
	if p, ok := u.portalFormPage(w, r); ok {
		u.render(w, r, http.StatusOK, "portal_form", p)
	}
}

// handleServiceSubmit answers POST /app/services/{code}: reads the asked
// fields (never the prefilled ones: the register's values are the
// dossier's) and the attached files (hashed here; only their descriptors
// are kept), submits through the portal service, and opens the new
// dossier — or, for a linked procedure, the list of its dossiers. A
// double submission of one form (its nonce) opens what the first made.
func (u *UI) handleServiceSubmit(w http.ResponseWriter, r *http.Request) {
	p, ok := u.portalFormPage(w, r)
	if !ok {
		return
	}
	req := portal.SubmitRequest{Procedure: p.Proc.Code, Fields: portalFieldValues(p.Proc, r)}
	req.Documents = u.portalDocuments(&p.Page, r, p.Docs)
	if len(p.Form.Summary) > 0 {
		u.renderPortalForm(w, r, p)
		return
	}
	key, done := u.portalClaim(w, r, p.Proc.Code, p.Nonce)
	if done {
		return
	}
	ds, err := u.svc.Portal.Submit(r.Context(), portalCitizen(r), req)
	if err != nil {
		u.portalRelease(r, key)
		if !p.portalFail(err, req.Documents) {
			u.renderServiceError(w, r, err)
			return
		}
		u.renderPortalForm(w, r, p)
		return
	}
	to, flash := "/app/dossiers/"+ds[0].ID, "flash.portal_submitted"
	if ds[0].GroupID != "" {
		to, flash = "/app/dossiers?group="+ds[0].GroupID, "flash.portal_submitted_linked"
	}
	u.portalComplete(r, key, to)
	u.flash(w, r, flash)
	redirect(w, r, to)
}

// renderPortalForm shows the form again with the input and its errors;
// the files already sent are kept by their descriptors.
func (u *UI) renderPortalForm(w http.ResponseWriter, r *http.Request, p *portalFormPage) {
	u.render(w, r, http.StatusUnprocessableEntity, "portal_form", p)
}

// portalFieldValues reads the asked fields of a procedure from a form:
// a commune's typed code wins over the list, an unticked checkbox is
// false; empty values are not sent.
func portalFieldValues(pr *portal.Procedure, r *http.Request) map[string]string {
	out := map[string]string{}
	for _, f := range pr.Fields {
		if f.Prefill != "" {
			continue
		}
		v := strings.TrimSpace(r.PostFormValue(f.Name))
		switch f.Type {
		case portal.TypeCommune:
			if c := strings.TrimSpace(r.PostFormValue(f.Name + "_code")); c != "" {
				v = c
			}
		case portal.TypeBool:
			v = "false"
			if r.PostFormValue(f.Name) != "" {
				v = "true"
			}
		}
		if v != "" {
			out[f.Name] = v
		}
	}
	return out
}

// portalFail records a service error of a submission next to its input;
// false when it is no error of the form's.
func (p *portalFormPage) portalFail(err error, docs []portal.DocumentRef) bool {
	return portalFailOn(&p.Page, p.Proc, p.Docs, err, docs)
}

// portalFailOn records a service error next to the input it names:
// fields.NAME, documents[i] (the i-th document sent) or the whole form.
func portalFailOn(p *Page, pr *portal.Procedure, inputs []portalDocInput, err error, docs []portal.DocumentRef) bool {
	switch apperr.Code(err) {
	case apperr.Internal, apperr.NotFound, apperr.RateLimited, apperr.Unauthorized:
		return false
	}
	field := apperr.FieldOf(err)
	if name, ok := strings.CutPrefix(field, "fields."); ok {
		if f, ok := pr.Field(name); ok && f.Prefill == "" {
			p.fail(name, portalFieldError(p, f, err))
			return true
		}
	}
	if rest, ok := strings.CutPrefix(field, "documents["); ok {
		var i int
		for _, c := range rest {
			if c < '0' || c > '9' {
				break
			}
			i = i*10 + int(c-'0')
		}
		if i < len(docs) {
			p.fail("doc_"+docs[i].Code, p.T("portal.err.document"))
			return true
		}
	}
	if field == "documents" {
		for _, d := range inputs {
			if d.Required && !slices.ContainsFunc(docs, func(x portal.DocumentRef) bool { return x.Code == d.Code }) {
				p.fail("doc_"+d.Code, p.T("portal.err.document_required", d.Name))
				return true
			}
		}
	}
	p.fail("", portalFormError(p, err))
	return true
}

// portalFieldError says what is wrong with a field's value, by its type.
func portalFieldError(p *Page, f *portal.Field, err error) string {
	label := p.PortalText(f.Label)
	v := p.Val(f.Name)
	if f.Type == portal.TypeCommune && p.Val(f.Name+"_code") != "" {
		v = p.Val(f.Name + "_code")
	}
	switch {
	case strings.TrimSpace(v) == "" && f.Type != portal.TypeBool && apperr.Code(err) == apperr.Invalid:
		return p.T("portal.err.required", label)
	case apperr.Code(err) == apperr.Forbidden:
		return p.T("portal.err.forbidden", label)
	case f.Type == portal.TypeDate:
		return p.T("portal.err.date", label)
	case f.Type == portal.TypeCommune:
		return p.T("portal.err.commune", label)
	case f.Type == portal.TypeIDNumber:
		return p.T("portal.err.id_number", label)
	case f.Type == portal.TypeNumber:
		return p.T("portal.err.number", label)
	case f.Type == portal.TypeEnum:
		return p.T("portal.err.enum", label)
	}
	return p.T("portal.err.text", label)
}

// portalFormError is the message of an error of the whole form.
func portalFormError(p *Page, err error) string {
	if apperr.FieldOf(err) == "permanent_residence" {
		return p.T("portal.err.no_residence")
	}
	return errorText(p.Lang, err)
}

// handleDossierPaper answers GET /app/dossiers/{id}/documents/{code}: a
// paper the citizen attached to his own dossier, as a download.
func (u *UI) handleDossierPaper(w http.ResponseWriter, r *http.Request) {
	ref, f, err := u.svc.Portal.MyDossierFile(r.Context(), portalCitizen(r), r.PathValue("id"), r.PathValue("code"))
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	portal.WritePaper(w, ref, f)
}
