package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/residence"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
	"github.com/dancu-vn/dancu/internal/units"
)

// policeStays declares, as a hotel of the guest's commune through the API,
// a confirmed guest, one whose name the register does not hold (flagged)
// and a foreigner; it returns the establishment's commune.
func policeStays(t *testing.T, e *testenv.Env, guest *register.Person) string {
	t.Helper()
	hotel := e.Partner("org-hotel", &oidc.Client{Scopes: []string{oidc.ScopeResidence}})
	commune := guest.Permanent.Commune
	call := func(path, body string) map[string]any {
		t.Helper()
		st, _, b := e.Call("POST", path, hotel, "application/json", body)
		if st != http.StatusCreated {
			t.Fatalf("POST %s = %d %s", path, st, b)
		}
		return testenv.JSON(t, b)
	}
	est := call("/api/v1/residence/establishments", `{"name":"Khách sạn Sông Hương","kind":"hotel","commune":"`+commune+`","address":"12 Lê Lợi"}`)
	stays := "/api/v1/residence/establishments/" + est["id"].(string) + "/stays"
	for _, g := range []string{
		`{"kind":"citizen","id_number":"` + guest.IDNumber + `","full_name":"` + guest.FullName + `","birth_date":"` + string(guest.BirthDate) + `"}`,
		`{"kind":"citizen","id_number":"` + guest.IDNumber + `","full_name":"Tên Khác Hẳn","birth_date":"` + string(guest.BirthDate) + `"}`,
		`{"kind":"foreign","full_name":"John Smith","birth_date":"1980-02-03","nationality":"GB","passport_no":"123456789"}`,
	} {
		call(stays, `{"room":"101","guest":`+g+`}`)
	}
	return commune
}

// TestWeb_OfficerResidence: the police's view of the declarations of
// their area on a date: every guest with the verdict, flagged rows marked
// in words, the flagged and date filters, and another area refused.
func TestWeb_OfficerResidence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.NewWith(t, db, testenv.Options{People: 200, Seed: 3})
		guest := e.Living(0)
		commune := policeStays(t, e, guest)
		b := dossierOfficer(t, e, auth.Officer{Username: "ca-xa", FullName: "Công an Xã", Role: auth.RoleReader,
			UnitLevel: auth.LevelCommune, UnitCode: commune})
		prov := dossierOfficer(t, e, auth.Officer{Username: "ca-tinh", FullName: "Công an Tỉnh", Role: auth.RoleReader,
			UnitLevel: auth.LevelProvince, UnitCode: guest.Permanent.Province})
		today := time.Now().In(time.FixedZone("ICT", 7*3600)).Format("2006-01-02")
		elsewhere := units.CommunesOf("01", today)[0].Code // Hà Nội

		for _, c := range []struct {
			name     string
			b        *browser
			query    string
			status   int
			want     []string
			not      []string
			flagRows int
		}{
			{"today", b, "", 200, []string{"Khách sạn Sông Hương", guest.FullName, guest.IDNumber, "Tên Khác Hẳn", "John Smith", "123456789",
				"Khớp với CSDL dân cư", "Không khớp với CSDL dân cư", "Người nước ngoài", `value="` + today + `"`, "3 lượt lưu trú"}, nil, 1},
			{"flagged only", b, "?flagged=1", 200, []string{"Tên Khác Hẳn", "Cần kiểm tra"}, []string{"John Smith", "Khớp với CSDL dân cư"}, 1},
			{"another date", b, "?date=2020-01-01", 200, []string{"Không có lượt lưu trú nào"}, []string{"Tên Khác Hẳn"}, 0},
			{"bad date", b, "?date=2020-13-45", 422, []string{`href="#date"`}, []string{"Tên Khác Hẳn"}, 0},
			{"province, one commune", prov, "?commune=" + commune, 200, []string{"Tên Khác Hẳn", "John Smith"}, nil, 1},
			{"province, whole", prov, "", 200, []string{"Tên Khác Hẳn", "Toàn tỉnh"}, nil, 1},
			{"another province's commune", prov, "?commune=" + elsewhere, 404, []string{"không thuộc phạm vi", `href="#commune"`}, []string{"Tên Khác Hẳn"}, 0},
			{"another commune", b, "?commune=" + elsewhere, 404, []string{"không thuộc phạm vi"}, []string{"Tên Khác Hẳn"}, 0},
			{"English", b, "?lang=en", 200, []string{"Flagged", "Does not match the register", "Foreigner"}, nil, 1},
		} {
			t.Run(c.name, func(t *testing.T) {
				st, body := c.b.get("/officer/residence" + c.query)
				if st != c.status {
					t.Fatalf("= %d, want %d\n%s", st, c.status, excerpt(body))
				}
				for _, s := range c.want {
					if !strings.Contains(body, s) {
						t.Errorf("page lacks %q", s)
					}
				}
				for _, s := range c.not {
					if strings.Contains(body, s) {
						t.Errorf("page shows %q", s)
					}
				}
				if n := strings.Count(body, `<tr class="flagged">`); n != c.flagRows {
					t.Errorf("%d flagged rows, want %d", n, c.flagRows)
				}
			})
		}

		// The service logs every guest shown; the page adds nothing.
		entries, err := e.Log.Entries(e.Ctx, accesslog.Filter{Subject: guest.IDNumber, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		reads := 0
		for _, x := range entries {
			if x.Actor == "ca-xa" {
				if x.Action != residence.ActionRead {
					t.Errorf("the page logged %s", x.Action)
				}
				reads++
			}
		}
		// today (2 stays of the guest), flagged only (1), English (2).
		if reads != 5 {
			t.Errorf("%d reads of the guest logged, want 5", reads)
		}
	})
}
