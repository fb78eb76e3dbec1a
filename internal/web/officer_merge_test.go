package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/card"
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
		orig, dup := registerDuplicate(t, e, "Làng Chuồn, Phú An")
		commune := communeOf(orig)
		registrar := auth.Actor{ID: "seed-registrar", Role: auth.RoleRegistrar, UnitCode: "46", UnitLevel: auth.LevelProvince}
		if orig.Hometown != "" {
			// The kept record lacks the hometown the duplicate has.
			raw, _ := json.Marshal(register.CorrectionPayload{Hometown: new(string)})
			if _, err := e.Register.RecordEvent(e.Ctx, registrar, orig.IDNumber, register.EventRequest{Kind: register.KindCorrection,
				EffectiveDate: "2026-01-05", Legal: register.LegalBasis{DocumentNo: "8/QĐ", DocumentDate: "2026-01-05", Issuer: "UBND xã"}, Payload: raw}); err != nil {
				t.Fatal(err)
			}
		}
		// A child registered naming the duplicate as parent.
		childReq := register.BirthRequest{FullName: "Con Của Bản Sao", Gender: "female", BirthDate: "2025-06-01", BirthPlace: "Trạm y tế",
			Ethnicity: "01", Permanent: &register.Residence{Commune: commune, Province: "46", Address: "Số 3"},
			Legal: register.LegalBasis{DocumentNo: "10/TLKS", DocumentDate: "2025-06-05", Issuer: "UBND xã"}}
		if dup.Gender == "male" {
			childReq.FatherID = dup.IDNumber
		} else {
			childReq.MotherID = dup.IDNumber
		}
		child, err := e.Register.RegisterBirth(e.Ctx, registrar, childReq)
		if err != nil {
			t.Fatal(err)
		}
		flagID := duplicateFlag(t, e, dup)
		flag := "/officer/quality/" + flagID
		central := auth.Actor{ID: "t", Role: auth.RoleReader, UnitLevel: auth.LevelCentral}

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
			f, err := e.API.Quality.Get(e.Ctx, central, flagID)
			if err != nil || f.Status != quality.Resolved {
				t.Fatalf("flag after the merge: %+v %v", f, err)
			}
			if _, err := e.API.Quality.Scan(e.Ctx, "46"); err != nil {
				t.Fatal(err)
			}
		}

		// No card for a retired number.
		if _, err := e.API.Cards.Apply(e.Ctx, registrar, dup.IDNumber, card.Request{Type: card.First,
			Legal: register.LegalBasis{DocumentNo: "CC01", DocumentDate: "2026-11-21", Issuer: "Công an xã"}}); apperr.Code(err) != apperr.Conflict {
			t.Errorf("a card application for the retired record: %v", err)
		}

		// The scan flags the child, who names the retired record; a
		// recheck keeps the flag until the parent is corrected.
		refs, err := e.API.Quality.List(e.Ctx, central, quality.Filter{Rule: quality.RuleRetiredReference, Person: child.IDNumber})
		if err != nil || len(refs) != 1 {
			t.Fatalf("retired-reference flags of the child: %v %v", refs, err)
		}
		clerk := auth.Actor{ID: "dq-merger", Role: auth.RoleRegistrar, UnitCode: commune, UnitLevel: auth.LevelCommune}
		if f, err := e.API.Quality.Recheck(e.Ctx, clerk, refs[0].ID); err != nil || f.Status != quality.Open {
			t.Fatalf("recheck before the correction: %+v %v", f, err)
		}
		kept := orig.IDNumber
		fix := register.CorrectionPayload{MotherID: &kept}
		if dup.Gender == "male" {
			fix = register.CorrectionPayload{FatherID: &kept}
		}
		raw, _ := json.Marshal(fix)
		if _, err := e.Register.RecordEvent(e.Ctx, registrar, child.IDNumber, register.EventRequest{Kind: register.KindCorrection,
			EffectiveDate: "2026-11-21", Legal: register.LegalBasis{DocumentNo: "16/QĐ", DocumentDate: "2026-11-21", Issuer: "UBND xã"}, Payload: raw}); err != nil {
			t.Fatal(err)
		}
		if f, err := e.API.Quality.Recheck(e.Ctx, clerk, refs[0].ID); err != nil || f.Status != quality.Resolved {
			t.Fatalf("recheck after the correction: %+v %v", f, err)
		}
	})
}
