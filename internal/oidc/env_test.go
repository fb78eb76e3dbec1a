package oidc_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/sms"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

func TestMain(m *testing.M) {
	// zitadel/oidc logs each refused request to the default logger.
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(storetest.Main(m))
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	at time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.at }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.at = c.at.Add(d)
	c.mu.Unlock()
}

// env is a running dancu (package testenv) with a settable clock, and a
// relying party's view of it.
type env struct {
	t        testing.TB
	db       *store.DB
	srv      *http.Client // the test server's client
	issuer   string
	provider *oidc.Provider
	eid      *eid.Service
	outbox   *sms.Outbox
	reg      *register.Service
	clock    *clock
	people   []*register.Person // living adults to make accounts for
	next     int
	ctx      context.Context
}

func newEnv(t testing.TB, db *store.DB) *env { return newEnvWith(t, db, false) }

// newEnvWith is newEnv; owasp hashes passcodes at OWASP's argon2id
// parameters, as production does (the tests use cheap ones).
func newEnvWith(t testing.TB, db *store.DB, owasp bool) *env {
	t.Helper()
	return newEnvConfig(t, db, envConfig{owasp: owasp})
}

// envConfig varies the test server.
type envConfig struct {
	owasp bool // argon2id at OWASP's parameters
	// localhost makes the issuer http://localhost:PORT (still listening
	// on 127.0.0.1) with passkeys on for it, as WebAuthn needs a host name.
	localhost bool
}

// newEnvConfig is newEnv as cfg says.
func newEnvConfig(t testing.TB, db *store.DB, cfg envConfig) *env {
	t.Helper()
	clk := &clock{at: time.Now().UTC()}
	te := testenv.NewWith(t, db, testenv.Options{People: 300, Seed: 3, Now: clk.Now, OWASP: cfg.owasp, Localhost: cfg.localhost})
	var adults []*register.Person
	for _, p := range te.People {
		if p.Status == register.Living && p.BirthDate.Year() > 1940 && p.BirthDate.Year() < 2000 && len(p.BirthDate) == 10 {
			adults = append(adults, p)
		}
	}
	return &env{t: t, db: db, srv: te.Client, issuer: te.URL, provider: te.OIDC, eid: te.EID, outbox: te.Outbox,
		reg: te.Register, clock: clk, people: adults, ctx: te.Ctx}
}

// citizen is a test citizen with an e-ID account.
type citizen struct {
	idNumber, phone, passcode string
	accountID                 string
}

// newCitizen registers a level-1 account (level 2 if asked) the way a
// citizen does, reading the code from the development outbox.
func (e *env) newCitizen(level eid.Level) citizen {
	e.t.Helper()
	p := e.people[e.next]
	e.next++
	phone := fmt.Sprintf("09%08d", 10000000+e.next)
	ch, err := e.eid.StartRegistration(e.ctx, eid.RegistrationRequest{IDNumber: p.IDNumber, FullName: p.FullName,
		BirthDate: string(p.BirthDate), Phone: phone}, eid.Client{IP: fmt.Sprintf("10.0.0.%d", e.next)})
	if err != nil {
		e.t.Fatalf("start registration: %v", err)
	}
	acct, err := e.eid.CompleteRegistration(e.ctx, ch.ID, e.lastCode(phone), "824619", eid.Client{IP: "10.0.0.1"})
	if err != nil {
		e.t.Fatalf("complete registration: %v", err)
	}
	if level == eid.Level2 {
		officer := auth.Actor{ID: "central", Role: auth.RoleRegistrar, UnitLevel: auth.LevelCentral}
		if _, err := e.eid.UpgradeLevel2(e.ctx, officer, p.IDNumber, eid.Attestation{ChipRead: true, FaceMatch: true,
			Document: "046" + p.IDNumber[3:]}); err != nil {
			e.t.Fatalf("level 2: %v", err)
		}
	}
	return citizen{idNumber: p.IDNumber, phone: acct.Phone, passcode: "824619", accountID: acct.ID}
}

var sixDigits = regexp.MustCompile(`\b(\d{6})\b`)

// lastCode reads the newest one-time code sent to a phone.
func (e *env) lastCode(phone string) string {
	e.t.Helper()
	n, err := eid.NormalizePhone(phone)
	if err != nil {
		e.t.Fatal(err)
	}
	msgs, err := e.outbox.Messages(e.ctx, n, 1)
	if err != nil || len(msgs) == 0 {
		e.t.Fatalf("no SMS to %s: %v", phone, err)
	}
	m := sixDigits.FindStringSubmatch(msgs[0].Text)
	if m == nil {
		e.t.Fatalf("no code in SMS %q", msgs[0].Text)
	}
	return m[1]
}

// rp is a registered relying party.
type rp struct {
	client   *oidc.Client
	secret   string
	oauth    *oauth2.Config
	provider *gooidc.Provider
	ctx      context.Context // carries the test server's HTTP client
}

// newRP registers a client and discovers the provider as the client does.
func (e *env) newRP(c *oidc.Client) *rp {
	e.t.Helper()
	if c.Name == "" {
		c.Name = "Cổng dịch vụ công thử"
	}
	if len(c.RedirectURIs) == 0 {
		c.RedirectURIs = []string{"https://rp.example/cb"}
	}
	if len(c.Scopes) == 0 {
		c.Scopes = []string{"openid", "profile", "phone", "offline_access"}
	}
	secret, err := oidc.RegisterClient(e.ctx, e.db, c, e.clock.Now())
	if err != nil {
		e.t.Fatalf("register client: %v", err)
	}
	ctx := gooidc.ClientContext(e.ctx, e.srv)
	ctx = context.WithValue(ctx, oauth2.HTTPClient, e.srv)
	prov, err := gooidc.NewProvider(ctx, e.issuer)
	if err != nil {
		e.t.Fatalf("discovery: %v", err)
	}
	return &rp{client: c, secret: secret, provider: prov, ctx: ctx, oauth: &oauth2.Config{ClientID: c.ID, ClientSecret: secret,
		Endpoint: prov.Endpoint(), RedirectURL: c.RedirectURIs[0], Scopes: []string{"openid", "profile", "phone"}}}
}

// browser is a citizen's browser: cookies, and it stops at the client's
// redirect URI (which nothing serves).
type browser struct {
	e      *env
	client *http.Client
}

func (e *env) newBrowser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, client: &http.Client{Jar: jar, Transport: e.srv.Transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Host != strings.TrimPrefix(e.issuer, "http://") {
				return http.ErrUseLastResponse
			}
			return nil
		}}}
}

// page is an HTML page the browser got.
type page struct {
	status int
	url    *url.URL
	body   string
	header http.Header
}

func (b *browser) do(req *http.Request) page {
	b.e.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, url: resp.Request.URL, body: string(body), header: resp.Header}
}

func (b *browser) get(u string) page {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return b.do(req)
}

// submit posts the page's form (the one whose action is given) with its
// hidden fields and the values given.
func (b *browser) submit(p page, action string, values url.Values) page {
	b.e.t.Helper()
	form := hiddenFields(p.body)
	for k, v := range values {
		form[k] = v
	}
	req, _ := http.NewRequest(http.MethodPost, b.e.issuer+action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

func hiddenFields(html string) url.Values {
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(html, -1) {
		v.Set(m[1], strings.ReplaceAll(m[2], "&#43;", "+"))
	}
	return v
}

// login runs the login pages from an authorization URL until the browser
// is sent back to the client, and returns that redirect's query.
func (b *browser) login(authURL string, c citizen) url.Values {
	b.e.t.Helper()
	p := b.get(authURL)
	if strings.Contains(p.body, `name="passcode"`) {
		p = b.submit(p, "/login", url.Values{"id_number": {c.idNumber}, "passcode": {c.passcode}})
	}
	if strings.Contains(p.body, `name="challenge_id"`) {
		p = b.submit(p, "/login/code", url.Values{"code": {b.e.lastCode(c.phone)}})
	}
	if strings.Contains(p.body, `name="decision"`) {
		p = b.submit(p, "/consent", url.Values{"decision": {"allow"}, "remember": {"1"}})
	}
	return b.back(p)
}

// back returns the query of a redirect to the client.
func (b *browser) back(p page) url.Values {
	b.e.t.Helper()
	loc := p.header.Get("Location")
	if p.status/100 != 3 || loc == "" {
		b.e.t.Fatalf("expected a redirect to the client, got %d at %s: %s", p.status, p.url, excerpt(p.body))
	}
	u, err := url.Parse(loc)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return u.Query()
}

func excerpt(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

// postForm posts a form to the provider with optional client auth and
// headers, and decodes the JSON answer.
func (e *env) postForm(path string, form url.Values, basic [2]string, headers ...string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.issuer+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic[0] != "" {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.srv.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	body, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(body, &out)
	return resp.StatusCode, out
}
