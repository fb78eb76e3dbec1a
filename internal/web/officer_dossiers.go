package web

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/portal"
	"github.com/dancu-vn/dancu/internal/register"
)

// officerDossierRoutes registers the area's pages: the queue of dossiers
// of the officer's jurisdiction, one dossier with the acts its state
// allows, and its result. Every page calls portal.Service exactly as the
// API's /api/v1/dossiers routes do (jurisdiction, roles, access log).
func (u *UI) officerDossierRoutes(page, post route) {
	page("GET /officer/dossiers", u.officer(u.handleOfficerDossierQueue))
	page("GET /officer/dossiers/{id}", u.officer(u.handleOfficerDossier))
	page("GET /officer/dossiers/{id}/result", u.officer(u.handleOfficerDossierResult))
	page("GET /officer/dossiers/{id}/documents/{code}", u.officer(u.handleOfficerDossierPaper))
	post("POST /officer/dossiers/{id}/{act}", u.officer(u.handleOfficerDossierAct))
}

// officerDossierStates are the states in the queue's filter, in the order
// a dossier goes through them.
var officerDossierStates = []portal.State{portal.Submitted, portal.Received, portal.Processing, portal.InfoRequested,
	portal.Resubmitted, portal.Approved, portal.Rejected, portal.ResultIssued}

// officerDossierQueueSize is the dossiers per page of the queue.
const officerDossierQueueSize = 50

// officerDossierView shows dossiers in the page's language: the
// catalogue's procedures (names, fields' labels) and the words of states,
// roles and acts. Its methods are the area's template helpers.
type officerDossierView struct {
	procs map[string]*portal.Procedure
	lang  string
}

// loadOfficerDossierView reads the catalogue of procedures for a page.
func (u *UI) loadOfficerDossierView(ctx context.Context, lang string) (officerDossierView, []*portal.Procedure, error) {
	ps, err := u.svc.Portal.Procedures(ctx)
	if err != nil {
		return officerDossierView{}, nil, err
	}
	n := officerDossierView{procs: map[string]*portal.Procedure{}, lang: lang}
	for _, p := range ps {
		n.procs[p.Code] = p
	}
	return n, ps, nil
}

// officerPortalText picks a procedure's text in the page's language,
// Vietnamese if the English one is missing.
func officerPortalText(lang string, t portal.Text) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.VI
}

// ProcName is a procedure's name in the page's language.
func (n officerDossierView) ProcName(code string) string {
	if p, ok := n.procs[code]; ok {
		return officerPortalText(n.lang, p.Name)
	}
	return code
}

// officerDossierQueuePage is the queue with its filters.
type officerDossierQueuePage struct {
	Page
	officerDossierView
	Procedures []*portal.Procedure // of the procedure filter: those that have dossiers (not the linked ones)
	States     []portal.State
	Dossiers   []*portal.Dossier
	NextURL    string
}

// StateText is a dossier state in words.
func (n officerDossierView) StateText(s portal.State) string {
	return translate(n.lang, "dossier.state."+string(s))
}

// Applicant names a dossier's applicant: the name the form holds (from
// the register) if any, and the ID number.
func (n officerDossierView) Applicant(d *portal.Dossier) string {
	if name := d.Fields["applicant_full_name"]; name != "" {
		return name + " (" + d.ApplicantID + ")"
	}
	return d.ApplicantID
}

// handleOfficerDossierQueue answers GET
// /officer/dossiers?state=&procedure=&overdue=1&cursor=: the dossiers of
// the officer's jurisdiction, oldest first. The service logs each dossier
// listed, so the page does not.
func (u *UI) handleOfficerDossierQueue(w http.ResponseWriter, r *http.Request) {
	p := &officerDossierQueuePage{Page: u.page(w, r, "officer", "dossier.title.queue"), States: officerDossierStates}
	names, ps, err := u.loadOfficerDossierView(r.Context(), p.Lang)
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	p.officerDossierView = names
	for _, pr := range ps {
		if !pr.Linked() {
			p.Procedures = append(p.Procedures, pr)
		}
	}
	q := r.URL.Query()
	p.Form.Values = q
	f := portal.Filter{State: portal.State(q.Get("state")), Procedure: q.Get("procedure"), Overdue: q.Get("overdue") == "1",
		Cursor: q.Get("cursor"), Limit: officerDossierQueueSize}
	ds, err := u.svc.Portal.List(r.Context(), officerFrom(r).actor(r), f)
	if err != nil {
		if c := apperr.Code(err); c != apperr.Invalid && c != apperr.InvalidDate {
			u.renderServiceError(w, r, err)
			return
		}
		p.failErr(err, "state", "procedure")
		u.render(w, r, http.StatusUnprocessableEntity, "officer_dossiers", p)
		return
	}
	p.Dossiers = ds
	if len(ds) == officerDossierQueueSize {
		// The cursor the API answers as next_cursor: after the last one.
		last := ds[len(ds)-1]
		next := url.Values{}
		for _, k := range []string{"state", "procedure", "overdue"} {
			if v := q.Get(k); v != "" {
				next.Set(k, v)
			}
		}
		next.Set("cursor", strconv.FormatInt(last.SubmittedAt.UnixMicro(), 10)+"_"+last.ID)
		p.NextURL = "/officer/dossiers?" + next.Encode()
	}
	u.render(w, r, http.StatusOK, "officer_dossiers", p)
}

// officerDossierAct is an officer's act as the page offers it: its URL
// segment (the API's), the service's act and whether it needs a note.
type officerDossierAct struct {
	Path, Action string
	Note         bool
}

// officerDossierActs are the acts by their URL segment, as in the API.
var officerDossierActs = map[string]officerDossierAct{
	"receive":      {Path: "receive", Action: portal.ActReceive},
	"request-info": {Path: "request-info", Action: portal.ActRequestInfo, Note: true},
	"approve":      {Path: "approve", Action: portal.ActApprove},
	"reject":       {Path: "reject", Action: portal.ActReject, Note: true},
	"issue-result": {Path: "issue-result", Action: portal.ActIssueResult},
}

// officerActsFor lists the acts a dossier's state allows, in the order the
// page shows them. Approval of a dossier whose fee is unpaid (received) is
// not offered: the page says it waits for the payment. The service
// decides anyway.
func officerActsFor(s portal.State) []officerDossierAct {
	var paths []string
	switch s {
	case portal.Submitted, portal.Resubmitted:
		paths = []string{"receive", "reject"}
	case portal.Received:
		paths = []string{"request-info", "reject"}
	case portal.Processing:
		paths = []string{"approve", "request-info", "reject"}
	case portal.InfoRequested:
		paths = []string{"reject"}
	case portal.Approved:
		paths = []string{"issue-result"}
	}
	out := make([]officerDossierAct, len(paths))
	for i, p := range paths {
		out[i] = officerDossierActs[p]
	}
	return out
}

// officerDossierPage is one dossier with its history and the acts its
// state allows.
type officerDossierPage struct {
	Page
	officerDossierView
	D         *portal.Dossier
	Proc      *portal.Procedure
	Fields    []officerDossierField
	Documents []officerDossierDoc
	Group     []portal.LinkedPart
	Acts      []officerDossierAct // none for a reader
	ReadOnly  bool                // a reader: he reads, registrars act
	FailedAct string              // the act whose form is shown again with its error
}

// officerDossierField is one field of the dossier's form, labelled.
type officerDossierField struct {
	Name, Label, Value, Error string
}

// officerDossierDoc is an attached paper, named by the procedure.
type officerDossierDoc struct {
	portal.DocumentRef
	Name string
}

// NoteValue is the note to show in an act's form: the one just sent if
// that act failed.
func (p *officerDossierPage) NoteValue(a officerDossierAct) string {
	if p.FailedAct == a.Path {
		return p.Val("note")
	}
	return ""
}

// Fee is an amount of dong, written as the language does: 7.000 ₫.
func (n officerDossierView) Fee(amount int64) string { return n.Number(amount) + " ₫" }

// Number writes a count (never negative) with the language's thousands
// separator.
func (n officerDossierView) Number(v int64) string {
	sep := "."
	if n.lang == "en" {
		sep = ","
	}
	s := strconv.FormatInt(v, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// RoleText is the role of a history step's actor in words.
func (n officerDossierView) RoleText(role string) string {
	if has(n.lang, "role."+role) {
		return translate(n.lang, "role."+role)
	}
	if has(n.lang, "dossier.role."+role) {
		return translate(n.lang, "dossier.role."+role)
	}
	return role
}

// ActionText is a history step's action in words.
func (n officerDossierView) ActionText(action string) string {
	if has(n.lang, "dossier.action."+action) {
		return translate(n.lang, "dossier.action."+action)
	}
	return action
}

// fieldValue shows a form value for people: a commune by its name, a
// date as the language writes it, an option in words.
func (p *officerDossierPage) fieldValue(f *portal.Field, v string) string {
	if f == nil || v == "" {
		return v
	}
	switch f.Type {
	case portal.TypeCommune:
		if n := unitName(v); n != v {
			return n + " (" + v + ")"
		}
	case portal.TypeDate:
		return p.Date(register.Date(v))
	case portal.TypeEnum, portal.TypeBool:
		if has(p.Lang, "dossier.option."+v) {
			return p.T("dossier.option." + v)
		}
	}
	return v
}

// loadOfficerDossierPage reads a dossier through the service
// (jurisdiction, access log) and prepares it for the page.
func (u *UI) loadOfficerDossierPage(w http.ResponseWriter, r *http.Request, id string) (*officerDossierPage, error) {
	a := officerFrom(r).actor(r)
	d, err := u.svc.Portal.Get(r.Context(), a, id)
	if err != nil {
		return nil, err
	}
	p := &officerDossierPage{Page: u.page(w, r, "officer", "dossier.title.dossier"), D: d}
	p.Title = p.T("dossier.title.dossier") + " " + d.ID
	names, _, err := u.loadOfficerDossierView(r.Context(), p.Lang)
	if err != nil {
		return nil, err
	}
	p.officerDossierView, p.Proc = names, names.procs[d.Procedure]
	if p.Proc == nil {
		p.Proc = &portal.Procedure{Code: d.Procedure, Name: portal.Text{VI: d.Procedure}}
	}
	p.Fields = p.fields()
	for _, doc := range d.Documents {
		x := officerDossierDoc{DocumentRef: doc, Name: doc.Code}
		for _, pd := range p.Proc.Documents {
			if pd.Code == doc.Code {
				x.Name = officerPortalText(p.Lang, pd.Name)
			}
		}
		p.Documents = append(p.Documents, x)
	}
	if p.Group, err = u.svc.Portal.Linked(r.Context(), a, d); err != nil {
		return nil, err
	}
	if a.CanWrite() {
		p.Acts = officerActsFor(d.State)
	}
	p.ReadOnly = !a.CanWrite()
	return p, nil
}

// fields lists the dossier's values in the order of the procedure's form,
// then any the procedure no longer names.
func (p *officerDossierPage) fields() []officerDossierField {
	var out []officerDossierField
	seen := map[string]bool{}
	for i := range p.Proc.Fields {
		f := &p.Proc.Fields[i]
		seen[f.Name] = true
		if v, ok := p.D.Fields[f.Name]; ok && v != "" {
			out = append(out, officerDossierField{Name: f.Name, Label: officerPortalText(p.Lang, f.Label), Value: p.fieldValue(f, v)})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(p.D.Fields)) {
		if v := p.D.Fields[k]; !seen[k] && v != "" {
			out = append(out, officerDossierField{Name: k, Label: k, Value: v})
		}
	}
	return out
}

// handleOfficerDossier answers GET /officer/dossiers/{id}: the dossier in the
// officer's jurisdiction (outside it, the 404 of a missing dossier).
func (u *UI) handleOfficerDossier(w http.ResponseWriter, r *http.Request) {
	p, err := u.loadOfficerDossierPage(w, r, r.PathValue("id"))
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "officer_dossier", p)
}

// handleOfficerDossierAct answers POST /officer/dossiers/{id}/{act} (receive,
// request-info, approve, reject, issue-result) with the note: the act
// through portal.Service.Do, then back to the dossier with a flash. A
// refusal shows the dossier again, unchanged, with the error next to the
// note or the field of the form the register refused: 409 when the
// dossier's state (or its unpaid fee) forbids the act, else 422.
func (u *UI) handleOfficerDossierAct(w http.ResponseWriter, r *http.Request) {
	act, ok := officerDossierActs[r.PathValue("act")]
	if !ok {
		u.handleNotFound(w, r)
		return
	}
	id := r.PathValue("id")
	_, err := u.svc.Portal.Do(r.Context(), officerFrom(r).actor(r), id, portal.Act{Action: act.Action, Note: r.PostForm.Get("note")})
	if err == nil {
		u.flash(w, r, "flash.dossier."+act.Action)
		redirect(w, r, "/officer/dossiers/"+url.PathEscape(id))
		return
	}
	code := apperr.Code(err)
	if code == apperr.Forbidden || code == apperr.Internal ||
		(code == apperr.NotFound && apperr.FieldOf(err) == "") {
		u.renderServiceError(w, r, err)
		return
	}
	p, perr := u.loadOfficerDossierPage(w, r, id)
	if perr != nil {
		u.renderServiceError(w, r, perr)
		return
	}
	p.SwitchURL = "/officer/dossiers/" + url.PathEscape(id) + "?lang=" + p.OtherLang
	p.FailedAct = act.Path
	p.actFailed(act, err)
	status := http.StatusUnprocessableEntity
	if code == apperr.Conflict || code == apperr.PaymentRequired {
		status = http.StatusConflict
	}
	u.render(w, r, status, "officer_dossier", p)
}

// actFailed puts a refused act's error on the page: on the act's note, on
// the dossier's field the register refused, or for the whole page.
func (p *officerDossierPage) actFailed(act officerDossierAct, err error) {
	code, field := apperr.Code(err), apperr.FieldOf(err)
	switch {
	case code == apperr.PaymentRequired:
		p.fail("", p.T("dossier.err.payment_required", p.Fee(p.D.Fee)))
	case code == apperr.Conflict && act.Action == portal.ActApprove && p.D.WaitsFor != "" && p.D.State == portal.Processing:
		p.fail("", p.T("dossier.err.waits", p.ProcName(p.D.WaitsFor)))
	case code == apperr.Conflict:
		p.fail("", p.T("dossier.err.conflict", p.StateText(p.D.State)))
	case field == "note":
		p.fail("note-"+act.Path, p.T("dossier.err.note."+act.Action))
	case strings.HasPrefix(field, "fields."):
		name := strings.TrimPrefix(field, "fields.")
		msg := errorText(p.Lang, err)
		switch {
		case code == apperr.NotFound:
			msg = p.T("dossier.err.no_person")
		case code == apperr.Invalid && strings.HasSuffix(name, "_full_name"):
			msg = p.T("dossier.err.name_mismatch")
		}
		p.fail("field-"+name, msg)
		for i := range p.Fields {
			if p.Fields[i].Name == name {
				p.Fields[i].Error = msg
			}
		}
	default:
		p.fail("", errorText(p.Lang, err))
	}
}

// handleOfficerDossierResult answers GET /officer/dossiers/{id}/result: the
// signed result PDF, as a download (portal.Service.OfficerResult: the
// dossier's jurisdiction and access log).
func (u *UI) handleOfficerDossierResult(w http.ResponseWriter, r *http.Request) {
	res, err := u.svc.Portal.OfficerResult(r.Context(), officerFrom(r).actor(r), r.PathValue("id"))
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `attachment; filename="`+res.ID+`.pdf"`)
	h.Set("X-Signature", res.Signature)
	h.Set("Content-Length", strconv.Itoa(len(res.PDF)))
	w.WriteHeader(http.StatusOK)
	w.Write(res.PDF)
}

// handleOfficerDossierPaper answers GET /officer/dossiers/{id}/documents/{code}:
// a paper the citizen attached, as a download (opening it is logged).
func (u *UI) handleOfficerDossierPaper(w http.ResponseWriter, r *http.Request) {
	ref, f, err := u.svc.Portal.DossierFile(r.Context(), officerFrom(r).actor(r), r.PathValue("id"), r.PathValue("code"))
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	portal.WritePaper(w, ref, f)
}
