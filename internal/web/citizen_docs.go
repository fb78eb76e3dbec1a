package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"image/png"
	"net/http"
	"slices"
	"strings"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"

	"github.com/dancu-vn/dancu/internal/documents"
	"github.com/dancu-vn/dancu/internal/sdjwt"
)

// docTypes names document types by a word of their vct.
var docTypes = []struct{ word, key string }{
	{"driving", "doc.type.driving_licence"}, {"health-insurance", "doc.type.health_insurance"},
	{"insurance", "doc.type.health_insurance"}, {"vehicle", "doc.type.vehicle"},
	{"vaccin", "doc.type.vaccination"}, {"id-card", "doc.type.id_card"},
}

// docName names a document type for people; the vct itself if unknown.
func docName(p *Page, vct string) string {
	l := strings.ToLower(vct)
	for _, t := range docTypes {
		if strings.Contains(l, t.word) {
			return p.T(t.key)
		}
	}
	return vct
}

// DocName is docName for templates.
func (p *Page) DocName(vct string) string { return docName(p, vct) }

// documentsPage lists the citizen's documents.
type documentsPage struct {
	Page
	Docs []documents.Summary
}

// handleDocuments answers GET /app/documents.
func (u *UI) handleDocuments(w http.ResponseWriter, r *http.Request) {
	p := &documentsPage{Page: u.page(w, r, "app", "title.documents")}
	if u.svc.Documents != nil {
		ds, err := u.svc.Documents.MyDocuments(r.Context(), citizenFrom(r).account.IDNumber)
		if err != nil {
			u.renderServiceError(w, r, err)
			return
		}
		p.Docs = ds
	}
	u.render(w, r, http.StatusOK, "documents", p)
}

// claimRow is one claim of a document as the detail page lists it.
type claimRow struct {
	Path        string // dotted, for people
	Value       string
	Key         string // the path as JSON: the checkbox value
	Disclosable bool
}

// documentPage is one document with the form to share part of it.
type documentPage struct {
	Page
	Doc    *documents.View
	Claims []claimRow
	// Presentation, after the form was sent: the text to hand over and
	// its QR code (empty when too long for one).
	Presentation string
	QR           template.URL
	Disclosed    []string
}

// handleDocument answers GET /app/documents/{id}: every claim, and which
// ones the citizen may choose to disclose.
func (u *UI) handleDocument(w http.ResponseWriter, r *http.Request) {
	p, ok := u.documentPage(w, r)
	if ok {
		u.render(w, r, http.StatusOK, "document", p)
	}
}

func (u *UI) documentPage(w http.ResponseWriter, r *http.Request) (*documentPage, bool) {
	if u.svc.Documents == nil {
		u.handleNotFound(w, r)
		return nil, false
	}
	c := citizenFrom(r)
	v, err := u.svc.Documents.MyDocument(r.Context(), c.actor(r), c.account.IDNumber, r.PathValue("id"))
	if err != nil {
		u.renderServiceError(w, r, err)
		return nil, false
	}
	p := &documentPage{Page: u.page(w, r, "app", "title.document"), Doc: v}
	p.Title = docName(&p.Page, v.VCT)
	disclosable := map[string]bool{}
	for _, path := range v.Disclosable {
		b, _ := json.Marshal(path)
		disclosable[string(b)] = true
	}
	p.Claims = flatten(nil, v.Claims, disclosable)
	return p, true
}

// flatten lists the leaves and disclosable nodes of a claims tree in a
// stable order.
func flatten(prefix sdjwt.Path, v any, disclosable map[string]bool) []claimRow {
	var out []claimRow
	add := func(path sdjwt.Path, val any) {
		b, _ := json.Marshal(path)
		row := claimRow{Path: path.String(), Key: string(b), Disclosable: disclosable[string(b)]}
		switch val.(type) {
		case map[string]any, []any:
			if row.Disclosable {
				out = append(out, row)
			}
			out = append(out, flatten(path, val, disclosable)...)
			return
		}
		row.Value = fmt.Sprint(val)
		out = append(out, row)
	}
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			if !strings.HasPrefix(k, "_") && k != "cnf" && k != "status" {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			add(append(slices.Clone(prefix), k), x[k])
		}
	case []any:
		for i, e := range x {
			add(append(slices.Clone(prefix), i), e)
		}
	}
	return out
}

// handlePresent answers POST /app/documents/{id}/present: makes a
// presentation disclosing only the ticked claims and shows it once, as
// text to copy and as a QR code (not cached: it is shown, not stored).
func (u *UI) handlePresent(w http.ResponseWriter, r *http.Request) {
	p, ok := u.documentPage(w, r)
	if !ok {
		return
	}
	var paths []sdjwt.Path
	for _, raw := range r.PostForm["claim"] {
		var path sdjwt.Path
		if err := json.Unmarshal([]byte(raw), &path); err != nil {
			p.fail("", p.T("err.invalid"))
			u.render(w, r, http.StatusUnprocessableEntity, "document", p)
			return
		}
		paths = append(paths, path)
		p.Disclosed = append(p.Disclosed, path.String())
	}
	c := citizenFrom(r)
	pres, err := u.svc.Documents.Present(r.Context(), c.actor(r), c.account.IDNumber, p.Doc.ID, paths)
	if err != nil {
		p.failErr(err)
		u.render(w, r, http.StatusUnprocessableEntity, "document", p)
		return
	}
	p.Presentation = pres.Presentation
	p.QR = qrDataURL(pres.Presentation)
	u.render(w, r, http.StatusOK, "document", p)
}

// qrDataURL returns a PNG QR code of text as a data: URL, or "" when the
// text is too long for a QR code.
func qrDataURL(text string) template.URL {
	code, err := qr.Encode(text, qr.L, qr.Auto)
	if err != nil {
		return ""
	}
	size := 360
	if n := code.Bounds().Dx(); n*3 > size {
		size = n * 3
	}
	code, err = barcode.Scale(code, size, size)
	if err != nil {
		return ""
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, code); err != nil {
		return ""
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
}
