package web_test

import (
	"encoding/json"
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

// TestWeb_QualityMerge: a registrar merges a flagged duplicate from the
// flag's page: without a choice of the record to keep the form comes back
// with the error and the input; with one, the kept record takes the
// hometown it lacked and names the retired one, which points to it and
// offers no more acts; the flag is resolved and stays so at the next scan.
func TestWeb_QualityMerge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 200)
		var orig *register.Person
		for i := 0; orig == nil; i++ {
			if p := e.Living(i); p.Permanent != nil && p.BirthPlace != "" && !p.BirthDate.Partial() {
				orig = p
			}
		}
		commune := communeOf(orig)
		registrar := auth.Actor{ID: "seed-registrar", Role: auth.RoleRegistrar, UnitCode: "46", UnitLevel: auth.LevelProvince}
		dup, err := e.Register.RegisterBirth(e.Ctx, registrar, register.BirthRequest{FullName: orig.FullName, Gender: orig.Gender,
			BirthDate: orig.BirthDate, BirthPlace: orig.BirthPlace, Hometown: "Làng Chuồn, Phú An", Ethnicity: orig.Ethnicity,
			Religion: orig.Religion, Nationality: orig.Nationality, FatherID: orig.FatherID, MotherID: orig.MotherID,
			Permanent: &register.Residence{Commune: commune, Province: "46", Address: "Số 2"},
			Legal:     register.LegalBasis{DocumentNo: "9/TLKS", DocumentDate: "2026-01-05", Issuer: "UBND xã"}})
		if err != nil {
			t.Fatal(err)
		}
		if orig.Hometown != "" {
			// The kept record lacks the hometown the duplicate has.
			empty := ""
			pl := register.CorrectionPayload{Hometown: &empty}
			raw, _ := jsonRaw(pl)
			if _, err := e.Register.RecordEvent(e.Ctx, registrar, orig.IDNumber, register.EventRequest{Kind: register.KindCorrection,
				EffectiveDate: "2026-01-05", Legal: register.LegalBasis{DocumentNo: "8/QĐ", DocumentDate: "2026-01-05", Issuer: "UBND xã"}, Payload: raw}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.API.Quality.Scan(e.Ctx, "46"); err != nil {
			t.Fatal(err)
		}
		central := auth.Actor{ID: "t", Role: auth.RoleReader, UnitLevel: auth.LevelCentral}
		flags, err := e.API.Quality.List(e.Ctx, central, quality.Filter{Rule: quality.RulePossibleDuplicate, Person: dup.IDNumber})
		if err != nil || len(flags) != 1 {
			t.Fatalf("duplicate flags: %v %v", flags, err)
		}
		flag := "/officer/quality/" + flags[0].ID

		secret := newOfficer(t, e, auth.Officer{Username: "dq-merger", Role: auth.RoleRegistrar, UnitLevel: auth.LevelCommune, UnitCode: commune})
		b := newBrowser(t, e)
		b.loginOfficer("dq-merger", secret)
		if st, body := b.get(flag); st != 200 || !strings.Contains(body, `action="`+flag+`/merge"`) {
			t.Fatalf("flag page = %d\n%s", st, excerpt(body))
		}
		form := url.Values{"effective_date": {"2026-11-20"}, "document_no": {"15/QĐ-UBND"}, "document_date": {"2026-11-20"}, "issuer": {"UBND xã"}}
		st, _, body := b.submit(flag, flag+"/merge", form)
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#keep"`) || !strings.Contains(body, `value="15/QĐ-UBND"`) {
			t.Fatalf("merge without a choice = %d\n%s", st, excerpt(body))
		}
		form.Set("keep", orig.IDNumber)
		st, loc, body := b.submit(flag, flag+"/merge", form)
		if st != http.StatusSeeOther || loc != "/officer/persons/"+orig.IDNumber {
			t.Fatalf("merge = %d %s\n%s", st, loc, excerpt(body))
		}
		if _, body = b.get(loc); !strings.Contains(body, "Các hồ sơ đã hợp nhất") || !strings.Contains(body, dup.IDNumber) || !strings.Contains(body, "Làng Chuồn") {
			t.Fatalf("kept record after the merge:\n%s", excerpt(body))
		}
		if _, body = b.get("/officer/persons/" + dup.IDNumber); !strings.Contains(body, "đã được hợp nhất") || strings.Contains(body, "/events/") {
			t.Fatalf("retired record:\n%s", excerpt(body))
		}
		for range 2 { // resolved at once, and still after a scan
			f, err := e.API.Quality.Get(e.Ctx, central, flags[0].ID)
			if err != nil || f.Status != quality.Resolved {
				t.Fatalf("flag after the merge: %+v %v", f, err)
			}
			if _, err := e.API.Quality.Scan(e.Ctx, "46"); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func jsonRaw(v any) ([]byte, error) { return json.Marshal(v) }
