package web

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/reconcile"
)

// officerReconcileRoutes registers the reconciliation of agencies' lists.
func (u *UI) officerReconcileRoutes(page, _ route) {
	page("GET /officer/reconcile", u.officer(u.handleReconcilePage))
	page("POST /officer/reconcile", u.checkUploadCSRF(u.officer(u.handleReconcileSubmit)))
}

// reconcilePage is the upload form and, after a list, its report: the
// count of each outcome and every row.
type reconcilePage struct {
	Page
	Results  []reconcile.Result
	Outcomes []string
	Counts   map[string]int
}

// handleReconcilePage answers GET /officer/reconcile: the form.
func (u *UI) handleReconcilePage(w http.ResponseWriter, r *http.Request) {
	u.render(w, r, http.StatusOK, "officer_reconcile", u.reconcilePage(w, r))
}

func (u *UI) reconcilePage(w http.ResponseWriter, r *http.Request) *reconcilePage {
	return &reconcilePage{Page: u.page(w, r, "officer", "title.reconcile"), Outcomes: reconcile.Outcomes}
}

// handleReconcileSubmit answers POST /officer/reconcile (multipart: file,
// purpose, document_no, format): the report as a page, or as a CSV file
// to download when format is csv. The purpose and the legal basis go to
// the access log with every record read.
func (u *UI) handleReconcileSubmit(w http.ResponseWriter, r *http.Request) {
	p := u.reconcilePage(w, r)
	p.Form.Values = r.PostForm
	purpose := strings.TrimSpace(r.PostForm.Get("purpose"))
	if purpose == "" {
		p.fail("purpose", p.T("reconcile.err.purpose"))
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		p.fail("file", p.T("reconcile.err.file"))
	}
	if len(p.Form.Summary) > 0 {
		u.render(w, r, http.StatusUnprocessableEntity, "officer_reconcile", p)
		return
	}
	defer file.Close()
	rows, err := reconcile.ReadCSV(file)
	if err != nil {
		p.fail("file", apperr.Message(err))
		u.render(w, r, http.StatusUnprocessableEntity, "officer_reconcile", p)
		return
	}
	a := officerFrom(r).actor(r)
	a.Purpose = auth.Declared(purpose)
	a.Legal = auth.Declared(strings.TrimSpace(r.PostForm.Get("document_no")))
	results, err := u.svc.Reconcile.Reconcile(r.Context(), a, rows)
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	if r.PostForm.Get("format") == "csv" {
		var b bytes.Buffer
		if err := reconcile.WriteCSV(&b, results); err != nil {
			u.renderServiceError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="reconciliation.csv"`)
		w.Header().Set("Cache-Control", "no-store")
		w.Write(b.Bytes())
		return
	}
	p.Results, p.Counts = results, map[string]int{}
	for _, res := range results {
		p.Counts[res.Outcome]++
	}
	u.render(w, r, http.StatusOK, "officer_reconcile", p)
}
