package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// TestBrowser_Portal: in Chromium, a citizen opens the catalogue, submits
// the linked newborn procedure with its paper (a real file upload), sees
// his dossiers, submits a temporary residence registration, which has a
// fee, and pays it with the sandbox bank from the VietQR page.
func TestBrowser_Portal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newPortalEnv(t, db)
		engine := string(db.Engine)
		ctx := chromium(t)
		dir := t.TempDir()
		paper := filepath.Join(dir, "giay-chung-sinh.pdf")
		home := filepath.Join(dir, "hop-dong-thue-nha.pdf")
		for _, f := range []string{paper, home} {
			if err := os.WriteFile(f, []byte("%PDF-1.4 "+filepath.Base(f)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		p := e.applicant
		run(t, ctx, "log in", chromedp.Navigate(e.URL+"/app/login"), chromedp.WaitVisible(chromedp.CSS(`#id_number`)),
			chromedp.SendKeys(chromedp.CSS(`#id_number`), p.IDNumber), chromedp.SendKeys(chromedp.CSS(`#passcode`), citizenPasscode),
			chromedp.Click(chromedp.CSS(`main form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#code`)))
		run(t, ctx, "send the code", chromedp.SendKeys(chromedp.CSS(`#code`), e.Code("0912000301")),
			chromedp.Click(chromedp.CSS(`main form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`ul.tiles`)))

		run(t, ctx, "open the catalogue", chromedp.Click(chromedp.CSS(`main a[href="/app/services"]`)),
			chromedp.WaitVisible(chromedp.CSS(`ul.portal-catalogue`)))
		if s := text(t, ctx); !strings.Contains(s, "Đăng ký tạm trú") || !strings.Contains(s, "Liên thông") {
			t.Errorf("catalogue:\n%s", s)
		}
		shot(t, ctx, engine, "portal-catalogue")

		rel := "father"
		if p.Gender == idnum.Female {
			rel = "mother"
		}
		run(t, ctx, "fill the newborn form", chromedp.Click(chromedp.CSS(`main a[href="/app/services/newborn_linked"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#child_full_name`)),
			chromedp.Click(chromedp.CSS(`input[name=applicant_relation][value=`+rel+`]`)),
			chromedp.SendKeys(chromedp.CSS(`#child_full_name`), "Nguyễn Thị Bé"),
			chromedp.Click(chromedp.CSS(`input[name=child_gender][value=female]`)),
			chromedp.SetValue(chromedp.CSS(`#child_birth_date`), time.Now().AddDate(0, 0, -3).Format("2006-01-02")),
			chromedp.SendKeys(chromedp.CSS(`#child_birth_place`), "Bệnh viện Trung ương Huế"),
			chromedp.SetValue(chromedp.CSS(`#child_ethnicity`), "01"),
			chromedp.SendKeys(chromedp.CSS(`#health_facility`), "Trạm y tế phường"),
			chromedp.SetUploadFiles(chromedp.CSS(`#doc_medical_birth_certificate`), []string{paper}))
		if s := text(t, ctx); !strings.Contains(s, p.FullName) {
			t.Errorf("the form does not show the register's values:\n%s", s)
		}
		shot(t, ctx, engine, "portal-form")
		run(t, ctx, "submit the newborn form", chromedp.Click(chromedp.CSS(`main form button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`.flash`)), chromedp.WaitVisible(chromedp.CSS(`table`)))
		rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("main tbody tr").length`))
		if err != nil || rows != 3 {
			t.Fatalf("the linked submission lists %d dossiers (%v), want 3:\n%s", rows, err, text(t, ctx))
		}

		run(t, ctx, "fill the temporary residence form", chromedp.Navigate(e.URL+"/app/services/temporary_residence_registration"),
			chromedp.WaitVisible(chromedp.CSS(`#temporary_address`)),
			chromedp.SetValue(chromedp.CSS(`#temporary_commune`), p.Permanent.Commune),
			chromedp.SendKeys(chromedp.CSS(`#temporary_address`), "Số 9 Lê Lợi"),
			chromedp.SetValue(chromedp.CSS(`#until`), "2027-12-31"),
			chromedp.Click(chromedp.CSS(`input[name=reason][value=work]`)),
			chromedp.SetUploadFiles(chromedp.CSS(`#doc_proof_of_home`), []string{home}),
			chromedp.Click(chromedp.CSS(`main form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)))
		at, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil || !strings.Contains(at, "/app/dossiers/HS-") {
			t.Fatalf("after submitting: at %s (%v)\n%s", at, err, text(t, ctx))
		}
		id := at[strings.LastIndex(at, "/")+1:]
		// The commune's officer receives it: it waits for its fee.
		e.api("POST", "/api/v1/dossiers/"+id+"/receive", e.commune, "", 200)
		run(t, ctx, "reload the dossier", chromedp.Navigate(at), chromedp.WaitVisible(chromedp.CSS(`form[action$="/pay"] button`)))
		if s := text(t, ctx); !strings.Contains(s, "Đã tiếp nhận, chờ nộp phí") || !strings.Contains(s, "hop-dong-thue-nha.pdf") {
			t.Errorf("dossier page:\n%s", s)
		}
		shot(t, ctx, engine, "portal-dossier")

		run(t, ctx, "pay", chromedp.Click(chromedp.CSS(`form[action$="/pay"] button`)), chromedp.WaitVisible(chromedp.CSS(`img.qr`)))
		payload, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#qr-payload").value`))
		if s := text(t, ctx); err != nil || !strings.Contains(s, "7.000 ₫") || !strings.HasPrefix(payload, "000201") {
			t.Errorf("payment page (payload %q, %v):\n%s", payload, err, s)
		}
		shot(t, ctx, engine, "portal-payment")
		run(t, ctx, "pay with the sandbox bank", chromedp.Click(chromedp.CSS(`form[action$="/payment/sandbox"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`.flash`)))
		if s := text(t, ctx); !strings.Contains(s, "Đã thanh toán phí") || !strings.Contains(s, "Đang giải quyết") {
			t.Errorf("after paying:\n%s", s)
		}

		// Approved with its result: the dossier links to the public
		// verification page, which the browser gets as HTML.
		e.api("POST", "/api/v1/dossiers/"+id+"/approve", e.commune, "", 200)
		e.api("POST", "/api/v1/dossiers/"+id+"/issue-result", e.commune, "", 200)
		run(t, ctx, "open the verification", chromedp.Navigate(at), chromedp.WaitVisible(chromedp.CSS(`.portal-result`)),
			chromedp.Click(chromedp.CSS(`.portal-result a[href*="/verify/"]`)), chromedp.WaitVisible(chromedp.CSS(`.badge.ok`)))
		if s := text(t, ctx); !strings.Contains(s, "Văn bản hợp lệ") || strings.Contains(s, p.IDNumber) {
			t.Errorf("verification page:\n%s", s)
		}
		shot(t, ctx, engine, "portal-verify")

		run(t, ctx, "open my dossiers", chromedp.Navigate(e.URL+"/app/dossiers"), chromedp.WaitVisible(chromedp.CSS(`table`)))
		if rows, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("main tbody tr").length`)); rows != 4 {
			t.Errorf("my dossiers lists %d, want 4:\n%s", rows, text(t, ctx))
		}
	})
}
