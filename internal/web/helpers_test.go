package web_test

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// browser is a user agent with cookies that does not follow redirects,
// so that tests see each answer as it is.
type browser struct {
	t      testing.TB
	base   string
	client *http.Client
	last   string // body of the last page
}

func newBrowser(t testing.TB, e *testenv.Env) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: e.URL, client: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do makes a request and returns status, the Location and the body.
func (b *browser) do(method, path string, form url.Values) (int, string, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("Content-Type") == "text/html; charset=utf-8" {
		b.last = string(raw)
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(raw)
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	st, _, body := b.do("GET", path, nil)
	return st, body
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token of the last page shown.
func (b *browser) csrf() string {
	b.t.Helper()
	m := csrfField.FindStringSubmatch(b.last)
	if m == nil {
		b.t.Fatalf("no CSRF token on the last page:\n%s", excerpt(b.last))
	}
	return html.UnescapeString(m[1])
}

// submit posts a form of the page at path as a user would: it opens the
// page, then posts with its CSRF token.
func (b *browser) submit(page, action string, form url.Values) (int, string, string) {
	b.t.Helper()
	if st, _ := b.get(page); st != http.StatusOK {
		b.t.Fatalf("GET %s = %d", page, st)
	}
	form.Set("csrf", b.csrf())
	return b.do("POST", action, form)
}

// loginCitizen logs a citizen in with passcode and SMS code.
func (b *browser) loginCitizen(e *testenv.Env, p *register.Person, phone string) {
	b.t.Helper()
	st, loc, body := b.submit("/app/login", "/app/login", url.Values{"id_number": {p.IDNumber}, "passcode": {citizenPasscode}})
	if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/app/login/code") {
		b.t.Fatalf("login: %d %s\n%s", st, loc, excerpt(body))
	}
	st, loc, body = b.submit(loc, "/app/login/code", url.Values{"code": {e.Code(phone)}})
	if st != http.StatusSeeOther || loc != "/app/" {
		b.t.Fatalf("login code: %d %s\n%s", st, loc, excerpt(body))
	}
}

// citizenPasscode is the passcode testenv.Citizen gives accounts.
const citizenPasscode = "824619"

// officerPassword is the password of the officers tests create.
const officerPassword = "Mat-khau-can-bo-2026"

// newOfficer creates an officer with a password and TOTP secret and
// returns the secret.
func newOfficer(t testing.TB, e *testenv.Env, o auth.Officer) string {
	t.Helper()
	if o.FullName == "" {
		o.FullName = "Cán bộ " + o.Username
	}
	if err := e.DB.CreateOfficer(e.Ctx, &o); err != nil {
		t.Fatal(err)
	}
	secret, _, err := e.API.Officers.Enroll(e.Ctx, o.Username, officerPassword)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// loginOfficer logs an officer in through the console's form.
func (b *browser) loginOfficer(username, secret string) {
	b.t.Helper()
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		b.t.Fatal(err)
	}
	st, loc, body := b.submit("/officer/login", "/officer/login",
		url.Values{"username": {username}, "password": {officerPassword}, "code": {code}})
	if st != http.StatusSeeOther || loc != "/officer/" {
		b.t.Fatalf("officer login: %d %s\n%s", st, loc, excerpt(body))
	}
}

// excerpt shortens a page for a failure message.
func excerpt(s string) string {
	if i := strings.Index(s, `<main`); i >= 0 {
		s = s[i:]
	}
	if len(s) > 3000 {
		s = s[:3000] + "…"
	}
	return s
}

// communeOf returns the commune of a person's permanent residence.
func communeOf(p *register.Person) string {
	if p.Permanent == nil {
		return ""
	}
	return p.Permanent.Commune
}
