package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/card"
	"github.com/dancu-vn/dancu/internal/dashboard"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

type viewBody struct {
	Dashboard struct {
		Code     string            `json:"code"`
		Level    string            `json:"level"`
		Series   []dashboard.Point `json:"series"`
		Children []struct {
			Code   string             `json:"code"`
			Values map[string]float64 `json:"values"`
		} `json:"children"`
	} `json:"dashboard"`
	Error struct {
		Code string `json:"code"`
	} `json:"error"`
}

// TestDashboard: a snapshot of a seeded province counts each commune's
// living residents, those of card age, e-ID accounts and the data-quality
// scan, adds them up to the province and the country, and officers read
// them through the API within their jurisdiction only.
func TestDashboard(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			e := testenv.NewWith(t, storetest.Open(t, engine), testenv.Options{People: 200, Seed: 21})
			citizen := e.Living(0)
			session := e.Citizen(citizen, "0912345678")
			if _, err := e.API.Quality.Scan(e.Ctx, "46"); err != nil {
				t.Fatal(err)
			}
			commune := citizen.Permanent.Commune
			clerk := auth.Actor{ID: "dash-clerk", Role: auth.RoleRegistrar, UnitCode: commune, UnitLevel: auth.LevelCommune}
			issueCard(t, e, clerk, citizen.IDNumber)
			// Two dossiers submitted online to the commune, one decided (rejected) at once.
			registrar := e.Officer(auth.Officer{Username: "dash-registrar", FullName: "Cán bộ", Role: auth.RoleRegistrar, UnitCode: commune, UnitLevel: auth.LevelCommune})
			for i := range 2 {
				body := `{"procedure":"temporary_residence_registration","fields":{"temporary_commune":"` + commune + `",
					"temporary_address":"Số 9 Lê Lợi","until":"2027-12-31","reason":"work"},
					"documents":[{"code":"proof_of_home","file_name":"hop-dong.pdf","sha256":"` + e.UploadPaper(session) + `"}]}`
				st, _, b := e.Call("POST", "/api/v1/portal/dossiers", session, "application/json", body, "Idempotency-Key", fmt.Sprint("dash-", i))
				if st != 201 {
					t.Fatalf("submit = %d %s", st, b)
				}
				if i == 0 {
					id := testenv.JSON(t, b)["dossiers"].([]any)[0].(map[string]any)["id"].(string)
					if st, _, b := e.Call("POST", "/api/v1/dossiers/"+id+"/reject", registrar, "application/json", `{"note":"Thiếu giấy tờ"}`); st != 200 {
						t.Fatalf("reject = %d %s", st, b)
					}
				}
			}
			year := dashboard.PeriodOf(e.API.Now()).Year
			var inCommune, adults, all float64
			for _, p := range e.People {
				if p.Status != register.Living {
					continue
				}
				all++
				if p.Permanent != nil && p.Permanent.Commune == commune {
					inCommune++
					if p.BirthDate.Year() <= year-14 {
						adults++
					}
				}
			}

			for range 2 { // a second snapshot of the day rewrites the first
				if n, err := e.API.Dashboard.Snapshot(e.Ctx); err != nil || n < 3 {
					t.Fatalf("snapshot: %d units, %v", n, err)
				}
			}

			get := func(token, query string, want int) viewBody {
				t.Helper()
				st, _, b := e.Call("GET", "/api/v1/dashboard"+query, token, "", "")
				var v viewBody
				if err := json.Unmarshal(b, &v); err != nil || st != want {
					t.Fatalf("GET %s = %d %s, want %d", query, st, b, want)
				}
				return v
			}
			officer := func(name string, level auth.Level, unit string) string {
				return e.Officer(auth.Officer{Username: name, FullName: "Cán bộ", Role: auth.RoleReader, UnitCode: unit, UnitLevel: level})
			}
			communeOfficer := officer("dash-commune", auth.LevelCommune, commune)
			provinceOfficer := officer("dash-province", auth.LevelProvince, "46")
			central := officer("dash-central", auth.LevelCentral, "")

			v := get(communeOfficer, "", 200)
			if v.Dashboard.Code != commune || len(v.Dashboard.Series) != 1 || len(v.Dashboard.Children) != 0 {
				t.Fatalf("commune view: %+v", v.Dashboard)
			}
			got := v.Dashboard.Series[0]
			if got.Values[dashboard.Population] != inCommune || got.Values[dashboard.Population14] != adults {
				t.Errorf("commune %s: population %v, 14+ %v; want %v, %v", commune, got.Values[dashboard.Population],
					got.Values[dashboard.Population14], inCommune, adults)
			}
			if got.Values[dashboard.EIDLevel1]+got.Values[dashboard.EIDLevel2] != 1 || got.Rates["eid_coverage"] != 1/adults {
				t.Errorf("commune e-ID: %v, rates %v", got.Values, got.Rates)
			}
			if got.Values[dashboard.CardsValid] != 1 || got.Rates["card_coverage"] != 1/adults {
				t.Errorf("commune cards: %v, rates %v", got.Values, got.Rates)
			}
			if got.Values[dashboard.DossiersSubmitted] != 2 || got.Values[dashboard.DossiersClosed] != 1 || got.Rates["on_time_rate"] != 1 {
				t.Errorf("commune dossiers: %v, rates %v", got.Values, got.Rates)
			}
			if q := got.Rates["quality_completeness"]; got.Values[dashboard.QualityPersons] != inCommune || q <= 0 || q > 1 {
				t.Errorf("commune quality: %v, rates %v", got.Values, got.Rates)
			}

			v = get(provinceOfficer, "?unit=46", 200)
			if p := v.Dashboard.Series; len(p) != 1 || p[0].Values[dashboard.Population] != all {
				t.Errorf("province population: %+v, want %v", p, all)
			}
			found := false
			for _, c := range v.Dashboard.Children {
				found = found || c.Code == commune && c.Values[dashboard.Population] == inCommune
			}
			if !found {
				t.Errorf("the province's communes lack %s: %+v", commune, v.Dashboard.Children)
			}
			if v := get(provinceOfficer, "?unit="+commune, 200); v.Dashboard.Level != "commune" {
				t.Errorf("a province officer's commune: %+v", v.Dashboard)
			}

			v = get(central, "", 200)
			// The country also has yesterday's flows, recounted (all 0 here).
			if s := v.Dashboard.Series; v.Dashboard.Code != dashboard.Country || len(s) != 2 || s[1].Values[dashboard.Population] != all ||
				s[0].Values[dashboard.DossiersSubmitted] != 0 || len(s[0].Values) != len(dashboard.Flows) {
				t.Errorf("country: %+v", v.Dashboard)
			}

			for _, c := range []struct {
				token, query string
				status       int
				code         string
			}{
				{communeOfficer, "?unit=46", 403, "forbidden"},
				{provinceOfficer, "?unit=01", 403, "forbidden"},
				{provinceOfficer, "?unit=99999", 404, "not_found"},
				{central, "?to=27-11-2026", 400, "invalid_date"},
				{central, "?from=2026-11-20&to=2026-11-01", 400, "invalid"},
				{central, "?from=2024-01-01&to=2026-01-01", 400, "invalid"},
				{e.Partner("dash-bank", &oidc.Client{ID: "dash-bank"}), "", 401, "unauthorized"}, // officers only
				{e.Citizen(e.Living(1), "0912345679"), "", 401, "unauthorized"},                  // a session is not an API token
				{"", "", 401, "unauthorized"},
			} {
				if v := get(c.token, c.query, c.status); v.Error.Code != c.code {
					t.Errorf("GET %s: error %q, want %q", c.query, v.Error.Code, c.code)
				}
			}
		})
	}
}

// issueCard takes a first card through application, approval (by a second
// registrar), personalisation and issuance.
func issueCard(t *testing.T, e *testenv.Env, clerk auth.Actor, idNumber string) {
	t.Helper()
	e.InitPKI()
	chief := clerk
	chief.ID = "dash-chief"
	req := card.Request{Type: card.First, Legal: register.LegalBasis{DocumentNo: "CC01", DocumentDate: "2026-11-20", Issuer: "Công an xã"}}
	c, err := e.API.Cards.Apply(e.Ctx, clerk, idNumber, req)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []func(context.Context, auth.Actor, string, card.Request) (*card.Card, error){
		e.API.Cards.Approve, e.API.Cards.Personalise, e.API.Cards.Issue} {
		if _, err := step(e.Ctx, chief, c.ID, req); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDashboard_YesterdayFlows: a dossier submitted after the day's last
// snapshot is counted for its day by the next day's first snapshot.
func TestDashboard_YesterdayFlows(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			ict := time.FixedZone("ICT", 7*3600)
			now := time.Date(2026, 11, 26, 10, 0, 0, 0, ict)
			clock := func() time.Time { return now }
			e := testenv.NewWith(t, storetest.Open(t, engine), testenv.Options{People: 100, Seed: 23, Now: clock})
			citizen := e.Living(0)
			commune := citizen.Permanent.Commune
			session := e.Citizen(citizen, "0912345678")
			submit := func(key string) {
				t.Helper()
				body := `{"procedure":"temporary_residence_registration","fields":{"temporary_commune":"` + commune + `",
					"temporary_address":"Số 9 Lê Lợi","until":"2027-12-31","reason":"work"},
					"documents":[{"code":"proof_of_home","file_name":"hop-dong.pdf","sha256":"` + e.UploadPaper(session) + `"}]}`
				if st, _, b := e.Call("POST", "/api/v1/portal/dossiers", session, "application/json", body, "Idempotency-Key", key); st != 201 {
					t.Fatalf("submit = %d %s", st, b)
				}
			}
			submitted := func(day string) float64 {
				t.Helper()
				values, err := e.DB.IndicatorValues(e.Ctx, []string{commune}, day, day)
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range values {
					if v.Indicator == dashboard.DossiersSubmitted {
						return v.Value
					}
				}
				return -1
			}
			submit("y-1")
			if _, err := e.API.Dashboard.Snapshot(e.Ctx); err != nil {
				t.Fatal(err)
			}
			now = now.Add(5 * time.Minute)
			submit("y-2") // after the day's last snapshot
			if got := submitted("2026-11-26"); got != 1 {
				t.Fatalf("2026-11-26 after its snapshot: %v submitted, want 1", got)
			}
			now = time.Date(2026, 11, 27, 9, 0, 0, 0, ict)
			if _, err := e.API.Dashboard.Snapshot(e.Ctx); err != nil {
				t.Fatal(err)
			}
			if got, today := submitted("2026-11-26"), submitted("2026-11-27"); got != 2 || today != 0 {
				t.Errorf("after the next day's snapshot: 2026-11-26 %v, 2026-11-27 %v; want 2, 0", got, today)
			}
		})
	}
}
