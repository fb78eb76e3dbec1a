package sharing_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(storetest.Main(m))
}

const policy = `{"organisation_id":"bhxh","purpose":"health_insurance_enrolment",
	"legal_basis":{"document_no":"59/2022/NĐ-CP","document_date":"2022-09-05","issuer":"Chính phủ"},
	"fields":["full_name","birth_date","permanent_residence"],"consent_required":%s}`

func TestSharing_PolicyConsentAndReads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 200)
		admin := e.Officer(auth.Officer{Username: "ops", FullName: "Quản trị", Role: auth.RoleAdmin, UnitLevel: auth.LevelCentral})
		// Bad policies are refused; a good one is stored.
		for _, bad := range []string{
			`{"organisation_id":"bhxh","purpose":"x","legal_basis":{"document_no":"1","document_date":"2022-01-01","issuer":"a"},"fields":["full_name"]}`,
			`{"organisation_id":"bhxh","purpose":"ok_purpose","legal_basis":{},"fields":["full_name"]}`,
			`{"organisation_id":"bhxh","purpose":"ok_purpose","legal_basis":{"document_no":"1","document_date":"2022-01-01","issuer":"a"},"fields":["shoe_size"]}`,
		} {
			if st, _, b := e.Call("POST", "/api/v1/sharing/policies", admin, "application/json", bad); st != 400 {
				t.Errorf("bad policy %s = %d %s", bad, st, b)
			}
		}
		st, _, b := e.Call("POST", "/api/v1/sharing/policies", admin, "application/json", strings.Replace(policy, "%s", "true", 1))
		if st != 201 {
			t.Fatalf("policy = %d %s", st, b)
		}
		tok := e.Partner("bhxh", &oidc.Client{ID: "bhxh-1", Scopes: []string{oidc.ScopePersons}})
		p := e.Living(0)
		read := func(purpose string) (int, map[string]any) {
			st, _, b := e.Call("GET", "/api/v1/persons/"+p.IDNumber, tok, "", "", "X-Purpose", purpose)
			return st, testenv.JSON(t, b)
		}
		code := func(m map[string]any) string { return m["error"].(map[string]any)["code"].(string) }
		if st, m := read(""); st != 400 || code(m) != "purpose_required" {
			t.Errorf("no purpose = %d %v", st, m)
		}
		if st, m := read("marketing"); st != 403 || code(m) != "purpose_not_allowed" {
			t.Errorf("purpose beyond the policy = %d %v", st, m)
		}
		if st, m := read("health_insurance_enrolment"); st != 403 || code(m) != "consent_required" {
			t.Errorf("without consent = %d %v", st, m)
		}
		// The citizen consents; the read returns only the allowed fields.
		citizen := e.Citizen(p, "0912000001")
		st, _, b = e.Call("POST", "/api/v1/eid/me/sharing/consents", citizen, "application/json",
			`{"organisation_id":"bhxh","purpose":"health_insurance_enrolment"}`)
		if st != 201 {
			t.Fatalf("consent = %d %s", st, b)
		}
		consentID := testenv.JSON(t, b)["id"].(string)
		if st, _, b := e.Call("POST", "/api/v1/eid/me/sharing/consents", citizen, "application/json",
			`{"organisation_id":"bhxh","purpose":"marketing"}`); st != 404 {
			t.Errorf("consent to a purpose no policy asks for = %d %s", st, b)
		}
		st, m := read("health_insurance_enrolment")
		if st != 200 || m["full_name"] != p.FullName || m["birth_date"] != string(p.BirthDate) {
			t.Fatalf("read = %d %v", st, m)
		}
		for _, f := range []string{"gender", "ethnicity", "father_id", "household_id", "status"} {
			if _, ok := m[f]; ok {
				t.Errorf("field %s released beyond the policy", f)
			}
		}
		// The citizen revokes; reads stop.
		if st, _, _ := e.Call("DELETE", "/api/v1/eid/me/sharing/consents/"+consentID, citizen, "", ""); st != 204 {
			t.Fatalf("revoke consent = %d", st)
		}
		if st, _ := read("health_insurance_enrolment"); st != 403 {
			t.Errorf("read after revocation = %d", st)
		}
		// A token without persons.read cannot read at all.
		ekycOnly := e.Partner("bhxh", &oidc.Client{ID: "bhxh-2"})
		if st, _, _ := e.Call("GET", "/api/v1/persons/"+p.IDNumber, ekycOnly, "", "", "X-Purpose", "health_insurance_enrolment"); st != 403 {
			t.Errorf("read without the scope = %d", st)
		}
		// Reads and refusals are all in the access log.
		entries, err := db.AccessLogEntries(context.Background(), accesslog.Filter{Subject: p.IDNumber, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		outcomes := map[string]int{}
		for _, en := range entries {
			if en.Action == "person.read" && en.Org == "bhxh" {
				outcomes[en.Outcome]++
			}
		}
		for _, want := range []string{"refused_policy_no_purpose", "refused_policy", "refused_consent", "ok"} {
			if outcomes[want] == 0 {
				t.Errorf("no access-log entry with outcome %s: %v", want, outcomes)
			}
		}
	})
}
