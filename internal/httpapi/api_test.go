package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/httpapi"
	"github.com/dancu-vn/dancu/internal/officer"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/seed"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/units"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// fixture is a running API over a seeded database with officers of every
// tier.
type fixture struct {
	t       testing.TB
	db      *store.DB
	srv     *httptest.Server
	log     *accesslog.Log
	tokens  map[string]string
	commune string // the commune officer's commune
	other   string // another commune of the same province
	used    map[string]bool
}

const testProvince = "46"

// seeded is the synthetic population of the fixture.
const seeded = 1500

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	if _, err := db.SyncUnits(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Run(ctx, db, seed.Options{Province: testProvince, People: seeded, Seed: 7, Today: "2026-01-01"}); err != nil {
		t.Fatalf("seed: %v", err)
	}
	signer, vkey, err := accesslog.LoadOrCreateSigner(ctx, db, "accesslog-signer")
	if err != nil {
		t.Fatal(err)
	}
	alog := accesslog.New(db, signer, accesslog.Options{})
	t.Cleanup(func() { alog.Close() })
	reg := &register.Service{Store: db, Log: alog, Now: time.Now, Rand: rand.IntN}
	api := httpapi.New(db, reg, alog, vkey, slog.New(slog.NewTextHandler(io.Discard, nil)), "test")
	api.Officers = &officer.Service{Store: db, Argon2: eid.Argon2Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	f := &fixture{t: t, db: db, srv: srv, log: alog, tokens: map[string]string{}, used: map[string]bool{}}
	// The commune officer gets the commune where most seeded people live.
	var counts = map[string]int{}
	res, err := db.SearchPersons(ctx, register.Filter{Province: testProvince, Limit: seeded})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res {
		counts[p.Permanent.Commune]++
	}
	for c, n := range counts {
		if n > counts[f.commune] || (n == counts[f.commune] && c < f.commune) {
			f.commune = c
		}
	}
	for _, c := range units.CommunesOf(testProvince, "2026-01-01") {
		if c.Code != f.commune {
			f.other = c.Code
			break
		}
	}
	officers := []auth.Officer{
		{Username: "commune", FullName: "Cán bộ Xã", Role: auth.RoleRegistrar, UnitLevel: auth.LevelCommune, UnitCode: f.commune},
		{Username: "othercommune", FullName: "Cán bộ Xã Khác", Role: auth.RoleRegistrar, UnitLevel: auth.LevelCommune, UnitCode: f.other},
		{Username: "province", FullName: "Cán bộ Tỉnh", Role: auth.RoleRegistrar, UnitLevel: auth.LevelProvince, UnitCode: testProvince},
		{Username: "otherprovince", FullName: "Cán bộ Hà Nội", Role: auth.RoleRegistrar, UnitLevel: auth.LevelProvince, UnitCode: "01"},
		{Username: "central", FullName: "Cán bộ Trung ương", Role: auth.RoleReader, UnitLevel: auth.LevelCentral},
		{Username: "auditor", FullName: "Kiểm toán viên", Role: auth.RoleAuditor, UnitLevel: auth.LevelCentral},
	}
	for _, o := range officers {
		o := o
		if err := db.CreateOfficer(ctx, &o); err != nil {
			t.Fatal(err)
		}
		_, clear, err := db.IssueToken(ctx, o.Username, "test", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[o.Username] = clear
	}
	return f
}

// call makes a request as an officer ("" for none) and decodes the JSON answer.
func (f *fixture) call(method, path, who string, body any, headers ...string) (int, map[string]any, []byte) {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, f.srv.URL+path, rd)
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+f.tokens[who])
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(raw, &m)
	return resp.StatusCode, m, raw
}

func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// personIn returns a seeded living, unmarried adult of commune c that
// earlier calls did not return.
func (f *fixture) personIn(c string, gender string) *register.Person {
	f.t.Helper()
	ps, err := f.db.SearchPersons(context.Background(), register.Filter{Commune: c, Status: register.Living, Limit: seeded})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, p := range ps {
		if p.BirthDate.Year() < 2000 && p.BirthDate.Year() > 1940 && (gender == "" || string(p.Gender) == gender) &&
			p.SpouseID == "" && !f.used[p.IDNumber] {
			f.used[p.IDNumber] = true
			return p
		}
	}
	f.t.Fatalf("no suitable person in commune %s", c)
	return nil
}

func TestAPI_Operations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tests := []struct {
			name, path string
			want       int
			contains   string
		}{
			{"healthz", "/healthz", 200, `"status":"ok"`},
			{"readyz", "/readyz", 200, `"status":"ready"`},
			{"unknown api route", "/api/v1/nope", 404, `"code":"not_found"`},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				status, _, raw := f.call("GET", tc.path, "", nil)
				if status != tc.want || !strings.Contains(string(raw), tc.contains) {
					t.Errorf("GET %s = %d %s, want %d containing %s", tc.path, status, raw, tc.want, tc.contains)
				}
			})
		}
		t.Run("metrics", func(t *testing.T) {
			f.call("GET", "/healthz", "", nil)
			_, _, raw := f.call("GET", "/metrics", "", nil)
			if !strings.Contains(string(raw), `dancu_http_requests_total{route="GET /healthz",status="200"}`) {
				t.Errorf("metrics lack the request counter:\n%.2000s", raw)
			}
		})
	})
}

func TestAPI_PersonAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.personIn(f.commune, "")
		path := "/api/v1/persons/" + p.IDNumber
		tests := []struct {
			name, who string
			path      string
			want      int
			code      string
		}{
			{"no token", "", path, 401, "unauthorized"},
			{"commune officer in jurisdiction", "commune", path, 200, ""},
			{"province officer", "province", path, 200, ""},
			{"central reader", "central", path, 200, ""},
			{"other commune", "othercommune", path, 404, "not_found"},
			{"other province", "otherprovince", path, 404, "not_found"},
			{"auditor reads no person data", "auditor", path, 403, "forbidden"},
			{"malformed id number", "commune", "/api/v1/persons/12345", 400, "invalid_id_number"},
			{"unknown province code", "commune", "/api/v1/persons/999012345678", 400, "invalid_id_number"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				status, m, raw := f.call("GET", tc.path, tc.who, nil)
				if status != tc.want || errCode(m) != tc.code {
					t.Fatalf("got %d %s, want %d code %q", status, raw, tc.want, tc.code)
				}
				if status == 200 && m["id_number"] != p.IDNumber {
					t.Errorf("got person %v, want %s", m["id_number"], p.IDNumber)
				}
			})
		}
		t.Run("outside jurisdiction looks exactly like missing", func(t *testing.T) {
			_, _, outside := f.call("GET", path, "othercommune", nil)
			missing := p.IDNumber[:6] + "999999"
			if missing == p.IDNumber {
				missing = p.IDNumber[:6] + "999998"
			}
			_, _, absent := f.call("GET", "/api/v1/persons/"+missing, "othercommune", nil)
			if !bytes.Equal(outside, absent) {
				t.Errorf("outside: %s\nmissing: %s", outside, absent)
			}
		})
		t.Run("every access is in the access log", func(t *testing.T) {
			entries, err := f.log.Entries(context.Background(), accesslog.Filter{Subject: p.IDNumber, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, e := range entries {
				got[e.Actor+"/"+e.Outcome]++
			}
			for _, want := range []string{"commune/ok", "province/ok", "central/ok", "othercommune/denied", "otherprovince/denied", "auditor/denied"} {
				if got[want] == 0 {
					t.Errorf("no %s entry for the subject; got %v", want, got)
				}
			}
		})
	})
}

func TestAPI_Search(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.personIn(f.commune, "")
		plain := register.NameKey(p.FullName) // "nguyen van an"
		t.Run("without diacritics finds the person", func(t *testing.T) {
			status, m, raw := f.call("GET", "/api/v1/persons?limit=200&name="+strings.ReplaceAll(plain, " ", "%20"), "commune", nil)
			if status != 200 {
				t.Fatalf("status %d %s", status, raw)
			}
			found := false
			for _, x := range m["persons"].([]any) {
				q := x.(map[string]any)
				if q["id_number"] == p.IDNumber {
					found = true
				}
				res := q["permanent_residence"].(map[string]any)
				cur, _ := q["current_residence"].(map[string]any)
				if res["commune"] != f.commune && (cur == nil || cur["commune"] != f.commune) {
					t.Errorf("search returned %v outside the officer's commune", q["id_number"])
				}
			}
			if !found {
				t.Errorf("searching %q did not find %s (%s)", plain, p.IDNumber, p.FullName)
			}
		})
		t.Run("with diacritics", func(t *testing.T) {
			status, m, _ := f.call("GET", "/api/v1/persons?name="+strings.ReplaceAll(p.FullName, " ", "%20")+"&birth_year="+string(p.BirthDate)[:4], "province", nil)
			if status != 200 || len(m["persons"].([]any)) == 0 {
				t.Fatalf("status %d, %v", status, m)
			}
		})
		t.Run("other commune sees nobody of this commune", func(t *testing.T) {
			_, m, _ := f.call("GET", "/api/v1/persons?commune="+f.commune, "othercommune", nil)
			if n := len(m["persons"].([]any)); n != 0 {
				t.Errorf("got %d persons", n)
			}
		})
		t.Run("no criteria", func(t *testing.T) {
			status, m, _ := f.call("GET", "/api/v1/persons", "commune", nil)
			if status != 400 || errCode(m) != "invalid" {
				t.Errorf("got %d %v", status, m)
			}
		})
		t.Run("pagination", func(t *testing.T) {
			seen := map[string]bool{}
			cursor := ""
			for page := 0; page < 100; page++ {
				_, m, raw := f.call("GET", "/api/v1/persons?province="+testProvince+"&limit=37&cursor="+cursor, "province", nil)
				ps, ok := m["persons"].([]any)
				if !ok {
					t.Fatalf("bad page: %s", raw)
				}
				for _, x := range ps {
					id := x.(map[string]any)["id_number"].(string)
					if seen[id] {
						t.Fatalf("%s returned twice", id)
					}
					seen[id] = true
				}
				cursor, _ = m["next_cursor"].(string)
				if cursor == "" {
					break
				}
			}
			if len(seen) != seeded {
				t.Errorf("pages covered %d persons, want %d", len(seen), seeded)
			}
		})
	})
}

func birthBody(commune string) map[string]any {
	return map[string]any{
		"full_name": "nguyễn  thị   bình", "gender": "female", "birth_date": "2026-01-10",
		"birth_place": "Bệnh viện Trung ương Huế", "ethnicity": "01",
		"permanent_residence": map[string]any{"commune": commune, "address": "Số 5, đường Lê Lợi"},
		"legal_basis":         map[string]any{"document_no": "123/KS", "document_date": "2026-01-15", "issuer": "UBND"},
	}
}

func TestAPI_Births(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		count := func() int64 { n, _ := db.CountPersons(context.Background()); return n }
		before := count()
		t.Run("registers and allocates a consistent number", func(t *testing.T) {
			status, m, raw := f.call("POST", "/api/v1/births", "commune", birthBody(f.commune))
			if status != 201 {
				t.Fatalf("status %d %s", status, raw)
			}
			id := m["id_number"].(string)
			if m["full_name"] != "Nguyễn Thị Bình" {
				t.Errorf("name not normalised: %v", m["full_name"])
			}
			_, dec, _ := f.call("GET", "/api/v1/idnumbers/"+id, "", nil)
			if dec["gender"] != "female" || dec["birth_year"] != float64(2026) || dec["birth_registration_province"] != "046" {
				t.Errorf("number %s decodes to %v", id, dec)
			}
		})
		bad := []struct {
			name  string
			edit  func(map[string]any)
			who   string
			want  int
			code  string
			field string
		}{
			{"future birth date", func(b map[string]any) { b["birth_date"] = "2999-01-01" }, "commune", 400, "invalid_date", "birth_date"},
			{"partial birth date", func(b map[string]any) { b["birth_date"] = "2026-01" }, "commune", 400, "invalid_date", "birth_date"},
			{"one-word name", func(b map[string]any) { b["full_name"] = "Bình" }, "commune", 400, "invalid", "full_name"},
			{"unknown ethnicity", func(b map[string]any) { b["ethnicity"] = "77" }, "commune", 400, "invalid", "ethnicity"},
			{"unknown commune", func(b map[string]any) {
				b["permanent_residence"] = map[string]any{"commune": "99999", "address": "x"}
			}, "commune", 400, "invalid_unit", "permanent_residence.commune"},
			{"no legal basis", func(b map[string]any) { delete(b, "legal_basis") }, "commune", 400, "invalid", "legal_basis.document_no"},
			{"unknown field", func(b map[string]any) { b["nmae"] = "x" }, "commune", 400, "invalid_json", ""},
			{"outside jurisdiction", func(b map[string]any) {}, "othercommune", 403, "forbidden", "permanent_residence"},
			{"reader may not register", func(b map[string]any) {}, "central", 403, "forbidden", ""},
		}
		for _, tc := range bad {
			t.Run(tc.name, func(t *testing.T) {
				b := birthBody(f.commune)
				tc.edit(b)
				n := count()
				status, m, raw := f.call("POST", "/api/v1/births", tc.who, b)
				e, _ := m["error"].(map[string]any)
				if status != tc.want || errCode(m) != tc.code || (tc.field != "" && e["field"] != tc.field) {
					t.Errorf("got %d %s, want %d %s field %s", status, raw, tc.want, tc.code, tc.field)
				}
				if count() != n {
					t.Errorf("a rejected request changed the register")
				}
			})
		}
		t.Run("malformed JSON", func(t *testing.T) {
			status, m, _ := f.call("POST", "/api/v1/births", "commune", `{"full_name":`)
			if status != 400 || errCode(m) != "invalid_json" {
				t.Errorf("got %d %v", status, m)
			}
		})
		t.Run("idempotency key", func(t *testing.T) {
			n := count()
			s1, m1, raw1 := f.call("POST", "/api/v1/births", "commune", birthBody(f.commune), "Idempotency-Key", "k-1")
			s2, _, raw2 := f.call("POST", "/api/v1/births", "commune", birthBody(f.commune), "Idempotency-Key", "k-1")
			if s1 != 201 || s2 != 201 || !bytes.Equal(raw1, raw2) {
				t.Fatalf("replay differs: %d %s / %d %s", s1, raw1, s2, raw2)
			}
			if count() != n+1 {
				t.Errorf("replay registered twice: %d new persons", count()-n)
			}
			b := birthBody(f.commune)
			b["full_name"] = "Trần Văn Khác"
			s3, m3, _ := f.call("POST", "/api/v1/births", "commune", b, "Idempotency-Key", "k-1")
			if s3 != 422 || errCode(m3) != "idempotency_key_reused" {
				t.Errorf("reuse with another body: %d %v", s3, m3)
			}
			_ = m1
		})
		if count() != before+2 {
			t.Errorf("persons grew by %d, want 2", count()-before)
		}
	})
}

func event(kind, date string, payload any) map[string]any {
	return map[string]any{"kind": kind, "effective_date": date, "payload": payload,
		"legal_basis": map[string]any{"document_no": "45/QĐ", "document_date": date, "issuer": "UBND xã"}}
}

func TestAPI_Events(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		man := f.personIn(f.commune, "male")
		woman := f.personIn(f.commune, "female")
		post := func(who, id string, body any) (int, map[string]any, []byte) {
			return f.call("POST", "/api/v1/persons/"+id+"/events", who, body)
		}
		t.Run("name change and history as of a date", func(t *testing.T) {
			status, m, raw := post("commune", man.IDNumber, event("name_change", "2026-02-01", map[string]any{"full_name": "Nguyễn Văn Mới", "reason": "test"}))
			if status != 201 || m["full_name"] != "Nguyễn Văn Mới" {
				t.Fatalf("got %d %s", status, raw)
			}
			_, h, raw := f.call("GET", "/api/v1/persons/"+man.IDNumber+"/history?as_of=2026-01-15", "commune", nil)
			if h["person"].(map[string]any)["full_name"] != man.FullName {
				t.Errorf("as of 2026-01-15 the name should be %q: %s", man.FullName, raw)
			}
			_, h, _ = f.call("GET", "/api/v1/persons/"+man.IDNumber+"/history", "commune", nil)
			if evs := h["events"].([]any); len(evs) != 2 {
				t.Errorf("want 2 events, got %d", len(evs))
			}
			_, s, _ := f.call("GET", "/api/v1/persons?name=nguyen%20van%20moi", "commune", nil)
			if len(s["persons"].([]any)) == 0 {
				t.Errorf("the new name is not searchable")
			}
		})
		t.Run("marriage links both and divorce unlinks", func(t *testing.T) {
			status, m, raw := post("commune", man.IDNumber, event("marriage", "2026-02-02", map[string]any{"spouse_id": woman.IDNumber}))
			if status != 201 || m["spouse_id"] != woman.IDNumber {
				t.Fatalf("got %d %s", status, raw)
			}
			_, w, _ := f.call("GET", "/api/v1/persons/"+woman.IDNumber, "commune", nil)
			if w["spouse_id"] != man.IDNumber {
				t.Errorf("wife's record does not link back: %v", w["spouse_id"])
			}
			status, m, _ = post("commune", man.IDNumber, event("marriage", "2026-02-03", map[string]any{"spouse_id": woman.IDNumber}))
			if status != 409 {
				t.Errorf("second marriage: %d %v", status, m)
			}
			status, m, raw = post("commune", woman.IDNumber, event("divorce", "2026-02-04", map[string]any{"spouse_id": man.IDNumber}))
			if status != 201 || m["spouse_id"] != nil {
				t.Errorf("divorce: %d %s", status, raw)
			}
		})
		t.Run("residence change to another commune", func(t *testing.T) {
			status, m, raw := post("commune", woman.IDNumber, event("residence_change", "2026-02-05", map[string]any{
				"type": "permanent", "place": map[string]any{"commune": f.other, "address": "Thôn 9"}}))
			if status != 201 {
				t.Fatalf("got %d %s", status, raw)
			}
			if m["permanent_residence"].(map[string]any)["province"] != testProvince {
				t.Errorf("province not derived: %s", raw)
			}
			if s, _, _ := f.call("GET", "/api/v1/persons/"+woman.IDNumber, "othercommune", nil); s != 200 {
				t.Errorf("the new commune cannot see its resident: %d", s)
			}
		})
		t.Run("death and then nothing more", func(t *testing.T) {
			status, m, raw := post("commune", man.IDNumber, event("death", "2026-02-06", map[string]any{"death_date": "2026-02-05"}))
			if status != 201 || m["status"] != "dead" {
				t.Fatalf("got %d %s", status, raw)
			}
			status, m, _ = post("commune", man.IDNumber, event("death", "2026-02-06", map[string]any{"death_date": "2026-02-05"}))
			if status != 409 || errCode(m) != "person_not_living" {
				t.Errorf("second death: %d %v", status, m)
			}
		})
		bad := []struct {
			name string
			who  string
			body any
			want int
			code string
		}{
			{"unknown kind", "commune", event("promotion", "2026-02-01", map[string]any{}), 400, "invalid"},
			{"future date", "commune", event("name_change", "2999-01-01", map[string]any{"full_name": "A B"}), 400, "invalid_date"},
			{"misspelt payload field", "commune", event("name_change", "2026-02-01", map[string]any{"fullname": "A B"}), 400, "invalid_json"},
			{"birth year correction", "commune", event("correction", "2026-02-01", map[string]any{"birth_date": "1801-01-01"}), 400, "invalid_id_number"},
			{"outside jurisdiction", "otherprovince", event("name_change", "2026-02-01", map[string]any{"full_name": "Lê Văn X"}), 404, "not_found"},
		}
		for _, tc := range bad {
			t.Run(tc.name, func(t *testing.T) {
				target := f.personIn(f.commune, "female")
				status, m, raw := post(tc.who, target.IDNumber, tc.body)
				if status != tc.want || errCode(m) != tc.code {
					t.Errorf("got %d %s, want %d %s", status, raw, tc.want, tc.code)
				}
				after, _ := db.Person(context.Background(), target.IDNumber)
				if after.Version != target.Version {
					t.Errorf("a rejected event changed the record")
				}
			})
		}
	})
}

func TestAPI_UnitsAndHouseholds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, tc := range []struct {
			date string
			want int
		}{{"2024-01-01", 63}, {"2026-01-01", 34}} {
			_, m, _ := f.call("GET", "/api/v1/units?level=province&date="+tc.date, "", nil)
			if n := len(m["units"].([]any)); n != tc.want {
				t.Errorf("provinces at %s: %d, want %d", tc.date, n, tc.want)
			}
		}
		p := f.personIn(f.commune, "")
		status, m, raw := f.call("GET", "/api/v1/households/"+p.HouseholdID, "commune", nil)
		if status != 200 || len(m["members"].([]any)) == 0 {
			t.Fatalf("household: %d %s", status, raw)
		}
		if status, _, _ := f.call("GET", "/api/v1/households/"+p.HouseholdID, "othercommune", nil); status != 404 {
			t.Errorf("other commune read a household: %d", status)
		}
	})
}

func TestAPI_Tokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		if s, _, _ := f.call("GET", "/api/v1/me", "commune", nil); s != 200 {
			t.Fatalf("me: %d", s)
		}
		t.Run("malformed token", func(t *testing.T) {
			f.tokens["junk"] = "not-a-token"
			if s, m, _ := f.call("GET", "/api/v1/me", "junk", nil); s != 401 || errCode(m) != "unauthorized" {
				t.Errorf("got %d %v", s, m)
			}
		})
		t.Run("wrong secret", func(t *testing.T) {
			// Change the last two characters (to other ones, whatever
			// they were: a random token may end in "xx" itself).
			tok := f.tokens["commune"]
			tail := "xx"
			if strings.HasSuffix(tok, tail) {
				tail = "yy"
			}
			f.tokens["forged"] = tok[:len(tok)-2] + tail
			if s, _, _ := f.call("GET", "/api/v1/me", "forged", nil); s != 401 {
				t.Errorf("got %d", s)
			}
		})
		t.Run("revoked", func(t *testing.T) {
			tok, clear, err := db.IssueToken(ctx, "province", "short", time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			f.tokens["p2"] = clear
			if s, _, _ := f.call("GET", "/api/v1/me", "p2", nil); s != 200 {
				t.Fatalf("fresh token: %d", s)
			}
			if err := db.RevokeToken(ctx, tok.ID); err != nil {
				t.Fatal(err)
			}
			if s, _, _ := f.call("GET", "/api/v1/me", "p2", nil); s != 401 {
				t.Errorf("revoked token still works: %d", s)
			}
		})
		t.Run("disabled officer", func(t *testing.T) {
			if err := db.SetOfficerDisabled(ctx, "othercommune", true); err != nil {
				t.Fatal(err)
			}
			if s, _, _ := f.call("GET", "/api/v1/me", "othercommune", nil); s != 401 {
				t.Errorf("disabled officer still works: %d", s)
			}
		})
	})
}

// TestAPI_AccessLogProofs checks the log as an outside verifier would:
// with only the public key, the checkpoint and the proofs over HTTP.
func TestAPI_AccessLogProofs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.personIn(f.commune, "")
		f.call("GET", "/api/v1/persons/"+p.IDNumber, "commune", nil)
		get := func(path string) []byte {
			t.Helper()
			status, _, raw := f.call("GET", path, "", nil)
			if status != 200 {
				t.Fatalf("GET %s: %d %s", path, status, raw)
			}
			return raw
		}
		vkey := strings.TrimSpace(string(get("/api/v1/accesslog/key")))
		older, err := accesslog.OpenCheckpoint(string(get("/api/v1/accesslog/checkpoint")), vkey)
		if err != nil {
			t.Fatalf("checkpoint: %v", err)
		}
		f.call("GET", "/api/v1/persons?name=nguyen", "province", nil)
		newer, err := accesslog.OpenCheckpoint(string(get("/api/v1/accesslog/checkpoint")), vkey)
		if err != nil || newer.Size <= older.Size {
			t.Fatalf("newer checkpoint: %+v %v (older size %d)", newer, err, older.Size)
		}
		decode := func(raw []byte) []tlog.Hash {
			var res struct{ Hashes []string }
			json.Unmarshal(raw, &res)
			out := make([]tlog.Hash, len(res.Hashes))
			for i, h := range res.Hashes {
				if out[i], err = tlog.ParseHash(h); err != nil {
					t.Fatal(err)
				}
			}
			return out
		}
		_, m, _ := f.call("GET", "/api/v1/accesslog/entries?subject="+p.IDNumber, "auditor", nil)
		raw, _ := json.Marshal(m["entries"].([]any)[0])
		var e accesslog.Entry
		json.Unmarshal(raw, &e)
		proof := decode(get(fmt.Sprintf("/api/v1/accesslog/proofs/inclusion?seq=%d&size=%d", e.Seq, newer.Size)))
		if err := accesslog.VerifyInclusion(e, proof, newer); err != nil {
			t.Errorf("inclusion of entry %d: %v", e.Seq, err)
		}
		e.Fields = "forged"
		if accesslog.VerifyInclusion(e, proof, newer) == nil {
			t.Errorf("an edited entry verified")
		}
		cons := decode(get(fmt.Sprintf("/api/v1/accesslog/proofs/consistency?old_size=%d&size=%d", older.Size, newer.Size)))
		if err := accesslog.VerifyConsistency(cons, older, newer); err != nil {
			t.Errorf("consistency %d→%d: %v", older.Size, newer.Size, err)
		}
		for _, bad := range []string{"/api/v1/accesslog/proofs/inclusion?seq=x&size=1", "/api/v1/accesslog/proofs/inclusion?seq=0&size=999999999"} {
			if status, _, _ := f.call("GET", bad, "", nil); status != 400 && status != 404 {
				t.Errorf("GET %s: %d", bad, status)
			}
		}
		if status, _, _ := f.call("GET", "/api/v1/accesslog/entries", "province", nil); status != 403 {
			t.Errorf("a registrar read the access log: %d", status)
		}
	})
}

// TestAPI_SearchByResidence: a person is found in a commune through any
// residence there, exactly once.
func TestAPI_SearchByResidence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		temp := f.personIn(f.commune, "")
		cur := f.personIn(f.commune, "")
		both := f.personIn(f.commune, "")
		move := func(p *register.Person, kind string) {
			t.Helper()
			status, _, raw := f.call("POST", "/api/v1/persons/"+p.IDNumber+"/events", "commune", event("residence_change", "2026-02-01",
				map[string]any{"type": kind, "place": map[string]any{"commune": f.other, "address": "Phòng 7"}}))
			if status != 201 {
				t.Fatalf("%s residence: %d %s", kind, status, raw)
			}
		}
		move(temp, "temporary")
		move(cur, "current")
		move(both, "temporary")
		move(both, "current")
		found := map[string]int{}
		cursor := ""
		for page := 0; page < 50; page++ {
			_, m, raw := f.call("GET", "/api/v1/persons?limit=7&commune="+f.other+"&cursor="+cursor, "othercommune", nil)
			ps, ok := m["persons"].([]any)
			if !ok {
				t.Fatalf("bad page: %s", raw)
			}
			for _, x := range ps {
				found[x.(map[string]any)["id_number"].(string)]++
			}
			if cursor, _ = m["next_cursor"].(string); cursor == "" {
				break
			}
		}
		for _, p := range []*register.Person{temp, cur, both} {
			if found[p.IDNumber] != 1 {
				t.Errorf("%s found %d times in the commune of its new residence", p.IDNumber, found[p.IDNumber])
			}
		}
		for id, n := range found {
			if n != 1 {
				t.Errorf("%s listed %d times", id, n)
			}
		}
		// Their home commune still finds them by name.
		_, m, _ := f.call("GET", "/api/v1/persons?name="+strings.ReplaceAll(register.NameKey(both.FullName), " ", "%20")+"&commune="+f.commune, "commune", nil)
		hit := false
		for _, x := range m["persons"].([]any) {
			hit = hit || x.(map[string]any)["id_number"] == both.IDNumber
		}
		if !hit {
			t.Errorf("the home commune lost %s", both.IDNumber)
		}
	})
}

func TestAPI_UnitMappings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tests := []struct {
			query string
			want  int
			check func(ms []any) bool
		}{
			// Legacy Bình Dương (74) became part of the new Hồ Chí Minh (79).
			{"level=province&legacy_code=74", 200, func(ms []any) bool {
				return len(ms) == 1 && ms[0].(map[string]any)["new_code"] == "79"
			}},
			{"level=province&new_code=79", 200, func(ms []any) bool { return len(ms) == 3 }},
			{"level=district&legacy_code=001", 400, nil},
			{"level=commune", 400, nil},
		}
		for _, tc := range tests {
			status, m, raw := f.call("GET", "/api/v1/unit-mappings?"+tc.query, "", nil)
			if status != tc.want || (tc.check != nil && !tc.check(m["mappings"].([]any))) {
				t.Errorf("GET unit-mappings?%s = %d %s", tc.query, status, raw)
			}
		}
		_, m, _ := f.call("GET", "/api/v1/units?level=province&date=2026-01-01", "", nil)
		u := m["units"].([]any)[0].(map[string]any)
		if u["code"] != "01" || u["name"] != "Hà Nội" {
			t.Errorf("first province: %v", u)
		}
	})
}
