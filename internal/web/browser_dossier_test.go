package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// TestBrowser_Dossier: in Chromium, a registrar logs in with his TOTP
// code, opens the queue, the birth registration of a newborn's linked
// dossier a citizen submitted, receives and approves it (the child is
// registered), issues the result and follows its verification link; then
// the police's view of residence declarations.
func TestBrowser_Dossier(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newDossierEnv(t, db)
		engine := string(db.Engine)
		birth := e.newborn()["birth_registration"]
		policeStays(t, e.Env, e.applicant)
		secret := newOfficer(t, e.Env, auth.Officer{Username: "xa-motcua", FullName: "Lê Thị Một Cửa", Role: auth.RoleRegistrar,
			UnitLevel: auth.LevelCommune, UnitCode: e.commune})
		code, err := totp.GenerateCode(secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		ctx := chromium(t)
		run(t, ctx, "log in", chromedp.Navigate(e.URL+"/officer/login"), chromedp.WaitVisible(chromedp.CSS(`#username`)),
			chromedp.SendKeys(chromedp.CSS(`#username`), "xa-motcua"), chromedp.SendKeys(chromedp.CSS(`#password`), officerPassword),
			chromedp.SendKeys(chromedp.CSS(`#code`), code), chromedp.Click(chromedp.CSS(`main form button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`#name`)))
		run(t, ctx, "open the queue", chromedp.Click(chromedp.CSS(`nav.sub a[href="/officer/dossiers"]`)),
			chromedp.WaitVisible(chromedp.CSS(`table.dossiers`)))
		if s := text(t, ctx); !strings.Contains(s, "Đăng ký khai sinh") || !strings.Contains(s, e.applicant.FullName) {
			t.Errorf("queue:\n%s", s)
		}
		shot(t, ctx, engine, "officer-dossiers")

		run(t, ctx, "open the birth registration", chromedp.Click(chromedp.CSS(`a[href="/officer/dossiers/`+birth+`"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#act-receive`)))
		run(t, ctx, "receive", chromedp.Click(chromedp.CSS(`#act-receive button`)), chromedp.WaitVisible(chromedp.CSS(`#act-approve`)))
		run(t, ctx, "approve", chromedp.Click(chromedp.CSS(`#act-approve button`)), chromedp.WaitVisible(chromedp.CSS(`a.person-link`)))
		child, _ := e.dossier(birth)["subject_id"].(string)
		if p, err := e.Register.ForSubject(e.Ctx, child); err != nil || p.FullName != "Nguyễn Thị Bé" {
			t.Fatalf("the child in the register: %+v, %v", p, err)
		}
		run(t, ctx, "issue the result", chromedp.Click(chromedp.CSS(`#act-issue-result button`)),
			chromedp.WaitVisible(chromedp.CSS(`a[href^="/verify/"]`)))
		s := text(t, ctx)
		for _, want := range []string{"Đã trả kết quả", "Đã đăng ký khai sinh", child, "Tải kết quả (PDF)"} {
			if !strings.Contains(s, want) {
				t.Errorf("dossier page lacks %q:\n%s", want, s)
			}
		}
		shot(t, ctx, engine, "officer-dossier")

		resultID, _ := e.dossier(birth)["result_id"].(string)
		href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('a[href^="/verify/"]').getAttribute("href")`))
		if err != nil || href != "/verify/"+resultID {
			t.Fatalf("verification link %q, want /verify/%s (%v)", href, resultID, err)
		}
		run(t, ctx, "follow the verification link", chromedp.Click(chromedp.CSS(`a[href^="/verify/"]`)),
			chromedp.WaitVisible(chromedp.CSS(`body`)))
		if s := text(t, ctx); !strings.Contains(s, resultID) {
			t.Errorf("verification page:\n%s", s)
		}

		run(t, ctx, "open the declarations", chromedp.Navigate(e.URL+"/officer/residence"), chromedp.WaitVisible(chromedp.CSS(`table.declarations`)))
		if s := text(t, ctx); !strings.Contains(s, "Khách sạn Sông Hương") || !strings.Contains(s, "Cần kiểm tra") {
			t.Errorf("declarations:\n%s", s)
		}
		shot(t, ctx, engine, "officer-residence")
	})
}
