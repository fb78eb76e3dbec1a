package httpapi

import (
	"bytes"
	"io"
	"net/http"
	"strconv"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/portal"
	"github.com/dancu-vn/dancu/internal/web"
)

// portalRoutes registers the public-service portal's API: the catalogue
// (public), citizens' dossiers, officers' processing, payments and the
// public verification of results. See docs/portal.md.
func (s *Server) portalRoutes(mux *http.ServeMux) {
	if s.Portal == nil {
		return
	}
	// Anyone: the catalogue, the results' keys and their verification.
	mux.HandleFunc("GET /api/v1/portal/procedures", s.handleProcedureList)
	mux.HandleFunc("GET /api/v1/portal/procedures/{code}", s.handleProcedureGet)
	mux.HandleFunc("GET /api/v1/portal/keys", s.handlePortalKeys)
	mux.HandleFunc("GET /verify/{result}", s.handleResultVerify)
	mux.HandleFunc("POST /api/v1/payments/callback/{provider}", s.handlePaymentCallback)

	// A citizen's session.
	mux.Handle("GET /api/v1/portal/procedures/{code}/form", s.citizen(s.handleProcedureForm))
	mux.Handle("POST /api/v1/portal/dossiers", s.citizen(s.idempotent(s.handleDossierSubmit)))
	mux.Handle("GET /api/v1/portal/dossiers", s.citizen(s.handleMyDossierList))
	mux.Handle("GET /api/v1/portal/dossiers/{id}", s.citizen(s.handleMyDossierGet))
	mux.Handle("POST /api/v1/portal/dossiers/{id}/resubmit", s.citizen(s.idempotent(s.handleDossierResubmit)))
	mux.Handle("POST /api/v1/portal/dossiers/{id}/payments", s.citizen(s.idempotent(s.handleDossierPay)))
	mux.Handle("GET /api/v1/portal/dossiers/{id}/payments", s.citizen(s.handleDossierPayments))
	mux.Handle("GET /api/v1/portal/dossiers/{id}/result", s.citizen(s.handleMyResultPDF))
	mux.Handle("GET /api/v1/portal/dossiers/{id}/result/signature", s.citizen(s.handleMyResultSignature))
	mux.Handle("POST /api/v1/portal/files", s.citizen(s.handleFileUpload))
	mux.Handle("GET /api/v1/portal/dossiers/{id}/documents/{code}", s.citizen(s.handleMyDossierFile))
	mux.Handle("GET /api/v1/portal/notifications", s.citizen(s.handleNotificationList))
	mux.Handle("POST /api/v1/portal/notifications/{id}/read", s.citizen(s.handleNotificationRead))

	// Officers, within jurisdiction.
	mux.Handle("GET /api/v1/dossiers", s.authed(s.handleDossierList))
	mux.Handle("GET /api/v1/dossiers/{id}", s.authed(s.handleDossierGet))
	mux.Handle("GET /api/v1/dossiers/{id}/result", s.authed(s.handleDossierResultPDF))
	mux.Handle("GET /api/v1/dossiers/{id}/documents/{code}", s.authed(s.handleDossierFile))
	for path, act := range map[string]string{"receive": portal.ActReceive, "request-info": portal.ActRequestInfo,
		"approve": portal.ActApprove, "reject": portal.ActReject, "issue-result": portal.ActIssueResult} {
		mux.Handle("POST /api/v1/dossiers/{id}/"+path, s.authed(s.idempotent(s.handleDossierAct(act))))
	}

	// The sandbox payment provider's "bank": pays a payment as if the QR
	// had been scanned, by posting the signed callback.
	if sb, ok := s.Portal.Payments["sandbox"].(*portal.Sandbox); ok {
		mux.Handle("POST /api/v1/payments/sandbox/{payment}/pay", s.citizen(s.handleSandboxPay(sb)))
	}
}

func (s *Server) citizenPortal(r *http.Request) portal.Citizen {
	c := citizenOf(r)
	return portal.Citizen{AccountID: c.account.ID, IDNumber: c.account.IDNumber}
}

// handleProcedureList answers GET /api/v1/portal/procedures.
func (s *Server) handleProcedureList(w http.ResponseWriter, r *http.Request) {
	ps, err := s.Portal.Procedures(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"procedures": ps})
}

// handleProcedureGet answers GET /api/v1/portal/procedures/{code}.
func (s *Server) handleProcedureGet(w http.ResponseWriter, r *http.Request) {
	p, err := s.Portal.Procedure(r.Context(), r.PathValue("code"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// handleProcedureForm answers GET /api/v1/portal/procedures/{code}/form:
// the procedure with the values the register fills in for the citizen.
func (s *Server) handleProcedureForm(w http.ResponseWriter, r *http.Request) {
	p, err := s.Portal.Procedure(r.Context(), r.PathValue("code"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	vals, err := s.Portal.Form(r.Context(), s.citizenPortal(r), p.Code)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"procedure": p, "prefilled": vals})
}

// handlePortalKeys answers GET /api/v1/portal/keys: the JWK set that
// verifies results' signatures.
func (s *Server) handlePortalKeys(w http.ResponseWriter, r *http.Request) {
	keys, err := s.Portal.Keys(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, keys)
}

// handleResultVerify answers GET /verify/{result}?sha256=: the public
// verification of a result document (its QR code leads here). A browser
// gets the web UI's page, anyone else JSON.
func (s *Server) handleResultVerify(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Vary", "Accept")
	if ui := s.WebUI(); ui != nil && web.PrefersHTML(r) {
		ui.VerifyResultPage(w, r)
		return
	}
	v, err := s.Portal.Verify(r.Context(), r.PathValue("result"), r.URL.Query().Get("sha256"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// handlePaymentCallback answers POST /api/v1/payments/callback/{provider}:
// a provider confirms a payment; the signature is checked by the provider.
func (s *Server) handlePaymentCallback(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		writeError(w, r, apperr.E(apperr.Invalid, "the request body is too large or unreadable"))
		return
	}
	p, err := s.Portal.Confirm(r.Context(), r.PathValue("provider"), body, r.Header)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"payment_id": p.ID, "status": p.Status})
}

// handleSandboxPay answers POST /api/v1/payments/sandbox/{payment}/pay:
// the sandbox bank signs and posts the callback of a payment.
func (s *Server) handleSandboxPay(sb *portal.Sandbox) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.Portal.PaymentFor(r.Context(), s.citizenPortal(r), r.PathValue("payment"))
		if err != nil {
			writeError(w, r, err)
			return
		}
		body, sig := sb.CallbackBody(p, "SANDBOX-"+p.ID, s.Now())
		h := http.Header{}
		h.Set(portal.SandboxSignatureHeader, sig)
		paid, err := s.Portal.Confirm(r.Context(), sb.Name(), bytes.Clone(body), h)
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, paid)
	}
}

// handleDossierSubmit answers POST /api/v1/portal/dossiers: 201 with the
// dossiers created (several for a linked procedure).
func (s *Server) handleDossierSubmit(w http.ResponseWriter, r *http.Request) {
	var req portal.SubmitRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	ds, err := s.Portal.Submit(r.Context(), s.citizenPortal(r), req)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/portal/dossiers/"+ds[0].ID)
	writeJSON(w, http.StatusCreated, map[string]any{"dossiers": ds})
}

// handleMyDossierList answers GET /api/v1/portal/dossiers?limit=.
func (s *Server) handleMyDossierList(w http.ResponseWriter, r *http.Request) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	ds, err := s.Portal.MyDossiers(r.Context(), s.citizenPortal(r), limit)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"dossiers": ds})
}

// handleMyDossierGet answers GET /api/v1/portal/dossiers/{id}.
func (s *Server) handleMyDossierGet(w http.ResponseWriter, r *http.Request) {
	d, err := s.Portal.MyDossier(r.Context(), s.citizenPortal(r), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// handleDossierResubmit answers POST /api/v1/portal/dossiers/{id}/resubmit.
func (s *Server) handleDossierResubmit(w http.ResponseWriter, r *http.Request) {
	var req portal.ResubmitRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	d, err := s.Portal.Resubmit(r.Context(), s.citizenPortal(r), r.PathValue("id"), req)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// handleDossierPay answers POST /api/v1/portal/dossiers/{id}/payments
// {"provider":"sandbox"}: 201 with the payment and its QR payload.
func (s *Server) handleDossierPay(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Provider string `json:"provider"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	p, err := s.Portal.Pay(r.Context(), s.citizenPortal(r), r.PathValue("id"), req.Provider)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

// handleDossierPayments answers GET /api/v1/portal/dossiers/{id}/payments.
func (s *Server) handleDossierPayments(w http.ResponseWriter, r *http.Request) {
	ps, err := s.Portal.DossierPayments(r.Context(), s.citizenPortal(r), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"payments": ps})
}

// writeResultPDF sends a result's PDF with its signature in a header.
func writeResultPDF(w http.ResponseWriter, res *portal.ResultDoc) {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+res.ID+`.pdf"`)
	w.Header().Set("X-Signature", res.Signature)
	w.Header().Set("X-Verify-URL", res.VerifyURL)
	w.Header().Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(res.PDF)
}

// handleMyResultPDF answers GET /api/v1/portal/dossiers/{id}/result.
func (s *Server) handleMyResultPDF(w http.ResponseWriter, r *http.Request) {
	res, err := s.Portal.ResultFor(r.Context(), s.citizenPortal(r), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeResultPDF(w, res)
}

// handleMyResultSignature answers GET
// /api/v1/portal/dossiers/{id}/result/signature: the detached JWS.
func (s *Server) handleMyResultSignature(w http.ResponseWriter, r *http.Request) {
	res, err := s.Portal.ResultFor(r.Context(), s.citizenPortal(r), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/jose")
	w.Header().Set("Content-Disposition", `attachment; filename="`+res.ID+`.pdf.jws"`)
	w.Write([]byte(res.Signature))
}

// handleNotificationList answers GET /api/v1/portal/notifications?limit=.
func (s *Server) handleNotificationList(w http.ResponseWriter, r *http.Request) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	ns, err := s.Portal.Notifications(r.Context(), s.citizenPortal(r), limit)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"notifications": ns})
}

// handleNotificationRead answers POST /api/v1/portal/notifications/{id}/read.
func (s *Server) handleNotificationRead(w http.ResponseWriter, r *http.Request) {
	if err := s.Portal.MarkRead(r.Context(), s.citizenPortal(r), r.PathValue("id")); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleDossierList answers GET
// /api/v1/dossiers?state=&procedure=&overdue=true&limit=&cursor=.
func (s *Server) handleDossierList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	f := portal.Filter{State: portal.State(q.Get("state")), Procedure: q.Get("procedure"), Overdue: q.Get("overdue") == "true",
		Cursor: q.Get("cursor"), Limit: limit}
	ds, err := s.Portal.List(r.Context(), actor(r), f)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := map[string]any{"dossiers": ds}
	if limit <= 0 || limit > 200 {
		limit = 50 // as the service applies it
	}
	if len(ds) == limit {
		last := ds[len(ds)-1]
		out["next_cursor"] = strconv.FormatInt(last.SubmittedAt.UnixMicro(), 10) + "_" + last.ID
	}
	writeJSON(w, http.StatusOK, out)
}

// handleDossierGet answers GET /api/v1/dossiers/{id}.
func (s *Server) handleDossierGet(w http.ResponseWriter, r *http.Request) {
	d, err := s.Portal.Get(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// handleDossierResultPDF answers GET /api/v1/dossiers/{id}/result.
func (s *Server) handleDossierResultPDF(w http.ResponseWriter, r *http.Request) {
	res, err := s.Portal.OfficerResult(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeResultPDF(w, res)
}

// handleDossierAct answers POST /api/v1/dossiers/{id}/{receive,
// request-info, approve, reject, issue-result} {"note":"…"}.
func (s *Server) handleDossierAct(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		act := portal.Act{Action: action}
		if r.ContentLength != 0 {
			if err := decodeJSON(w, r, &act); err != nil {
				writeError(w, r, err)
				return
			}
			act.Action = action
		}
		d, err := s.Portal.Do(r.Context(), actor(r), r.PathValue("id"), act)
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, d)
	}
}
