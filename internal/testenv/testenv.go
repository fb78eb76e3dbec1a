// Package testenv starts a whole dancu for tests: a real database (from
// storetest), the register seeded with a synthetic province, the access
// log, e-ID accounts, the OpenID provider, the partner APIs, and the real
// router on a loopback server. Tests drive it over HTTP as users do.
package testenv

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/card"
	"github.com/dancu-vn/dancu/internal/dashboard"
	"github.com/dancu-vn/dancu/internal/documents"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/ekyc"
	"github.com/dancu-vn/dancu/internal/httpapi"
	"github.com/dancu-vn/dancu/internal/officer"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/pki"
	"github.com/dancu-vn/dancu/internal/portal"
	"github.com/dancu-vn/dancu/internal/quality"
	"github.com/dancu-vn/dancu/internal/quota"
	"github.com/dancu-vn/dancu/internal/reconcile"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/residence"
	"github.com/dancu-vn/dancu/internal/seed"
	"github.com/dancu-vn/dancu/internal/sharing"
	"github.com/dancu-vn/dancu/internal/sms"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/webhook"
)

// Env is a running dancu.
type Env struct {
	T        testing.TB
	DB       *store.DB
	URL      string // the server's base URL, also the OIDC issuer
	Client   *http.Client
	Log      *accesslog.Log
	Register *register.Service
	EID      *eid.Service
	Outbox   *sms.Outbox
	OIDC     *oidc.Provider
	API      *httpapi.Server
	Jobs     *ekyc.Jobs
	People   []*register.Person // the seeded persons, by name
	Ctx      context.Context
}

// Options vary the environment.
type Options struct {
	People int              // persons of Huế to seed
	Seed   uint64           // seed of the synthetic population (default 5)
	Now    func() time.Time // the clock of every service (default time.Now)
	// OWASP hashes passcodes at OWASP's argon2id parameters, as production
	// does; tests otherwise use cheap ones.
	OWASP bool
	// Localhost makes the base URL http://localhost:PORT (still listening
	// on 127.0.0.1) with passkeys on for it: WebAuthn needs a host name.
	Localhost bool
}

// New seeds people persons of Huế into db and starts the server.
func New(t testing.TB, db *store.DB, people int) *Env {
	return NewWith(t, db, Options{People: people})
}

// NewWith is New as o says.
func NewWith(t testing.TB, db *store.DB, o Options) *Env {
	t.Helper()
	ctx := context.Background()
	if o.Seed == 0 {
		o.Seed = 5
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	people := o.People
	if _, err := seed.Run(ctx, db, seed.Options{Province: "46", People: people, Seed: o.Seed, Today: "2026-01-01"}); err != nil {
		t.Fatal(err)
	}
	signer, vkey, err := accesslog.LoadOrCreateSigner(ctx, db, "accesslog-signer")
	if err != nil {
		t.Fatal(err)
	}
	alog := accesslog.New(db, signer, accesslog.Options{})
	t.Cleanup(func() { alog.Close() })
	reg := &register.Service{Store: db, Log: alog, Now: o.Now, Rand: rand.IntN, Accounts: db.HasEIDAccount}
	outbox := &sms.Outbox{Store: db, Now: o.Now}
	// Loose rate limits: tests drive many logins from one address; package
	// eid tests the limits themselves.
	loose := eid.Limit{Max: 100000, Per: time.Minute}
	eopts := eid.Options{Now: o.Now, Log: alog, Argon2: eid.Argon2Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		LoginPerIP: loose, LoginPerAccount: loose, SMSPerPhone: loose, SMSPerIP: loose, StartPerIP: loose, StartPerIDNumber: loose}
	if o.OWASP {
		eopts.Argon2 = eid.DefaultArgon2
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	if o.Localhost {
		base = fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
		eopts.WebAuthnRPID, eopts.WebAuthnOrigins = "localhost", []string{base}
	}
	ids := eid.New(db, outbox, reg, eopts)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	prov := oidc.New(oidc.Config{Issuer: base, PairwiseKey: []byte("0123456789abcdef0123456789abcdef"), Logger: quiet, Now: o.Now},
		db, ids, reg, alog)
	svc := &ekyc.Service{Store: db, Log: alog, Quota: quota.New(db, nil)}
	jobs := &ekyc.Jobs{Service: svc, Store: db, Node: "test", Chunk: 100}
	api := httpapi.New(db, reg, alog, vkey, quiet, "test")
	api.EID, api.OIDC, api.EKYC, api.Jobs, api.Now = ids, prov, svc, jobs, o.Now
	// Officers' own logins (password and TOTP), as the web console uses them.
	api.Officers = &officer.Service{Store: db, Argon2: eopts.Argon2, Now: o.Now}
	api.Sharing = &sharing.Service{Store: db, People: db, Log: alog}
	api.Documents = &documents.Service{Store: db, People: reg, Log: alog, BaseURL: prov.Issuer}
	api.Webhooks = &webhook.Service{Store: db, Policies: api.Sharing, Sign: prov.SignDetached,
		HTTP: &http.Client{Timeout: 5 * time.Second}, AllowHTTP: true}
	api.PKI = &pki.Service{Store: db}
	api.Cards = &card.Service{Store: db, People: db, PKI: api.PKI, Log: alog}
	api.Checkin = &card.Checkin{Cards: api.Cards, Policies: db, EIDLevel: db.EIDLevel}
	// The public-service portal and residence declarations.
	if api.Portal, err = portal.Open(ctx, db, reg, alog, prov.Issuer, o.Now); err != nil {
		t.Fatal(err)
	}
	if err := api.Portal.EnableSandbox(ctx); err != nil { // tests pay through the sandbox bank
		t.Fatal(err)
	}
	api.Residence = &residence.Service{Store: db, Facts: db, Log: alog, Now: o.Now}
	api.Quality = &quality.Service{Store: db, Log: alog, Now: o.Now}
	api.Dashboard = &dashboard.Service{Store: db, Now: o.Now}
	api.Reconcile = &reconcile.Service{People: db, Log: alog, Now: o.Now}
	srv := httptest.NewUnstartedServer(api.Handler())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	res, err := db.SearchPersons(ctx, register.Filter{Province: "46", Limit: people})
	if err != nil {
		t.Fatal(err)
	}
	return &Env{T: t, DB: db, URL: base, Client: srv.Client(), Log: alog, Register: reg, EID: ids, Outbox: outbox,
		OIDC: prov, API: api, Jobs: jobs, People: res, Ctx: ctx}
}

// Partner registers a client-credentials client of an organisation (scopes
// default to eKYC) and returns a fresh access token.
func (e *Env) Partner(org string, c *oidc.Client) string {
	e.T.Helper()
	c.Name, c.OrgID = "Đối tác "+org, org
	c.GrantTypes = []string{oidc.GrantClientCredentials}
	if len(c.Scopes) == 0 {
		c.Scopes = []string{oidc.ScopeVerify, oidc.ScopeVerifyBulk}
	}
	secret, err := oidc.RegisterClient(e.Ctx, e.DB, c, time.Now())
	if err != nil {
		e.T.Fatal(err)
	}
	req, _ := http.NewRequest("POST", e.URL+"/oauth/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"},
		"scope": {strings.Join(c.Scopes, " ")}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.ID, secret)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	resp, err := e.Client.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		e.T.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

// Officer creates an officer and returns an API token.
func (e *Env) Officer(o auth.Officer) string {
	e.T.Helper()
	if err := e.DB.CreateOfficer(e.Ctx, &o); err != nil {
		e.T.Fatal(err)
	}
	_, tok, err := e.DB.IssueToken(e.Ctx, o.Username, "test", time.Hour)
	if err != nil {
		e.T.Fatal(err)
	}
	return tok
}

var sixDigits = regexp.MustCompile(`\b(\d{6})\b`)

// Citizen registers an e-ID account for a seeded living adult and returns
// the person and a session token (dcs_…).
func (e *Env) Citizen(p *register.Person, phone string) (token string) {
	e.T.Helper()
	c := eid.Client{IP: "10.1.2.3"}
	ch, err := e.EID.StartRegistration(e.Ctx, eid.RegistrationRequest{IDNumber: p.IDNumber, FullName: p.FullName,
		BirthDate: string(p.BirthDate), Phone: phone}, c)
	if err != nil {
		e.T.Fatalf("registration: %v", err)
	}
	if _, err := e.EID.CompleteRegistration(e.Ctx, ch.ID, e.Code(phone), "824619", c); err != nil {
		e.T.Fatalf("registration: %v", err)
	}
	res, err := e.EID.BeginLogin(e.Ctx, eid.LoginRequest{IDNumber: p.IDNumber, Passcode: "824619"}, c)
	if err != nil {
		e.T.Fatalf("login: %v", err)
	}
	if res.Session == nil {
		if res, err = e.EID.FinishLogin(e.Ctx, res.Challenge.ID, eid.MethodSMS, e.Code(phone), false, "", c); err != nil {
			e.T.Fatalf("login: %v", err)
		}
	}
	return res.Token
}

// Paper is a small PDF that tests attach to dossiers; PaperSHA256 is
// its hash, which a dossier names once the citizen has uploaded it
// (UploadPaper).
const Paper = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

// PaperSHA256 returns Paper's SHA-256 in hex.
func PaperSHA256() string {
	sum := sha256.Sum256([]byte(Paper))
	return hex.EncodeToString(sum[:])
}

// UploadPaper uploads Paper through the API as the citizen of the
// session token and returns its hash.
func (e *Env) UploadPaper(token string) string {
	e.T.Helper()
	return e.UploadFile(token, Paper)
}

// UploadFile uploads a file (a PDF, JPEG or PNG) through the API as the
// citizen of the session token and returns its hash.
func (e *Env) UploadFile(token, content string) string {
	e.T.Helper()
	if st, _, b := e.Call("POST", "/api/v1/portal/files?name=paper.pdf", token, "application/pdf", content); st != 201 {
		e.T.Fatalf("upload a paper = %d %s", st, b)
	}
	sum := sha256.Sum256([]byte(content))
	return hex.EncodeToString(sum[:])
}

// Code returns the newest one-time code sent to a phone.
func (e *Env) Code(phone string) string {
	e.T.Helper()
	n, err := eid.NormalizePhone(phone)
	if err != nil {
		e.T.Fatal(err)
	}
	msgs, err := e.Outbox.Messages(e.Ctx, n, 1)
	if err != nil || len(msgs) == 0 {
		e.T.Fatalf("no SMS to %s: %v", phone, err)
	}
	return sixDigits.FindString(msgs[0].Text)
}

// Call makes a request with a bearer token and returns status, headers
// and body.
func (e *Env) Call(method, path, token, ctype, body string, headers ...string) (int, http.Header, []byte) {
	e.T.Helper()
	req, _ := http.NewRequest(method, e.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.Client.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// JSON decodes a JSON object.
func JSON(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not JSON: %s", b)
	}
	return m
}

// Living returns the i-th seeded living adult with a full birth date.
func (e *Env) Living(i int) *register.Person {
	e.T.Helper()
	for _, p := range e.People {
		if p.Status == register.Living && len(p.BirthDate) == 10 && p.BirthDate.Year() < 2008 {
			if i == 0 {
				return p
			}
			i--
		}
	}
	e.T.Fatal("not enough living adults")
	return nil
}
