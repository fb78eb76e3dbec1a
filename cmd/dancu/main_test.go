package main_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// binary is the dancu binary built once for the CLI tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dancu-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "dancu")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := storetest.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// run runs the binary with args and returns its combined output and exit code.
func run(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "DANCU_DB=", "DANCU_DATA=")
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

func TestCLI_Help(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"serve", "--help"}, {"demo", "--help"}, {"migrate", "--help"}, {"seed", "--help"},
		{"import", "--help"}, {"audit", "verify", "--help"}, {"officer", "--help"}, {"token", "--help"}, {"version"},
	} {
		out, code := run(t, args...)
		if code != 0 || len(out) < 10 {
			t.Errorf("dancu %s: exit %d\n%s", strings.Join(args, " "), code, out)
		}
	}
}

func TestCLI_Demo(t *testing.T) {
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "--log-level", "debug", "--trusted-proxies", "127.0.0.1", "demo", "--addr", "127.0.0.1:0", "--data", data, "--people", "500")
	cmd.Env = append(os.Environ(), "DANCU_DB=")
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	// The banner is printed once the server listens.
	sc := bufio.NewScanner(stdout)
	deadline := time.After(60 * time.Second)
	ready := make(chan bool)
	var firstURL string // the banner's first address: the web UI's home page
	go func() {
		for sc.Scan() {
			if i := strings.Index(sc.Text(), "http://"); i >= 0 && firstURL == "" {
				firstURL = strings.Fields(sc.Text()[i:])[0]
			}
			if strings.Contains(sc.Text(), "Stop with Ctrl-C") {
				ready <- true
				io.Copy(io.Discard, stdout)
				return
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("demo exited before serving")
		}
	case <-deadline:
		t.Fatal("demo did not start within 60 s")
	}
	raw, err := os.ReadFile(filepath.Join(data, "demo.json"))
	if err != nil {
		t.Fatal(err)
	}
	var demo struct {
		BaseURL  string `json:"base_url"`
		Persons  int    `json:"persons"`
		Officers []struct {
			Username, Role, Token string
		} `json:"officers"`
	}
	if err := json.Unmarshal(raw, &demo); err != nil {
		t.Fatal(err)
	}
	if demo.Persons != 500 || len(demo.Officers) != 4 {
		t.Fatalf("demo.json: %s", raw)
	}
	// A newcomer lands on the home page, which shows the demo accounts.
	if firstURL != demo.BaseURL+"/" {
		t.Errorf("the banner's first address is %q, want the home page %s/", firstURL, demo.BaseURL)
	} else if resp, err := http.Get(firstURL); err != nil {
		t.Error(err)
	} else {
		home, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(home), "demo-commune") || !strings.Contains(string(home), `href="/app/"`) {
			t.Errorf("home page: %d\n%s", resp.StatusCode, home)
		}
	}
	req, _ := http.NewRequest("GET", demo.BaseURL+"/api/v1/persons?name=nguyen&limit=3", nil)
	req.Header.Set("Authorization", "Bearer "+demo.Officers[1].Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"id_number"`) {
		t.Errorf("search with the demo token: %d %s", resp.StatusCode, body)
	}
	// The province officer's dashboard has the seeded province's figures.
	req, _ = http.NewRequest("GET", demo.BaseURL+"/api/v1/dashboard", nil)
	req.Header.Set("Authorization", "Bearer "+demo.Officers[1].Token)
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Error(err)
	} else {
		var d struct {
			Dashboard struct {
				Series []struct {
					Values map[string]float64 `json:"values"`
				} `json:"series"`
				Children []any `json:"children"`
			} `json:"dashboard"`
		}
		json.NewDecoder(resp.Body).Decode(&d)
		resp.Body.Close()
		if s := d.Dashboard.Series; resp.StatusCode != 200 || len(s) == 0 || s[len(s)-1].Values["population"] < 400 || len(d.Dashboard.Children) == 0 {
			t.Errorf("demo dashboard: %d %+v", resp.StatusCode, d.Dashboard)
		}
	}
	// Read one person by number, then check that the process log (at
	// debug level) carries no ID number and no name.
	var page struct {
		Persons []struct {
			IDNumber string `json:"id_number"`
			FullName string `json:"full_name"`
		} `json:"persons"`
	}
	json.Unmarshal(body, &page)
	req, _ = http.NewRequest("GET", demo.BaseURL+"/api/v1/persons/"+page.Persons[0].IDNumber, nil)
	req.Header.Set("Authorization", "Bearer "+demo.Officers[1].Token)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	// The demo partner verifies a person with a client-credentials token.
	var demoP struct {
		Partner struct {
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
		} `json:"partner"`
	}
	json.Unmarshal(raw, &demoP)
	treq, _ := http.NewRequest("POST", demo.BaseURL+"/oauth/token", strings.NewReader("grant_type=client_credentials&scope=ekyc"))
	treq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	treq.SetBasicAuth(demoP.Partner.ClientID, demoP.Partner.ClientSecret)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp, err := http.DefaultClient.Do(treq); err == nil {
		json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
	}
	vreq, _ := http.NewRequest("POST", demo.BaseURL+"/api/v1/verify", strings.NewReader(
		`{"id_number":"`+page.Persons[0].IDNumber+`","full_name":"`+page.Persons[0].FullName+`"}`))
	vreq.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	vreq.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(vreq); err != nil {
		t.Error(err)
	} else {
		vb, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(vb), `"full_name":"match"`) {
			t.Errorf("demo partner verify = %d %s", resp.StatusCode, vb)
		}
	}
	// The OpenID provider's issuer is the address served, and the demo
	// relying party is there.
	for path, want := range map[string]string{
		"/.well-known/openid-configuration": `"issuer":"` + demo.BaseURL + `"`,
		"/demo/rp":                          "/demo/rp/login",
	} {
		resp, err := http.Get(demo.BaseURL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET %s = %d, want %q in %.300s", path, resp.StatusCode, want, b)
		}
	}
	// Behind the trusted proxy (127.0.0.1 here), login attempts are
	// limited per client as the proxy forwards it, not per proxy.
	login := func(client string, i int) int {
		req, _ := http.NewRequest("POST", demo.BaseURL+"/api/v1/eid/login",
			strings.NewReader(fmt.Sprintf(`{"id_number":"0460900%05d","passcode":"000000"}`, i)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", client)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	attempts := 0
	for attempts < 40 && login("198.51.100.1", attempts) != 429 {
		attempts++
	}
	if attempts != 30 {
		t.Errorf("a client behind the proxy was limited after %d login attempts, want 30", attempts)
	}
	if st := login("198.51.100.2", 99); st == 429 {
		t.Errorf("another client behind the same proxy was limited too")
	}
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	logs := stderr.String()
	if !strings.Contains(logs, `"route":"GET /api/v1/persons/{id}"`) {
		t.Errorf("the debug log lacks request lines:\n%s", logs)
	}
	for _, p := range page.Persons {
		if strings.Contains(logs, p.IDNumber) || strings.Contains(logs, p.FullName) {
			t.Errorf("the process log contains personal data (%s):\n%s", p.IDNumber, logs)
		}
	}
	if regexp.MustCompile(`\b\d{12}\b`).MatchString(logs) {
		t.Errorf("the process log contains a 12-digit number:\n%s", logs)
	}
}

func TestCLI_ClientsAndKeys(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			out, code := run(t, "--db", dsn, "client", "create", "--id", "portal", "--name", "Cổng DVC",
				"--redirect-uri", "https://dvc.example/cb", "--scopes", "openid profile phone")
			if code != 0 || !strings.Contains(out, "client_id: portal") || !strings.Contains(out, "client_secret: dcsec_") {
				t.Fatalf("client create: exit %d\n%s", code, out)
			}
			out, code = run(t, "--db", dsn, "client", "create", "--name", "Bad", "--redirect-uri", "not a uri")
			if code == 0 || !strings.Contains(out, "redirect_uris") {
				t.Errorf("client create with a bad redirect URI: exit %d\n%s", code, out)
			}
			out, code = run(t, "--db", dsn, "client", "create", "--name", "Bank", "--redirect-uri", "https://b.example/cb", "--profile", "fapi2")
			if code == 0 || !strings.Contains(out, "private_key_jwt") {
				t.Errorf("fapi2 client without keys: exit %d\n%s", code, out)
			}
			if out, code = run(t, "--db", dsn, "client", "rotate-secret", "portal"); code != 0 || !strings.Contains(out, "dcsec_") {
				t.Errorf("rotate-secret: exit %d\n%s", code, out)
			}
			if out, code = run(t, "--db", dsn, "client", "disable", "portal"); code != 0 || !strings.Contains(out, "disabled: true") {
				t.Errorf("disable: exit %d\n%s", code, out)
			}
			if out, code = run(t, "--db", dsn, "client", "list"); code != 0 || !strings.Contains(out, "portal") || !strings.Contains(out, "true") {
				t.Errorf("list: exit %d\n%s", code, out)
			}
			if out, code = run(t, "--db", dsn, "keys", "rotate", "--publish", "1h", "--keep", "2h"); code != 0 || !strings.Contains(out, "published now") {
				t.Errorf("keys rotate: exit %d\n%s", code, out)
			}
			if out, code = run(t, "--db", dsn, "keys", "list"); code != 0 || strings.Count(out, "ES256") != 1 {
				// The first key is made on the provider's first use; only the rotated one exists here.
				t.Errorf("keys list: exit %d\n%s", code, out)
			}
		})
	}
}

func TestCLI_SeedAndAudit(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			out, code := run(t, "--db", dsn, "seed", "--province", "46", "--people", "300", "--seed", "3")
			if code != 0 || !strings.Contains(out, "seeded 300 persons") {
				t.Fatalf("seed: exit %d\n%s", code, out)
			}
			// The data-quality scan, twice: the second finds nothing new.
			out, code = run(t, "--db", dsn, "quality", "scan", "--province", "46")
			if code != 0 || !strings.Contains(out, "scanned 300 persons of province 46") {
				t.Fatalf("quality scan: exit %d\n%s", code, out)
			}
			out, code = run(t, "--db", dsn, "quality", "scan", "--province", "46")
			if code != 0 || !strings.Contains(out, " 0 flags opened, 0 resolved") {
				t.Fatalf("second quality scan: exit %d\n%s", code, out)
			}
			// The dashboard's indicators: the country, the province and its communes.
			out, code = run(t, "--db", dsn, "dashboard", "snapshot")
			if code != 0 || !regexp.MustCompile(`indicators of \d{4}-\d{2}-\d{2} counted for [1-9]\d+ units`).MatchString(out) {
				t.Fatalf("dashboard snapshot: exit %d\n%s", code, out)
			}
			out, code = run(t, "--db", dsn, "seed", "--province", "99", "--people", "10")
			if code == 0 || !strings.Contains(out, "not a province code") {
				t.Errorf("seed of an unknown province: exit %d\n%s", code, out)
			}
			// Produce some access-log entries through the API path: the
			// audit is about what the server recorded.
			db, err := store.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			appendEntries(t, db, dsn, 40)
			out, code = run(t, "--db", dsn, "audit", "verify")
			if code != 0 || !strings.Contains(out, "access log OK") {
				t.Fatalf("audit verify on an intact log: exit %d\n%s", code, out)
			}
			tamper(t, engine, dsn, `UPDATE accesslog_entries SET subject = '001099000001' WHERE seq = 17`)
			out, code = run(t, "--db", dsn, "audit", "verify")
			if code != 2 || !strings.Contains(out, "17") {
				t.Errorf("audit verify after editing entry 17: exit %d\n%s", code, out)
			}
		})
	}
}

// appendEntries records n access-log entries and a checkpoint with the
// database's own signer, as the server would.
func appendEntries(t *testing.T, db *store.DB, dsn string, n int) {
	t.Helper()
	ctx := context.Background()
	signer, _, err := accesslog.LoadOrCreateSigner(ctx, db, "accesslog-signer")
	if err != nil {
		t.Fatal(err)
	}
	alog := accesslog.New(db, signer, accesslog.Options{})
	for i := 0; i < n; i++ {
		e := accesslog.Entry{At: time.Now(), Actor: "officer", ActorRole: "registrar", Subject: fmt.Sprintf("046090%06d", i),
			Action: accesslog.ActionRead, Fields: "*", Outcome: accesslog.OutcomeOK}
		if err := alog.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := alog.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	alog.Close()
}

// tamper runs SQL directly on the database, as an attacker with database
// access would.
func tamper(t *testing.T, engine store.Engine, dsn, q string) {
	t.Helper()
	driver, src := "pgx", dsn
	if engine == store.SQLite {
		driver, src = "sqlite", "file:"+store.AccessLogFile(dsn) // tamper with the log's own file
	}
	db, err := sql.Open(driver, src)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("tamper: %v", err)
	}
}

func TestCLI_ImportBadFile(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			dir := t.TempDir()
			csv := filepath.Join(dir, "legacy.csv")
			os.WriteFile(csv, []byte("record_id,full_name,gender,birth_date,ethnicity,permanent_commune,permanent_address\n"+
				"A1,Nguyễn Văn An,male,1950,01,19753,Thôn 1\n"+
				"A2,Trần Thị Bình,female,13/1970,01,19753,Thôn 2\n"+
				"A3,Lê Văn Cường,robot,1960-02-03,01,19753,Thôn 3\n"+
				"A4,Phạm Thị Dung,female,1975-05,01,99999,Thôn 4\n"+
				"A1,Nguyễn Văn An,male,1950,01,19753,Thôn 1\n"), 0o644)
			report := filepath.Join(dir, "report.csv")
			out, code := run(t, "--db", dsn, "import", "persons", csv, "--report", report)
			if code != 3 {
				t.Fatalf("import with rejected rows: exit %d, want 3\n%s", code, out)
			}
			raw, err := os.ReadFile(report)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
			if len(lines) != 6 { // header + one line per data row
				t.Fatalf("report has %d lines, want 6:\n%s", len(lines), raw)
			}
			for _, want := range []string{"created", "invalid_date", "invalid_gender", "unknown_commune", "duplicate_record"} {
				if !strings.Contains(string(raw), want) {
					t.Errorf("report lacks %s:\n%s", want, raw)
				}
			}
			// Running it again creates nothing new.
			out, code = run(t, "--db", dsn, "import", "persons", csv, "--report", report)
			if code != 3 || !strings.Contains(out, "0 created") {
				t.Errorf("re-run: exit %d\n%s", code, out)
			}
			// A misspelt column refuses the whole file before any write.
			bad := filepath.Join(dir, "bad.csv")
			os.WriteFile(bad, []byte("record_id,fullname,gender\nB1,Nguyễn Văn An,male\n"), 0o644)
			out, code = run(t, "--db", dsn, "import", "persons", bad, "--report", filepath.Join(dir, "bad-report.csv"))
			if code != 1 || !strings.Contains(out, "fullname") {
				t.Errorf("unknown column: exit %d\n%s", code, out)
			}
		})
	}
}

func TestCLI_AuditDetectsDeletion(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			db, err := store.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			appendEntries(t, db, dsn, 30)
			db.Close()
			tamper(t, engine, dsn, `DELETE FROM accesslog_entries WHERE seq = 11`)
			out, code := run(t, "--db", dsn, "audit", "verify")
			if code != 2 || !strings.Contains(out, "11") || !strings.Contains(out, "delet") {
				t.Errorf("audit verify after deleting entry 11: exit %d\n%s", code, out)
			}
		})
	}
}
