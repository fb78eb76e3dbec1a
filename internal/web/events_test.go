package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

// TestWeb_OfficerEvents: each event form records its act through the
// register: a temporary residence, a marriage (both spouses), a divorce
// and a death.
func TestWeb_OfficerEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 300)
		secret := newOfficer(t, e, auth.Officer{Username: "prov-ev", Role: auth.RoleRegistrar, UnitLevel: auth.LevelProvince, UnitCode: "46"})
		b := newBrowser(t, e)
		b.loginOfficer("prov-ev", secret)
		legal := func(v url.Values) url.Values {
			v.Set("effective_date", "2026-01-05")
			v.Set("document_no", "3/QĐ")
			v.Set("document_date", "2026-01-05")
			v.Set("issuer", "Công an phường")
			return v
		}
		record := func(p *register.Person, kind string, v url.Values) {
			t.Helper()
			path := "/officer/persons/" + p.IDNumber + "/events/" + kind
			st, loc, body := b.submit(path, path, legal(v))
			if st != http.StatusSeeOther || loc != "/officer/persons/"+p.IDNumber {
				t.Fatalf("%s = %d %s\n%s", kind, st, loc, excerpt(body))
			}
		}
		get := func(id string) *register.Person {
			p, err := e.Register.ForSubject(e.Ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}

		a := e.Living(0)
		record(a, "residence_change", url.Values{"type": {"temporary"}, "commune": {communeOf(a)}, "address": {"Số 9 Hùng Vương"},
			"since": {"2026-01-05"}, "until": {"2027-01-05"}})
		if got := get(a.IDNumber); got.Temporary == nil || got.Temporary.Address != "Số 9 Hùng Vương" {
			t.Errorf("temporary residence = %+v", got.Temporary)
		}

		var man, woman *register.Person
		for _, p := range e.People {
			if p.Status != register.Living || p.SpouseID != "" || p.BirthDate.Year() > 1995 || p.BirthDate.Year() < 1950 {
				continue
			}
			if p.Gender == idnum.Male && man == nil {
				man = p
			} else if p.Gender == idnum.Female && woman == nil {
				woman = p
			}
		}
		if man == nil || woman == nil {
			t.Fatal("no unmarried adults")
		}
		record(man, "marriage", url.Values{"spouse_id": {woman.IDNumber}})
		if get(man.IDNumber).SpouseID != woman.IDNumber || get(woman.IDNumber).SpouseID != man.IDNumber {
			t.Errorf("marriage not recorded on both")
		}
		// Marrying her again is a conflict, shown next to the field.
		path := "/officer/persons/" + man.IDNumber + "/events/marriage"
		st, _, body := b.submit(path, path, legal(url.Values{"spouse_id": {woman.IDNumber}}))
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#spouse_id"`) {
			t.Errorf("second marriage = %d\n%s", st, excerpt(body))
		}
		record(man, "divorce", url.Values{"spouse_id": {woman.IDNumber}})
		if get(man.IDNumber).SpouseID != "" {
			t.Errorf("divorce not recorded")
		}

		d := e.Living(1)
		record(d, "death", url.Values{"death_date": {"2026-01-04"}, "place": {"Huế"}})
		if got := get(d.IDNumber); got.Status != register.Dead {
			t.Errorf("status after death = %s", got.Status)
		}
		// The timeline shows the act with its basis.
		if _, body := b.get("/officer/persons/" + d.IDNumber); !strings.Contains(body, "Khai tử") || !strings.Contains(body, "3/QĐ") {
			t.Errorf("timeline:\n%s", excerpt(body))
		}
	})
}
