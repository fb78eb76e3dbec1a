package web

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/portal"
)

// Upload limits of the portal's forms: a file of at most 10 MB is hashed;
// a request beyond 32 MB is not read at all.
const (
	portalMaxFile    = portal.MaxFileSize
	portalMaxRequest = 32 << 20
	portalMemory     = 1 << 20 // parts beyond it wait in temporary files
)

// portalForm reads a portal form — multipart with files, or plain — within
// the upload limits and checks its CSRF token exactly as checkCSRF does
// (which reads only plain forms, of at most 64 KB): 403 and nothing done
// without the right token.
func (u *UI) portalForm(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, portalMaxRequest)
		var err error
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
			err = r.ParseMultipartForm(portalMemory)
		} else {
			err = r.ParseForm()
		}
		if r.MultipartForm != nil {
			defer r.MultipartForm.RemoveAll()
		}
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			u.renderError(w, r, http.StatusRequestEntityTooLarge, "portal.err.too_large")
			return
		case err != nil:
			u.renderError(w, r, http.StatusBadRequest, "err.request")
			return
		}
		seed := cookieValue(r, cookieCSRF)
		want, err := u.csrfFor(r, seed)
		if err != nil {
			u.renderError(w, r, http.StatusInternalServerError, "err.generic")
			return
		}
		got := r.PostFormValue("csrf")
		if seed == "" || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			u.renderError(w, r, http.StatusForbidden, "err.csrf")
			return
		}
		next(w, r)
	}
}

// portalDocuments reads the attached papers of a form: a file sent now
// (hashed here: the portal keeps its name, type, size and SHA-256), else
// the descriptor of one sent with an earlier attempt. A missing required
// paper or a file too large is a form error; docs are updated to show
// what was kept.
func (u *UI) portalDocuments(p *Page, r *http.Request, docs []portalDocInput) []portal.DocumentRef {
	var out []portal.DocumentRef
	for i := range docs {
		d := &docs[i]
		ref, err := u.portalUpload(r, d.Code)
		switch {
		case errors.Is(err, errTooLarge):
			p.fail("doc_"+d.Code, p.T("portal.err.file_too_large", d.Name, portalMaxFile>>20))
			continue
		case apperr.Code(err) == apperr.Invalid:
			p.fail("doc_"+d.Code, p.T("portal.err.file_type", d.Name))
			continue
		case err != nil:
			p.fail("doc_"+d.Code, p.T("portal.err.document"))
			continue
		case ref == nil:
			ref = portalKept(r.PostFormValue("kept_" + d.Code))
		}
		if ref == nil {
			if d.Required {
				p.fail("doc_"+d.Code, p.T("portal.err.document_required", d.Name))
			}
			continue
		}
		ref.Code = d.Code
		d.Kept, d.KeptValue = ref, portalKeep(ref)
		out = append(out, *ref)
	}
	return out
}

var errTooLarge = errors.New("file too large")

// portalUpload keeps the file sent for a paper through the portal (which
// reads its type from its content and keeps it by its hash); nil if none
// was sent.
func (u *UI) portalUpload(r *http.Request, code string) (*portal.DocumentRef, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File["doc_"+code]) == 0 {
		return nil, nil
	}
	fh := r.MultipartForm.File["doc_"+code][0]
	if fh.Size == 0 && fh.Filename == "" {
		return nil, nil // an empty file input
	}
	if fh.Size > portalMaxFile {
		return nil, errTooLarge
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return u.svc.Portal.PutFile(r.Context(), portalCitizen(r), fh.Filename, f)
}

// portalKeep encodes a paper's descriptor for a hidden input, so that a
// form shown again with errors need not have its files chosen again. It
// is only a description, as a client of the API sends it: it proves
// nothing more than one sent by the API.
func portalKeep(ref *portal.DocumentRef) string {
	b, _ := json.Marshal(ref)
	return base64.RawURLEncoding.EncodeToString(b)
}

// portalKept decodes a kept descriptor; nil if there is none.
func portalKept(v string) *portal.DocumentRef {
	if v == "" || len(v) > 2048 {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return nil
	}
	var ref portal.DocumentRef
	if json.Unmarshal(b, &ref) != nil || ref.FileName == "" || ref.SHA256 == "" {
		return nil
	}
	return &ref
}

// portalClaim claims a form's nonce for the citizen. When the form was
// already sent, it answers — the dossier the first sending made, or the
// list while it is still being made — and reports done.
func (u *UI) portalClaim(w http.ResponseWriter, r *http.Request, code, nonce string) (string, bool) {
	keys := u.svc.Idempotency
	if keys == nil || nonce == "" {
		return "", false
	}
	key := "web:portal:" + nonce
	prev, claimed, err := keys.ClaimIdempotencyKey(r.Context(), "citizen:"+portalCitizen(r).AccountID, key, "submit "+code)
	switch {
	case err != nil:
		return "", false // the submission itself will meet the store's trouble
	case claimed:
		return key, false
	case prev.Status == http.StatusSeeOther && strings.HasPrefix(string(prev.Body), "/app/"):
		u.flash(w, r, "flash.portal_already_submitted")
		redirect(w, r, string(prev.Body))
	default:
		u.flash(w, r, "flash.portal_already_submitted")
		redirect(w, r, "/app/dossiers")
	}
	return "", true
}

// portalRelease frees a nonce whose submission failed: the form, shown
// again, may be sent again.
func (u *UI) portalRelease(r *http.Request, key string) {
	if keys := u.svc.Idempotency; keys != nil && key != "" {
		keys.ReleaseIdempotencyKey(context.WithoutCancel(r.Context()), "citizen:"+portalCitizen(r).AccountID, key)
	}
}

// portalComplete records where a nonce's submission led.
func (u *UI) portalComplete(r *http.Request, key, to string) {
	if keys := u.svc.Idempotency; keys != nil && key != "" {
		keys.CompleteIdempotencyKey(context.WithoutCancel(r.Context()), "citizen:"+portalCitizen(r).AccountID, key, http.StatusSeeOther, []byte(to))
	}
}
