package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/httpapi"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/sms"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// testClock is the e-ID service's clock, moved by the tests.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// lockedBuffer is a process log the tests read back.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// eidFixture is the API fixture with the e-ID service on the development
// SMS outbox, a settable clock and an operator (admin) who reads the
// outbox, as on a demo.
type eidFixture struct {
	*fixture
	clock *testClock
	logs  *lockedBuffer
	phone int
}

func newEIDFixture(t *testing.T, db *store.DB) *eidFixture {
	t.Helper()
	f := newFixture(t, db)
	ctx := context.Background()
	e := &eidFixture{fixture: f, clock: &testClock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}, logs: &lockedBuffer{}}
	logger := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	reg := &register.Service{Store: db, Log: f.log, Now: time.Now, Rand: rand.IntN}
	api := httpapi.New(db, reg, f.log, "", logger, "test")
	api.EID = eid.New(db, &sms.Outbox{Store: db, Now: e.clock.Now}, reg, eid.Options{Now: e.clock.Now, Log: f.log,
		Argon2:       eid.Argon2Params{Memory: 256, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		WebAuthnRPID: passkeyRPID, WebAuthnOrigins: []string{passkeyOrigin}})
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	f.srv = srv
	op := auth.Officer{Username: "operator", FullName: "Quản trị hệ thống", Role: auth.RoleAdmin, UnitLevel: auth.LevelCentral}
	if err := db.CreateOfficer(ctx, &op); err != nil {
		t.Fatal(err)
	}
	_, clear, err := db.IssueToken(ctx, "operator", "test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	f.tokens["operator"] = clear
	return e
}

// newPhone returns a phone number no earlier call returned.
func (e *eidFixture) newPhone() string {
	e.phone++
	return fmt.Sprintf("09123%05d", e.phone)
}

// as registers a citizen's session token under a name for f.call.
func (e *eidFixture) as(token string) string {
	e.tokens[token] = token
	return token
}

var smsCode = regexp.MustCompile(`\b[0-9]{6}\b`)

// lastCode reads the newest code sent to phone the way an operator does
// on a demo: through the development outbox's endpoint.
func (e *eidFixture) lastCode(phone string) string {
	e.t.Helper()
	status, m, raw := e.call("GET", "/api/v1/dev/sms?phone="+phone, "operator", nil)
	msgs, _ := m["messages"].([]any)
	if status != 200 || len(msgs) == 0 {
		e.t.Fatalf("dev outbox for %s: %d %s", phone, status, raw)
	}
	return smsCode.FindString(msgs[0].(map[string]any)["text"].(string))
}

// sent counts the messages to phone.
func (e *eidFixture) sent(phone string) int {
	e.t.Helper()
	_, m, _ := e.call("GET", "/api/v1/dev/sms?phone="+phone, "operator", nil)
	msgs, _ := m["messages"].([]any)
	return len(msgs)
}

// register creates a level-1 account for p through the API.
func (e *eidFixture) register(p *register.Person, phone, passcode string) map[string]any {
	e.t.Helper()
	e.clock.Add(15 * time.Minute) // keeps clear of the per-client limits
	status, m, raw := e.call("POST", "/api/v1/eid/registrations", "", map[string]any{
		"id_number": p.IDNumber, "full_name": p.FullName, "birth_date": string(p.BirthDate), "phone": phone})
	if status != 201 {
		e.t.Fatalf("start registration: %d %s", status, raw)
	}
	status, acct, raw := e.call("POST", "/api/v1/eid/registrations/"+m["challenge_id"].(string)+"/complete", "",
		map[string]any{"otp": e.lastCode(phone), "passcode": passcode})
	if status != 201 {
		e.t.Fatalf("complete registration: %d %s", status, raw)
	}
	return acct
}

// login logs in with passcode and SMS code and returns the session token.
func (e *eidFixture) login(id, passcode, phone string, bind bool) (token, deviceToken string) {
	e.t.Helper()
	e.clock.Add(15 * time.Minute)
	status, m, raw := e.call("POST", "/api/v1/eid/login", "", map[string]any{"id_number": id, "passcode": passcode})
	if status != 202 {
		e.t.Fatalf("begin login: %d %s", status, raw)
	}
	ch := m["challenge"].(map[string]any)["challenge_id"].(string)
	status, m, raw = e.call("POST", "/api/v1/eid/login/"+ch, "", map[string]any{
		"method": "sms", "code": e.lastCode(phone), "bind_device": bind, "device_name": "Điện thoại"})
	if status != 200 || !strings.HasPrefix(m["token"].(string), "dcs_") {
		e.t.Fatalf("finish login: %d %s", status, raw)
	}
	dt, _ := m["device_token"].(string)
	return e.as(m["token"].(string)), dt
}

func TestEIDAPI_Registration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEIDFixture(t, db)
		p := e.personIn(e.commune, "")
		dead := e.personIn(e.commune, "")
		if s, _, raw := e.call("POST", "/api/v1/persons/"+dead.IDNumber+"/events", "commune",
			event("death", "2026-02-06", map[string]any{"death_date": "2026-02-05"})); s != 201 {
			t.Fatalf("death: %d %s", s, raw)
		}
		missing := p.IDNumber[:6] + "999999"
		phone := e.newPhone()
		body := func(id, name, birth string) map[string]any {
			return map[string]any{"id_number": id, "full_name": name, "birth_date": birth, "phone": phone}
		}
		t.Run("details that do not match change nothing and say nothing", func(t *testing.T) {
			otherDay := "1999-12-31"
			if string(p.BirthDate) == otherDay {
				otherDay = "1999-12-30"
			}
			tests := []struct {
				name string
				body map[string]any
			}{
				{"other name", body(p.IDNumber, p.FullName+" Xuân", string(p.BirthDate))},
				{"other birth date", body(p.IDNumber, p.FullName, otherDay)},
				{"not in the register", body(missing, p.FullName, string(p.BirthDate))},
				{"dead", body(dead.IDNumber, dead.FullName, string(dead.BirthDate))},
			}
			var first []byte
			for _, tc := range tests {
				status, m, raw := e.call("POST", "/api/v1/eid/registrations", "", tc.body)
				if status != 422 || errCode(m) != "details_mismatch" {
					t.Fatalf("%s: %d %s", tc.name, status, raw)
				}
				if first == nil {
					first = raw
				} else if !bytes.Equal(first, raw) {
					t.Errorf("%s answers %s, unlike %s", tc.name, raw, first)
				}
			}
			if n := e.sent(phone); n != 0 {
				t.Errorf("%d SMS sent", n)
			}
			for _, id := range []string{p.IDNumber, dead.IDNumber} {
				if _, err := db.EIDAccountByIDNumber(context.Background(), id); err == nil {
					t.Errorf("an account exists for %s", id)
				}
			}
		})
		t.Run("malformed input", func(t *testing.T) {
			for _, tc := range []struct {
				body any
				code string
			}{
				{body("12345", p.FullName, string(p.BirthDate)), "invalid_id_number"},
				{map[string]any{"id_number": p.IDNumber, "full_name": p.FullName, "birth_date": string(p.BirthDate), "phone": "123"}, "invalid"},
				{`{"id_number":`, "invalid_json"},
				{map[string]any{"id_number": p.IDNumber, "fullname": p.FullName}, "invalid_json"},
			} {
				if status, m, raw := e.call("POST", "/api/v1/eid/registrations", "", tc.body); status != 400 || errCode(m) != tc.code {
					t.Errorf("%v: %d %s, want 400 %s", tc.body, status, raw, tc.code)
				}
			}
		})
		var challenge string
		t.Run("register with the code from the outbox", func(t *testing.T) {
			in := body(p.IDNumber, strings.ToUpper(p.FullName), string(p.BirthDate))
			status, m, raw := e.call("POST", "/api/v1/eid/registrations", "", in)
			if status != 201 || m["purpose"] != "registration" || !strings.HasSuffix(phone, strings.TrimLeft(m["sent_to"].(string), "*")) {
				t.Fatalf("start: %d %s", status, raw)
			}
			challenge = m["challenge_id"].(string)
			if s, _, _ := e.call("GET", "/api/v1/dev/sms?phone="+phone, "commune", nil); s != 403 {
				t.Errorf("a registrar read the outbox: %d", s)
			}
			if s, _, _ := e.call("GET", "/api/v1/dev/sms?phone="+phone, "", nil); s != 401 {
				t.Errorf("anyone read the outbox: %d", s)
			}
			code := e.lastCode(phone)
			done := "/api/v1/eid/registrations/" + challenge + "/complete"
			status, m, raw = e.call("POST", done, "", map[string]any{"otp": code, "passcode": "123456"})
			if status != 400 || errCode(m) != "weak_passcode" {
				t.Errorf("weak passcode: %d %s", status, raw)
			}
			status, m, raw = e.call("POST", done, "", map[string]any{"otp": code, "passcode": "482913"})
			if status != 201 || m["level"] != float64(1) || m["id_number"] != p.IDNumber || m["passcode_hash"] != nil {
				t.Fatalf("complete: %d %s", status, raw)
			}
			status, m, _ = e.call("POST", done, "", map[string]any{"otp": code, "passcode": "482913"})
			if status != 404 || errCode(m) != "challenge_not_found" {
				t.Errorf("the code twice: %d %v", status, m)
			}
		})
		t.Run("a second account for the same person", func(t *testing.T) {
			before := e.sent(phone)
			status, m, raw := e.call("POST", "/api/v1/eid/registrations", "", body(p.IDNumber, p.FullName, string(p.BirthDate)))
			if status != 409 || errCode(m) != "account_exists" {
				t.Errorf("got %d %s", status, raw)
			}
			if e.sent(phone) != before {
				t.Error("an SMS was sent")
			}
		})
	})
}

func TestEIDAPI_LoginSessionsDevices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEIDFixture(t, db)
		p := e.personIn(e.commune, "")
		phone := e.newPhone()
		e.register(p, phone, "482913")
		first, _ := e.login(p.IDNumber, "482913", phone, false)
		token, deviceToken := e.login(p.IDNumber, "482913", phone, true)
		if deviceToken == "" || !strings.HasPrefix(deviceToken, "dcd_") {
			t.Fatalf("no device token: %q", deviceToken)
		}
		t.Run("me", func(t *testing.T) {
			status, m, raw := e.call("GET", "/api/v1/eid/me", token, nil)
			acct, _ := m["account"].(map[string]any)
			if status != 200 || acct["id_number"] != p.IDNumber || m["session"].(map[string]any)["amr"] == nil {
				t.Errorf("me: %d %s", status, raw)
			}
			if s, _, _ := e.call("GET", "/api/v1/eid/me", "commune", nil); s != 401 {
				t.Errorf("an officer token as a citizen's: %d", s)
			}
		})
		t.Run("a bound device skips the code", func(t *testing.T) {
			before := e.sent(phone)
			status, m, raw := e.call("POST", "/api/v1/eid/login", "", map[string]any{
				"id_number": p.IDNumber, "passcode": "482913", "device_token": deviceToken})
			if status != 200 || m["token"] == nil || m["challenge"] != nil {
				t.Fatalf("device login: %d %s", status, raw)
			}
			if e.sent(phone) != before {
				t.Error("an SMS was sent")
			}
			e.as(m["token"].(string))
		})
		t.Run("sessions: list and revoke", func(t *testing.T) {
			status, m, raw := e.call("GET", "/api/v1/eid/sessions", token, nil)
			ss, _ := m["sessions"].([]any)
			if status != 200 || len(ss) != 3 {
				t.Fatalf("sessions: %d %s", status, raw)
			}
			var firstID string
			current := 0
			for _, x := range ss {
				s := x.(map[string]any)
				if s["current"] == true {
					current++
				}
				if strings.Contains(first, s["id"].(string)) {
					firstID = s["id"].(string)
				}
			}
			if current != 1 || firstID == "" {
				t.Fatalf("current %d, first session %q in %s", current, firstID, raw)
			}
			if s, _, _ := e.call("DELETE", "/api/v1/eid/sessions/"+firstID, token, nil); s != 204 {
				t.Errorf("revoke: %d", s)
			}
			if s, m, _ := e.call("GET", "/api/v1/eid/me", first, nil); s != 401 || errCode(m) != "unauthorized" {
				t.Errorf("a revoked session: %d %v", s, m)
			}
			if s, _, _ := e.call("DELETE", "/api/v1/eid/sessions/"+firstID, token, nil); s != 404 {
				t.Errorf("revoking twice: %d", s)
			}
		})
		t.Run("devices: list and unbind", func(t *testing.T) {
			status, m, raw := e.call("GET", "/api/v1/eid/devices", token, nil)
			ds, _ := m["devices"].([]any)
			if status != 200 || len(ds) != 1 || ds[0].(map[string]any)["name"] != "Điện thoại" {
				t.Fatalf("devices: %d %s", status, raw)
			}
			id := ds[0].(map[string]any)["id"].(string)
			if s, _, _ := e.call("DELETE", "/api/v1/eid/devices/"+id, token, nil); s != 204 {
				t.Errorf("unbind: %d", s)
			}
			// The session opened from the device ended with it.
			if s, _, _ := e.call("GET", "/api/v1/eid/me", token, nil); s != 401 {
				t.Errorf("the device's session survived: %d", s)
			}
			status, _, raw = e.call("POST", "/api/v1/eid/login", "", map[string]any{
				"id_number": p.IDNumber, "passcode": "482913", "device_token": deviceToken})
			if status != 202 {
				t.Errorf("an unbound device still skips the code: %d %s", status, raw)
			}
		})
		t.Run("logout", func(t *testing.T) {
			tok, _ := e.login(p.IDNumber, "482913", phone, false)
			if s, _, _ := e.call("POST", "/api/v1/eid/logout", tok, nil); s != 204 {
				t.Errorf("logout: %d", s)
			}
			if s, _, _ := e.call("GET", "/api/v1/eid/me", tok, nil); s != 401 {
				t.Errorf("after logout: %d", s)
			}
		})
		t.Run("nothing personal in the process log", func(t *testing.T) {
			logs := e.logs.String()
			if !strings.Contains(logs, `"route":"POST /api/v1/eid/login"`) {
				t.Fatalf("the log has no login lines:\n%.1000s", logs)
			}
			for _, secret := range []string{p.IDNumber, phone, p.FullName, "482913", e.lastCode(phone), deviceToken} {
				if strings.Contains(logs, secret) {
					t.Errorf("the process log contains %q", secret)
				}
			}
		})
	})
}

func TestEIDAPI_TOTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEIDFixture(t, db)
		p := e.personIn(e.commune, "")
		phone := e.newPhone()
		e.register(p, phone, "482913")
		token, _ := e.login(p.IDNumber, "482913", phone, false)
		status, m, raw := e.call("POST", "/api/v1/eid/totp", token, nil)
		secret, _ := m["secret"].(string)
		if status != 201 || secret == "" || !strings.HasPrefix(m["otpauth_url"].(string), "otpauth://totp/") {
			t.Fatalf("enrol: %d %s", status, raw)
		}
		if s, m, _ := e.call("POST", "/api/v1/eid/totp/confirm", token, map[string]any{"code": "000000"}); s != 401 || errCode(m) != "otp_invalid" {
			t.Errorf("confirm with a wrong code: %d %v", s, m)
		}
		code, _ := totp.GenerateCode(secret, e.clock.Now())
		if s, _, raw := e.call("POST", "/api/v1/eid/totp/confirm", token, map[string]any{"code": code}); s != 204 {
			t.Fatalf("confirm: %d %s", s, raw)
		}
		e.clock.Add(time.Minute)
		before := e.sent(phone)
		status, m, raw = e.call("POST", "/api/v1/eid/login", "", map[string]any{"id_number": p.IDNumber, "passcode": "482913"})
		ch, _ := m["challenge"].(map[string]any)
		if status != 202 || fmt.Sprint(ch["methods"]) != "[totp sms]" || e.sent(phone) != before {
			t.Fatalf("begin: %d %s", status, raw)
		}
		code, _ = totp.GenerateCode(secret, e.clock.Now())
		status, m, raw = e.call("POST", "/api/v1/eid/login/"+ch["challenge_id"].(string), "", map[string]any{"method": "totp", "code": code})
		if status != 200 || fmt.Sprint(m["session"].(map[string]any)["amr"]) != "[pwd otp mfa]" {
			t.Fatalf("finish with TOTP: %d %s", status, raw)
		}
		e.as(m["token"].(string))
		if s, _, _ := e.call("GET", "/api/v1/eid/me", m["token"].(string), nil); s != 200 {
			t.Errorf("the TOTP session: %d", s)
		}
		// The same code again is a replay.
		_, m, _ = e.call("POST", "/api/v1/eid/login", "", map[string]any{"id_number": p.IDNumber, "passcode": "482913"})
		ch = m["challenge"].(map[string]any)
		if s, m, _ := e.call("POST", "/api/v1/eid/login/"+ch["challenge_id"].(string), "", map[string]any{"method": "totp", "code": code}); s != 401 || errCode(m) != "otp_invalid" {
			t.Errorf("a replayed TOTP code: %d %v", s, m)
		}
		// SMS on request.
		if s, _, raw := e.call("POST", "/api/v1/eid/challenges/"+ch["challenge_id"].(string)+"/resend", "", nil); s != 200 {
			t.Fatalf("resend: %d %s", s, raw)
		}
		if s, _, raw := e.call("POST", "/api/v1/eid/login/"+ch["challenge_id"].(string), "", map[string]any{"method": "sms", "code": e.lastCode(phone)}); s != 200 {
			t.Errorf("SMS after TOTP was offered: %d %s", s, raw)
		}
		if s, _, _ := e.call("POST", "/api/v1/eid/totp/disable", token, map[string]any{"passcode": "482913"}); s != 204 {
			t.Errorf("disable: %d", s)
		}
	})
}

func TestEIDAPI_LockoutAndRateLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEIDFixture(t, db)
		p := e.personIn(e.commune, "")
		phone := e.newPhone()
		e.register(p, phone, "482913")
		login := func(passcode string) (int, map[string]any, string) {
			status, m, raw := e.callHeaders("POST", "/api/v1/eid/login", map[string]any{"id_number": p.IDNumber, "passcode": passcode})
			return status, m, raw
		}
		t.Run("five wrong passcodes lock for 15 minutes", func(t *testing.T) {
			e.clock.Add(15 * time.Minute)
			for i := 1; i <= 4; i++ {
				if s, m, _ := login("111222"); s != 401 || errCode(m) != "invalid_credentials" {
					t.Fatalf("attempt %d: %d %v", i, s, m)
				}
			}
			status, m, retry := login("111222")
			if status != 423 || errCode(m) != "account_locked" || retry != "900" {
				t.Fatalf("5th attempt: %d %v Retry-After %q", status, m, retry)
			}
			unlock := e.clock.Now().Add(15 * time.Minute).Format(time.RFC3339)
			if msg := m["error"].(map[string]any)["message"].(string); !strings.Contains(msg, unlock) {
				t.Errorf("message %q does not name the unlock time %s", msg, unlock)
			}
			if s, m, _ := login("482913"); s != 423 {
				t.Errorf("the right passcode while locked: %d %v", s, m)
			}
			e.clock.Add(15 * time.Minute)
			if s, m, _ := login("482913"); s != 202 {
				t.Errorf("after the lock: %d %v", s, m)
			}
		})
		t.Run("30 login attempts a minute from one client, then 429", func(t *testing.T) {
			e.clock.Add(time.Hour)
			other := p.IDNumber[:6] + "999999" // no account: the attempts lock nothing
			for i := 0; i < 30; i++ {
				e.callHeaders("POST", "/api/v1/eid/login", map[string]any{"id_number": other, "passcode": "111222"})
			}
			status, m, retry := e.callHeaders("POST", "/api/v1/eid/login", map[string]any{"id_number": other, "passcode": "111222"})
			if status != 429 || errCode(m) != "rate_limited" || retry != "60" {
				t.Errorf("31st attempt: %d %v Retry-After %q", status, m, retry)
			}
		})
		t.Run("3 codes a phone every 15 minutes", func(t *testing.T) {
			e.clock.Add(time.Hour)
			for i := 0; i < 3; i++ {
				if s, _, raw := e.call("POST", "/api/v1/eid/passcode-resets", "", map[string]any{"id_number": p.IDNumber, "phone": phone}); s != 201 {
					t.Fatalf("reset %d: %d %s", i+1, s, raw)
				}
			}
			status, m, retry := e.callHeaders("POST", "/api/v1/eid/passcode-resets", map[string]any{"id_number": p.IDNumber, "phone": phone})
			if status != 429 || errCode(m) != "rate_limited" || retry != "900" {
				t.Errorf("4th code: %d %v Retry-After %q", status, m, retry)
			}
		})
	})
}

// callHeaders makes an anonymous request and returns its status, its
// decoded body and its Retry-After header.
func (e *eidFixture) callHeaders(method, path string, body any) (int, map[string]any, string) {
	e.t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(raw))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m, resp.Header.Get("Retry-After")
}

func TestEIDAPI_PasscodeReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEIDFixture(t, db)
		p := e.personIn(e.commune, "")
		phone := e.newPhone()
		e.register(p, phone, "482913")
		token, deviceToken := e.login(p.IDNumber, "482913", phone, true)
		e.clock.Add(15 * time.Minute)
		if s, m, raw := e.call("POST", "/api/v1/eid/passcode-resets", "", map[string]any{"id_number": p.IDNumber, "phone": e.newPhone()}); s != 422 || errCode(m) != "details_mismatch" {
			t.Errorf("another phone: %d %s", s, raw)
		}
		status, m, raw := e.call("POST", "/api/v1/eid/passcode-resets", "", map[string]any{"id_number": p.IDNumber, "phone": "+84" + phone[1:]})
		if status != 201 || m["purpose"] != "passcode_reset" {
			t.Fatalf("start: %d %s", status, raw)
		}
		done := "/api/v1/eid/passcode-resets/" + m["challenge_id"].(string) + "/complete"
		code := e.lastCode(phone)
		if s, m, _ := e.call("POST", done, "", map[string]any{"otp": code, "passcode": "111111"}); s != 400 || errCode(m) != "weak_passcode" {
			t.Errorf("weak passcode: %d %v", s, m)
		}
		if s, _, raw := e.call("POST", done, "", map[string]any{"otp": code, "passcode": "593024"}); s != 204 {
			t.Fatalf("complete: %d %s", s, raw)
		}
		if s, _, _ := e.call("GET", "/api/v1/eid/me", token, nil); s != 401 {
			t.Errorf("a session from before the reset: %d", s)
		}
		status, _, raw = e.call("POST", "/api/v1/eid/login", "", map[string]any{"id_number": p.IDNumber, "passcode": "593024", "device_token": deviceToken})
		if status != 202 {
			t.Errorf("the device bound before the reset skips the code: %d %s", status, raw)
		}
		if s, _, _ := e.call("POST", "/api/v1/eid/login", "", map[string]any{"id_number": p.IDNumber, "passcode": "482913"}); s != 401 {
			t.Errorf("the old passcode: %d", s)
		}
		e.login(p.IDNumber, "593024", phone, false)
	})
}

func TestEIDAPI_Level2AndOrganisations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEIDFixture(t, db)
		ctx := context.Background()
		p := e.personIn(e.commune, "")
		phone := e.newPhone()
		e.register(p, phone, "482913")
		token, _ := e.login(p.IDNumber, "482913", phone, false)
		org := map[string]any{"registration_number": "0101234567", "name": "Công ty TNHH Ánh Dương", "kind": "business"}
		t.Run("a level-1 account represents no organisation", func(t *testing.T) {
			if s, m, raw := e.call("POST", "/api/v1/eid/organisations", token, org); s != 403 || errCode(m) != "level2_required" {
				t.Errorf("got %d %s", s, raw)
			}
		})
		path := "/api/v1/eid/accounts/" + p.IDNumber + "/level2"
		attest := map[string]any{"chip_read": true, "face_match": true, "document": p.IDNumber, "note": "đối chiếu tại trụ sở"}
		t.Run("outside jurisdiction looks like a missing person", func(t *testing.T) {
			status, m, outside := e.call("POST", path, "othercommune", attest)
			if status != 404 || errCode(m) != "not_found" {
				t.Fatalf("other commune: %d %s", status, outside)
			}
			missing := p.IDNumber[:6] + "999999"
			_, _, absent := e.call("POST", "/api/v1/eid/accounts/"+missing+"/level2", "othercommune",
				map[string]any{"chip_read": true, "face_match": true, "document": missing})
			if !bytes.Equal(outside, absent) {
				t.Errorf("outside: %s\nmissing: %s", outside, absent)
			}
		})
		t.Run("refusals", func(t *testing.T) {
			for _, tc := range []struct {
				name, who string
				body      map[string]any
				want      int
				code      string
			}{
				{"reader", "central", attest, 403, "forbidden"},
				{"face not matched", "commune", map[string]any{"chip_read": true, "face_match": false, "document": p.IDNumber}, 422, "attestation_failed"},
				{"no document", "commune", map[string]any{"chip_read": true, "face_match": true}, 400, "invalid"},
				{"citizen", token, attest, 401, "unauthorized"},
			} {
				if s, m, raw := e.call("POST", path, tc.who, tc.body); s != tc.want || errCode(m) != tc.code {
					t.Errorf("%s: %d %s, want %d %s", tc.name, s, raw, tc.want, tc.code)
				}
			}
			if a, _ := db.EIDAccountByIDNumber(ctx, p.IDNumber); a.Level != eid.Level1 {
				t.Errorf("a refused attestation changed the level")
			}
		})
		t.Run("upgrade in jurisdiction, logged", func(t *testing.T) {
			status, m, raw := e.call("POST", path, "commune", attest, "Idempotency-Key", "l2-1")
			if status != 200 || m["level"] != float64(2) || m["level2_by"] != "commune" {
				t.Fatalf("upgrade: %d %s", status, raw)
			}
			s2, _, raw2 := e.call("POST", path, "commune", attest, "Idempotency-Key", "l2-1")
			if s2 != 200 || !bytes.Equal(raw, raw2) {
				t.Errorf("replay: %d %s", s2, raw2)
			}
			entries, err := e.log.Entries(ctx, accesslog.Filter{Subject: p.IDNumber, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, x := range entries {
				got[x.Actor+"/"+x.Action+"/"+x.Outcome]++
			}
			for _, want := range []string{"othercommune/eid_level2_upgrade/denied", "central/eid_level2_upgrade/denied",
				"commune/eid_level2_upgrade/rejected", "commune/eid_level2_upgrade/ok"} {
				if got[want] == 0 {
					t.Errorf("no access-log entry %s; got %v", want, got)
				}
			}
			if got["commune/eid_level2_upgrade/ok"] != 1 {
				t.Errorf("the replay was logged again: %v", got)
			}
		})
		var orgID string
		t.Run("organisations of a level-2 account", func(t *testing.T) {
			status, m, raw := e.call("POST", "/api/v1/eid/organisations", token, org, "Idempotency-Key", "org-1")
			if status != 201 || m["representative_id"] == nil {
				t.Fatalf("create: %d %s", status, raw)
			}
			orgID = m["id"].(string)
			if s, _, raw2 := e.call("POST", "/api/v1/eid/organisations", token, org, "Idempotency-Key", "org-1"); s != 201 || !bytes.Equal(raw, raw2) {
				t.Errorf("replay: %d %s", s, raw2)
			}
			if s, m, _ := e.call("POST", "/api/v1/eid/organisations", token, org); s != 409 || errCode(m) != "conflict" {
				t.Errorf("the same registration number again: %d %v", s, m)
			}
			if s, m, _ := e.call("POST", "/api/v1/eid/organisations", token, map[string]any{"registration_number": "12", "name": "X", "kind": "business"}); s != 400 {
				t.Errorf("a malformed number: %d %v", s, m)
			}
			_, m, _ = e.call("GET", "/api/v1/eid/organisations", token, nil)
			if os := m["organisations"].([]any); len(os) != 1 {
				t.Errorf("list: %v", m)
			}
			if s, _, _ := e.call("GET", "/api/v1/eid/organisations/"+orgID, token, nil); s != 200 {
				t.Errorf("get: %d", s)
			}
		})
		t.Run("another citizen does not see it", func(t *testing.T) {
			q := e.personIn(e.commune, "")
			qphone := e.newPhone()
			e.register(q, qphone, "482913")
			other, _ := e.login(q.IDNumber, "482913", qphone, false)
			if s, _, _ := e.call("GET", "/api/v1/eid/organisations/"+orgID, other, nil); s != 404 {
				t.Errorf("another citizen read the organisation: %d", s)
			}
		})
		t.Run("revoke with a reason", func(t *testing.T) {
			if s, m, _ := e.call("DELETE", path, "commune", map[string]any{}); s != 400 || errCode(m) != "invalid" {
				t.Errorf("no reason: %d %v", s, m)
			}
			if s, _, _ := e.call("DELETE", path, "othercommune", map[string]any{"reason": "x"}); s != 404 {
				t.Errorf("outside jurisdiction: %d", s)
			}
			status, m, raw := e.call("DELETE", path, "commune", map[string]any{"reason": "thẻ CCCD báo mất"})
			if status != 200 || m["level"] != float64(1) {
				t.Fatalf("revoke: %d %s", status, raw)
			}
			if s, _, _ := e.call("GET", "/api/v1/eid/me", token, nil); s != 401 {
				t.Errorf("a session from level 2 survived: %d", s)
			}
			entries, _ := e.log.Entries(ctx, accesslog.Filter{Subject: p.IDNumber, Actor: "commune", Limit: 100})
			found := false
			for _, x := range entries {
				found = found || (x.Action == eid.ActionLevel2Revoke && x.Outcome == accesslog.OutcomeOK)
			}
			if !found {
				t.Error("the revocation is not in the access log")
			}
		})
	})
}
