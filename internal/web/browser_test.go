package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdpwebauthn "github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
	"github.com/dancu-vn/dancu/internal/web"
)

// chromium starts the headless Chromium of the test environment.
func chromium(t *testing.T) context.Context { return testenv.Chromium(t, 90*time.Second) }

// screenshots is where pages are saved when DANCU_SCREENSHOTS=1: the
// repository's docs/screenshots, for the README.
func screenshots() string {
	if os.Getenv("DANCU_SCREENSHOTS") != "1" {
		return ""
	}
	return filepath.Join("..", "..", "docs", "screenshots")
}

// shot saves the current page as docs/screenshots/<name>.png when
// screenshots are asked for (on one engine only: the pages are the same).
func shot(t *testing.T, ctx context.Context, engine, name string) {
	t.Helper()
	dir := screenshots()
	if dir == "" || engine != string(store.SQLite) {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// run runs browser actions and fails the test with where the browser is.
func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		diag, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
		defer cancel()
		at, _ := chromedp.Run(diag, chromedp.Location())
		text, _ := chromedp.Run(diag, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		t.Fatalf("%s: %v\nat %s:\n%s", what, err, at, excerpt(text))
	}
}

// text returns the visible text of the page.
func text(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatalf("read the page: %v", err)
	}
	return s
}

// TestBrowser_Citizen: in Chromium, a citizen registers, logs in with the
// SMS code, opens his record and sees who accessed his data, each access
// with its "verified" badge.
func TestBrowser_Citizen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 200)
		engine := string(db.Engine)
		ctx := chromium(t)
		p := e.Living(6)
		phone := "0912000041"
		// Someone else reads his record first: an officer through the API.
		officer := e.Officer(auth.Officer{Username: "reader-b", FullName: "Cán bộ tra cứu", Role: auth.RoleReader,
			UnitLevel: auth.LevelProvince, UnitCode: "46"})
		if st, _, _ := e.Call("GET", "/api/v1/persons/"+p.IDNumber, officer, "", ""); st != 200 {
			t.Fatalf("officer read = %d", st)
		}
		e.Call("GET", "/api/v1/persons/"+p.IDNumber+"/history", officer, "", "", "X-Purpose", "official_duty")

		// Demo mode, as dancu demo runs: the home page lists the accounts
		// and the code pages show the development outbox's code.
		e.API.WebUI().SetDemo(&web.Demo{
			Citizens: []web.DemoCitizen{{IDNumber: "046190000123", FullName: "Nguyễn Văn Thử", Phone: "0911000001", Passcode: "246813", Level: 1}},
			Officers: []web.DemoOfficer{{Username: "demo-commune", FullName: "Cán bộ xã", Role: auth.RoleRegistrar, UnitName: "Phường Thuận Hóa",
				Password: "Dancu-Demo-2026!"}}})
		run(t, ctx, "open the home page", chromedp.Navigate(e.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`a[href="/app/register"]`)),
			chromedp.WaitVisible(chromedp.CSS(`.demo-box`)))
		shot(t, ctx, engine, "home")
		run(t, ctx, "open the registration", chromedp.Click(chromedp.CSS(`a[href="/app/register"]`)), chromedp.WaitVisible(chromedp.CSS(`#id_number`)),
			chromedp.SendKeys(chromedp.CSS(`#id_number`), p.IDNumber), chromedp.SendKeys(chromedp.CSS(`#full_name`), p.FullName),
			chromedp.SendKeys(chromedp.CSS(`#birth_date`), string(p.BirthDate)))
		// Sent without the phone first: the error is shown next to it.
		run(t, ctx, "send without a phone", chromedp.Click(chromedp.CSS(`main form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.error-summary`)))
		shot(t, ctx, engine, "register-error")
		run(t, ctx, "send the details", chromedp.SendKeys(chromedp.CSS(`#phone`), phone), chromedp.Click(chromedp.CSS(`main form button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`#passcode2`)))
		if s := text(t, ctx); !strings.Contains(s, "mã vừa gửi là "+e.Code(phone)) {
			t.Errorf("demo mode: the code page does not show the code:\n%s", s)
		}
		run(t, ctx, "create the account", chromedp.SendKeys(chromedp.CSS(`#code`), e.Code(phone)), chromedp.SendKeys(chromedp.CSS(`#passcode`), citizenPasscode),
			chromedp.SendKeys(chromedp.CSS(`#passcode2`), citizenPasscode), chromedp.Click(chromedp.CSS(`main form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)))

		run(t, ctx, "log in", chromedp.SendKeys(chromedp.CSS(`#id_number`), p.IDNumber), chromedp.SendKeys(chromedp.CSS(`#passcode`), citizenPasscode))
		shot(t, ctx, engine, "login")
		run(t, ctx, "send the passcode", chromedp.Click(chromedp.CSS(`main form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#code`)))
		run(t, ctx, "send the code", chromedp.SendKeys(chromedp.CSS(`#code`), e.Code(phone)), chromedp.Click(chromedp.CSS(`main form button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`ul.tiles`)))
		shot(t, ctx, engine, "app")
		run(t, ctx, "open the record", chromedp.Click(chromedp.CSS(`main a[href="/app/record"]`)), chromedp.WaitVisible(chromedp.CSS(`dl.record`)))
		if s := text(t, ctx); !strings.Contains(s, p.FullName) || !strings.Contains(s, p.IDNumber) {
			t.Errorf("record page:\n%s", s)
		}
		shot(t, ctx, engine, "record")
		run(t, ctx, "open the access log", chromedp.Navigate(e.URL+"/app/access-log"),
			chromedp.WaitVisible(chromedp.CSS(`table.access`)))
		s := text(t, ctx)
		if !strings.Contains(s, "đã kiểm chứng") || !strings.Contains(s, "Tất cả đã được kiểm chứng") || strings.Contains(s, "không kiểm chứng được") {
			t.Errorf("access log page:\n%s", s)
		}
		badges, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("table.access .badge.ok").length`))
		if err != nil {
			t.Fatal(err)
		}
		if badges < 2 {
			t.Errorf("%d verified badges, want one per access (at least 2)", badges)
		}
		shot(t, ctx, engine, "access-log")
		// The English page, on a phone's screen.
		run(t, ctx, "switch to English", chromedp.EmulateViewport(390, 844), chromedp.Navigate(e.URL+"/app/?lang=en"),
			chromedp.WaitVisible(chromedp.CSS(`ul.tiles`)))
		if s := text(t, ctx); !strings.Contains(s, "Who accessed") {
			t.Errorf("English app page:\n%s", s)
		}
		shot(t, ctx, engine, "app-phone-en")
	})
}

// TestBrowser_Officer: in Chromium, an officer logs in with password and
// TOTP code, searches with and without diacritics, opens a person and
// records a change of name with its legal basis.
func TestBrowser_Officer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 200)
		engine := string(db.Engine)
		secret := newOfficer(t, e, auth.Officer{Username: "prov-b", FullName: "Trần Văn Cán Bộ", Role: auth.RoleRegistrar,
			UnitLevel: auth.LevelProvince, UnitCode: "46"})
		ctx := chromium(t)
		p := e.Living(7)
		code, err := totp.GenerateCode(secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		run(t, ctx, "open the console", chromedp.Navigate(e.URL+"/officer/"), chromedp.WaitVisible(chromedp.CSS(`#username`)),
			chromedp.SendKeys(chromedp.CSS(`#username`), "prov-b"), chromedp.SendKeys(chromedp.CSS(`#password`), officerPassword), chromedp.SendKeys(chromedp.CSS(`#code`), code))
		shot(t, ctx, engine, "officer-login")
		run(t, ctx, "log in", chromedp.Click(chromedp.CSS(`main form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#name`)))

		for i, q := range []string{p.FullName, register.NameKey(p.FullName)} {
			run(t, ctx, "search "+q, chromedp.Navigate(e.URL+"/officer/"), chromedp.WaitVisible(chromedp.CSS(`#name`)), chromedp.SendKeys(chromedp.CSS(`#name`), q),
				chromedp.Click(chromedp.CSS(`form.search button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/officer/persons/`+p.IDNumber+`"]`)))
			if i == 1 {
				shot(t, ctx, engine, "officer-search")
			}
		}
		run(t, ctx, "open the person", chromedp.Click(chromedp.CSS(`a[href="/officer/persons/`+p.IDNumber+`"]`)), chromedp.WaitVisible(chromedp.CSS(`ol.timeline`)))
		shot(t, ctx, engine, "officer-person")
		run(t, ctx, "open the name change", chromedp.Click(chromedp.CSS(`a[href="/officer/persons/`+p.IDNumber+`/events/name_change"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#full_name`)),
			chromedp.SendKeys(chromedp.CSS(`#full_name`), "Hoàng Thị Tên Mới"), chromedp.SendKeys(chromedp.CSS(`#reason`), "theo nguyện vọng"),
			chromedp.SetValue(chromedp.CSS(`#effective_date`), "2026-01-10"), chromedp.SendKeys(chromedp.CSS(`#document_no`), "21/QĐ-UBND"),
			chromedp.SetValue(chromedp.CSS(`#document_date`), "2026-01-09"), chromedp.SendKeys(chromedp.CSS(`#issuer`), "UBND phường Thuận Hóa"))
		shot(t, ctx, engine, "officer-event")
		run(t, ctx, "record it", chromedp.Click(chromedp.CSS(`main form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)))
		if s := text(t, ctx); !strings.Contains(s, "Hoàng Thị Tên Mới") || !strings.Contains(s, "21/QĐ-UBND") {
			t.Errorf("person after the change:\n%s", s)
		}
		if q, _ := e.Register.ForSubject(e.Ctx, p.IDNumber); q.FullName != "Hoàng Thị Tên Mới" {
			t.Errorf("register name = %q", q.FullName)
		}
		// The record as of a date before the change.
		run(t, ctx, "view as of a date", chromedp.SetValue(chromedp.CSS(`#as_of`), "2025-12-31"), chromedp.Click(chromedp.CSS(`form.asof button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
		if s := text(t, ctx); !strings.Contains(s, p.FullName) {
			t.Errorf("as of 2025-12-31:\n%s", s)
		}
		shot(t, ctx, engine, "officer-asof")

		// The data-quality queue after a scan, and one flag.
		orig, dup := registerDuplicate(t, e, "")
		flagID := duplicateFlag(t, e, dup)
		run(t, ctx, "open the quality queue", chromedp.Navigate(e.URL+"/officer/quality"),
			chromedp.WaitVisible(chromedp.CSS(`a[href^="/officer/quality/DQ-"]`)))
		shot(t, ctx, engine, "officer-quality")
		run(t, ctx, "open a flag", chromedp.Click(chromedp.CSS(`a[href^="/officer/quality/DQ-"]`)),
			chromedp.WaitVisible(chromedp.CSS(`table.compare`)), chromedp.WaitVisible(chromedp.CSS(`#note`)))

		// The duplicate merged from its flag's page.
		run(t, ctx, "open the duplicate's flag", chromedp.Navigate(e.URL+"/officer/quality/"+flagID),
			chromedp.WaitVisible(chromedp.CSS(`#merge`)),
			chromedp.Click(chromedp.CSS(`input[name=keep][value="`+orig.IDNumber+`"]`)),
			chromedp.SetValue(chromedp.CSS(`#effective_date`), "2026-11-20"), chromedp.SendKeys(chromedp.CSS(`#document_no`), "15/QĐ-UBND"),
			chromedp.SetValue(chromedp.CSS(`#document_date`), "2026-11-20"), chromedp.SendKeys(chromedp.CSS(`#issuer`), "UBND phường"))
		shot(t, ctx, engine, "officer-merge")
		run(t, ctx, "merge", chromedp.Click(chromedp.CSS(`form[action$="/merge"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)))
		if s := text(t, ctx); !strings.Contains(s, dup.IDNumber) || !strings.Contains(s, "Các hồ sơ đã hợp nhất") {
			t.Errorf("the kept record after the merge:\n%s", excerpt(s))
		}

		// An agency's list reconciled: the merged duplicate's number is
		// answered with the kept one.
		list := filepath.Join(t.TempDir(), "bhxh.csv")
		if err := os.WriteFile(list, []byte("record_id,id_number,full_name\nBH-1,"+orig.IDNumber+","+orig.FullName+"\nBH-2,"+dup.IDNumber+",\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		run(t, ctx, "reconcile a list", chromedp.Navigate(e.URL+"/officer/reconcile"), chromedp.WaitVisible(chromedp.CSS(`#file`)),
			chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{list}), chromedp.SendKeys(chromedp.CSS(`#purpose`), "Làm sạch dữ liệu BHXH"),
			chromedp.Click(chromedp.CSS(`button[name=format][value=page]`)), chromedp.WaitVisible(chromedp.CSS(`#reconcile-totals`)))
		if s := text(t, ctx); !strings.Contains(s, "Khớp: 1") || !strings.Contains(s, "Số đã hủy: 1") || !strings.Contains(s, orig.IDNumber) {
			t.Errorf("reconciliation report:\n%s", excerpt(s))
		}
		shot(t, ctx, engine, "officer-reconcile")

		// The indicators: the province's, then a commune's from its table.
		if _, err := e.API.Dashboard.Snapshot(e.Ctx); err != nil {
			t.Fatal(err)
		}
		run(t, ctx, "open the indicators", chromedp.Click(chromedp.CSS(`nav.sub a[href="/officer/dashboard"]`)),
			chromedp.WaitVisible(chromedp.CSS(`figure.chart svg polyline`)), chromedp.WaitVisible(chromedp.CSS(`table.dashboard-units a`)))
		shot(t, ctx, engine, "officer-dashboard")
		run(t, ctx, "open a commune's indicators", chromedp.Click(chromedp.CSS(`table.dashboard-units a`)),
			chromedp.WaitVisible(chromedp.CSS(`.dashboard-figures`)))
		if s := text(t, ctx); !strings.Contains(s, "Lên cấp trên") || !strings.Contains(s, "Dân số") {
			t.Errorf("a commune's indicators:\n%s", excerpt(s))
		}
	})
}

// TestBrowser_Passkey: on the security page, with JavaScript and a
// (virtual) authenticator, a citizen adds a passkey through the vendored
// script, which posts to the page's own endpoints with its CSRF token.
func TestBrowser_Passkey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.NewWith(t, db, testenv.Options{People: 100, Localhost: true})
		p := e.Living(1)
		phone := "0912000061"
		e.Citizen(p, phone)
		ctx := chromium(t)
		addAuthenticator := func(ctx context.Context, tab *chromedp.Target) (chromedp.Void, error) {
			if _, err := cdp.Call(ctx, tab, cdpwebauthn.Enable, cdpwebauthn.EnableParams{}); err != nil {
				return chromedp.Void{}, err
			}
			_, err := cdp.Call(ctx, tab, cdpwebauthn.AddVirtualAuthenticator, cdpwebauthn.AddVirtualAuthenticatorParams{
				Options: &cdpwebauthn.VirtualAuthenticatorOptions{Protocol: cdpwebauthn.AuthenticatorProtocolCtap2,
					Ctap2version: cdpwebauthn.Ctap2versionCtap21, Transport: cdpwebauthn.AuthenticatorTransportInternal,
					HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true}})
			return chromedp.Void{}, err
		}
		run(t, ctx, "log in", chromedp.Navigate(e.URL+"/app/login"), addAuthenticator, chromedp.WaitVisible(chromedp.CSS(`#id_number`)),
			chromedp.SendKeys(chromedp.CSS(`#id_number`), p.IDNumber), chromedp.SendKeys(chromedp.CSS(`#passcode`), citizenPasscode),
			chromedp.Click(chromedp.CSS(`main form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#code`)))
		run(t, ctx, "send the code", chromedp.SendKeys(chromedp.CSS(`#code`), e.Code(phone)),
			chromedp.Click(chromedp.CSS(`main form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`ul.tiles`)))
		run(t, ctx, "add a passkey", chromedp.Navigate(e.URL+"/app/security"), chromedp.WaitVisible(chromedp.CSS(`#passkey-add button`)),
			chromedp.Click(chromedp.CSS(`#passkey-add button`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)))
		acct, err := e.EID.AccountByIDNumber(e.Ctx, p.IDNumber)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := e.EID.Passkeys(e.Ctx, acct.ID)
		if err != nil || len(keys) != 1 {
			t.Fatalf("passkeys = %+v, %v", keys, err)
		}
		if s := text(t, ctx); !strings.Contains(s, keys[0].Name) {
			t.Errorf("security page after adding:\n%s", s)
		}
		shot(t, ctx, string(db.Engine), "security")
	})
}
