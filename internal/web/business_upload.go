package web

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/residence"
)

// maxUpload bounds a stays file (5,000 lines fit well within it).
const maxUpload = 2 << 20

// checkUploadCSRF is checkCSRF for the stays file's multipart form:
// checkCSRF reads URL-encoded forms under 64 KB only, so the upload is
// read here under its own cap before its csrf field is compared, the same
// token as every form's. A wrong or missing one is 403 and nothing is
// done; a file over the cap is 413.
func (u *UI) checkUploadCSRF(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxUpload+maxForm)
		if err := r.ParseMultipartForm(maxUpload + maxForm); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				u.renderError(w, r, http.StatusRequestEntityTooLarge, "business.err.too_big")
				return
			}
			u.renderError(w, r, http.StatusBadRequest, "err.request")
			return
		}
		seed := cookieValue(r, cookieCSRF)
		want, err := u.csrfFor(r, seed)
		if err != nil {
			u.renderError(w, r, http.StatusInternalServerError, "err.generic")
			return
		}
		got := r.PostForm.Get("csrf")
		if seed == "" || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			u.renderError(w, r, http.StatusForbidden, "err.csrf")
			return
		}
		next(w, r)
	}
}

// businessUploadPage is the outcome of a stays file, line by line.
type businessUploadPage struct {
	Page
	Org               string
	Est               *residence.Establishment
	Lines             []residence.LineResult
	Declared, Invalid int
	Flagged           int
}

// handleBusinessUpload answers POST
// /business/{org}/establishments/{id}/upload (multipart, field file):
// declares the file's valid lines through the residence service and
// shows every line's outcome. A file the service refuses as a whole (no
// header, an unknown column, too many lines) is an error of the form.
func (u *UI) handleBusinessUpload(w http.ResponseWriter, r *http.Request) {
	ep, err := u.businessEstablishmentPage(w, r)
	if err != nil {
		u.renderServiceError(w, r, err)
		return
	}
	ep.Form.Values = nil // the check-in form stays empty
	file, _, err := r.FormFile("file")
	if err != nil {
		ep.fail("file", ep.T("business.err.required.file"))
		u.render(w, r, http.StatusUnprocessableEntity, "business_establishment", ep)
		return
	}
	defer file.Close()
	lines, err := u.svc.Residence.ImportCSV(r.Context(), businessFrom(r).actor, ep.Est.ID, file)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			u.renderServiceError(w, r, err)
			return
		}
		ep.fail("file", uploadErrorText(ep.Lang, err))
		u.render(w, r, http.StatusUnprocessableEntity, "business_establishment", ep)
		return
	}
	p := &businessUploadPage{Page: ep.Page, Org: ep.Org.ID, Est: ep.Est, Lines: lines}
	p.Title = p.T("business.upload.title")
	for _, l := range lines {
		switch {
		case l.Status != "declared":
			p.Invalid++
		case l.Flagged:
			p.Flagged++
			p.Declared++
		default:
			p.Declared++
		}
	}
	u.render(w, r, http.StatusOK, "business_upload", p)
}

// uploadErrorText says why a whole file was refused; in English the
// service's own words, which name the columns.
func uploadErrorText(lang string, err error) string {
	if lang == "en" && apperr.Code(err) == apperr.Invalid {
		return capitalise(apperr.Message(err)) + "."
	}
	if apperr.FieldOf(err) == "header" {
		return translate(lang, "business.err.header", strings.Join(residence.CSVColumns, ", "))
	}
	if apperr.Code(err) == apperr.Invalid {
		return translate(lang, "business.err.file")
	}
	return errorText(lang, err)
}

// LineError says why a line of a stays file was not declared: in
// English the service's message, else the catalogue's text for the field
// at fault.
func (p *businessUploadPage) LineError(l residence.LineResult) string {
	field := l.Field
	if i := strings.LastIndexByte(field, '.'); i >= 0 {
		field = field[i+1:]
	}
	if p.Lang == "en" && l.Error != "" {
		return capitalise(l.Error) + "."
	}
	if key := "business.line." + field; field != "" && has(p.Lang, key) {
		return p.T(key)
	}
	return p.T("business.line.invalid")
}

// handleBusinessTemplate answers GET /business/stays-template.csv: the
// header line of a stays file, its columns as docs/residence.md lists
// them.
func (u *UI) handleBusinessTemplate(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="khai-bao-luu-tru.csv"`)
	w.Write([]byte(strings.Join(residence.CSVColumns, ",") + "\r\n"))
}
