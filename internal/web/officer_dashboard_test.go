package web_test

import (
	"strings"
	"testing"

	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

// TestWeb_Dashboard: after a snapshot, a province officer sees the
// province's key figures, charts with their figures and the communes,
// follows a commune's link and comes back up; a bad period is refused with
// the input kept and the default period shown; a commune officer sees his
// commune without a way up, and another province's is refused.
func TestWeb_Dashboard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 150)
		if _, err := e.API.Dashboard.Snapshot(e.Ctx); err != nil {
			t.Fatal(err)
		}
		commune := communeOf(e.Living(0))

		secret := newOfficer(t, e, auth.Officer{Username: "dash-prov", Role: auth.RoleReader, UnitLevel: auth.LevelProvince, UnitCode: "46"})
		b := newBrowser(t, e)
		b.loginOfficer("dash-prov", secret)
		st, body := b.get("/officer/dashboard")
		for _, want := range []string{"Chỉ tiêu: Thành phố Huế", "Dân số", "Tỷ lệ có thẻ căn cước", "<svg", "<polyline", "Các xã, phường",
			`href="/officer/dashboard?from=`, "unit=" + commune} {
			if st != 200 || !strings.Contains(body, want) {
				t.Fatalf("province dashboard = %d, lacks %q\n%s", st, want, excerpt(body))
			}
		}
		if strings.Contains(body, "Lên cấp trên") {
			t.Errorf("a province officer is offered the country")
		}
		st, body = b.get("/officer/dashboard?unit=" + commune)
		if st != 200 || !strings.Contains(body, "Lên cấp trên") || strings.Contains(body, "Các xã, phường") {
			t.Fatalf("commune dashboard = %d\n%s", st, excerpt(body))
		}
		st, body = b.get("/officer/dashboard?unit=" + commune + "&from=2026-12-01&to=2026-11-01")
		if st != 422 || !strings.Contains(body, "error-summary") || !strings.Contains(body, `value="2026-12-01"`) || !strings.Contains(body, "Dân số") {
			t.Fatalf("bad period = %d\n%s", st, excerpt(body))
		}
		if st, _ = b.get("/officer/dashboard?unit=01"); st != 403 {
			t.Errorf("another province = %d, want 403", st)
		}
		st, body = b.get("/officer/dashboard?lang=en")
		if st != 200 || !strings.Contains(body, "Chip-card coverage") {
			t.Errorf("English dashboard = %d\n%s", st, excerpt(body))
		}

		secret = newOfficer(t, e, auth.Officer{Username: "dash-commune", Role: auth.RoleRegistrar, UnitLevel: auth.LevelCommune, UnitCode: commune})
		c := newBrowser(t, e)
		c.loginOfficer("dash-commune", secret)
		st, body = c.get("/officer/dashboard")
		if st != 200 || !strings.Contains(body, "Dân số") || strings.Contains(body, "Lên cấp trên") {
			t.Fatalf("commune officer's dashboard = %d\n%s", st, excerpt(body))
		}
	})
}
