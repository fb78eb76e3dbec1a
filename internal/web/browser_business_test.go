package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

// TestBrowser_Business: in Chromium, a hotel's representative logs in
// with his e-ID, registers an establishment (its commune picked from the
// province's list), checks a citizen guest in through the form, uploads
// a CSV file of guests and checks a guest out.
func TestBrowser_Business(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 100)
		engine := string(db.Engine)
		rep, guest := e.Living(0), e.Living(1)
		phone := "0912000311"
		acct := businessLevel2(t, e, rep, phone)
		org := businessOrg(t, e, acct, "0101234568", "Công ty TNHH Khách sạn Sông Hương")
		commune := businessCommune(t)
		ctx := chromium(t)

		run(t, ctx, "log in", chromedp.Navigate(e.URL+"/app/login"), chromedp.WaitVisible(chromedp.CSS(`#id_number`)),
			chromedp.SendKeys(chromedp.CSS(`#id_number`), rep.IDNumber), chromedp.SendKeys(chromedp.CSS(`#passcode`), citizenPasscode),
			chromedp.Click(chromedp.CSS(`main form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#code`)))
		run(t, ctx, "send the code", chromedp.SendKeys(chromedp.CSS(`#code`), e.Code(phone)), chromedp.Click(chromedp.CSS(`main form button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`ul.tiles`)))

		run(t, ctx, "open the business area", chromedp.Click(chromedp.CSS(`header a[href="/business/"]`)), chromedp.WaitVisible(chromedp.CSS(`#province`)),
			chromedp.SetValue(chromedp.CSS(`#province`), "46"), chromedp.Click(chromedp.CSS(`form.asof button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`select#commune`)))
		run(t, ctx, "register an establishment", chromedp.SendKeys(chromedp.CSS(`#name`), "Khách sạn Sông Hương"),
			chromedp.SetValue(chromedp.CSS(`#kind`), "guesthouse"), chromedp.SetValue(chromedp.CSS(`#commune`), commune.Code),
			chromedp.SendKeys(chromedp.CSS(`#address`), "12 Lê Lợi"),
			chromedp.Click(chromedp.CSS(`form[action$="/establishments"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)))
		if s := text(t, ctx); !strings.Contains(s, org.Name) || !strings.Contains(s, "Nhà nghỉ") || !strings.Contains(s, commune.FullName()) {
			t.Errorf("organisation page:\n%s", s)
		}
		shot(t, ctx, engine, "business-home")

		run(t, ctx, "open the establishment", chromedp.Click(chromedp.CSS(`main table a`)), chromedp.WaitVisible(chromedp.CSS(`#id_number`)),
			chromedp.SendKeys(chromedp.CSS(`#id_number`), guest.IDNumber), chromedp.SendKeys(chromedp.CSS(`#full_name`), guest.FullName),
			chromedp.SetValue(chromedp.CSS(`#birth_date`), string(guest.BirthDate)), chromedp.SendKeys(chromedp.CSS(`#room`), "101"),
			chromedp.Click(chromedp.CSS(`form[action$="/stays"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)))
		if s := text(t, ctx); !strings.Contains(s, "khớp với Cơ sở dữ liệu") || !strings.Contains(s, guest.FullName) || !strings.Contains(s, "Khớp") {
			t.Errorf("establishment after check-in:\n%s", s)
		}
		shot(t, ctx, engine, "business-establishment")

		file := filepath.Join(t.TempDir(), "khach.csv")
		csv := "kind,id_number,full_name,birth_date,nationality,passport_no,room\n" +
			"foreign,,Anna Berg,1991-04-05,SE,P998877,102\n" +
			"citizen," + guest.IDNumber + ",Tên Sai Khác,1990-01-01,,,103\n" +
			"citizen,123,Ai Đó,1990-01-01,,,104\n"
		if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
			t.Fatal(err)
		}
		run(t, ctx, "upload a file", chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{file}),
			chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#upload-totals`)))
		if s := text(t, ctx); !strings.Contains(s, "Đã khai báo 2 dòng; 1 dòng không hợp lệ") || !strings.Contains(s, "Cần kiểm tra") {
			t.Errorf("upload results:\n%s", s)
		}
		shot(t, ctx, engine, "business-upload")

		run(t, ctx, "check a guest out", chromedp.Click(chromedp.CSS(`main a.button`)), chromedp.WaitVisible(chromedp.CSS(`form[action$="/checkout"]`)),
			chromedp.Click(chromedp.CSS(`form[action$="/checkout"] button`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)))
		if s := text(t, ctx); !strings.Contains(s, "Đã khai báo trả phòng") {
			t.Errorf("after check-out:\n%s", s)
		}
	})
}
