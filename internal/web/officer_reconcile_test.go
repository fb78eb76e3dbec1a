package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

// TestWeb_Reconcile: an officer checks an agency's list in the console:
// without a purpose the form comes back with the error and the input;
// with one, the page counts each outcome and shows every row, the
// register's value where a fact differs; the same list downloads as a
// CSV report; a file the reader refuses is an error of the form.
func TestWeb_Reconcile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 120)
		p := e.Living(0)
		secret := newOfficer(t, e, auth.Officer{Username: "rc-web", Role: auth.RoleReader, UnitLevel: auth.LevelProvince, UnitCode: "46"})
		b := newBrowser(t, e)
		b.loginOfficer("rc-web", secret)
		if st, body := b.get("/officer/reconcile"); st != 200 || !strings.Contains(body, `enctype="multipart/form-data"`) {
			t.Fatalf("form = %d\n%s", st, excerpt(body))
		}
		list := "record_id,id_number,full_name\nBH-1," + p.IDNumber + "," + p.FullName + "\nBH-2," + p.IDNumber + ",Tên Khác\nBH-3,046099999999,\n"
		file := portalFile{field: "file", name: "bhxh.csv", body: []byte(list)}
		form := url.Values{"csrf": {b.csrf()}, "format": {"page"}}
		if st, _, body := portalPost(b, "/officer/reconcile", form, file); st != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#purpose"`) {
			t.Fatalf("without a purpose = %d\n%s", st, excerpt(body))
		}
		form.Set("purpose", "Làm sạch dữ liệu BHXH")
		st, _, body := portalPost(b, "/officer/reconcile", form, file)
		if st != 200 || !strings.Contains(body, "Khớp: <strong>1</strong>") || !strings.Contains(body, "Sai lệch: <strong>1</strong>") ||
			!strings.Contains(body, "Không có trong CSDL: <strong>1</strong>") || !strings.Contains(body, "Họ, chữ đệm và tên: "+p.FullName) {
			t.Fatalf("report page = %d\n%s", st, excerpt(body))
		}
		form.Set("format", "csv")
		st, _, body = portalPost(b, "/officer/reconcile", form, file)
		if st != 200 || !strings.HasPrefix(body, "line,record_id,id_number,outcome") || strings.Count(body, "\n") != 4 {
			t.Fatalf("CSV report = %d\n%s", st, body)
		}
		st, _, body = portalPost(b, "/officer/reconcile", url.Values{"csrf": {form.Get("csrf")}, "purpose": {"x"}},
			portalFile{field: "file", name: "bad.csv", body: []byte("phone\n1\n")})
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, "unknown column") {
			t.Fatalf("a bad file = %d\n%s", st, excerpt(body))
		}
	})
}
