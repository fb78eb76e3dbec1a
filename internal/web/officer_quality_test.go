package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/quality"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

// TestWeb_Quality: the officer's review queue after a scan — the scores,
// a duplicate shown side by side, a dismissal without a reason refused
// with the input kept, with one accepted, reopened; a reader sees no
// forms; another commune's officer gets the 404 page.
func TestWeb_Quality(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 200)
		orig, dup := registerDuplicate(t, e, "")
		commune := communeOf(orig)
		flagID := duplicateFlag(t, e, dup)
		flag := "/officer/quality/" + flagID

		secret := newOfficer(t, e, auth.Officer{Username: "dq-commune", Role: auth.RoleRegistrar, UnitLevel: auth.LevelCommune, UnitCode: commune})
		b := newBrowser(t, e)
		b.loginOfficer("dq-commune", secret)
		st, body := b.get("/officer/quality?rule=possible_duplicate")
		if st != 200 || !strings.Contains(body, flagID) || !strings.Contains(body, "Mức đầy đủ") || !strings.Contains(body, "Có thể trùng người") {
			t.Fatalf("queue = %d\n%s", st, excerpt(body))
		}
		st, body = b.get(flag)
		if st != 200 || strings.Count(body, orig.FullName) < 2 || !strings.Contains(body, `action="`+flag+`/dismiss"`) {
			t.Fatalf("flag page = %d\n%s", st, excerpt(body))
		}
		st, _, body = b.submit(flag, flag+"/dismiss", url.Values{"note": {"  "}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, `aria-invalid="true"`) {
			t.Fatalf("dismiss without a reason = %d\n%s", st, excerpt(body))
		}
		st, loc, body := b.submit(flag, flag+"/dismiss", url.Values{"note": {"Hai anh em sinh đôi, đã xác minh"}})
		if st != http.StatusSeeOther || loc != flag {
			t.Fatalf("dismiss = %d %s\n%s", st, loc, excerpt(body))
		}
		if _, body = b.get(flag); !strings.Contains(body, "Hai anh em sinh đôi") || !strings.Contains(body, "Đã đóng cảnh báo") {
			t.Fatalf("after dismissal:\n%s", excerpt(body))
		}
		if st, loc, _ = b.submit(flag, flag+"/reopen", url.Values{}); st != http.StatusSeeOther {
			t.Fatalf("reopen = %d %s", st, loc)
		}
		// Without the CSRF token nothing changes.
		if st, _, _ = b.do("POST", flag+"/dismiss", url.Values{"note": {"x"}}); st != http.StatusForbidden {
			t.Fatalf("dismiss without CSRF = %d", st)
		}

		// A correction through the console: an empty one is refused next
		// to its first field; one with a hometown changes only that.
		corr := "/officer/persons/" + dup.IDNumber + "/events/correction"
		legal := url.Values{"effective_date": {"2026-01-06"}, "document_no": {"7/QĐ-CC"}, "document_date": {"2026-01-06"}, "issuer": {"UBND xã"}}
		if st, _, body = b.submit(corr, corr, legal); st != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#birth_date"`) {
			t.Fatalf("empty correction = %d\n%s", st, excerpt(body))
		}
		legal.Set("hometown", "Làng Dương Nỗ, Phú Vang")
		if st, loc, body = b.submit(corr, corr, legal); st != http.StatusSeeOther {
			t.Fatalf("correction = %d %s\n%s", st, loc, excerpt(body))
		}
		if got, _ := e.Register.ForSubject(e.Ctx, dup.IDNumber); got.Hometown != "Làng Dương Nỗ, Phú Vang" || got.BirthPlace != dup.BirthPlace {
			t.Fatalf("after the correction: %q %q", got.Hometown, got.BirthPlace)
		}

		readerSecret := newOfficer(t, e, auth.Officer{Username: "dq-reader", Role: auth.RoleReader, UnitLevel: auth.LevelCommune, UnitCode: commune})
		r := newBrowser(t, e)
		r.loginOfficer("dq-reader", readerSecret)
		if st, body = r.get(flag); st != 200 || strings.Contains(body, "/dismiss") {
			t.Fatalf("reader's flag page = %d\n%s", st, excerpt(body))
		}

		var other string
		for i := 0; other == ""; i++ {
			if p := e.Living(i); p.Permanent != nil && communeOf(p) != commune {
				other = communeOf(p)
			}
		}
		strangerSecret := newOfficer(t, e, auth.Officer{Username: "dq-other", Role: auth.RoleRegistrar, UnitLevel: auth.LevelCommune, UnitCode: other})
		s := newBrowser(t, e)
		s.loginOfficer("dq-other", strangerSecret)
		_, missing := s.get("/officer/quality/DQ-NONE")
		if st, body = s.get(flag); st != 404 || pageMain(body) != pageMain(missing) {
			t.Fatalf("another commune's flag = %d", st)
		}
	})
}

// registerDuplicate registers a second record of a seeded living person
// with a full birth date and a place of birth: the same facts, and the
// hometown given ("" for the person's own).
func registerDuplicate(t *testing.T, e *testenv.Env, hometown string) (orig, dup *register.Person) {
	t.Helper()
	for i := 0; orig == nil; i++ {
		if p := e.Living(i); p.Permanent != nil && p.BirthPlace != "" && !p.BirthDate.Partial() {
			orig = p
		}
	}
	if hometown == "" {
		hometown = orig.Hometown
	}
	registrar := auth.Actor{ID: "seed-registrar", Role: auth.RoleRegistrar, UnitCode: "46", UnitLevel: auth.LevelProvince}
	dup, err := e.Register.RegisterBirth(e.Ctx, registrar, register.BirthRequest{FullName: orig.FullName, Gender: orig.Gender,
		BirthDate: orig.BirthDate, BirthPlace: orig.BirthPlace, Hometown: hometown, Ethnicity: orig.Ethnicity,
		Religion: orig.Religion, Nationality: orig.Nationality, FatherID: orig.FatherID, MotherID: orig.MotherID,
		Permanent: &register.Residence{Commune: communeOf(orig), Province: "46", Address: "Số 2"},
		Legal:     register.LegalBasis{DocumentNo: "9/TLKS", DocumentDate: "2026-01-05", Issuer: "UBND xã"}})
	if err != nil {
		t.Fatal(err)
	}
	return orig, dup
}

// duplicateFlag scans the province and returns the ID of the one
// possible-duplicate flag naming dup.
func duplicateFlag(t *testing.T, e *testenv.Env, dup *register.Person) string {
	t.Helper()
	if _, err := e.API.Quality.Scan(e.Ctx, "46"); err != nil {
		t.Fatal(err)
	}
	flags, err := e.API.Quality.List(e.Ctx, auth.Actor{ID: "t", Role: auth.RoleReader, UnitLevel: auth.LevelCentral},
		quality.Filter{Rule: quality.RulePossibleDuplicate, Person: dup.IDNumber})
	if err != nil || len(flags) != 1 {
		t.Fatalf("duplicate flags: %v %v", flags, err)
	}
	return flags[0].ID
}
