package residence_test

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/residence"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

func call(t *testing.T, e *testenv.Env, method, path, token, ctype, body string, want int, headers ...string) map[string]any {
	t.Helper()
	status, _, b := e.Call(method, path, token, ctype, body, headers...)
	if status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, b)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

func TestResidence_Declarations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.NewWith(t, db, testenv.Options{People: 200, Seed: 3})
		hotel := e.Partner("org-hotel", &oidc.Client{Scopes: []string{oidc.ScopeResidence}})
		ekycOnly := e.Partner("org-bank", &oidc.Client{})
		guest := e.Living(0)
		commune := guest.Permanent.Commune
		other := ""
		for _, p := range e.People {
			if p.Permanent != nil && p.Permanent.Commune != commune {
				other = p.Permanent.Commune
				break
			}
		}
		police := e.Officer(auth.Officer{Username: "ca-xa", FullName: "Công an Xã", Role: auth.RoleReader, UnitCode: commune, UnitLevel: auth.LevelCommune})
		elsewhere := e.Officer(auth.Officer{Username: "ca-xa-khac", FullName: "Công an Xã Khác", Role: auth.RoleReader, UnitCode: other, UnitLevel: auth.LevelCommune})
		province := e.Officer(auth.Officer{Username: "ca-tinh", FullName: "Công an Tỉnh", Role: auth.RoleReader, UnitCode: guest.Permanent.Province, UnitLevel: auth.LevelProvince})
		js := "application/json"

		call(t, e, "POST", "/api/v1/residence/establishments", ekycOnly, js, `{"name":"X","kind":"hotel","commune":"`+commune+`","address":"1"}`, 403)
		call(t, e, "POST", "/api/v1/residence/establishments", hotel, js, `{"name":"X","kind":"hotel","commune":"99999","address":"1"}`, 400)
		est := call(t, e, "POST", "/api/v1/residence/establishments", hotel, js,
			`{"name":"Khách sạn Sông Hương","kind":"hotel","commune":"`+commune+`","address":"12 Lê Lợi"}`, 201, "Idempotency-Key", "est-1")
		estID := est["id"].(string)
		stays := "/api/v1/residence/establishments/" + estID + "/stays"

		checkIn := func(g string, want int, key string) map[string]any {
			t.Helper()
			h := []string{}
			if key != "" {
				h = []string{"Idempotency-Key", key}
			}
			return call(t, e, "POST", stays, hotel, js, `{"room":"101","guest":`+g+`}`, want, h...)
		}
		known := checkIn(`{"kind":"citizen","id_number":"`+guest.IDNumber+`","full_name":"`+guest.FullName+`","birth_date":"`+string(guest.BirthDate)+`"}`, 201, "g-1")
		if known["verification"] != "match" || known["flagged"] != false {
			t.Fatalf("known guest: %v", known)
		}
		again := checkIn(`{"kind":"citizen","id_number":"`+guest.IDNumber+`","full_name":"`+guest.FullName+`","birth_date":"`+string(guest.BirthDate)+`"}`, 201, "g-1")
		if again["id"] != known["id"] {
			t.Fatalf("replay declared another stay: %v", again["id"])
		}
		wrong := checkIn(`{"kind":"citizen","id_number":"`+guest.IDNumber+`","full_name":"Tên Khác Hẳn","birth_date":"`+string(guest.BirthDate)+`"}`, 201, "")
		if wrong["verification"] != "no_match" || wrong["flagged"] != true {
			t.Fatalf("wrong name: %v", wrong)
		}
		var unknownID string
		for unknownID == "" {
			n, _ := idnum.New("046", idnum.Male, 1990, rand.IntN)
			if _, err := db.Person(e.Ctx, n.String()); err != nil {
				unknownID = n.String()
			}
		}
		unknown := checkIn(`{"kind":"citizen","id_number":"`+unknownID+`","full_name":"Người Lạ Mặt","birth_date":"1990-01-01"}`, 201, "")
		if unknown["verification"] != "not_found" || unknown["flagged"] != true {
			t.Fatalf("unknown guest: %v", unknown)
		}
		foreign := checkIn(`{"kind":"foreign","full_name":"John Smith","birth_date":"1980-02-03","nationality":"gb","passport_no":"123456789"}`, 201, "")
		if foreign["verification"] != "passport" || foreign["flagged"] != false {
			t.Fatalf("foreign guest: %v", foreign)
		}
		checkIn(`{"kind":"citizen","id_number":"123","full_name":"A B","birth_date":"1990"}`, 400, "")
		checkIn(`{"kind":"foreign","full_name":"A B","birth_date":"1990","nationality":"VN","passport_no":"1"}`, 400, "")

		// Every check of a guest against the register is logged.
		for _, id := range []string{guest.IDNumber, unknownID} {
			entries, err := db.AccessLogEntries(e.Ctx, accesslog.Filter{Subject: id, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, en := range entries {
				if en.Action == residence.ActionGuestCheck && en.Org == "org-hotel" {
					n++
				}
			}
			if want := map[bool]int{true: 2, false: 1}[id == guest.IDNumber]; n != want {
				t.Errorf("%d guest checks of %s logged, want %d", n, id, want)
			}
		}

		// Check-out, once.
		out := call(t, e, "POST", "/api/v1/residence/stays/"+known["id"].(string)+"/checkout", hotel, "", "", 200)
		if out["check_out"] == nil {
			t.Fatalf("checked out: %v", out)
		}
		call(t, e, "POST", "/api/v1/residence/stays/"+known["id"].(string)+"/checkout", hotel, "", "", 409)

		// A CSV upload: a bad line is reported, the others declared.
		csv := "kind,id_number,full_name,birth_date,room,nationality,passport_no\n" +
			"citizen," + guest.IDNumber + "," + guest.FullName + "," + string(guest.BirthDate) + ",201,,\n" +
			"citizen," + guest.IDNumber + "," + guest.FullName + ",1990-13-45,202,,\n" +
			"foreign,,Anna Berg,1975-05-05,203,SE,X1234567\n"
		rep := call(t, e, "POST", stays+"/import", hotel, "text/csv", csv, 200, "Idempotency-Key", "csv-1")
		lines := rep["lines"].([]any)
		if len(lines) != 3 || rep["declared"].(float64) != 2 {
			t.Fatalf("report: %v", rep)
		}
		bad := lines[1].(map[string]any)
		if bad["line"].(float64) != 3 || bad["status"] != "invalid" || !strings.Contains(bad["field"].(string), "birth_date") {
			t.Fatalf("bad line: %v", bad)
		}
		call(t, e, "POST", stays+"/import", hotel, "text/csv", "kind,shoe_size\ncitizen,42\n", 400)

		// Police by area and date.
		today := time.Now().In(time.FixedZone("ICT", 7*3600)).Format("2006-01-02")
		list := func(token, q string, want int) []any {
			t.Helper()
			m := call(t, e, "GET", "/api/v1/residence/declarations?"+q, token, "", "", want)
			d, _ := m["declarations"].([]any)
			return d
		}
		if got := len(list(police, "date="+today, 200)); got != 6 {
			t.Fatalf("commune police see %d stays, want 6", got)
		}
		if got := len(list(police, "date="+today+"&flagged=true", 200)); got != 2 {
			t.Fatalf("%d flagged stays, want 2", got)
		}
		if got := len(list(police, "date=2020-01-01", 200)); got != 0 {
			t.Fatalf("%d stays in 2020", got)
		}
		if got := len(list(province, "date="+today, 200)); got != 6 {
			t.Fatalf("province police see %d stays, want 6", got)
		}
		if got := len(list(province, "commune="+commune+"&date="+today, 200)); got != 6 {
			t.Fatalf("province police by commune see %d stays, want 6", got)
		}
		if got := len(list(elsewhere, "date="+today, 200)); got != 0 {
			t.Fatalf("another commune's police see %d stays", got)
		}
		list(elsewhere, "commune="+commune, 404)
		call(t, e, "GET", "/api/v1/residence/declarations", hotel, "", "", 401)
		// The hotel sees its own establishment's stays.
		if m := call(t, e, "GET", stays+"?date="+today, hotel, "", "", 200); len(m["stays"].([]any)) != 6 {
			t.Fatalf("own stays: %v", m)
		}
	})
}
