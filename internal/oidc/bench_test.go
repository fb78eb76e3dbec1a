package oidc_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/oauth2"

	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// benchEach runs a benchmark on each engine with a fresh environment.
func benchEach(b *testing.B, owasp bool, fn func(b *testing.B, e *env)) {
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			db := storetest.Open(b, engine)
			fn(b, newEnvWith(b, db, owasp))
		})
	}
}

// post sends a form with basic auth and fails the benchmark on a non-200.
func benchPost(b *testing.B, client *http.Client, target string, form url.Values, id, secret string) {
	req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body) // so that the connection is reused
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("%s: %d", target, resp.StatusCode)
	}
}

// BenchmarkClientCredentials: token requests of partner clients.
func BenchmarkClientCredentials(b *testing.B) {
	benchEach(b, false, func(b *testing.B, e *env) {
		r := e.newRP(&oidc.Client{GrantTypes: []string{oidc.GrantClientCredentials}, RedirectURIs: []string{}, Scopes: []string{}})
		client := e.srv
		client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
		form := url.Values{"grant_type": {"client_credentials"}}
		b.SetParallelism(16)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				benchPost(b, client, e.issuer+"/oauth/token", form, r.client.ID, r.secret)
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
	})
}

// BenchmarkIntrospect: resource servers checking access tokens.
func BenchmarkIntrospect(b *testing.B) {
	benchEach(b, false, func(b *testing.B, e *env) {
		r := e.newRP(&oidc.Client{GrantTypes: []string{oidc.GrantClientCredentials}, RedirectURIs: []string{}, Scopes: []string{}})
		st, tok := e.postForm("/oauth/token", url.Values{"grant_type": {"client_credentials"}}, [2]string{r.client.ID, r.secret})
		if st != 200 {
			b.Fatalf("token: %d", st)
		}
		client := e.srv
		client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
		form := url.Values{"token": {tok["access_token"].(string)}}
		b.SetParallelism(16)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				benchPost(b, client, e.issuer+"/oauth/introspect", form, r.client.ID, r.secret)
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "introspections/s")
	})
}

// BenchmarkCodeFlow: complete logins — PAR, the login page with the
// passcode hashed at OWASP's argon2id parameters (on a bound device, so
// without an SMS code), the remembered consent, the code, the token.
func BenchmarkCodeFlow(b *testing.B) {
	benchEach(b, true, func(b *testing.B, e *env) {
		r := e.newRP(&oidc.Client{})
		const browsers = 8
		var citizens []citizen
		var bs []*browser
		for i := 0; i < browsers; i++ {
			c := e.newCitizen(eid.Level1)
			br := e.newBrowser()
			// First login binds the device and remembers the consent.
			p := br.get(r.oauth.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
			p = br.submit(p, "/login", url.Values{"id_number": {c.idNumber}, "passcode": {c.passcode}})
			p = br.submit(p, "/login/code", url.Values{"code": {e.lastCode(c.phone)}, "bind_device": {"1"}})
			br.back(br.submit(p, "/consent", url.Values{"decision": {"allow"}, "remember": {"1"}}))
			citizens, bs = append(citizens, c), append(bs, br)
		}
		var next atomic.Int64
		b.SetParallelism(browsers / 2)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := int(next.Add(1)-1) % browsers
			c, br := citizens[i], bs[i]
			for pb.Next() {
				verifier := oauth2.GenerateVerifier()
				_, par := e.postForm("/oauth/par", url.Values{"response_type": {"code"}, "scope": {"openid profile"},
					"redirect_uri": {r.oauth.RedirectURL}, "prompt": {"login"}, "state": {"s"},
					"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}},
					[2]string{r.client.ID, r.secret})
				p := br.get(e.issuer + "/oauth/authorize?" + url.Values{"client_id": {r.client.ID},
					"request_uri": {par["request_uri"].(string)}}.Encode())
				q := br.back(br.submit(p, "/login", url.Values{"id_number": {c.idNumber}, "passcode": {c.passcode}}))
				st, tok := e.postForm("/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")},
					"code_verifier": {verifier}, "redirect_uri": {r.oauth.RedirectURL}}, [2]string{r.client.ID, r.secret})
				if st != 200 || tok["id_token"] == nil {
					b.Fatalf("token: %d %v", st, tok)
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "flows/s")
	})
}

var _ = store.SQLite
