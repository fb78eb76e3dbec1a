package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

// TestWeb_IdentityQR: a level-1 citizen is told to have his account
// upgraded; at level 2 he gets a signed QR carrying the fields he ticked.
func TestWeb_IdentityQR(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 100)
		e.InitPKI()
		p := e.Living(0)
		e.Citizen(p, "0912000091")
		b := newBrowser(t, e)
		b.loginCitizen(e, p, "0912000091")
		if _, body := b.get("/app/identity-qr"); !strings.Contains(body, "Cần tài khoản định danh điện tử mức 2") || strings.Contains(body, `action="/app/identity-qr"`) {
			t.Errorf("level-1 page:\n%s", excerpt(body))
		}
		st, _, body := b.submit("/app/", "/app/identity-qr", url.Values{"field": {"full_name"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, "mức 2") {
			t.Errorf("level-1 QR = %d\n%s", st, excerpt(body))
		}

		officer := auth.Actor{ID: "prov", Role: auth.RoleRegistrar, UnitLevel: auth.LevelProvince, UnitCode: "46"}
		if _, err := e.EID.UpgradeLevel2(e.Ctx, officer, p.IDNumber, eid.Attestation{ChipRead: true, FaceMatch: true, Document: p.IDNumber}); err != nil {
			t.Fatal(err)
		}
		// A new login, at the account's new level.
		b = newBrowser(t, e)
		b.loginCitizen(e, p, "0912000091")
		st, _, body = b.submit("/app/identity-qr", "/app/identity-qr", url.Values{"field": {"full_name", "birth_date"}})
		if st != http.StatusOK || !strings.Contains(body, `src="data:image/png;base64,`) || !strings.Contains(body, `id="identity-qr"`) {
			t.Errorf("level-2 QR = %d\n%s", st, excerpt(body))
		}
	})
}
