package portal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
)

// MaxFileSize bounds one attached paper.
const MaxFileSize = 10 << 20

// MaxUploadsPerDay bounds the papers one account uploads in 24 hours
// (several dossiers' worth, each with its scans), so that the portal is
// not anyone's free file store.
const MaxUploadsPerDay = 100

// FileRetention is how long an uploaded paper waits to be named by a
// dossier: after it, a paper no dossier names is deleted (PruneFiles),
// and a submission must upload it again.
const FileRetention = 24 * time.Hour

// ActionDossierFile is the access-log action of an officer opening a
// dossier's paper.
const ActionDossierFile = "dossier.file"

// File is the content of an attached paper, kept once by its SHA-256
// however many dossiers name it.
type File struct {
	SHA256     string
	MediaType  string
	Size       int64
	Content    []byte
	UploadedBy string // the citizen's account
	CreatedAt  time.Time
}

// fileTypes are the papers' accepted types, as their content shows them
// (not as the client names them): scans and photographs of documents.
var fileTypes = map[string]bool{"application/pdf": true, "image/jpeg": true, "image/png": true}

// PutFile keeps a paper a citizen attaches and returns its descriptor,
// for the documents of a submission or resubmission. Its type is read
// from its content; anything but a PDF, JPEG or PNG is refused.
func (s *Service) PutFile(ctx context.Context, c Citizen, fileName string, r io.Reader) (*DocumentRef, error) {
	n, err := s.Store.UploadCount(ctx, c.AccountID, s.now().Add(-24*time.Hour))
	if err != nil {
		return nil, err
	}
	if n >= MaxUploadsPerDay {
		e := apperr.E(apperr.RateLimited, "at most %d files a day may be uploaded from one account", MaxUploadsPerDay)
		e.RetryAfter = time.Hour
		return nil, e
	}
	content, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, apperr.Wrap(err, "read the file")
	}
	switch {
	case len(content) == 0:
		return nil, apperr.Field(apperr.Invalid, "file", "the file is empty")
	case len(content) > MaxFileSize:
		return nil, apperr.Field(apperr.Invalid, "file", "the file is larger than %d MB", MaxFileSize>>20)
	}
	mt := http.DetectContentType(content)
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = mt[:i]
	}
	if !fileTypes[mt] {
		return nil, apperr.Field(apperr.Invalid, "file", "a paper is a PDF, JPEG or PNG file, not %s", mt)
	}
	sum := sha256.Sum256(content)
	f := &File{SHA256: hex.EncodeToString(sum[:]), MediaType: mt, Size: int64(len(content)), Content: content,
		UploadedBy: c.AccountID, CreatedAt: s.now()}
	if err := s.Store.PutFile(ctx, f); err != nil {
		return nil, err
	}
	return &DocumentRef{FileName: cleanFileName(fileName), MediaType: mt, SHA256: f.SHA256, Size: f.Size}, nil
}

// PruneFiles deletes the papers no dossier names whose last upload is
// older than FileRetention, for the server's housekeeping.
func (s *Service) PruneFiles(ctx context.Context) error {
	_, err := s.Store.PruneFiles(ctx, s.now().Add(-FileRetention))
	return err
}

// cleanFileName keeps the last element of a client's file name, at most
// 200 characters.
func cleanFileName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	if name == "." || name == "/" {
		name = "file"
	}
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	return name
}

// DossierFile returns a paper of a dossier in the officer's jurisdiction:
// its descriptor and content. Opening it is an access-log entry about the
// applicant (and the dossier's subject); outside the jurisdiction it is
// not_found, and logged, as the dossier is.
func (s *Service) DossierFile(ctx context.Context, a auth.Actor, dossierID, code string) (*DocumentRef, *File, error) {
	if !a.CanRead() {
		return nil, nil, apperr.E(apperr.Forbidden, "your role (%s) may not read dossiers", a.Role)
	}
	d, err := s.visible(ctx, a, dossierID, ActionDossierFile)
	if err != nil {
		return nil, nil, err
	}
	ref, f, err := s.file(ctx, d, code)
	if err != nil {
		return nil, nil, err
	}
	entries := s.entries(a, ActionDossierFile, accesslog.OutcomeOK, d)
	for i := range entries {
		entries[i].Fields += ",document:" + ref.Code
	}
	if err := s.Log.Record(ctx, entries...); err != nil {
		return nil, nil, err
	}
	return ref, f, nil
}

// MyDossierFile returns a paper of one of the citizen's own dossiers.
func (s *Service) MyDossierFile(ctx context.Context, c Citizen, dossierID, code string) (*DocumentRef, *File, error) {
	d, err := s.MyDossier(ctx, c, dossierID)
	if err != nil {
		return nil, nil, err
	}
	return s.file(ctx, d, code)
}

// file finds a dossier's paper by its code and reads its content.
func (s *Service) file(ctx context.Context, d *Dossier, code string) (*DocumentRef, *File, error) {
	for i := range d.Documents {
		if ref := &d.Documents[i]; ref.Code == code {
			f, err := s.Store.File(ctx, ref.SHA256)
			if apperr.Is(err, apperr.NotFound) {
				return nil, nil, apperr.E(apperr.NotFound, "the paper was described but its file was not sent to dancu")
			}
			if err != nil {
				return nil, nil, err
			}
			if sum := sha256.Sum256(f.Content); hex.EncodeToString(sum[:]) != f.SHA256 {
				return nil, nil, apperr.E(apperr.Internal, "a stored paper does not match its hash")
			}
			return ref, f, nil
		}
	}
	return nil, nil, apperr.E(apperr.NotFound, "no such paper in this dossier")
}

// WritePaper sends a dossier's paper as a download, never rendered in
// dancu's origin: a PDF or image a citizen sent is not trusted content.
func WritePaper(w http.ResponseWriter, ref *DocumentRef, f *File) {
	h := w.Header()
	h.Set("Content-Type", f.MediaType)
	h.Set("Content-Length", strconv.Itoa(len(f.Content)))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": ref.FileName}))
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(f.Content)
}
