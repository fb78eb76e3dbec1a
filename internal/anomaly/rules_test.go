package anomaly

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// at returns an entry of actor about subject, min minutes after t0.
func at(seq int64, min float64, actor, subject, outcome string) accesslog.Entry {
	return accesslog.Entry{Seq: seq, At: t0.Add(time.Duration(min * float64(time.Minute))), Actor: actor,
		ActorRole: "reader", Subject: subject, Action: accesslog.ActionRead, Outcome: outcome}
}

// TestRule_Windows: each rule's window over a key's entries, and the
// alerts it finds.
func TestRule_Windows(t *testing.T) {
	hour := Threshold{Limit: 3, Window: time.Hour}
	mass := rule{name: RuleMassReads, matches: isRead, distinct: true, threshold: hour}
	count := rule{name: RuleJurisdiction, matches: isOfficerRefusal, threshold: hour}
	tests := []struct {
		name string
		rule rule
		rows []accesslog.Entry
		want []string // "bucket-minute:count:first-last" per alert
	}{
		{"one person read again and again is not a mass read", mass, []accesslog.Entry{
			at(0, 1, "a", "p1", "ok"), at(1, 2, "a", "p1", "ok"), at(2, 3, "a", "p1", "ok"), at(3, 4, "a", "p1", "ok"),
		}, nil},
		{"four persons within the hour", mass, []accesslog.Entry{
			at(0, 1, "a", "p1", "ok"), at(1, 2, "a", "p2", "ok"), at(2, 3, "a", "p3", "ok"), at(3, 4, "a", "p4", "ok"),
		}, []string{"0:4:0-3"}},
		{"the window excludes its start", mass, []accesslog.Entry{
			at(0, 0, "a", "p1", "ok"), at(1, 20, "a", "p2", "ok"), at(2, 40, "a", "p3", "ok"), at(3, 60, "a", "p4", "ok"),
		}, nil},
		{"the window slides across buckets", count, []accesslog.Entry{
			at(0, 50, "a", "p1", "denied"), at(1, 55, "a", "p2", "not_found"), at(2, 58, "a", "p3", "denied"),
			at(3, 59, "a", "p4", "denied"), at(4, 65, "a", "p5", "denied"), at(5, 170, "a", "p6", "denied"),
		}, []string{"0:4:0-3", "60:5:0-4"}},
		{"findings of one bucket merge", count, []accesslog.Entry{
			at(0, 1, "a", "", "denied"), at(1, 2, "a", "", "denied"), at(2, 3, "a", "", "denied"),
			at(3, 4, "a", "", "denied"), at(4, 5, "a", "", "denied"),
		}, []string{"0:5:0-4"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var found []Alert
			i, win := -1, newWindow(tc.rule)
			for _, p := range tc.rows {
				found, i = observe(tc.rule, "a", win, p, found, i)
			}
			for _, a := range found {
				got = append(got, fmt.Sprintf("%v:%d:%d-%d", a.WindowStart.Sub(t0).Minutes(), a.Count, a.FirstSeq, a.LastSeq))
				if a.Threshold != 3 || a.Window != time.Hour || !a.WindowEnd.Equal(a.WindowStart.Add(time.Hour)) || a.Key != "a" {
					t.Errorf("alert %+v: threshold, window or key wrong", a)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("alerts = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRules_Match(t *testing.T) {
	e := func(role, action, outcome, subject string) accesslog.Entry {
		return accesslog.Entry{Actor: "x", ActorRole: role, Action: action, Outcome: outcome, Subject: subject}
	}
	tests := []struct {
		name  string
		match func(accesslog.Entry) bool
		entry accesslog.Entry
		want  bool
	}{
		{"officer read", isRead, e("reader", "read", "ok", "p"), true},
		{"search hit", isRead, e("registrar", "search", "ok", "p"), true},
		{"claims released to a relying party", isRead, e("relying_party", "oidc.userinfo", "released", "p"), true},
		{"eKYC answer", isRead, e("partner", "ekyc.verify", "no_match", "p"), true},
		{"change is not a read", isRead, e("registrar", "change", "ok", "p"), false},
		{"denied is not a read", isRead, e("reader", "read", "denied", "p"), false},
		{"refused is not a read", isRead, e("partner", "ekyc.verify", "refused_quota_rate", "p"), false},
		{"no subject", isRead, e("reader", "search", "ok", ""), false},
		{"officer denied", isOfficerRefusal, e("registrar", "read", "denied", "p"), true},
		{"officer not found", isOfficerRefusal, e("reader", "history", "not_found", "p"), true},
		{"partner not found is no jurisdiction attempt", isOfficerRefusal, e("partner", "ekyc.verify", "not_found", "p"), false},
		{"officer rejected change", isOfficerRefusal, e("registrar", "change", "rejected", "p"), false},
		{"quota rate", isQuotaRefusal, e("partner", "ekyc.verify", "refused_quota_rate", ""), true},
		{"quota daily", isQuotaRefusal, e("partner", "ekyc.verify", "refused_quota_daily", ""), true},
		{"not owner is no quota", isQuotaRefusal, e("partner", "ekyc.job.read", "refused_not_owner", ""), false},
		{"policy", isPolicyRefusal, e("partner", "exchange.read", "refused_policy", "p"), true},
		{"consent", isPolicyRefusal, e("partner", "exchange.read", "refused_consent_revoked", "p"), true},
		{"quota is no policy", isPolicyRefusal, e("partner", "ekyc.verify", "refused_quota_rate", "p"), false},
	}
	for _, tc := range tests {
		if got := tc.match(tc.entry); got != tc.want {
			t.Errorf("%s: match = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestBucketOf(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		w    time.Duration
		want time.Time
	}{
		{t0.Add(59 * time.Minute), time.Hour, t0},
		{t0.Add(time.Hour), time.Hour, t0.Add(time.Hour)},
		{t0.Add(7 * time.Minute), 15 * time.Minute, t0},
		{time.Unix(-1, 0), time.Hour, time.Unix(-3600, 0).UTC()},
	} {
		if got := bucketOf(tc.t, tc.w); !got.Equal(tc.want) {
			t.Errorf("bucketOf(%s, %s) = %s, want %s", tc.t, tc.w, got, tc.want)
		}
	}
}

func TestConfig(t *testing.T) {
	t.Run("thresholds", func(t *testing.T) {
		for in, want := range map[string]string{"1000/1h": "1000/1h", "20/15m": "20/15m", "off": "off", " 5/90s ": "5/1m30s",
			"3/1h30m": "3/1h30m", "3/24h": "3/24h", "3/1h0m5s": "3/1h0m5s", "3/120s": "3/2m"} {
			th, err := ParseThreshold(in)
			if err != nil || th.String() != want {
				t.Errorf("ParseThreshold(%q) = %s, %v; want %s", in, th, err, want)
			}
		}
		for _, in := range []string{"", "0/1h", "-1/1h", "10", "10/", "10/0s", "10/500ms", "x/1h", "10/1 hour"} {
			if th, err := ParseThreshold(in); err == nil {
				t.Errorf("ParseThreshold(%q) = %s, want an error", in, th)
			}
		}
	})
	t.Run("defaults are valid", func(t *testing.T) {
		c := DefaultConfig()
		if err := c.Validate(); err != nil || len(c.rules()) != 4 {
			t.Errorf("DefaultConfig: %v, %d rules", err, len(c.rules()))
		}
	})
	t.Run("file over defaults", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "alerts.json")
		os.WriteFile(path, []byte(`{"mass_reads":"500/30m","quota_abuse":"off","interval":"10s","batch":50}`), 0o600)
		c, err := DefaultConfig().LoadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if c.MassReads.String() != "500/30m" || c.Quota.Enabled() || c.Jurisdiction != DefaultConfig().Jurisdiction ||
			c.Interval != 10*time.Second || c.Batch != 50 || len(c.rules()) != 3 {
			t.Errorf("config = %+v", c)
		}
	})
	t.Run("bad files", func(t *testing.T) {
		for _, body := range []string{`{"mass_reads":"lots"}`, `{"nope":"1/1h"}`, `{"interval":"soon"}`, `{"batch":0}`, `[`} {
			path := filepath.Join(t.TempDir(), "alerts.json")
			os.WriteFile(path, []byte(body), 0o600)
			if _, err := DefaultConfig().LoadFile(path); err == nil {
				t.Errorf("LoadFile(%s) succeeded", body)
			}
		}
	})
	t.Run("set", func(t *testing.T) {
		c := DefaultConfig()
		if err := c.Set(RuleOffPurpose, "3/5m"); err != nil || c.OffPurpose != (Threshold{3, 5 * time.Minute}) {
			t.Errorf("Set: %v, %s", err, c.OffPurpose)
		}
		if err := c.Set("nope", "3/5m"); err == nil {
			t.Error("Set of an unknown rule succeeded")
		}
	})
}
