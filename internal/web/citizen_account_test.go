package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
	"github.com/dancu-vn/dancu/internal/web"
)

var accountErrorSummary = regexp.MustCompile(`(?s)<div class="error-summary".*?</div>`)

// accountNewPasscode returns a passcode the e-ID rules accept for p: six
// digits that are not his birth date (DDMMYY, YYMMDD) or the end of his
// ID number (the test phones end otherwise).
func accountNewPasscode(p *register.Person) string {
	b := string(p.BirthDate) // YYYY-MM-DD
	birth := []string{b[8:10] + b[5:7] + b[2:4], b[2:4] + b[5:7] + b[8:10]}
	for _, c := range []string{"305817", "472906", "618352"} {
		if c != birth[0] && c != birth[1] && !strings.HasSuffix(p.IDNumber, c) {
			return c
		}
	}
	return "594031"
}

// accountSMSCount counts the codes sent to a phone.
func accountSMSCount(t *testing.T, e *testenv.Env, phone string) int {
	t.Helper()
	msgs, err := e.Outbox.Messages(e.Ctx, phone, 20)
	if err != nil {
		t.Fatal(err)
	}
	return len(msgs)
}

// TestWeb_AccountReset: a citizen who forgot his passcode resets it with
// his ID number, phone and the SMS code. Wrong codes and weak passcodes
// are shown by field without echoing the passcode; an unknown ID number
// answers as a wrong phone does; afterwards the old passcode fails, the
// new one works and every old session (pages and API) is over.
func TestWeb_AccountReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 60)
		p := e.Living(2)
		phone := "0912000061"
		apiToken := e.Citizen(p, phone)
		old := newBrowser(t, e)
		old.loginCitizen(e, p, phone)
		newPass := accountNewPasscode(p)

		b := newBrowser(t, e)
		if _, body := b.get("/app/login"); !strings.Contains(body, `href="/app/reset"`) {
			t.Fatalf("no reset link on the login page:\n%s", excerpt(body))
		}

		t.Run("unknown ID number answers as a wrong phone", func(t *testing.T) {
			unknown := p.IDNumber[:6] + "999999"
			if _, err := e.Register.ForSubject(e.Ctx, unknown); err == nil {
				t.Skip("the ID number exists")
			}
			sent := accountSMSCount(t, e, phone)
			var summaries []string
			for _, form := range []url.Values{
				{"id_number": {unknown}, "phone": {phone}},
				{"id_number": {p.IDNumber}, "phone": {"0987654321"}},
			} {
				st, loc, body := b.submit("/app/reset", "/app/reset", form)
				if st != http.StatusUnprocessableEntity || loc != "" {
					t.Fatalf("reset %v = %d %s\n%s", form, st, loc, excerpt(body))
				}
				summaries = append(summaries, accountErrorSummary.FindString(body))
			}
			if summaries[0] == "" || summaries[0] != summaries[1] {
				t.Fatalf("the answers differ:\n%s\n%s", summaries[0], summaries[1])
			}
			if n := accountSMSCount(t, e, phone); n != sent {
				t.Fatalf("%d codes sent on a mismatch", n-sent)
			}
		})
		t.Run("required fields", func(t *testing.T) {
			st, _, body := b.submit("/app/reset", "/app/reset", url.Values{"id_number": {p.IDNumber}})
			if st != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#phone"`) {
				t.Fatalf("no phone = %d\n%s", st, excerpt(body))
			}
		})
		t.Run("CSRF missing", func(t *testing.T) {
			sent := accountSMSCount(t, e, phone)
			if st, _, _ := b.do("POST", "/app/reset", url.Values{"id_number": {p.IDNumber}, "phone": {phone}}); st != http.StatusForbidden {
				t.Fatalf("POST without CSRF = %d, want 403", st)
			}
			if n := accountSMSCount(t, e, phone); n != sent {
				t.Fatal("a code was sent without a CSRF token")
			}
		})

		st, loc, body := b.submit("/app/reset", "/app/reset", url.Values{"id_number": {p.IDNumber}, "phone": {"0912 000 061"}})
		if st != http.StatusSeeOther || loc != "/app/reset/code" {
			t.Fatalf("reset = %d %s\n%s", st, loc, excerpt(body))
		}
		code := e.Code(phone)
		wrong := "000000"
		if code == wrong {
			wrong = "999999"
		}
		for _, tc := range []struct {
			name, code, pass, pass2, field string
		}{
			{"wrong code", wrong, newPass, newPass, "code"},
			{"weak passcode", code, "111111", "111111", "passcode"},
			{"passcodes differ", code, newPass, "305818", "passcode2"},
			{"no code", "", newPass, newPass, "code"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				st, _, body := b.submit(loc, loc, url.Values{"code": {tc.code}, "passcode": {tc.pass}, "passcode2": {tc.pass2}})
				if st != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#`+tc.field+`"`) {
					t.Fatalf("= %d, want 422 on %s\n%s", st, tc.field, excerpt(body))
				}
				if strings.Contains(body, `value="`+tc.pass+`"`) || strings.Contains(body, `value="`+tc.pass2+`"`) {
					t.Fatalf("a passcode was sent back:\n%s", excerpt(body))
				}
			})
		}
		t.Run("CSRF missing on the code", func(t *testing.T) {
			if st, _, _ := b.do("POST", loc, url.Values{"code": {code}, "passcode": {newPass}, "passcode2": {newPass}}); st != http.StatusForbidden {
				t.Fatalf("POST without CSRF = %d, want 403", st)
			}
		})

		st, to, body := b.submit(loc, loc, url.Values{"code": {code}, "passcode": {newPass}, "passcode2": {newPass}})
		if st != http.StatusSeeOther || to != "/app/login" {
			t.Fatalf("reset code = %d %s\n%s", st, to, excerpt(body))
		}
		if _, body := b.get("/app/login"); !strings.Contains(body, "Đã đổi mã khóa") {
			t.Errorf("no flash after the reset:\n%s", excerpt(body))
		}
		// The step is done: its page sends back to the start.
		if st, loc, _ := b.do("GET", "/app/reset/code", nil); st != http.StatusSeeOther || loc != "/app/reset" {
			t.Errorf("code page after the reset = %d %s", st, loc)
		}

		// Every old session is over, in the pages and through the API.
		if st, loc, _ := old.do("GET", "/app/security", nil); st != http.StatusSeeOther || !strings.HasPrefix(loc, "/app/login") {
			t.Errorf("old browser session after the reset = %d %s", st, loc)
		}
		if st, _, _ := e.Call("GET", "/api/v1/eid/me", apiToken, "", ""); st != http.StatusUnauthorized {
			t.Errorf("old API session after the reset = %d, want 401", st)
		}
		// The old passcode fails, the new one works.
		fresh := newBrowser(t, e)
		if st, _, body := fresh.submit("/app/login", "/app/login", url.Values{"id_number": {p.IDNumber}, "passcode": {citizenPasscode}}); st != http.StatusUnauthorized {
			t.Fatalf("old passcode = %d\n%s", st, excerpt(body))
		}
		st, loc, body = fresh.submit("/app/login", "/app/login", url.Values{"id_number": {p.IDNumber}, "passcode": {newPass}})
		if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/app/login/code") {
			t.Fatalf("new passcode = %d %s\n%s", st, loc, excerpt(body))
		}
		if st, loc, body := fresh.submit(loc, "/app/login/code", url.Values{"code": {e.Code(phone)}}); st != http.StatusSeeOther || loc != "/app/" {
			t.Fatalf("login code = %d %s\n%s", st, loc, excerpt(body))
		}
	})
}

var (
	accountSecret  = regexp.MustCompile(`<code id="totp-secret">([A-Z2-7]+)</code>`)
	accountOTPAuth = regexp.MustCompile(`name="otpauth" value="([^"]+)"`)
)

// TestWeb_AccountTOTP: a citizen enrols an authenticator app (secret as
// text and QR code), a wrong code keeps the enrolment open, the right
// one turns TOTP on, the next login asks for the app's code, and the
// passcode — not a wrong one — turns it off.
func TestWeb_AccountTOTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 60)
		p := e.Living(4)
		phone := "0912000062"
		e.Citizen(p, phone)
		b := newBrowser(t, e)
		b.loginCitizen(e, p, phone)
		totpOn := func() bool {
			t.Helper()
			a, err := e.DB.EIDAccountByIDNumber(e.Ctx, p.IDNumber)
			if err != nil {
				t.Fatal(err)
			}
			return a.TOTPSecret != ""
		}

		if _, body := b.get("/app/security"); !strings.Contains(body, `href="/app/security/totp"`) || !strings.Contains(body, "Chưa bật") {
			t.Fatalf("security page without the TOTP section:\n%s", excerpt(body))
		}
		t.Run("CSRF missing", func(t *testing.T) {
			b.get("/app/security/totp")
			for _, path := range []string{"/app/security/totp/enrol", "/app/security/totp/confirm", "/app/security/totp/disable"} {
				if st, _, _ := b.do("POST", path, url.Values{"code": {"123456"}, "passcode": {citizenPasscode}}); st != http.StatusForbidden {
					t.Errorf("POST %s without CSRF = %d, want 403", path, st)
				}
			}
		})
		st, _, body := b.submit("/app/security/totp", "/app/security/totp/enrol", url.Values{})
		m := accountSecret.FindStringSubmatch(body)
		if st != http.StatusOK || m == nil || !strings.Contains(body, `src="data:image/png;base64,`) {
			t.Fatalf("enrol = %d\n%s", st, excerpt(body))
		}
		secret := m[1]
		otpauth := html.UnescapeString(accountOTPAuth.FindStringSubmatch(body)[1])
		csrf := b.csrf()

		t.Run("wrong code", func(t *testing.T) {
			good, _ := totp.GenerateCode(secret, time.Now())
			wrong := "000000"
			if wrong == good {
				wrong = "999999"
			}
			st, _, body := b.do("POST", "/app/security/totp/confirm", url.Values{"csrf": {csrf}, "otpauth": {otpauth}, "code": {wrong}})
			if st != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#code"`) || !strings.Contains(body, secret) {
				t.Fatalf("wrong code = %d\n%s", st, excerpt(body))
			}
			// Another secret carried back is not shown.
			st, _, body = b.do("POST", "/app/security/totp/confirm", url.Values{"csrf": {csrf},
				"otpauth": {"otpauth://totp/x?secret=JBSWY3DPEHPK3PXP"}, "code": {wrong}})
			if st != http.StatusUnprocessableEntity || strings.Contains(body, "JBSWY3DPEHPK3PXP") {
				t.Fatalf("a foreign secret was shown = %d\n%s", st, excerpt(body))
			}
			if totpOn() {
				t.Fatal("TOTP on after a wrong code")
			}
		})

		code, _ := totp.GenerateCode(secret, time.Now())
		st, loc, body := b.do("POST", "/app/security/totp/confirm", url.Values{"csrf": {csrf}, "otpauth": {otpauth}, "code": {code}})
		if st != http.StatusSeeOther || loc != "/app/security" {
			t.Fatalf("confirm = %d %s\n%s", st, loc, excerpt(body))
		}
		if _, body := b.get("/app/security"); !strings.Contains(body, "Đã bật ứng dụng xác thực") || !strings.Contains(body, "Đã bật:") {
			t.Errorf("security page after confirming:\n%s", excerpt(body))
		}
		if !totpOn() {
			t.Fatal("the account reports TOTP off")
		}

		// The next login asks for the app's code (the next time step: this
		// one was used to confirm).
		other := newBrowser(t, e)
		st, loc, body = other.submit("/app/login", "/app/login", url.Values{"id_number": {p.IDNumber}, "passcode": {citizenPasscode}})
		if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/app/login/code") {
			t.Fatalf("login = %d %s\n%s", st, loc, excerpt(body))
		}
		if _, body := other.get(loc); !strings.Contains(body, `value="totp"`) {
			t.Fatalf("the code page does not offer TOTP:\n%s", excerpt(body))
		}
		next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
		if st, loc, body := other.submit(loc, "/app/login/code", url.Values{"method": {"totp"}, "code": {next}}); st != http.StatusSeeOther || loc != "/app/" {
			t.Fatalf("TOTP login = %d %s\n%s", st, loc, excerpt(body))
		}

		// Off: a wrong passcode is refused next to its field, the right one works.
		st, _, body = b.submit("/app/security/totp", "/app/security/totp/disable", url.Values{"passcode": {"905318"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#passcode"`) || strings.Contains(body, `value="905318"`) {
			t.Fatalf("wrong passcode = %d\n%s", st, excerpt(body))
		}
		if !totpOn() {
			t.Fatal("TOTP off after a wrong passcode")
		}
		st, loc, body = b.submit("/app/security/totp", "/app/security/totp/disable", url.Values{"passcode": {citizenPasscode}})
		if st != http.StatusSeeOther || loc != "/app/security" {
			t.Fatalf("disable = %d %s\n%s", st, loc, excerpt(body))
		}
		if totpOn() {
			t.Fatal("the account reports TOTP on after disabling")
		}
		if _, body := b.get("/app/security"); !strings.Contains(body, "Đã tắt ứng dụng xác thực") {
			t.Errorf("no flash after disabling:\n%s", excerpt(body))
		}
	})
}

// TestBrowser_Account: in Chromium on a phone's screen, in demo mode, a
// citizen resets his passcode from the login page (the code page shows
// the outbox's code), logs in with the new one and sets up an
// authenticator app from its QR code's secret.
func TestBrowser_Account(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 60)
		engine := string(db.Engine)
		ctx := chromium(t)
		p := e.Living(5)
		phone := "0912000063"
		e.Citizen(p, phone)
		newPass := accountNewPasscode(p)
		e.API.WebUI().SetDemo(&web.Demo{})
		submit := chromedp.Click(chromedp.CSS(`main form button[type=submit]`))

		run(t, ctx, "open the reset", chromedp.EmulateViewport(390, 844), chromedp.Navigate(e.URL+"/app/login"),
			chromedp.Click(chromedp.CSS(`a[href="/app/reset"]`)), chromedp.WaitVisible(chromedp.CSS(`#phone`)),
			chromedp.SendKeys(chromedp.CSS(`#id_number`), p.IDNumber), chromedp.SendKeys(chromedp.CSS(`#phone`), phone))
		shot(t, ctx, engine, "account-reset")
		run(t, ctx, "send the code", submit, chromedp.WaitVisible(chromedp.CSS(`#passcode2`)))
		if s := text(t, ctx); !strings.Contains(s, e.Code(phone)) {
			t.Errorf("demo mode: the code page does not show the code:\n%s", s)
		}
		run(t, ctx, "set the passcode", chromedp.SendKeys(chromedp.CSS(`#code`), e.Code(phone)),
			chromedp.SendKeys(chromedp.CSS(`#passcode`), newPass), chromedp.SendKeys(chromedp.CSS(`#passcode2`), newPass))
		shot(t, ctx, engine, "account-reset-code")
		run(t, ctx, "change it", submit, chromedp.WaitVisible(chromedp.CSS(`.flash`)))
		if s := text(t, ctx); !strings.Contains(s, "Đã đổi mã khóa") {
			t.Errorf("no flash after the reset:\n%s", s)
		}

		run(t, ctx, "log in", chromedp.SendKeys(chromedp.CSS(`#id_number`), p.IDNumber), chromedp.SendKeys(chromedp.CSS(`#passcode`), newPass),
			submit, chromedp.WaitVisible(chromedp.CSS(`#code`)))
		run(t, ctx, "send the login code", chromedp.SendKeys(chromedp.CSS(`#code`), e.Code(phone)), submit, chromedp.WaitVisible(chromedp.CSS(`ul.tiles`)))
		run(t, ctx, "set up TOTP", chromedp.Navigate(e.URL+"/app/security"), chromedp.Click(chromedp.CSS(`main a[href="/app/security/totp"]`)),
			chromedp.WaitVisible(chromedp.CSS(`main form button[type=submit]`)), submit, chromedp.WaitVisible(chromedp.CSS(`img.qr`)))
		shot(t, ctx, engine, "account-totp")
		secret, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("totp-secret").textContent`))
		if err != nil {
			t.Fatal(err)
		}
		code, _ := totp.GenerateCode(secret, time.Now())
		run(t, ctx, "confirm TOTP", chromedp.SendKeys(chromedp.CSS(`#code`), code), submit, chromedp.WaitVisible(chromedp.CSS(`.flash`)))
		if s := text(t, ctx); !strings.Contains(s, "Đã bật ứng dụng xác thực") {
			t.Errorf("security page after confirming:\n%s", s)
		}
	})
}
