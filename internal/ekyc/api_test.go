package ekyc_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/ekyc"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(storetest.Main(m))
}

// env adapts testenv to these tests' names.
type env struct {
	*testenv.Env
	url    string
	client *http.Client
	jobs   *ekyc.Jobs
	people []*register.Person
}

func newEnv(t testing.TB, db *store.DB, people int) *env {
	e := testenv.New(t, db, people)
	return &env{Env: e, url: e.URL, client: e.Client, jobs: e.Jobs, people: e.People}
}

func (e *env) partner(org string, c *oidc.Client) string { return e.Partner(org, c) }

func (e *env) call(method, path, token, ctype string, body string, headers ...string) (int, http.Header, []byte) {
	return e.Call(method, path, token, ctype, body, headers...)
}

func decode(t testing.TB, b []byte) map[string]any { return testenv.JSON(t, b) }

func (e *env) living() *register.Person { return e.Living(0) }

func TestVerify_Single(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 200)
		tok := e.partner("telco", &oidc.Client{ID: "telco-1"})
		p := e.living()
		body := fmt.Sprintf(`{"id_number":%q,"full_name":%q,"birth_date":%q,"gender":%q}`, p.IDNumber,
			strings.ToUpper(p.FullName), p.BirthDate, p.Gender)
		st, _, b := e.call("POST", "/api/v1/verify", tok, "application/json", body, "X-Purpose", "sim_registration")
		if st != 200 {
			t.Fatalf("verify = %d %s", st, b)
		}
		res := decode(t, b)
		if res["result"] != "match" || res["status"] != "living" {
			t.Errorf("verify = %s", b)
		}
		if strings.Contains(string(b), p.FullName) || strings.Contains(string(b), string(p.BirthDate)) {
			t.Errorf("the answer discloses values: %s", b)
		}
		// Other diacritics, and the access-log entry with organisation,
		// purpose and fields.
		folded := register.NameKey(p.FullName)
		st, _, b = e.call("POST", "/api/v1/verify", tok, "application/json",
			fmt.Sprintf(`{"id_number":%q,"full_name":%q}`, p.IDNumber, folded))
		if res := decode(t, b); st != 200 || res["attributes"].(map[string]any)["full_name"] != "mismatch_diacritics" {
			t.Errorf("verify without diacritics = %d %s", st, b)
		}
		entries, err := db.AccessLogEntries(context.Background(), accesslog.Filter{Subject: p.IDNumber, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, en := range entries {
			if en.Action == "ekyc.verify" && en.Org == "telco" && en.Purpose == "sim_registration" && en.Fields == "full_name,birth_date,gender" {
				found = true
			}
		}
		if !found {
			t.Errorf("no access-log entry of the verification: %+v", entries)
		}
		// Bad input: a clear error, nothing logged.
		for _, bad := range []string{`{"id_number":"12"}`, `{"id_number":"` + p.IDNumber + `"}`, `{"id_number":`, `{"id_number":"` + p.IDNumber + `","shoe":"42"}`} {
			if st, _, b := e.call("POST", "/api/v1/verify", tok, "application/json", bad); st != 400 {
				t.Errorf("%s = %d %s", bad, st, b)
			}
		}
		// No token, a token without the scope.
		if st, _, _ := e.call("POST", "/api/v1/verify", "", "application/json", body); st != 401 {
			t.Errorf("without a token = %d", st)
		}
		other := e.partner("bank", &oidc.Client{ID: "bank-docs", Scopes: []string{oidc.ScopeDocuments}})
		if st, _, _ := e.call("POST", "/api/v1/verify", other, "application/json", body); st != 403 {
			t.Errorf("without the ekyc scope = %d", st)
		}
		// A rate limit of 2 a second answers 429 with Retry-After, logged.
		slow := e.partner("small", &oidc.Client{ID: "small-1", RatePerSecond: 1})
		var limited bool
		for i := 0; i < 5 && !limited; i++ {
			st, h, _ := e.call("POST", "/api/v1/verify", slow, "application/json", body)
			if st == 429 {
				limited = h.Get("Retry-After") != ""
			}
		}
		if !limited {
			t.Errorf("no 429 with Retry-After from a limited client")
		}
	})
}

// TestVerify_Concurrent: single verifications sent at once share reads
// of the register (package coalesce); each still gets its own person's
// answer and its own access-log entry.
func TestVerify_Concurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 200)
		tok := e.partner("telco", &oidc.Client{ID: "telco-c", RatePerSecond: 10000})
		const n = 60
		var wg sync.WaitGroup
		errs := make(chan string, n)
		for i := range n {
			wg.Go(func() {
				p := e.Living(i % 30)
				name := p.FullName
				want := "match"
				if i%2 == 1 { // every other asks with a wrong name
					name, want = name+" Thị", "no_match"
				}
				st, _, b := e.call("POST", "/api/v1/verify", tok, "application/json",
					fmt.Sprintf(`{"id_number":%q,"full_name":%q}`, p.IDNumber, name), "X-Purpose", "sim_registration")
				if st != 200 {
					errs <- fmt.Sprintf("verify %d = %d %s", i, st, b)
					return
				}
				if res := decode(t, b); res["id_number"] != p.IDNumber || res["result"] != want {
					errs <- fmt.Sprintf("verify %d of %s = %s, want %s", i, p.IDNumber, b, want)
				}
			})
		}
		wg.Wait()
		close(errs)
		for msg := range errs {
			t.Error(msg)
		}
		entries, err := db.AccessLogEntries(context.Background(), accesslog.Filter{Actor: "client:telco-c", Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != n {
			t.Errorf("%d access-log entries for %d verifications", len(entries), n)
		}
	})
}

// crashAfter is a job store whose worker "dies" after some commits.
type crashAfter struct {
	ekyc.JobStore
	commits int
	cancel  func()
}

func (c *crashAfter) CommitEKYCChunk(ctx context.Context, id, node string, through int64, r ekyc.ChunkResult, lease time.Time, done bool, now time.Time) error {
	err := c.JobStore.CommitEKYCChunk(ctx, id, node, through, r, lease, done, now)
	if c.commits--; c.commits == 0 {
		c.cancel()
	}
	return err
}

func TestVerify_BulkJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 300)
		tok := e.partner("telco", &oidc.Client{ID: "telco-2"})
		var lines []string
		lines = append(lines, "ref,id_number,full_name,birth_date")
		want := map[int]string{}
		for i, p := range e.people[:250] {
			name := p.FullName
			if i%5 == 0 {
				name = "Người Khác"
			}
			lines = append(lines, fmt.Sprintf("r%d,%s,%s,%s", i, p.IDNumber, name, p.BirthDate))
			want[i+1] = "x"
		}
		lines = append(lines, "bad,123,Ai Đó,2000-01-01", "", `broken,"unterminated`, "short,046095000001")
		st, _, b := e.call("POST", "/api/v1/verify/jobs", tok, "text/csv", strings.Join(lines, "\n")+"\n", "X-Purpose", "subscriber_check")
		if st != 202 {
			t.Fatalf("submit = %d %s", st, b)
		}
		job := decode(t, b)
		id := job["id"].(string)
		if job["total_lines"].(float64) != 254 || job["status"] != "queued" {
			t.Fatalf("job %s", b)
		}
		// Not done yet: the result is not there.
		if st, _, b := e.call("GET", "/api/v1/verify/jobs/"+id+"/result", tok, "", ""); st != 409 {
			t.Errorf("result of a queued job = %d %s", st, b)
		}
		// Another organisation cannot see it (404, and logged).
		other := e.partner("rival", &oidc.Client{ID: "rival-1"})
		if st, _, _ := e.call("GET", "/api/v1/verify/jobs/"+id, other, "", ""); st != 404 {
			t.Errorf("another organisation's job = %d", st)
		}
		if st, _, b := e.call("GET", "/api/v1/verify/jobs", other, "", ""); st != 200 || strings.Contains(string(b), id) {
			t.Errorf("another organisation lists the job: %s", b)
		}
		// The worker does two chunks, "crashes" (its lease is taken over
		// after it expires), and another node finishes the job.
		ctx := context.Background()
		cctx, cancel := context.WithCancel(ctx)
		crashing := &crashAfter{JobStore: db, commits: 1, cancel: cancel}
		first := &ekyc.Jobs{Service: e.jobs.Service, Store: crashing, Node: "node-a", Chunk: 100, Lease: time.Millisecond}
		first.RunOnce(cctx)
		time.Sleep(5 * time.Millisecond)
		if ok, err := e.jobs.RunOnce(ctx); !ok || err != nil {
			t.Fatalf("second node: %v %v", ok, err)
		}
		st, _, b = e.call("GET", "/api/v1/verify/jobs/"+id, tok, "", "")
		job = decode(t, b)
		if job["status"] != "done" || job["done_lines"].(float64) != 254 || job["invalid"].(float64) != 4 {
			t.Fatalf("job after the run: %s", b)
		}
		st, h, b := e.call("GET", "/api/v1/verify/jobs/"+id+"/result", tok, "", "")
		if st != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") {
			t.Fatalf("result = %d %s", st, b)
		}
		out := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		if out[0] != ekyc.ResultHeader || len(out) != 255 {
			t.Fatalf("%d result lines (want header + 254): %.400s", len(out), b)
		}
		for i, l := range out[1:] {
			if !strings.HasPrefix(l, fmt.Sprintf("%d,", i+1)) {
				t.Fatalf("result line %d out of order: %s", i+1, l)
			}
		}
		if !strings.Contains(out[1], ",no_match,") || !strings.Contains(out[2], ",match,") {
			t.Errorf("results: %s / %s", out[1], out[2])
		}
		for _, l := range out[251:] {
			if !strings.Contains(l, ",invalid,") {
				t.Errorf("a malformed line is not reported invalid: %s", l)
			}
		}
		// A file with an unknown column is refused whole.
		if st, _, b := e.call("POST", "/api/v1/verify/jobs", tok, "text/csv", "id_number,shoe\n1,2\n"); st != 400 {
			t.Errorf("unknown column = %d %s", st, b)
		}
		// JSON lines, too.
		p := e.living()
		st, _, b = e.call("POST", "/api/v1/verify/jobs", tok, "application/x-ndjson",
			fmt.Sprintf(`{"ref":"a","id_number":%q,"gender":%q}`+"\n"+`{"id_number":1}`+"\n", p.IDNumber, p.Gender))
		if st != 202 {
			t.Fatalf("JSONL submit = %d %s", st, b)
		}
		jl := decode(t, b)["id"].(string)
		e.jobs.RunOnce(ctx)
		st, _, b = e.call("GET", "/api/v1/verify/jobs/"+jl+"/result", tok, "", "")
		rl := strings.Split(strings.TrimSpace(string(b)), "\n")
		if st != 200 || len(rl) != 2 || !strings.Contains(rl[0], `"result":"match"`) || !strings.Contains(rl[1], `"result":"invalid"`) {
			t.Errorf("JSONL result = %d %s", st, b)
		}
	})
}
