package httpapi_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/sdjwt"
	"github.com/dancu-vn/dancu/internal/sms"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/testenv"
)

// docEnv is a running dancu with e-ID accounts, the OpenID provider (for
// partners' client-credentials tokens) and integrated documents, on a real
// database, driven over HTTP.
type docEnv struct {
	t       *testing.T
	ctx     context.Context
	db      *store.DB
	url     string
	client  *http.Client
	eid     *eid.Service
	outbox  *sms.Outbox
	people  []*register.Person // living adults, for accounts
	next    int
	admin   string // an operator's API token
	auditor string // an auditor's API token
}

func newDocEnv(t *testing.T, db *store.DB) *docEnv {
	t.Helper()
	te := testenv.NewWith(t, db, testenv.Options{People: 300, Seed: 11})
	e := &docEnv{t: t, ctx: te.Ctx, db: db, url: te.URL, client: te.Client, eid: te.EID, outbox: te.Outbox}
	for _, p := range te.People {
		if p.Status == register.Living && len(p.BirthDate) == 10 && p.BirthDate.Year() > 1940 && p.BirthDate.Year() < 2000 {
			e.people = append(e.people, p)
		}
	}
	e.admin = e.officer(auth.Officer{Username: "operator", FullName: "Quản trị", Role: auth.RoleAdmin, UnitLevel: auth.LevelCentral})
	e.auditor = e.officer(auth.Officer{Username: "auditor", FullName: "Kiểm toán", Role: auth.RoleAuditor, UnitLevel: auth.LevelCentral})
	return e
}

func (e *docEnv) officer(o auth.Officer) string {
	e.t.Helper()
	if err := e.db.CreateOfficer(e.ctx, &o); err != nil {
		e.t.Fatal(err)
	}
	_, tok, err := e.db.IssueToken(e.ctx, o.Username, "test", time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// docCitizen is a citizen with an e-ID account and a session.
type docCitizen struct {
	idNumber, accountID, token string
	person                     *register.Person
}

var docCode = regexp.MustCompile(`\b(\d{6})\b`)

// citizen registers and logs in the next seeded adult.
func (e *docEnv) citizen() docCitizen {
	e.t.Helper()
	p := e.people[e.next]
	e.next++
	phone := fmt.Sprintf("09%08d", 20000000+e.next)
	c := eid.Client{IP: "10.9.8.7"}
	code := func() string {
		n, _ := eid.NormalizePhone(phone)
		msgs, err := e.outbox.Messages(e.ctx, n, 1)
		if err != nil || len(msgs) == 0 {
			e.t.Fatalf("no SMS to %s: %v", phone, err)
		}
		return docCode.FindString(msgs[0].Text)
	}
	ch, err := e.eid.StartRegistration(e.ctx, eid.RegistrationRequest{IDNumber: p.IDNumber, FullName: p.FullName,
		BirthDate: string(p.BirthDate), Phone: phone}, c)
	if err != nil {
		e.t.Fatalf("registration: %v", err)
	}
	acct, err := e.eid.CompleteRegistration(e.ctx, ch.ID, code(), "824619", c)
	if err != nil {
		e.t.Fatalf("registration: %v", err)
	}
	res, err := e.eid.BeginLogin(e.ctx, eid.LoginRequest{IDNumber: p.IDNumber, Passcode: "824619"}, c)
	if err != nil {
		e.t.Fatalf("login: %v", err)
	}
	if res.Session == nil {
		if res, err = e.eid.FinishLogin(e.ctx, res.Challenge.ID, eid.MethodSMS, code(), false, "", c); err != nil {
			e.t.Fatalf("login: %v", err)
		}
	}
	return docCitizen{idNumber: p.IDNumber, accountID: acct.ID, token: res.Token, person: p}
}

// organisation makes an agency represented by a new citizen.
func (e *docEnv) organisation(id, name string) string {
	e.t.Helper()
	rep := e.citizen()
	o := &eid.Organisation{ID: id, RegistrationNumber: strings.ToUpper(id), Name: name, Kind: eid.OrgAgency,
		RepresentativeID: rep.accountID, CreatedAt: time.Now().UTC()}
	if err := e.db.CreateEIDOrganisation(e.ctx, o); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// partner registers a client of org with the given scopes and returns a
// client-credentials access token from /oauth/token.
func (e *docEnv) partner(org string, scopes ...string) string {
	e.t.Helper()
	c := &oidc.Client{Name: "Hệ thống " + org, OrgID: org, GrantTypes: []string{oidc.GrantClientCredentials}, Scopes: scopes}
	secret, err := oidc.RegisterClient(e.ctx, e.db, c, time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", e.url+"/oauth/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"},
		"scope": {strings.Join(scopes, " ")}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.ID, secret)
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		e.t.Fatalf("client credentials token: %d %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

// docProvider is a registered data provider and its signing key.
type docProvider struct {
	id, issuer string
	key        jose.JSONWebKey
}

// provider registers org as a data provider of vcts through the admin
// API, with a fresh ES256 key.
func (e *docEnv) provider(org string, vcts ...string) docProvider {
	e.t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	key := jose.JSONWebKey{Key: priv, KeyID: org + "-1", Algorithm: "ES256", Use: "sig"}
	jwks := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{key.Public()}}
	st, m, raw := e.call("POST", "/api/v1/documents/providers", e.admin, map[string]any{
		"organisation_id": org, "vcts": vcts, "jwks": jwks})
	if st != 201 {
		e.t.Fatalf("register provider %s: %d %s", org, st, raw)
	}
	return docProvider{id: org, issuer: m["issuer"].(string), key: key}
}

// issue signs a credential as the provider.
func (p docProvider) issue(t *testing.T, claims map[string]any, disclose ...sdjwt.Path) string {
	t.Helper()
	if _, ok := claims["iss"]; !ok {
		claims["iss"] = p.issuer
	}
	s, err := (&sdjwt.Issuer{Key: p.key, Type: "dc+sd-jwt", Decoys: 2}).Issue(claims, disclose)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// call makes a request with a bearer token and decodes a JSON answer.
func (e *docEnv) call(method, path, token string, body any, headers ...string) (int, map[string]any, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.url+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(raw, &m)
	if resp.Header.Get("Idempotent-Replayed") == "true" && m != nil {
		m["_replayed"] = true
	}
	return resp.StatusCode, m, raw
}

// entries returns the access log's entries about a subject.
func (e *docEnv) entries(subject string) []accesslog.Entry {
	e.t.Helper()
	st, _, raw := e.call("GET", "/api/v1/accesslog/entries?limit=1000&subject="+subject, e.auditor, nil)
	if st != 200 {
		e.t.Fatalf("access log: %d %s", st, raw)
	}
	var out struct{ Entries []accesslog.Entry }
	if err := json.Unmarshal(raw, &out); err != nil {
		e.t.Fatal(err)
	}
	return out.Entries
}
