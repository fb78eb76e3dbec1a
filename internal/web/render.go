package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/refdata"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/units"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// assetVersion names the static files' version in their URLs, so that a
// new build is fetched at once while old ones cache forever.
var assetVersion = func() string {
	h := sha256.New()
	fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := staticFS.ReadFile(p)
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}()

// handleStatic serves GET /static/…: the stylesheet and the two small
// scripts, embedded.
func handleStatic(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get("v") == assetVersion {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.FileServerFS(staticFS).ServeHTTP(w, r)
}

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"list":     func(s ...string) []string { return s },
	"unitName": unitName,
	"ethnicity": func(code string) string {
		if e, ok := refdata.EthnicityByCode(code); ok {
			return e.Name
		}
		return code
	},
	"religion": func(code string) string {
		if x, ok := refdata.ReligionByCode(code); ok {
			return x.Name
		}
		return code
	},
}

// pages holds each page's template: the layout, the partials and the
// page's own "content", parsed once at start.
var pages = func() map[string]*template.Template {
	base := template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		out[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
	}
	return out
}()

// Page is what the layout needs; every page's data embeds it.
type Page struct {
	Lang      string
	OtherLang string
	SwitchURL string
	Title     string
	Area      string // "home", "app" or "officer": the header marks it
	CSRF      string
	Asset     string
	Flash     string
	Demo      bool
	Citizen   *CitizenNav
	Officer   *auth.Officer
	Form      Form
}

// CitizenNav is the logged-in citizen as the header shows him.
type CitizenNav struct {
	Name  string
	Level eid.Level
}

func (p *Page) base() *Page { return p }

// T returns the catalogue text of key in the page's language.
func (p *Page) T(key string, args ...any) string { return translate(p.Lang, key, args...) }

// Date formats a possibly partial register date the way the language
// writes dates: 14/03/1948, 03/1948 or 1948.
func (p *Page) Date(d register.Date) string {
	s := string(d)
	switch len(s) {
	case 10:
		return s[8:10] + "/" + s[5:7] + "/" + s[:4]
	case 7:
		return s[5:7] + "/" + s[:4]
	}
	return s
}

// Time formats an instant in Vietnam's time zone.
func (p *Page) Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(register.Vietnam).Format("02/01/2006 15:04")
}

// TimePtr is Time of an optional instant.
func (p *Page) TimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return p.Time(*t)
}

// pageData is any page's data.
type pageData interface{ base() *Page }

// Form is a form's input and errors, shown back after a failed POST.
type Form struct {
	Values  url.Values
	Errors  map[string]string // by field name (the input's id)
	Summary []FieldError      // in the form's order, for the error summary
}

// FieldError is one entry of the error summary: a link to the field.
type FieldError struct {
	Field   string
	Message string
}

// Val returns a submitted value of the form.
func (p *Page) Val(name string) string { return p.Form.Values.Get(name) }

// Err returns the error of a field, "" if none.
func (p *Page) Err(name string) string { return p.Form.Errors[name] }

// Checked reports whether a checkbox or radio was submitted with value.
func (p *Page) Checked(name, value string) bool {
	for _, v := range p.Form.Values[name] {
		if v == value {
			return true
		}
	}
	return false
}

// fail records an error of the form: on field (an input's id) when given,
// else for the whole form.
func (p *Page) fail(field, message string) {
	if p.Form.Errors == nil {
		p.Form.Errors = map[string]string{}
	}
	if field != "" {
		if _, dup := p.Form.Errors[field]; dup {
			return
		}
		p.Form.Errors[field] = message
	}
	p.Form.Summary = append(p.Form.Summary, FieldError{Field: field, Message: message})
}

// failErr records a service error against the form: the field it names
// (its last dotted part is the input's id, as in payload.place.commune →
// commune) and a text from the catalogue for its code.
func (p *Page) failErr(err error, fields ...string) {
	field := apperr.FieldOf(err)
	if i := strings.LastIndexByte(field, '.'); i >= 0 {
		field = field[i+1:]
	}
	known := false
	for _, f := range fields {
		known = known || f == field
	}
	if !known {
		field = ""
	}
	p.fail(field, errorText(p.Lang, err))
}

// errorText is the message shown for a service error: the catalogue's text
// for its code and field, or for its code; in English a field error
// without a text of its own shows the service's message, which is written
// for people.
func errorText(lang string, err error) string {
	code, field := apperr.Code(err), apperr.FieldOf(err)
	if i := strings.LastIndexByte(field, '.'); i >= 0 {
		field = field[i+1:]
	}
	if field != "" && has(lang, "err."+code+"."+field) {
		return translate(lang, "err."+code+"."+field)
	}
	var ae *apperr.Error
	if lang == "en" && field != "" && code != apperr.Internal && errors.As(err, &ae) && ae.Message != "" {
		return capitalise(ae.Message) + "."
	}
	if has(lang, "err."+code) {
		return translate(lang, "err."+code)
	}
	return translate(lang, "err.generic")
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// page returns the layout's data for a request.
func (u *UI) page(w http.ResponseWriter, r *http.Request, area, titleKey string) Page {
	p := Page{Lang: langOf(r), Area: area, Asset: assetVersion, Demo: u.demo.Load() != nil}
	p.OtherLang = "en"
	if p.Lang == "en" {
		p.OtherLang = "vi"
	}
	if q := r.URL.Query().Get("lang"); q != "" && cookieValue(r, cookieLang) != p.Lang {
		u.setCookie(w, r, cookieLang, p.Lang, "/", 365*24*time.Hour, http.SameSiteLaxMode)
	}
	q := url.Values{}
	if r.Method == http.MethodGet {
		q = r.URL.Query()
	}
	q.Set("lang", p.OtherLang)
	// A page shown in answer to a POST switches on its form's page.
	p.SwitchURL = strings.TrimSuffix(r.URL.Path, "/present") + "?" + q.Encode()
	p.Title = p.T(titleKey)
	if key := cookieValue(r, cookieFlash); key != "" {
		if strings.HasPrefix(key, "flash.") && has(p.Lang, key) {
			p.Flash = p.T(key)
		}
		u.setCookie(w, r, cookieFlash, "", "/", -1, http.SameSiteLaxMode)
	}
	if r.Method == http.MethodPost {
		p.Form.Values = r.PostForm
	}
	if c := citizenFrom(r); c != nil {
		p.Citizen = c.nav
	} else if sess, acct := u.currentCitizen(r); sess != nil {
		p.Citizen = u.navOf(r, acct)
	}
	if o := officerFrom(r); o != nil {
		p.Officer = o.officer
	}
	return p
}

// render writes a page: executed into a buffer first, so that a template
// failure becomes a clean error page rather than half a page.
func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, name string, data pageData) {
	p := data.base()
	tok, err := u.csrfToken(w, r)
	if err != nil {
		slog.Error("web: csrf key", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	p.CSRF = tok
	var buf bytes.Buffer
	t := pages[name]
	if t == nil {
		panic("web: no page template " + name)
	}
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		slog.ErrorContext(r.Context(), "web: render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// messagePage is a page that only says something: an error, not found.
type messagePage struct {
	Page
	Message string
}

// renderError shows an error page with a catalogue message.
func (u *UI) renderError(w http.ResponseWriter, r *http.Request, status int, key string) {
	p := &messagePage{Page: u.page(w, r, "home", "title.error")}
	p.Message = p.T(key)
	u.render(w, r, status, "message", p)
}

// renderServiceError shows the error page of a service error: 404 for
// not_found (also what an officer gets outside his jurisdiction), 403,
// 429, else 500.
func (u *UI) renderServiceError(w http.ResponseWriter, r *http.Request, err error) {
	switch apperr.Code(err) {
	case apperr.NotFound:
		u.renderError(w, r, http.StatusNotFound, "err.not_found")
	case apperr.Forbidden:
		u.renderError(w, r, http.StatusForbidden, "err.forbidden")
	case apperr.RateLimited:
		u.renderError(w, r, http.StatusTooManyRequests, "err.rate_limited")
	case apperr.Invalid, apperr.InvalidIDNumber, apperr.InvalidDate:
		u.renderError(w, r, http.StatusBadRequest, "err.request")
	default:
		slog.ErrorContext(r.Context(), "web: page failed", "route", r.Pattern, "code", apperr.Code(err), "err", err)
		u.renderError(w, r, http.StatusInternalServerError, "err.generic")
	}
}

// handleNotFound answers any other path under /app/ and /officer/.
func (u *UI) handleNotFound(w http.ResponseWriter, r *http.Request) {
	u.renderError(w, r, http.StatusNotFound, "err.not_found")
}

// unitName names a commune (5 digits) or province (2 digits) as it is
// today, or as it was before the 2025 reform; the code itself if unknown.
func unitName(code string) string {
	if code == "" {
		return ""
	}
	level := units.Commune
	if len(code) == 2 {
		level = units.Province
	}
	for _, date := range []string{time.Now().UTC().Format(time.DateOnly), "2025-06-30"} {
		if u, ok := units.Find(code, level, date); ok {
			return u.FullName()
		}
	}
	return code
}

// FieldView is one labelled input, as the "field" partial renders it.
type FieldView struct {
	Name, Label, Type, Value, Hint, Error, ErrorPrefix string
	InputMode, Autocomplete, Max                       string
	Required                                           bool
}

// Field describes an input of the page's form with its submitted value
// and error. Options: "numeric" (inputmode), "ac=…" (autocomplete),
// "max=N", "hint=<catalogue key>", "required", "value=…" (default value).
func (p *Page) Field(name, labelKey, typ string, opts ...string) FieldView {
	f := FieldView{Name: name, Label: p.T(labelKey), Type: typ, Value: p.Val(name), Error: p.Err(name),
		ErrorPrefix: p.T("form.error_prefix")}
	if typ == "password" {
		f.Value = "" // never sent back
	}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "numeric":
			f.InputMode = "numeric"
		case "ac":
			f.Autocomplete = v
		case "max":
			f.Max = v
		case "hint":
			f.Hint = p.T(v)
		case "required":
			f.Required = true
		case "value":
			if p.Form.Values == nil {
				f.Value = v
			}
		}
	}
	return f
}
