package web

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/portal"
)

// portalDossierRow is a dossier as the citizen's list shows it.
type portalDossierRow struct {
	*portal.Dossier
	Name string // the procedure's name
}

// portalDossiersPage lists the citizen's dossiers.
type portalDossiersPage struct {
	Page
	Rows  []portalDossierRow
	Group string // set: only this linked submission's dossiers
}

// maxPortalDossiers bounds the list (the service's own maximum).
const maxPortalDossiers = 200

// handleMyDossiers answers GET /app/dossiers?group=: the citizen's
// dossiers, newest first, or those of one linked submission.
func (u *UI) handleMyDossiers(w http.ResponseWriter, r *http.Request) {
	ds, err := u.svc.Portal.MyDossiers(r.Context(), portalCitizen(r), maxPortalDossiers)
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	p := &portalDossiersPage{Page: u.page(w, r, "app", "portal.title.dossiers"), Group: r.URL.Query().Get("group")}
	names := u.portalNames(r, &p.Page)
	for _, d := range ds {
		if p.Group == "" || d.GroupID == p.Group {
			p.Rows = append(p.Rows, portalDossierRow{Dossier: d, Name: names[d.Procedure]})
		}
	}
	u.render(w, r, http.StatusOK, "portal_dossiers", p)
}

// portalNames names every procedure in the page's language.
func (u *UI) portalNames(r *http.Request, p *Page) map[string]string {
	out := map[string]string{}
	ps, err := u.svc.Portal.Procedures(r.Context())
	if err != nil {
		return out // the codes are shown instead
	}
	for _, pr := range ps {
		out[pr.Code] = p.PortalText(pr.Name)
	}
	return out
}

// PortalName is the name of a procedure on a dossier row; its code when
// unknown.
func (d portalDossierRow) PortalName() string {
	if d.Name != "" {
		return d.Name
	}
	return d.Procedure
}

// portalDossierPage is one of the citizen's dossiers, with what he can do.
type portalDossierPage struct {
	Page
	D       *portal.Dossier
	Proc    *portal.Procedure
	Fields  []portalPrefilled // label and value, in the form's order
	Group   []portalDossierRow
	Sandbox bool
	// Result, once issued: its verification link and QR code.
	Result   *portal.ResultDoc
	VerifyQR template.URL
}

// CanPay reports whether the fee can be paid now.
func (p *portalDossierPage) CanPay() bool { return p.D.Unpaid() && !p.D.State.Closed() }

// CanResubmit reports whether an officer asked for information.
func (p *portalDossierPage) CanResubmit() bool { return p.D.State == portal.InfoRequested }

// portalDossierPage loads one of the citizen's dossiers: another
// citizen's is the 404 of a missing one (the service logs the attempt).
func (u *UI) portalDossierPage(w http.ResponseWriter, r *http.Request) (*portalDossierPage, bool) {
	ctx := r.Context()
	c := portalCitizen(r)
	d, err := u.svc.Portal.MyDossier(ctx, c, r.PathValue("id"))
	if err != nil {
		u.renderServiceError(w, r, err)
		return nil, false
	}
	pr, err := u.svc.Portal.Procedure(ctx, d.Procedure)
	if err != nil {
		u.renderServiceError(w, r, err)
		return nil, false
	}
	p := &portalDossierPage{Page: u.page(w, r, "app", "portal.title.dossier"), D: d, Proc: pr}
	p.Title = p.T("portal.dossier.title", d.ID)
	_, p.Sandbox = u.svc.Portal.Payments["sandbox"].(*portal.Sandbox)
	for i := range pr.Fields {
		f := &pr.Fields[i]
		if v := d.Fields[f.Name]; v != "" {
			p.Fields = append(p.Fields, portalPrefilled{Label: p.PortalText(f.Label), Value: p.portalValue(f, v)})
		}
	}
	if d.GroupID != "" {
		ds, err := u.svc.Portal.MyDossiers(ctx, c, maxPortalDossiers)
		if err != nil {
			u.renderServiceError(w, r, err)
			return nil, false
		}
		names := u.portalNames(r, &p.Page)
		for _, x := range ds {
			if x.GroupID == d.GroupID && x.ID != d.ID {
				p.Group = append(p.Group, portalDossierRow{Dossier: x, Name: names[x.Procedure]})
			}
		}
	}
	if d.ResultID != "" {
		if p.Result, err = u.svc.Portal.ResultFor(ctx, c, d.ID); err != nil {
			u.renderServiceError(w, r, err)
			return nil, false
		}
		if png, err := portal.VerificationQR(p.Result.VerifyURL); err == nil {
			p.VerifyQR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
		}
	}
	return p, true
}

// handleMyDossier answers GET /app/dossiers/{id}: the dossier, its
// history, and the acts its state allows.
func (u *UI) handleMyDossier(w http.ResponseWriter, r *http.Request) {
	if p, ok := u.portalDossierPage(w, r); ok {
		u.render(w, r, http.StatusOK, "portal_dossier", p)
	}
}

// PortalDocLabel names a paper of the dossier's procedure.
func (p *portalDossierPage) PortalDocLabel(code string) string {
	for _, d := range p.Proc.Documents {
		if d.Code == code {
			return p.PortalText(d.Name)
		}
	}
	return code
}

// PortalActor names who made a step: the citizen, an officer or the
// payment provider (never an officer's name: the citizen's view).
func (p *Page) PortalActor(role string) string {
	switch role {
	case "citizen", "payment":
		return p.T("portal.role." + role)
	}
	return p.T("portal.role.officer")
}

// PortalSize writes a file size in KB or MB.
func (p *Page) PortalSize(n int64) string {
	switch {
	case n >= 1<<20:
		return p.T("portal.size.mb", float64(n)/(1<<20))
	case n > 0:
		return p.T("portal.size.kb", (n+1023)/1024)
	}
	return ""
}

// portalResubmitPage is the form of the information an officer asked
// for: the asked fields with the dossier's values, the papers (sent again
// only to replace them) and a note. Nothing asked: back to the dossier.
func (u *UI) portalResubmitPage(w http.ResponseWriter, r *http.Request) (*portalFormPage, bool) {
	ctx, c := r.Context(), portalCitizen(r)
	d, err := u.svc.Portal.MyDossier(ctx, c, r.PathValue("id"))
	if err != nil {
		u.renderServiceError(w, r, err)
		return nil, false
	}
	if d.State != portal.InfoRequested {
		u.flash(w, r, "flash.portal_nothing_asked")
		redirect(w, r, "/app/dossiers/"+d.ID)
		return nil, false
	}
	pr, err := u.svc.Portal.Procedure(ctx, d.Procedure)
	if err != nil {
		u.renderServiceError(w, r, err)
		return nil, false
	}
	p := &portalFormPage{Page: u.page(w, r, "app", "portal.title.resubmit"), Proc: pr, Dossier: d,
		Action: "/app/dossiers/" + d.ID + "/resubmit", MaxMB: portalMaxFile >> 20}
	communes := u.portalCommunes(ctx, c.IDNumber)
	for i := range pr.Fields {
		if f := &pr.Fields[i]; f.Prefill == "" {
			p.Inputs = append(p.Inputs, p.portalInput(f, d.Fields[f.Name], communes))
		}
	}
	for _, doc := range pr.Documents {
		in := portalDocInput{P: &p.Page, Code: doc.Code, Name: p.PortalText(doc.Name)}
		for _, x := range d.Documents {
			if x.Code == doc.Code {
				in.Kept = &x
			}
		}
		p.Docs = append(p.Docs, in)
	}
	return p, true
}

// handleResubmitForm answers GET /app/dossiers/{id}/resubmit.
func (u *UI) handleResubmitForm(w http.ResponseWriter, r *http.Request) {
	if p, ok := u.portalResubmitPage(w, r); ok {
		u.render(w, r, http.StatusOK, "portal_form", p)
	}
}

// handleDossierResubmit answers POST /app/dossiers/{id}/resubmit: sends
// the changed fields, the papers chosen again and the note through the
// portal service; the form again with its errors, or back to the dossier.
func (u *UI) handleDossierResubmit(w http.ResponseWriter, r *http.Request) {
	p, ok := u.portalResubmitPage(w, r)
	if !ok {
		return
	}
	d := p.Dossier
	req := portal.ResubmitRequest{Fields: map[string]string{}, Note: strings.TrimSpace(r.PostFormValue("note"))}
	sent := portalFieldValues(p.Proc, r)
	for _, f := range p.Proc.Fields {
		if f.Prefill == "" && sent[f.Name] != d.Fields[f.Name] {
			req.Fields[f.Name] = sent[f.Name]
		}
	}
	// Only papers chosen now replace the dossier's.
	for i := range p.Docs {
		p.Docs[i].Kept = nil
	}
	req.Documents = u.portalDocuments(&p.Page, r, p.Docs)
	if len(p.Form.Summary) == 0 {
		_, err := u.svc.Portal.Resubmit(r.Context(), portalCitizen(r), d.ID, req)
		if err == nil {
			u.flash(w, r, "flash.portal_resubmitted")
			redirect(w, r, "/app/dossiers/"+d.ID)
			return
		}
		if !portalFailOn(&p.Page, p.Proc, p.Docs, err, req.Documents) {
			u.renderServiceError(w, r, err)
			return
		}
	}
	u.render(w, r, http.StatusUnprocessableEntity, "portal_form", p)
}

// handleDossierResult answers GET /app/dossiers/{id}/result: the signed
// PDF of the result, as a download.
func (u *UI) handleDossierResult(w http.ResponseWriter, r *http.Request) {
	res, err := u.svc.Portal.ResultFor(r.Context(), portalCitizen(r), r.PathValue("id"))
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+res.ID+`.pdf"`)
	w.Header().Set("X-Verify-URL", res.VerifyURL)
	http.ServeContent(w, r, "", res.IssuedAt, bytes.NewReader(res.PDF))
}

// portalPaymentPage is a dossier's fee payment: the VietQR code to scan.
type portalPaymentPage struct {
	Page
	D       *portal.Dossier
	Payment *portal.Payment
	QR      template.URL
	Sandbox bool
}

// handleDossierPay answers POST /app/dossiers/{id}/pay: starts paying the
// fee with the sandbox provider (or reuses the payment already waiting)
// and shows its QR code.
func (u *UI) handleDossierPay(w http.ResponseWriter, r *http.Request) {
	ctx, c, id := r.Context(), portalCitizen(r), r.PathValue("id")
	ps, err := u.svc.Portal.DossierPayments(ctx, c, id)
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	provider := u.portalProvider()
	if provider == "" {
		u.flash(w, r, "flash.portal_no_provider")
		redirect(w, r, "/app/dossiers/"+id)
		return
	}
	if portalPending(ps) == nil {
		if _, err := u.svc.Portal.Pay(ctx, c, id, provider); err != nil {
			if apperr.Is(err, apperr.Conflict) || apperr.Is(err, apperr.Invalid) {
				u.flash(w, r, "flash.portal_no_payment")
				redirect(w, r, "/app/dossiers/"+id)
				return
			}
			u.renderServiceError(w, r, err)
			return
		}
	}
	redirect(w, r, "/app/dossiers/"+id+"/payment")
}

// portalProvider names the payment provider the pages use: the sandbox
// when it is on, else the first configured; "" when there is none.
func (u *UI) portalProvider() string {
	if _, ok := u.svc.Portal.Payments["sandbox"]; ok {
		return "sandbox"
	}
	names := slices.Sorted(maps.Keys(u.svc.Portal.Payments))
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// portalPending is the newest payment still waiting, if any.
func portalPending(ps []*portal.Payment) *portal.Payment {
	var out *portal.Payment
	for _, x := range ps {
		if x.Status == portal.PaymentPending && (out == nil || x.CreatedAt.After(out.CreatedAt)) {
			out = x
		}
	}
	return out
}

// handleDossierPayment answers GET /app/dossiers/{id}/payment: the
// waiting payment's VietQR code, its text and amount; with the sandbox
// provider, a button that makes its bank pay.
func (u *UI) handleDossierPayment(w http.ResponseWriter, r *http.Request) {
	ctx, c, id := r.Context(), portalCitizen(r), r.PathValue("id")
	d, err := u.svc.Portal.MyDossier(ctx, c, id)
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	ps, err := u.svc.Portal.DossierPayments(ctx, c, id)
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	p := &portalPaymentPage{Page: u.page(w, r, "app", "portal.title.payment"), D: d, Payment: portalPending(ps)}
	if p.Payment == nil || !d.Unpaid() {
		redirect(w, r, "/app/dossiers/"+id)
		return
	}
	p.QR = qrDataURL(p.Payment.QRPayload)
	_, p.Sandbox = u.svc.Portal.Payments["sandbox"].(*portal.Sandbox)
	u.render(w, r, http.StatusOK, "portal_payment", p)
}

// handleSandboxPay answers POST /app/dossiers/{id}/payment/sandbox: the
// sandbox bank pays the dossier's waiting payment, exactly as the API's
// sandbox route does — a signed callback, checked and applied by
// portal.Service.Confirm. Without the sandbox provider it is refused.
func (u *UI) handleSandboxPay(w http.ResponseWriter, r *http.Request) {
	ctx, c, id := r.Context(), portalCitizen(r), r.PathValue("id")
	sb, ok := u.svc.Portal.Payments["sandbox"].(*portal.Sandbox)
	if !ok {
		u.renderError(w, r, http.StatusNotFound, "portal.err.no_sandbox")
		return
	}
	ps, err := u.svc.Portal.DossierPayments(ctx, c, id)
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	pending := portalPending(ps)
	if pending == nil {
		redirect(w, r, "/app/dossiers/"+id)
		return
	}
	pay, err := u.svc.Portal.PaymentFor(ctx, c, pending.ID)
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	body, sig := sb.CallbackBody(pay, "SANDBOX-"+pay.ID, u.now())
	h := http.Header{}
	h.Set(portal.SandboxSignatureHeader, sig)
	if _, err := u.svc.Portal.Confirm(ctx, sb.Name(), body, h); err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	u.flash(w, r, "flash.portal_paid")
	redirect(w, r, "/app/dossiers/"+id)
}

// portalNotifications are the status changes of the citizen's dossiers
// for /app/notifications.
func (u *UI) portalNotifications(r *http.Request, p *Page) ([]notification, error) {
	if u.svc.Portal == nil {
		return nil, nil
	}
	ns, err := u.svc.Portal.Notifications(r.Context(), portalCitizen(r), maxNotifications)
	if err != nil {
		return nil, err
	}
	out := make([]notification, 0, len(ns))
	for _, n := range ns {
		out = append(out, notification{At: n.CreatedAt, Link: "/app/dossiers/" + n.DossierID,
			Text: p.T("portal.notify", n.DossierID, p.T("portal.state."+string(n.State)))})
	}
	return out, nil
}
