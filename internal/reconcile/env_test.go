package reconcile_test

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// TestReconcile_API: an officer sends an agency's list and gets a report
// line for every row: facts that agree, facts that differ with the
// register's values, a death, a retired number with the number that
// replaced it, an unknown number, a person outside his jurisdiction
// (answered as unknown), and rows that cannot be checked; each person
// read is in the access log. A bad file, or a role that does not read
// person data, is refused.
func TestReconcile_API(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			e := testenv.NewWith(t, storetest.Open(t, engine), testenv.Options{People: 200, Seed: 31})
			var same, wrong, dead, elsewhere *register.Person
			commune := e.Living(0).Permanent.Commune
			for _, p := range e.People {
				in := p.Permanent != nil && p.Permanent.Commune == commune && p.Status == register.Living && len(p.BirthDate) == 10
				switch {
				case in && same == nil:
					same = p
				case in && wrong == nil && p.HouseholdID != "" && p.SpouseID == "":
					wrong = p
				case in && dead == nil:
					dead = p
				case p.Permanent != nil && p.Permanent.Commune != commune && elsewhere == nil:
					elsewhere = p
				}
			}
			registrar := auth.Actor{ID: "rc-registrar", Role: auth.RoleRegistrar, UnitCode: commune, UnitLevel: auth.LevelCommune}
			legal := register.LegalBasis{DocumentNo: "5/TT", DocumentDate: "2026-11-20", Issuer: "UBND xã"}
			deathPl, _ := json.Marshal(register.DeathPayload{DeathDate: "2026-11-19"})
			if _, err := e.Register.RecordEvent(e.Ctx, registrar, dead.IDNumber, register.EventRequest{Kind: register.KindDeath,
				EffectiveDate: "2026-11-19", Legal: legal, Payload: deathPl}); err != nil {
				t.Fatal(err)
			}
			// A second record of the first person, merged into the first.
			dup, err := e.Register.RegisterBirth(e.Ctx, registrar, register.BirthRequest{FullName: same.FullName, Gender: same.Gender,
				BirthDate: same.BirthDate, BirthPlace: "Trạm y tế", Ethnicity: same.Ethnicity,
				Permanent: &register.Residence{Commune: commune, Address: "Số 4"}, Legal: legal})
			if err != nil {
				t.Fatal(err)
			}
			mergePl, _ := json.Marshal(map[string]string{"retired": dup.IDNumber})
			if _, err := e.Register.RecordEvent(e.Ctx, registrar, same.IDNumber, register.EventRequest{Kind: register.KindMerge,
				EffectiveDate: "2026-11-20", Legal: legal, Payload: mergePl}); err != nil {
				t.Fatal(err)
			}
			otherGender := map[string]string{"male": "Nữ", "female": "Nam"}[string(wrong.Gender)]
			list := "record_id,id_number,full_name,birth_date,gender\n" +
				"A1," + same.IDNumber + "," + strings.ToUpper(same.FullName) + "," + string(same.BirthDate) + "," + string(same.Gender) + "\n" +
				"A2," + wrong.IDNumber + ",Tên Khác Hẳn,," + otherGender + "\n" +
				"A3," + dead.IDNumber + ",,,\n" +
				"A4," + dup.IDNumber + "," + same.FullName + ",,\n" +
				"A5,046099999999,,,\n" +
				"A6," + elsewhere.IDNumber + ",,,\n" +
				"A7,12345,,,\n" +
				"A8," + same.IDNumber + ",,32/13/1990,\n"
			officer := e.Officer(auth.Officer{Username: "rc-officer", FullName: "Cán bộ", Role: auth.RoleReader, UnitCode: commune, UnitLevel: auth.LevelCommune})
			st, _, body := e.Call("POST", "/api/v1/reconcile", officer, "text/csv", list, "X-Purpose", "làm sạch dữ liệu BHXH")
			if st != 200 {
				t.Fatalf("reconcile = %d %s", st, body)
			}
			lines, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
			if err != nil || len(lines) != 9 {
				t.Fatalf("report: %v\n%s", err, body)
			}
			get := func(i int, col string) string {
				for j, c := range lines[0] {
					if c == col {
						return lines[i][j]
					}
				}
				t.Fatalf("no column %s", col)
				return ""
			}
			for i, want := range []struct{ outcome, differs, extra string }{
				{"match", "", ""},
				{"differs", "full_name;gender", wrong.FullName},
				{"match", "", "2026-11-19"},
				{"retired", "", same.IDNumber},
				{"not_found", "", ""},
				{"not_found", "", ""},
				{"invalid", "", ""},
				{"invalid", "", ""},
			} {
				row := i + 1
				if get(row, "outcome") != want.outcome || get(row, "differs") != want.differs || !strings.Contains(strings.Join(lines[row], ","), want.extra) {
					t.Errorf("row %s: %v, want %+v", get(row, "record_id"), lines[row], want)
				}
			}
			if get(2, "register_gender") != string(wrong.Gender) || get(3, "status") != "dead" || get(1, "register_full_name") != "" {
				t.Errorf("register values: %v / %v / %v", lines[1], lines[2], lines[3])
			}
			// Six rows read a record (or tried to): six entries, one denied.
			entries, err := e.DB.AccessLogEntries(e.Ctx, accesslog.Filter{Actor: "rc-officer", Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			denied := 0
			for _, en := range entries {
				if en.Action != "reconcile" || en.Actor != "rc-officer" || en.Purpose != "làm sạch dữ liệu BHXH" {
					t.Errorf("entry %+v", en)
				}
				if en.Outcome == accesslog.OutcomeDenied {
					denied++
				}
			}
			if len(entries) != 6 || denied != 1 {
				t.Errorf("%d entries (%d denied), want 6 (1 denied)", len(entries), denied)
			}

			auditor := e.Officer(auth.Officer{Username: "rc-auditor", FullName: "Kiểm toán", Role: auth.RoleAuditor, UnitLevel: auth.LevelCentral})
			for _, c := range []struct {
				token, body string
				status      int
			}{
				{officer, "id_number,phone\n1,2\n", 400},
				{officer, "", 400},
				{auditor, list, 403},
				{"", list, 401},
			} {
				if st, _, b := e.Call("POST", "/api/v1/reconcile", c.token, "text/csv", c.body); st != c.status {
					t.Errorf("POST %q = %d %s, want %d", c.body, st, b, c.status)
				}
			}
		})
	}
}
