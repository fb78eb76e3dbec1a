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
	})
}
