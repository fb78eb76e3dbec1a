package anomaly_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/anomaly"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// testConfig alerts on more than 3 of anything within an hour, and reads
// the log 4 entries at a time so that the tests cross batches.
func testConfig() anomaly.Config {
	th := anomaly.Threshold{Limit: 3, Window: time.Hour}
	return anomaly.Config{MassReads: th, Jurisdiction: th, Quota: th, OffPurpose: th, Batch: 4}
}

// newLog returns the real access log over db.
func newLog(t *testing.T, db *store.DB) *accesslog.Log {
	t.Helper()
	signer, _, err := accesslog.LoadOrCreateSigner(context.Background(), db, "accesslog-signer")
	if err != nil {
		t.Fatal(err)
	}
	l := accesslog.New(db, signer, accesslog.Options{})
	t.Cleanup(func() { l.Close() })
	return l
}

// entry is an access min minutes after t0.
func entry(min int, actor, role, org, subject, action, outcome string) accesslog.Entry {
	return accesslog.Entry{At: t0.Add(time.Duration(min) * time.Minute), Actor: actor, ActorRole: role, Org: org,
		Purpose: "official_duty", Subject: subject, Action: action, Fields: "*", Outcome: outcome}
}

// record appends entries through the real log.
func record(t *testing.T, l *accesslog.Log, entries ...accesslog.Entry) {
	t.Helper()
	if err := l.Record(context.Background(), entries...); err != nil {
		t.Fatal(err)
	}
}

// summary lists alerts as "rule key count first-last status", sorted.
func summary(alerts []anomaly.Alert) []string {
	var out []string
	for _, a := range alerts {
		out = append(out, fmt.Sprintf("%s %s %d %d-%d %s", a.Rule, a.Key, a.Count, a.FirstSeq, a.LastSeq, a.Status))
	}
	sort.Strings(out)
	return out
}

var (
	admin     = auth.Actor{ID: "admin1", Role: auth.RoleAdmin}
	auditor   = auth.Actor{ID: "audit1", Role: auth.RoleAuditor}
	registrar = auth.Actor{ID: "reg1", Role: auth.RoleRegistrar}
)

func TestDetector_Rules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := newLog(t, db)
		record(t, l,
			// seq 0-4: mass reads, 5 persons, one of them twice.
			entry(1, "reader1", "reader", "", "p1", "read", "ok"),
			entry(2, "reader1", "reader", "", "p2", "search", "ok"),
			entry(3, "reader1", "reader", "", "p2", "read", "ok"),
			entry(4, "reader1", "reader", "", "p3", "history", "ok"),
			entry(5, "reader1", "reader", "", "p4", "read", "ok"),
			// seq 5-8: an officer probing outside his jurisdiction.
			entry(6, "probe", "registrar", "", "q1", "read", "denied"),
			entry(7, "probe", "registrar", "", "q2", "read", "not_found"),
			entry(8, "probe", "registrar", "", "q3", "change", "denied"),
			entry(9, "probe", "registrar", "", "q4", "history", "not_found"),
			// seq 9-12: two clients of one bank over its quota.
			entry(10, "client:bank-app", "partner", "org-bank", "", "ekyc.verify", "refused_quota_rate"),
			entry(11, "client:bank-app", "partner", "org-bank", "", "ekyc.verify", "refused_quota_rate"),
			entry(12, "client:bank-batch", "partner", "org-bank", "", "ekyc.verify", "refused_quota_daily"),
			entry(13, "client:bank-batch", "partner", "org-bank", "", "ekyc.verify", "refused_quota_daily"),
			// seq 13-16: reads the purpose does not allow.
			entry(14, "client:telco", "partner", "org-telco", "r1", "exchange.read", "refused_policy"),
			entry(15, "client:telco", "partner", "org-telco", "r2", "exchange.read", "refused_consent"),
			entry(16, "client:telco", "partner", "org-telco", "r3", "exchange.read", "refused_policy_fields"),
			entry(17, "client:telco", "partner", "org-telco", "r4", "exchange.read", "refused_consent"),
		)
		record(t, l,
			// Nothing here reaches a threshold.
			entry(1, "client:telco2", "partner", "org-telco", "s1", "ekyc.verify", "not_found"),
			entry(2, "client:telco2", "partner", "org-telco", "s2", "ekyc.verify", "not_found"),
			entry(3, "client:telco2", "partner", "org-telco", "s3", "ekyc.verify", "not_found"),
			entry(4, "client:telco2", "partner", "org-telco", "s4", "ekyc.verify", "not_found"),
			entry(0, "slow", "registrar", "", "u1", "read", "denied"),
			entry(70, "slow", "registrar", "", "u2", "read", "denied"),
			entry(140, "slow", "registrar", "", "u3", "read", "denied"),
			entry(210, "slow", "registrar", "", "u4", "read", "denied"),
			entry(20, "writer", "registrar", "", "w1", "change", "ok"),
			entry(21, "writer", "registrar", "", "w2", "change", "ok"),
			entry(22, "writer", "registrar", "", "w3", "change", "ok"),
			entry(23, "writer", "registrar", "", "w4", "create", "ok"),
		)
		d := anomaly.New(db, testConfig())
		res, err := d.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Scanned != 29 || res.Cursor != 28 || len(res.Raised) != 4 {
			t.Errorf("RunOnce = %d scanned to %d, %d raised; want 29 to 28, 4", res.Scanned, res.Cursor, len(res.Raised))
		}
		alerts, err := d.List(ctx, auditor, anomaly.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"mass_reads reader1 4 0-4 open",
			"off_purpose client:telco 4 13-16 open",
			"out_of_jurisdiction probe 4 5-8 open",
			"quota_abuse org:org-bank 4 9-12 open",
		}
		if got := summary(alerts); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("alerts:\n got %q\nwant %q", got, want)
		}
		for _, a := range alerts {
			if !a.WindowStart.Equal(t0) || !a.WindowEnd.Equal(t0.Add(time.Hour)) || a.Threshold != 3 || a.ID == 0 {
				t.Errorf("alert %+v: want the bucket of t0, threshold 3, an ID", a)
			}
			if a.Rule == anomaly.RuleQuota && (a.Org != "org-bank" || a.Actor != "client:bank-batch") {
				t.Errorf("quota alert names org %q, actor %q", a.Org, a.Actor)
			}
		}
		st := d.Stats()
		for _, r := range anomaly.Rules() {
			if st.Raised[r] != 1 || st.Open[r] != 1 {
				t.Errorf("stats of %s: raised %d, open %d; want 1, 1", r, st.Raised[r], st.Open[r])
			}
		}

		t.Run("the cursor persists: nothing is raised twice", func(t *testing.T) {
			again := anomaly.New(db, testConfig())
			res, err := again.RunOnce(ctx)
			if err != nil || res.Scanned != 0 || len(res.Raised) != 0 {
				t.Errorf("second run: %+v, %v", res, err)
			}
		})
		t.Run("more of the same updates the open alert", func(t *testing.T) {
			record(t, l, entry(30, "reader1", "reader", "", "p5", "read", "ok"))
			res, err := d.RunOnce(ctx)
			if err != nil || res.Scanned != 1 || len(res.Raised) != 0 {
				t.Fatalf("run: %+v, %v", res, err)
			}
			got, _ := d.List(ctx, admin, anomaly.Filter{Rule: anomaly.RuleMassReads})
			if s := summary(got); len(s) != 1 || s[0] != "mass_reads reader1 5 0-29 open" {
				t.Errorf("mass reads = %q", s)
			}
		})
		t.Run("acknowledge", func(t *testing.T) {
			open, _ := d.List(ctx, admin, anomaly.Filter{Rule: anomaly.RuleMassReads, Status: anomaly.StatusOpen})
			id := open[0].ID
			if _, err := d.Acknowledge(ctx, registrar, id); apperr.Code(err) != apperr.Forbidden {
				t.Errorf("a registrar acknowledges: %v", err)
			}
			a, err := d.Acknowledge(ctx, admin, id)
			if err != nil || a.Status != anomaly.StatusAcknowledged || a.AcknowledgedBy != "admin1" || a.AcknowledgedAt == nil {
				t.Fatalf("acknowledge: %+v, %v", a, err)
			}
			if _, err := d.Acknowledge(ctx, auditor, id); apperr.Code(err) != apperr.Conflict {
				t.Errorf("acknowledge twice: %v", err)
			}
			if _, err := d.Acknowledge(ctx, auditor, id+1000); apperr.Code(err) != apperr.NotFound {
				t.Errorf("acknowledge an unknown alert: %v", err)
			}
			if st := d.Stats(); st.Open[anomaly.RuleMassReads] != 0 {
				t.Errorf("open mass reads after acknowledging: %d", st.Open[anomaly.RuleMassReads])
			}
			// Reading on in the bucket opens a new alert.
			record(t, l, entry(31, "reader1", "reader", "", "p6", "read", "ok"))
			res, err := d.RunOnce(ctx)
			if err != nil || len(res.Raised) != 1 || res.Raised[0].Rule != anomaly.RuleMassReads {
				t.Fatalf("run after acknowledging: %+v, %v", res, err)
			}
			acked, _ := d.List(ctx, auditor, anomaly.Filter{Status: anomaly.StatusAcknowledged})
			opened, _ := d.List(ctx, auditor, anomaly.Filter{Status: anomaly.StatusOpen, Rule: anomaly.RuleMassReads})
			if len(acked) != 1 || acked[0].ID != id || len(opened) != 1 || opened[0].Count != 6 {
				t.Errorf("acknowledged %q, open %q", summary(acked), summary(opened))
			}
		})
		t.Run("listing", func(t *testing.T) {
			all, err := d.List(ctx, admin, anomaly.Filter{Limit: 2})
			if err != nil || len(all) != 2 || all[0].ID < all[1].ID {
				t.Fatalf("first page: %q, %v", summary(all), err)
			}
			rest, err := d.List(ctx, admin, anomaly.Filter{Before: all[1].ID})
			if err != nil || len(rest) != 3 {
				t.Errorf("second page: %q, %v", summary(rest), err)
			}
			for _, f := range []anomaly.Filter{{Status: "closed"}, {Rule: "nope"}, {Limit: 501}, {Limit: -1}} {
				if _, err := d.List(ctx, admin, f); apperr.Code(err) != apperr.Invalid {
					t.Errorf("List(%+v): %v", f, err)
				}
			}
			if _, err := d.List(ctx, registrar, anomaly.Filter{}); apperr.Code(err) != apperr.Forbidden {
				t.Errorf("a registrar lists alerts: %v", err)
			}
		})
	})
}

// TestDetector_Nodes runs detectors of several nodes at once over one
// database: each batch is stored once, so no alert is doubled.
func TestDetector_Nodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := newLog(t, db)
		var es []accesslog.Entry
		for i := range 40 {
			es = append(es, entry(i%50, fmt.Sprintf("officer%d", i%4), "reader", "", fmt.Sprintf("p%d", i), "read", "ok"))
		}
		record(t, l, es...)
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := anomaly.New(db, testConfig()).RunOnce(ctx)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		alerts, err := anomaly.New(db, testConfig()).List(ctx, admin, anomaly.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"mass_reads officer0 10 0-36 open", "mass_reads officer1 10 1-37 open",
			"mass_reads officer2 10 2-38 open", "mass_reads officer3 10 3-39 open",
		}
		if got := summary(alerts); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("alerts:\n got %q\nwant %q", got, want)
		}
	})
}

// TestDetector_Background runs the detector as the server does.
func TestDetector_Background(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := newLog(t, db)
		cfg := testConfig()
		cfg.Interval = 100 * time.Millisecond
		d := anomaly.Start(db, cfg, nil)
		defer d.Close()
		record(t, l,
			entry(1, "probe", "registrar", "", "q1", "read", "denied"), entry(2, "probe", "registrar", "", "q2", "read", "denied"),
			entry(3, "probe", "registrar", "", "q3", "read", "denied"), entry(4, "probe", "registrar", "", "q4", "read", "denied"))
		deadline := time.Now().Add(10 * time.Second)
		for d.Stats().Open[anomaly.RuleJurisdiction] != 1 {
			if time.Now().After(deadline) {
				t.Fatal("the background detector raised no alert within 10s")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
	})
}
