package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/anomaly"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/httpapi"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/sms"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// oversightFixture is the e-ID fixture with the access log's public key
// served and an anomaly detector that the tests run on demand.
type oversightFixture struct {
	*eidFixture
	detector *anomaly.Detector
}

// newOversightFixture builds the API as cmd/dancu wires it, with alerts on
// more than 3 of anything. The window is long so that the tests' accesses,
// stamped with the real time, share one window bucket.
func newOversightFixture(t *testing.T, db *store.DB) *oversightFixture {
	t.Helper()
	f := newFixture(t, db)
	ctx := context.Background()
	e := &eidFixture{fixture: f, clock: &testClock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}, logs: &lockedBuffer{}}
	_, vkey, err := accesslog.LoadOrCreateSigner(ctx, db, "accesslog-signer")
	if err != nil {
		t.Fatal(err)
	}
	reg := &register.Service{Store: db, Log: f.log, Now: time.Now, Rand: rand.IntN}
	api := httpapi.New(db, reg, f.log, vkey, slog.New(slog.NewTextHandler(io.Discard, nil)), "test")
	api.EID = eid.New(db, &sms.Outbox{Store: db, Now: e.clock.Now}, reg, eid.Options{Now: e.clock.Now, Log: f.log,
		Argon2: eid.Argon2Params{Memory: 256, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}})
	th := anomaly.Threshold{Limit: 3, Window: 1000 * time.Hour}
	det := anomaly.New(db, anomaly.Config{MassReads: th, Jurisdiction: th, Quota: th, OffPurpose: th})
	api.Alerts = det
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	f.srv = srv
	op := auth.Officer{Username: "operator", FullName: "Quản trị hệ thống", Role: auth.RoleAdmin, UnitLevel: auth.LevelCentral}
	if err := db.CreateOfficer(ctx, &op); err != nil {
		t.Fatal(err)
	}
	if _, f.tokens["operator"], err = db.IssueToken(ctx, "operator", "test", time.Hour); err != nil {
		t.Fatal(err)
	}
	return &oversightFixture{eidFixture: e, detector: det}
}

// myLogPage is GET /api/v1/eid/me/accesslog as a citizen's app decodes it.
type myLogPage struct {
	Entries []struct {
		accesslog.Entry
		DisplayName    string   `json:"display_name"`
		OrgName        string   `json:"org_name"`
		LeafIndex      int64    `json:"leaf_index"`
		InclusionProof []string `json:"inclusion_proof"`
	} `json:"entries"`
	Checkpoint struct {
		Note string `json:"note"`
	} `json:"checkpoint"`
	VerifierKey string `json:"verifier_key"`
	NextBefore  *int64 `json:"next_before"`
	NextAfter   *int64 `json:"next_after"`
}

// myLog reads a page of the citizen's access log and verifies it as his
// app does offline: the checkpoint's signature with the log's published
// key, then every entry's inclusion proof against the checkpoint, from the
// entry's own fields. It returns the page and its entries' Seqs.
func (o *oversightFixture) myLog(t *testing.T, token, query string) (myLogPage, []int64) {
	t.Helper()
	status, _, raw := o.call("GET", "/api/v1/eid/me/accesslog"+query, token, nil)
	if status != 200 {
		t.Fatalf("GET my access log%s: %d %s", query, status, raw)
	}
	var page myLogPage
	if err := json.Unmarshal(raw, &page); err != nil {
		t.Fatal(err)
	}
	_, _, key := o.call("GET", "/api/v1/accesslog/key", "", nil)
	if strings.TrimSpace(string(key)) != page.VerifierKey {
		t.Fatalf("the page's verifier key %q is not the published one %q", page.VerifierKey, key)
	}
	cp, err := accesslog.OpenCheckpoint(page.Checkpoint.Note, page.VerifierKey)
	if err != nil {
		t.Fatalf("open checkpoint: %v", err)
	}
	var seqs []int64
	for _, e := range page.Entries {
		proof := make([]tlog.Hash, len(e.InclusionProof))
		for i, s := range e.InclusionProof {
			if proof[i], err = tlog.ParseHash(s); err != nil {
				t.Fatalf("entry %d: proof hash %q: %v", e.Seq, s, err)
			}
		}
		if e.LeafIndex != e.Seq {
			t.Errorf("entry %d: leaf index %d", e.Seq, e.LeafIndex)
		}
		if err := accesslog.VerifyInclusion(e.Entry, proof, cp); err != nil {
			t.Errorf("entry %d: %v", e.Seq, err)
		}
		// The same check with tlog alone, as a client in another language
		// reimplements it from the documented leaf encoding.
		if err := tlog.CheckRecord(proof, cp.Size, cp.Root, e.LeafIndex, tlog.RecordHash(accesslog.LeafData(e.Entry))); err != nil {
			t.Errorf("entry %d: tlog: %v", e.Seq, err)
		}
		tampered := e.Entry
		tampered.Purpose += " (edited)"
		if accesslog.VerifyInclusion(tampered, proof, cp) == nil {
			t.Errorf("entry %d: an edited entry verifies", e.Seq)
		}
		seqs = append(seqs, e.Seq)
	}
	return page, seqs
}

func TestAPI_CitizenAccessLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o := newOversightFixture(t, db)
		ctx := context.Background()
		p, q := o.personIn(o.commune, ""), o.personIn(o.commune, "")
		phoneP, phoneQ := o.newPhone(), o.newPhone()
		o.register(p, phoneP, "482913")
		o.register(q, phoneQ, "482913")
		tokenP, _ := o.login(p.IDNumber, "482913", phoneP, false)
		tokenQ, _ := o.login(q.IDNumber, "482913", phoneQ, false)
		acctP, err := db.EIDAccountByIDNumber(ctx, p.IDNumber)
		if err != nil {
			t.Fatal(err)
		}

		// Officers read p: in jurisdiction, and from outside it (refused).
		for _, c := range []struct{ who, path string }{
			{"commune", "/api/v1/persons/" + p.IDNumber},
			{"province", "/api/v1/persons/" + p.IDNumber + "/history"},
			{"othercommune", "/api/v1/persons/" + p.IDNumber},
			{"commune", "/api/v1/persons/" + q.IDNumber},
		} {
			o.call("GET", c.path, c.who, nil, "X-Purpose", "xác minh hồ sơ", "X-Legal-Basis", "Luật Cư trú 2020")
		}
		// A bank's application read p's data under the bank's organisation;
		// p's own act (as his documents might log it) is not shown to him.
		org := &eid.Organisation{ID: "org-anhduong", RegistrationNumber: "0101234567", Name: "Ngân hàng Ánh Dương",
			Kind: eid.OrgBusiness, RepresentativeID: acctP.ID, CreatedAt: time.Now()}
		if err := db.CreateEIDOrganisation(ctx, org); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateOIDCClient(ctx, &oidc.Client{ID: "anhduong-app", Name: "Ứng dụng Ánh Dương", OrgID: org.ID,
			RedirectURIs: []string{"https://anhduong.example/cb"}, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if err := o.log.Record(ctx,
			accesslog.Entry{Actor: "client:anhduong-app", ActorRole: "partner", Org: org.ID, Purpose: "mở tài khoản",
				Subject: p.IDNumber, Action: "ekyc.verify", Fields: "full_name,birth_date", Outcome: "match"},
			accesslog.Entry{Actor: "citizen:" + acctP.ID, ActorRole: "citizen", Subject: p.IDNumber,
				Action: "documents.share", Fields: "id_card", Outcome: "ok"},
		); err != nil {
			t.Fatal(err)
		}
		// What the log holds about p by others, newest first.
		all, err := o.log.Entries(ctx, accesslog.Filter{Subject: p.IDNumber, Newest: true, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var want []int64
		for _, e := range all {
			if e.Actor != "citizen:"+acctP.ID {
				want = append(want, e.Seq)
			}
		}

		t.Run("who accessed my data, each entry proved", func(t *testing.T) {
			page, seqs := o.myLog(t, tokenP, "")
			if fmt.Sprint(seqs) != fmt.Sprint(want) || len(seqs) < 4 {
				t.Fatalf("seqs = %v, want %v", seqs, want)
			}
			if page.NextBefore != nil || page.NextAfter != nil {
				t.Errorf("one page has a next cursor: %v %v", page.NextBefore, page.NextAfter)
			}
			seen := map[string]bool{}
			for _, e := range page.Entries {
				if e.Subject != p.IDNumber || strings.HasPrefix(e.Actor, "citizen:") {
					t.Errorf("entry %d: subject %s by %s", e.Seq, e.Subject, e.Actor)
				}
				seen[e.Actor+" "+e.Outcome] = true
				switch e.Actor {
				case "client:anhduong-app":
					if e.DisplayName != "Ứng dụng Ánh Dương" || e.OrgName != "Ngân hàng Ánh Dương" || e.Purpose != "mở tài khoản" {
						t.Errorf("the bank's entry: %q of %q for %q", e.DisplayName, e.OrgName, e.Purpose)
					}
				case "commune":
					if e.DisplayName == "" || e.Purpose != "xác minh hồ sơ" || e.LegalBasis != "Luật Cư trú 2020" || e.Fields != "*" {
						t.Errorf("the commune's entry: office %q, purpose %q, basis %q, fields %q", e.DisplayName, e.Purpose, e.LegalBasis, e.Fields)
					}
				}
			}
			for _, s := range []string{"commune ok", "province ok", "othercommune denied", "client:anhduong-app match"} {
				if !seen[s] {
					t.Errorf("no entry %q in %v", s, seen)
				}
			}
		})
		t.Run("another citizen sees none of it", func(t *testing.T) {
			_, seqs := o.myLog(t, tokenQ, "?limit=200")
			if len(seqs) == 0 {
				t.Fatal("q's reads are missing")
			}
			for _, s := range seqs {
				if slices.Contains(want, s) {
					t.Errorf("q sees p's entry %d", s)
				}
			}
			page, _ := o.myLog(t, tokenQ, "")
			for _, e := range page.Entries {
				if e.Subject != q.IDNumber {
					t.Errorf("q sees an entry about %s", e.Subject)
				}
			}
		})
		t.Run("pages", func(t *testing.T) {
			var got []int64
			query := "?limit=2"
			for range len(want) {
				page, seqs := o.myLog(t, tokenP, query)
				got = append(got, seqs...)
				if page.NextBefore == nil {
					break
				}
				query = "?limit=2&before=" + strconv.FormatInt(*page.NextBefore, 10)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("paging down: %v, want %v", got, want)
			}
			oldest := want[len(want)-1]
			page, seqs := o.myLog(t, tokenP, "?limit=2&after="+strconv.FormatInt(oldest, 10))
			next := want[len(want)-3 : len(want)-1]
			if fmt.Sprint(seqs) != fmt.Sprint(next) || page.NextAfter == nil || *page.NextAfter != next[0] {
				t.Errorf("the page after %d: %v next_after %v, want %v", oldest, seqs, page.NextAfter, next)
			}
			if _, seqs := o.myLog(t, tokenP, "?after="+strconv.FormatInt(want[0], 10)); len(seqs) != 0 {
				t.Errorf("after the newest: %v", seqs)
			}
		})
		t.Run("refusals", func(t *testing.T) {
			for _, tc := range []struct {
				name, query, who string
				status           int
				code             string
			}{
				{"no token", "", "", 401, "unauthorized"},
				{"an officer's token", "", "commune", 401, "unauthorized"},
				{"limit too large", "?limit=201", tokenP, 400, "invalid"},
				{"limit zero", "?limit=0", tokenP, 400, "invalid"},
				{"bad cursor", "?before=abc", tokenP, 400, "invalid"},
				{"negative cursor", "?after=-1", tokenP, 400, "invalid"},
			} {
				if s, m, raw := o.call("GET", "/api/v1/eid/me/accesslog"+tc.query, tc.who, nil); s != tc.status || errCode(m) != tc.code {
					t.Errorf("%s: %d %s, want %d %s", tc.name, s, raw, tc.status, tc.code)
				}
			}
		})
	})
}

func TestAPI_Alerts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o := newOversightFixture(t, db)
		ctx := context.Background()
		// Mass reads and attempts outside the jurisdiction, through the API.
		for range 4 {
			p := o.personIn(o.commune, "")
			if s, _, raw := o.call("GET", "/api/v1/persons/"+p.IDNumber, "central", nil); s != 200 {
				t.Fatalf("central reads: %d %s", s, raw)
			}
			if s, _, raw := o.call("GET", "/api/v1/persons/"+p.IDNumber, "othercommune", nil); s != 404 {
				t.Fatalf("other commune reads: %d %s", s, raw)
			}
		}
		// Quota and policy refusals, as the partner APIs log them.
		partner := func(client, org, outcome string) accesslog.Entry {
			return accesslog.Entry{Actor: "client:" + client, ActorRole: "partner", Org: org, Purpose: "ekyc",
				Action: "ekyc.verify", Outcome: outcome}
		}
		if err := o.log.Record(ctx,
			partner("bank-app", "org-bank", "refused_quota_rate"), partner("bank-app", "org-bank", "refused_quota_rate"),
			partner("bank-jobs", "org-bank", "refused_quota_daily"), partner("bank-jobs", "org-bank", "refused_quota_daily"),
			partner("telco", "org-telco", "refused_policy"), partner("telco", "org-telco", "refused_consent"),
			partner("telco", "org-telco", "refused_policy"), partner("telco", "org-telco", "refused_consent"),
		); err != nil {
			t.Fatal(err)
		}
		res, err := o.detector.RunOnce(ctx)
		if err != nil || len(res.Raised) != 4 {
			t.Fatalf("RunOnce: %d raised, %v", len(res.Raised), err)
		}
		list := func(who, query string) []anomaly.Alert {
			t.Helper()
			status, _, raw := o.call("GET", "/api/v1/alerts"+query, who, nil)
			if status != 200 {
				t.Fatalf("GET /api/v1/alerts%s as %s: %d %s", query, who, status, raw)
			}
			var body struct{ Alerts []anomaly.Alert }
			json.Unmarshal(raw, &body)
			return body.Alerts
		}
		keys := func(alerts []anomaly.Alert) string {
			var out []string
			for _, a := range alerts {
				out = append(out, a.Rule+" "+a.Key+" "+a.Status)
			}
			slices.Sort(out)
			return strings.Join(out, ", ")
		}

		t.Run("each rule raised one alert", func(t *testing.T) {
			want := "mass_reads central open, off_purpose client:telco open, out_of_jurisdiction othercommune open, quota_abuse org:org-bank open"
			if got := keys(list("auditor", "")); got != want {
				t.Errorf("alerts: %s\nwant %s", got, want)
			}
			if got := keys(list("operator", "?rule=quota_abuse&status=open&limit=10")); got != "quota_abuse org:org-bank open" {
				t.Errorf("quota alerts: %s", got)
			}
		})
		t.Run("deduplicated", func(t *testing.T) {
			p := o.personIn(o.commune, "")
			o.call("GET", "/api/v1/persons/"+p.IDNumber, "central", nil)
			o.call("GET", "/api/v1/persons/"+p.IDNumber, "othercommune", nil)
			res, err := o.detector.RunOnce(ctx)
			if err != nil || len(res.Raised) != 0 {
				t.Fatalf("RunOnce: %d raised, %v", len(res.Raised), err)
			}
			alerts := list("auditor", "?rule=mass_reads")
			if len(alerts) != 1 || alerts[0].Count != 5 {
				t.Errorf("mass reads: %+v", alerts)
			}
		})
		t.Run("refusals", func(t *testing.T) {
			for _, tc := range []struct {
				name, method, path, who string
				status                  int
				code                    string
			}{
				{"a registrar lists", "GET", "/api/v1/alerts", "commune", 403, "forbidden"},
				{"a reader lists", "GET", "/api/v1/alerts", "central", 403, "forbidden"},
				{"no token", "GET", "/api/v1/alerts", "", 401, "unauthorized"},
				{"bad status", "GET", "/api/v1/alerts?status=closed", "auditor", 400, "invalid"},
				{"bad rule", "GET", "/api/v1/alerts?rule=nope", "auditor", 400, "invalid"},
				{"bad limit", "GET", "/api/v1/alerts?limit=0", "auditor", 400, "invalid"},
				{"a registrar acknowledges", "POST", "/api/v1/alerts/1/ack", "commune", 403, "forbidden"},
				{"unknown alert", "POST", "/api/v1/alerts/99999/ack", "operator", 404, "not_found"},
				{"not an id", "POST", "/api/v1/alerts/abc/ack", "operator", 404, "not_found"},
			} {
				if s, m, raw := o.call(tc.method, tc.path, tc.who, nil); s != tc.status || errCode(m) != tc.code {
					t.Errorf("%s: %d %s, want %d %s", tc.name, s, raw, tc.status, tc.code)
				}
			}
		})
		t.Run("an admin acknowledges", func(t *testing.T) {
			id := list("auditor", "?rule=mass_reads")[0].ID
			path := fmt.Sprintf("/api/v1/alerts/%d/ack", id)
			status, m, raw := o.call("POST", path, "operator", nil)
			if status != 200 || m["status"] != "acknowledged" || m["acknowledged_by"] != "operator" || m["acknowledged_at"] == nil {
				t.Fatalf("ack: %d %s", status, raw)
			}
			if s, m, raw := o.call("POST", path, "auditor", nil); s != 409 || errCode(m) != "conflict" {
				t.Errorf("second ack: %d %s", s, raw)
			}
			if got := keys(list("auditor", "?status=acknowledged")); got != "mass_reads central acknowledged" {
				t.Errorf("acknowledged: %s", got)
			}
			if n := len(list("auditor", "?status=open")); n != 3 {
				t.Errorf("%d open alerts, want 3", n)
			}
		})
		t.Run("metrics", func(t *testing.T) {
			_, _, raw := o.call("GET", "/metrics", "", nil)
			for _, line := range []string{
				`dancu_alerts_total{rule="mass_reads"} 1`, `dancu_alerts_total{rule="quota_abuse"} 1`,
				`dancu_alerts_open{rule="mass_reads"} 0`, `dancu_alerts_open{rule="out_of_jurisdiction"} 1`,
				`dancu_alerts_open{rule="quota_abuse"} 1`, `dancu_alerts_open{rule="off_purpose"} 1`,
			} {
				if !strings.Contains(string(raw), line+"\n") {
					t.Errorf("metrics lack %s", line)
				}
			}
		})
	})
}
