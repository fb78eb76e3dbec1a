package quality_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/quality"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// TestQuality_ScanAndReview: a scan of a seeded province with one record
// registered twice flags the pair and the copy's missing hometown; the
// queue shows them to officers of the commune (each person listed is
// logged), not to another commune's; a dismissal survives rescans; a
// correction resolves its flag at once (recheck) and at the next scan.
func TestQuality_ScanAndReview(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			e := testenv.NewWith(t, storetest.Open(t, engine), testenv.Options{People: 300, Seed: 11})
			var orig *register.Person
			for i := 0; orig == nil; i++ {
				if p := e.Living(i); p.Permanent != nil && p.BirthPlace != "" && p.Hometown != "" && !p.BirthDate.Partial() {
					orig = p
				}
			}
			commune := orig.Permanent.Commune
			registrar := auth.Actor{ID: "qa-registrar", Role: auth.RoleRegistrar, UnitCode: commune, UnitLevel: auth.LevelCommune}
			copyReq := register.BirthRequest{FullName: orig.FullName, Gender: orig.Gender, BirthDate: orig.BirthDate,
				BirthPlace: orig.BirthPlace, Ethnicity: orig.Ethnicity, Religion: orig.Religion, Nationality: orig.Nationality,
				FatherID: orig.FatherID, MotherID: orig.MotherID, Permanent: &register.Residence{Commune: commune, Province: "46", Address: "Số 1"},
				Legal: register.LegalBasis{DocumentNo: "12/TLKS", DocumentDate: "2026-01-05", Issuer: "UBND xã"}}
			dup, err := e.Register.RegisterBirth(e.Ctx, registrar, copyReq)
			if err != nil {
				t.Fatal(err)
			}

			svc := e.API.Quality
			res, err := svc.Scan(e.Ctx, "46")
			if err != nil {
				t.Fatal(err)
			}
			if res.Persons != 301 || res.Opened == 0 || res.Found[quality.RulePossibleDuplicate] == 0 || res.Communes == 0 {
				t.Fatalf("scan: %+v", res)
			}
			again, err := svc.Scan(e.Ctx, "46")
			if err != nil || again.Opened != 0 || again.Resolved != 0 {
				t.Fatalf("rescan changed the queue: %+v %v", again, err)
			}

			officer := e.Officer(auth.Officer{Username: "qa-commune", FullName: "Cán bộ", Role: auth.RoleRegistrar, UnitCode: commune, UnitLevel: auth.LevelCommune})
			var other string
			for i := 0; other == ""; i++ {
				if p := e.Living(i); p.Permanent != nil && p.Permanent.Commune != commune {
					other = p.Permanent.Commune
				}
			}
			stranger := e.Officer(auth.Officer{Username: "qa-other", FullName: "Cán bộ khác", Role: auth.RoleRegistrar, UnitCode: other, UnitLevel: auth.LevelCommune})
			reader := e.Officer(auth.Officer{Username: "qa-reader", FullName: "Cán bộ đọc", Role: auth.RoleReader, UnitCode: commune, UnitLevel: auth.LevelCommune})

			flags := func(token, query string) []map[string]any {
				st, _, body := e.Call("GET", "/api/v1/quality/flags?"+query, token, "", "")
				if st != 200 {
					t.Fatalf("GET flags?%s = %d %s", query, st, body)
				}
				var out struct{ Flags []map[string]any }
				json.Unmarshal(body, &out)
				return out.Flags
			}
			pair := flags(officer, "rule=possible_duplicate&person="+dup.IDNumber)
			if len(pair) != 1 || pair[0]["score"].(float64) < quality.DuplicateThreshold {
				t.Fatalf("duplicate flag: %v", pair)
			}
			dupFlag := pair[0]["id"].(string)
			if ids := []any{pair[0]["person_id"], pair[0]["other_id"]}; !strings.Contains(ids[0].(string)+ids[1].(string), orig.IDNumber) {
				t.Fatalf("pair without the original: %v", ids)
			}
			// Listing named both persons: both reads are in their access logs.
			entries, err := e.DB.AccessLogEntries(e.Ctx, accesslog.Filter{Subject: orig.IDNumber, Actor: "qa-commune", Limit: 10})
			if err != nil || len(entries) == 0 || entries[0].Action != "quality.list" {
				t.Fatalf("access log of the listed person: %v %v", entries, err)
			}
			if got := flags(stranger, "person="+dup.IDNumber); len(got) != 0 {
				t.Fatalf("another commune sees %v", got)
			}
			if st, _, _ := e.Call("GET", "/api/v1/quality/flags/"+dupFlag, stranger, "", ""); st != 404 {
				t.Fatalf("another commune's GET = %d", st)
			}
			for _, tc := range []struct {
				who, act, body string
				want           int
			}{
				{officer, "dismiss", `{}`, 400},                              // a reason is required
				{reader, "dismiss", `{"note":"hai người khác nhau"}`, 403},   // readers do not review
				{stranger, "dismiss", `{"note":"hai người khác nhau"}`, 404}, // outside jurisdiction
				{officer, "reopen", ``, 409},                                 // not dismissed
				{officer, "dismiss", `{"note":"Hai người khác nhau: đã xác minh"}`, 200},
				{officer, "dismiss", `{"note":"again"}`, 409},
			} {
				if st, _, body := e.Call("POST", "/api/v1/quality/flags/"+dupFlag+"/"+tc.act, tc.who, "application/json", tc.body); st != tc.want {
					t.Fatalf("%s %s = %d %s, want %d", tc.act, tc.body, st, body, tc.want)
				}
			}
			if _, err := svc.Scan(e.Ctx, "46"); err != nil {
				t.Fatal(err)
			}
			if got := flags(officer, "rule=possible_duplicate&person="+dup.IDNumber); got[0]["status"] != "dismissed" {
				t.Fatalf("after a rescan: %v", got)
			}

			// The copy lacks a hometown; a correction and a recheck resolve it.
			home := flags(officer, "rule=missing_hometown&person="+dup.IDNumber)
			if len(home) != 1 || home[0]["status"] != "open" {
				t.Fatalf("missing hometown: %v", home)
			}
			if st, _, body := e.Call("POST", "/api/v1/quality/flags/"+home[0]["id"].(string)+"/recheck", officer, "", ""); st != 200 || !strings.Contains(string(body), `"open"`) {
				t.Fatalf("recheck before the correction = %d %s", st, body)
			}
			town := orig.Hometown
			payload, _ := json.Marshal(register.CorrectionPayload{Hometown: &town})
			if _, err := e.Register.RecordEvent(e.Ctx, registrar, dup.IDNumber, register.EventRequest{Kind: register.KindCorrection,
				EffectiveDate: "2026-01-06", Payload: payload, Legal: copyReq.Legal}); err != nil {
				t.Fatal(err)
			}
			if st, _, body := e.Call("POST", "/api/v1/quality/flags/"+home[0]["id"].(string)+"/recheck", officer, "", ""); st != 200 || !strings.Contains(string(body), `"resolved"`) {
				t.Fatalf("recheck after the correction = %d %s", st, body)
			}

			st, _, body := e.Call("GET", "/api/v1/quality/summary", officer, "", "")
			var sum struct{ Communes []quality.Summary }
			json.Unmarshal(body, &sum)
			if st != 200 || len(sum.Communes) != 1 || sum.Communes[0].Commune != commune || sum.Communes[0].Completeness <= 0 {
				t.Fatalf("summary = %d %s", st, body)
			}
			if st, _, _ := e.Call("GET", "/api/v1/quality/flags?rule=nonsense", officer, "", ""); st != 400 {
				t.Fatalf("unknown rule = %d", st)
			}
		})
	}
}
