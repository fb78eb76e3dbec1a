package eid_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// outbox captures the SMS sent.
type outbox struct {
	mu   sync.Mutex
	sent map[string][]string
}

func (o *outbox) Send(_ context.Context, to, text string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent[to] = append(o.sent[to], text)
	return nil
}

var codeRE = regexp.MustCompile(`\b[0-9]{6}\b`)

// code returns the code of the last message to phone.
func (o *outbox) code(t *testing.T, phone string) string {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	msgs := o.sent[phone]
	if len(msgs) == 0 {
		t.Fatalf("no SMS to %s", phone)
	}
	return codeRE.FindString(msgs[len(msgs)-1])
}

func (o *outbox) count(phone string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.sent[phone])
}

// people is a register of a few persons.
type people map[string]*register.Person

func (p people) ForSubject(_ context.Context, id string) (*register.Person, error) {
	if x, ok := p[id]; ok {
		return x, nil
	}
	return nil, apperr.E(apperr.NotFound, "person: not found")
}

// entries collects access-log entries.
type entries struct {
	mu sync.Mutex
	es []accesslog.Entry
}

func (l *entries) Record(_ context.Context, es ...accesslog.Entry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.es = append(l.es, es...)
	return nil
}

const (
	anID    = "046085000001" // living, commune 19753
	binhID  = "046190000002" // living
	deadID  = "046070000003"
	childID = "046314000004" // born 2014
)

type env struct {
	db     *store.DB
	people people
	svc    *eid.Service
	clock  *clock
	sms    *outbox
	log    *entries
	client eid.Client
}

func newEnv(t *testing.T, db *store.DB) *env {
	res := func(commune string) *register.Residence {
		return &register.Residence{Commune: commune, Province: "46", Address: "1 Lê Lợi"}
	}
	ps := people{
		anID:    {IDNumber: anID, FullName: "Nguyễn Văn An", BirthDate: "1985-03-14", Status: register.Living, Permanent: res("19753")},
		binhID:  {IDNumber: binhID, FullName: "Trần Thị Bình", BirthDate: "1990", Status: register.Living, Permanent: res("19753")},
		deadID:  {IDNumber: deadID, FullName: "Lê Văn Chết", BirthDate: "1970-01-01", Status: register.Dead, Permanent: res("19753")},
		childID: {IDNumber: childID, FullName: "Phạm Bé Con", BirthDate: "2014-06-01", Status: register.Living, Permanent: res("19753")},
	}
	e := &env{db: db, clock: &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)},
		sms: &outbox{sent: map[string][]string{}}, log: &entries{}, client: eid.Client{IP: "192.0.2.1", UserAgent: "test"}}
	db.Now = e.clock.Now
	e.people = ps
	e.svc = eid.New(db, e.sms, ps, eid.Options{Now: e.clock.Now, Log: e.log,
		Argon2: eid.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}})
	return e
}

// register creates a level-1 account and returns it.
func (e *env) register(t *testing.T, id, name, birth, phone, passcode string) *eid.Account {
	t.Helper()
	ctx := context.Background()
	ch, err := e.svc.StartRegistration(ctx, eid.RegistrationRequest{IDNumber: id, FullName: name, BirthDate: birth, Phone: phone}, e.client)
	if err != nil {
		t.Fatalf("StartRegistration: %v", err)
	}
	a, err := e.svc.CompleteRegistration(ctx, ch.ID, e.sms.code(t, phone), passcode, e.client)
	if err != nil {
		t.Fatalf("CompleteRegistration: %v", err)
	}
	return a
}

// login logs in with passcode and SMS code.
func (e *env) login(t *testing.T, id, passcode, phone string) eid.LoginResult {
	t.Helper()
	ctx := context.Background()
	res, err := e.svc.BeginLogin(ctx, eid.LoginRequest{IDNumber: id, Passcode: passcode}, e.client)
	if err != nil || res.Challenge == nil {
		t.Fatalf("BeginLogin = %+v, %v", res, err)
	}
	res, err = e.svc.FinishLogin(ctx, res.Challenge.ID, eid.MethodSMS, e.sms.code(t, phone), false, "", e.client)
	if err != nil || res.Token == "" {
		t.Fatalf("FinishLogin = %+v, %v", res, err)
	}
	return res
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if apperr.Code(err) != code {
		t.Fatalf("error %v, want code %q", err, code)
	}
}

func TestService_Registration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		t.Run("details that do not match", func(t *testing.T) {
			tests := []struct {
				name string
				req  eid.RegistrationRequest
				code string
			}{
				{"other name", eid.RegistrationRequest{anID, "Nguyễn Văn Ân", "1985-03-14", "0912000001"}, apperr.DetailsMismatch},
				{"other birth date", eid.RegistrationRequest{anID, "Nguyễn Văn An", "1985-03-15", "0912000001"}, apperr.DetailsMismatch},
				{"not in the register", eid.RegistrationRequest{"046085999999", "Nguyễn Văn An", "1985-03-14", "0912000001"}, apperr.DetailsMismatch},
				{"dead", eid.RegistrationRequest{deadID, "Lê Văn Chết", "1970-01-01", "0912000001"}, apperr.DetailsMismatch},
				{"under 14", eid.RegistrationRequest{childID, "Phạm Bé Con", "2014-06-01", "0912000001"}, apperr.Forbidden},
				{"malformed ID number", eid.RegistrationRequest{"12345", "Nguyễn Văn An", "1985-03-14", "0912000001"}, apperr.InvalidIDNumber},
				{"malformed phone", eid.RegistrationRequest{anID, "Nguyễn Văn An", "1985-03-14", "12345"}, apperr.Invalid},
				{"malformed date", eid.RegistrationRequest{anID, "Nguyễn Văn An", "14/03/1985", "0912000001"}, apperr.InvalidDate},
			}
			var messages = map[string]bool{}
			for _, tc := range tests {
				_, err := e.svc.StartRegistration(ctx, tc.req, eid.Client{})
				wantCode(t, err, tc.code)
				if tc.code == apperr.DetailsMismatch {
					messages[apperr.Message(err)] = true
				}
			}
			if len(messages) != 1 {
				t.Errorf("mismatches answer %d different messages, want one: %v", len(messages), messages)
			}
			if n := e.sms.count("0912000001"); n != 0 {
				t.Errorf("%d SMS sent for rejected details", n)
			}
		})
		t.Run("weak passcode costs no try, wrong codes do", func(t *testing.T) {
			ch, err := e.svc.StartRegistration(ctx, eid.RegistrationRequest{anID, " nguyễn  văn AN ", "1985-03-14", "+84912000001"}, e.client)
			if err != nil {
				t.Fatal(err)
			}
			if ch.SentTo != "*******001" || len(ch.Methods) != 1 {
				t.Errorf("challenge %+v", ch)
			}
			code := e.sms.code(t, "0912000001")
			for _, weak := range []string{"123456", "140385", "000000", "12345"} {
				_, err := e.svc.CompleteRegistration(ctx, ch.ID, code, weak, e.client)
				wantCode(t, err, apperr.WeakPasscode)
			}
			wrong := "000000"
			if code == wrong {
				wrong = "000001"
			}
			for i := 0; i < 4; i++ {
				_, err := e.svc.CompleteRegistration(ctx, ch.ID, wrong, "482913", e.client)
				wantCode(t, err, apperr.OTPInvalid)
			}
			a, err := e.svc.CompleteRegistration(ctx, ch.ID, code, "482913", e.client)
			if err != nil {
				t.Fatalf("the right code after 4 wrong ones: %v", err)
			}
			if a.Level != eid.Level1 || a.Phone != "0912000001" || a.IDNumber != anID {
				t.Errorf("account %+v", a)
			}
			_, err = e.svc.CompleteRegistration(ctx, ch.ID, code, "482913", e.client)
			wantCode(t, err, apperr.ChallengeNotFound)
		})
		t.Run("one account per person", func(t *testing.T) {
			_, err := e.svc.StartRegistration(ctx, eid.RegistrationRequest{anID, "Nguyễn Văn An", "1985-03-14", "0912000009"}, e.client)
			wantCode(t, err, apperr.AccountExists)
		})
		t.Run("five wrong codes close the challenge", func(t *testing.T) {
			ch, err := e.svc.StartRegistration(ctx, eid.RegistrationRequest{binhID, "Trần Thị Bình", "1990-05-05", "0912000002"}, e.client)
			if err != nil {
				t.Fatal(err)
			}
			code := e.sms.code(t, "0912000002")
			wrong := "999999"
			if code == wrong {
				wrong = "999998"
			}
			for i := 0; i < 5; i++ {
				_, err := e.svc.CompleteRegistration(ctx, ch.ID, wrong, "482913", e.client)
				wantCode(t, err, apperr.OTPInvalid)
			}
			_, err = e.svc.CompleteRegistration(ctx, ch.ID, code, "482913", e.client)
			wantCode(t, err, apperr.ChallengeNotFound)
		})
		t.Run("codes expire after 5 minutes; a new one may be sent", func(t *testing.T) {
			ch, err := e.svc.StartRegistration(ctx, eid.RegistrationRequest{binhID, "Trần Thị Bình", "1990", "0912000002"}, e.client)
			if err != nil {
				t.Fatal(err)
			}
			old := e.sms.code(t, "0912000002")
			e.clock.Add(5*time.Minute + time.Second)
			_, err = e.svc.CompleteRegistration(ctx, ch.ID, old, "482913", e.client)
			wantCode(t, err, apperr.OTPExpired)
			if _, err := e.svc.ResendOTP(ctx, ch.ID, e.client); err != nil {
				t.Fatalf("ResendOTP: %v", err)
			}
			fresh := e.sms.code(t, "0912000002")
			if old != fresh {
				if _, err := e.svc.CompleteRegistration(ctx, ch.ID, old, "482913", e.client); apperr.Code(err) != apperr.OTPInvalid {
					t.Errorf("the replaced code: %v", err)
				}
			}
			if _, err := e.svc.CompleteRegistration(ctx, ch.ID, fresh, "482913", e.client); err != nil {
				t.Errorf("the new code: %v", err)
			}
		})
	})
}

func TestService_LoginAndLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		e.register(t, anID, "Nguyễn Văn An", "1985-03-14", "0912000001", "482913")
		t.Run("unknown account and wrong passcode answer alike", func(t *testing.T) {
			_, err1 := e.svc.BeginLogin(ctx, eid.LoginRequest{IDNumber: binhID, Passcode: "482913"}, e.client)
			_, err2 := e.svc.BeginLogin(ctx, eid.LoginRequest{IDNumber: anID, Passcode: "111222"}, e.client)
			wantCode(t, err1, apperr.InvalidCredentials)
			wantCode(t, err2, apperr.InvalidCredentials)
			if apperr.Message(err1) != apperr.Message(err2) {
				t.Errorf("messages differ: %q / %q", apperr.Message(err1), apperr.Message(err2))
			}
		})
		res := e.login(t, anID, "482913", "0912000001") // clears the failure above
		sess, acct, err := e.svc.Authenticate(ctx, res.Token)
		if err != nil || acct.IDNumber != anID || sess.Level != eid.Level1 {
			t.Fatalf("Authenticate = %+v, %+v, %v", sess, acct, err)
		}
		if want := []string{"pwd", "otp", "sms", "mfa"}; len(sess.AMR) != 4 || sess.AMR[2] != "sms" {
			t.Errorf("AMR %v, want %v", sess.AMR, want)
		}
		t.Run("five failures lock for 15 minutes, then 30", func(t *testing.T) {
			for round, lock := range []time.Duration{15 * time.Minute, 30 * time.Minute} {
				for i := 1; i <= 5; i++ {
					_, err := e.svc.BeginLogin(ctx, eid.LoginRequest{IDNumber: anID, Passcode: "111222"}, e.client)
					want := apperr.InvalidCredentials
					if i == 5 {
						want = apperr.AccountLocked
					}
					wantCode(t, err, want)
				}
				_, err := e.svc.BeginLogin(ctx, eid.LoginRequest{IDNumber: anID, Passcode: "482913"}, e.client)
				wantCode(t, err, apperr.AccountLocked)
				if got := apperr.RetryAfterOf(err); got != lock {
					t.Errorf("round %d: locked for %v, want %v", round, got, lock)
				}
				e.clock.Add(lock)
			}
			e.login(t, anID, "482913", "0912000001")
		})
		t.Run("wrong codes count towards the lock", func(t *testing.T) {
			e.clock.Add(15 * time.Minute)
			for i := 1; i <= 5; i++ {
				r, err := e.svc.BeginLogin(ctx, eid.LoginRequest{IDNumber: anID, Passcode: "482913"}, eid.Client{})
				if err != nil {
					t.Fatalf("attempt %d: %v", i, err)
				}
				code := e.sms.code(t, "0912000001")
				wrong := "000000"
				if code == wrong {
					wrong = "000001"
				}
				_, err = e.svc.FinishLogin(ctx, r.Challenge.ID, eid.MethodSMS, wrong, false, "", eid.Client{})
				if i < 5 {
					wantCode(t, err, apperr.OTPInvalid)
				} else {
					wantCode(t, err, apperr.AccountLocked)
				}
				e.clock.Add(5*time.Minute + time.Second) // SMS rate limit: 3 a phone every 15 min
			}
			e.clock.Add(15 * time.Minute)
			e.login(t, anID, "482913", "0912000001")
		})
	})
}

func TestService_DevicesTOTPAndReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.register(t, anID, "Nguyễn Văn An", "1985-03-14", "0912000001", "482913")
		var deviceToken string
		t.Run("a bound device skips the code", func(t *testing.T) {
			r, _ := e.svc.BeginLogin(ctx, eid.LoginRequest{IDNumber: anID, Passcode: "482913"}, e.client)
			r, err := e.svc.FinishLogin(ctx, r.Challenge.ID, eid.MethodSMS, e.sms.code(t, "0912000001"), true, "Điện thoại của An", e.client)
			if err != nil || r.DeviceToken == "" || r.Device == nil {
				t.Fatalf("FinishLogin with binding = %+v, %v", r, err)
			}
			deviceToken = r.DeviceToken
			sent := e.sms.count("0912000001")
			r, err = e.svc.BeginLogin(ctx, eid.LoginRequest{IDNumber: anID, Passcode: "482913", DeviceToken: deviceToken}, e.client)
			if err != nil || r.Token == "" || r.Challenge != nil || r.Session.DeviceID == "" {
				t.Fatalf("login from the bound device = %+v, %v", r, err)
			}
			if e.sms.count("0912000001") != sent {
				t.Error("an SMS was sent for a bound device")
			}
			if r.Session.AMR[1] != "swk" {
				t.Errorf("AMR %v", r.Session.AMR)
			}
		})
		t.Run("TOTP instead of SMS, no replay", func(t *testing.T) {
			secret, url, err := e.svc.EnrollTOTP(ctx, a.ID)
			if err != nil || secret == "" || url == "" {
				t.Fatalf("EnrollTOTP = %q %q %v", secret, url, err)
			}
			e.clock.Add(time.Minute)
			code, _ := totp.GenerateCode(secret, e.clock.Now())
			if err := e.svc.ConfirmTOTP(ctx, a.ID, code); err != nil {
				t.Fatalf("ConfirmTOTP: %v", err)
			}
			sent := e.sms.count("0912000001")
			r, err := e.svc.BeginLogin(ctx, eid.LoginRequest{IDNumber: anID, Passcode: "482913"}, e.client)
			if err != nil || r.Challenge.Methods[0] != eid.MethodTOTP || e.sms.count("0912000001") != sent {
				t.Fatalf("BeginLogin with TOTP = %+v, %v (SMS sent: %d)", r.Challenge, err, e.sms.count("0912000001")-sent)
			}
			_, err = e.svc.FinishLogin(ctx, r.Challenge.ID, eid.MethodTOTP, code, false, "", e.client)
			wantCode(t, err, apperr.OTPInvalid) // the confirmation used this step
			e.clock.Add(30 * time.Second)
			code, _ = totp.GenerateCode(secret, e.clock.Now())
			r2, err := e.svc.FinishLogin(ctx, r.Challenge.ID, eid.MethodTOTP, code, false, "", e.client)
			if err != nil || r2.Session.AMR[1] != "otp" || len(r2.Session.AMR) != 3 {
				t.Fatalf("FinishLogin with TOTP = %+v, %v", r2.Session, err)
			}
			// SMS stays possible on request.
			r, _ = e.svc.BeginLogin(ctx, eid.LoginRequest{IDNumber: anID, Passcode: "482913"}, e.client)
			if _, err := e.svc.ResendOTP(ctx, r.Challenge.ID, e.client); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.FinishLogin(ctx, r.Challenge.ID, eid.MethodSMS, e.sms.code(t, "0912000001"), false, "", e.client); err != nil {
				t.Errorf("SMS on a TOTP account: %v", err)
			}
			if err := e.svc.DisableTOTP(ctx, a.ID, "111222"); apperr.Code(err) != apperr.InvalidCredentials {
				t.Errorf("DisableTOTP with a wrong passcode: %v", err)
			}
			if err := e.svc.DisableTOTP(ctx, a.ID, "482913"); err != nil {
				t.Errorf("DisableTOTP: %v", err)
			}
		})
		t.Run("passcode reset ends sessions and device bindings", func(t *testing.T) {
			e.clock.Add(15 * time.Minute)
			before := e.login(t, anID, "482913", "0912000001")
			_, err := e.svc.StartPasscodeReset(ctx, anID, "0912999999", e.client)
			wantCode(t, err, apperr.DetailsMismatch)
			ch, err := e.svc.StartPasscodeReset(ctx, anID, "0912 000 001", e.client)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.svc.CompletePasscodeReset(ctx, ch.ID, e.sms.code(t, "0912000001"), "593024", e.client); err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.svc.Authenticate(ctx, before.Token); apperr.Code(err) != apperr.Unauthorized {
				t.Errorf("a session from before the reset: %v", err)
			}
			if ds, _ := e.svc.Devices(ctx, a.ID); len(ds) != 0 {
				t.Errorf("%d devices still bound", len(ds))
			}
			r, err := e.svc.BeginLogin(ctx, eid.LoginRequest{IDNumber: anID, Passcode: "593024", DeviceToken: deviceToken}, e.client)
			if err != nil || r.Challenge == nil {
				t.Errorf("the unbound device still skips the code: %+v %v", r, err)
			}
			if _, err := e.svc.BeginLogin(ctx, eid.LoginRequest{IDNumber: anID, Passcode: "482913"}, e.client); apperr.Code(err) != apperr.InvalidCredentials {
				t.Errorf("the old passcode: %v", err)
			}
		})
	})
}

func TestService_RateLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		req := eid.RegistrationRequest{anID, "Nguyễn Văn An", "1985-03-14", "0912000001"}
		for i := 0; i < 3; i++ {
			if _, err := e.svc.StartRegistration(ctx, req, eid.Client{IP: "198.51.100.7"}); err != nil {
				t.Fatalf("start %d: %v", i+1, err)
			}
			e.clock.Add(time.Minute)
		}
		_, err := e.svc.StartRegistration(ctx, req, eid.Client{IP: "198.51.100.7"})
		wantCode(t, err, apperr.RateLimited)
		if d := apperr.RetryAfterOf(err); d != 12*time.Minute {
			t.Errorf("retry after %v, want 12m (the first SMS leaves the 15-minute window)", d)
		}
		if e.sms.count("0912000001") != 3 {
			t.Errorf("%d SMS sent, want 3", e.sms.count("0912000001"))
		}
		e.clock.Add(12 * time.Minute)
		if _, err := e.svc.StartRegistration(ctx, req, eid.Client{IP: "198.51.100.7"}); err != nil {
			t.Errorf("after the window: %v", err)
		}
		for i := 0; i < 30; i++ {
			e.svc.BeginLogin(ctx, eid.LoginRequest{IDNumber: binhID, Passcode: "482913"}, eid.Client{IP: "203.0.113.9"})
		}
		_, err = e.svc.BeginLogin(ctx, eid.LoginRequest{IDNumber: binhID, Passcode: "482913"}, eid.Client{IP: "203.0.113.9"})
		wantCode(t, err, apperr.RateLimited)
		if _, err := e.svc.BeginLogin(ctx, eid.LoginRequest{IDNumber: binhID, Passcode: "482913"}, eid.Client{IP: "203.0.113.10"}); apperr.Code(err) != apperr.InvalidCredentials {
			t.Errorf("another client is limited too: %v", err)
		}
	})
}

func TestService_Level2AndOrganisations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.register(t, anID, "Nguyễn Văn An", "1985-03-14", "0912000001", "482913")
		org := eid.Organisation{RegistrationNumber: "0101234567", Name: "Công ty TNHH An Bình", Kind: eid.OrgBusiness}
		_, err := e.svc.CreateOrganisation(ctx, a.ID, org)
		wantCode(t, err, apperr.Level2Required)

		commune := auth.Actor{ID: "commune", Role: auth.RoleRegistrar, UnitLevel: auth.LevelCommune, UnitCode: "19753"}
		other := auth.Actor{ID: "other", Role: auth.RoleRegistrar, UnitLevel: auth.LevelCommune, UnitCode: "19999"}
		reader := auth.Actor{ID: "reader", Role: auth.RoleReader, UnitLevel: auth.LevelCentral}
		good := eid.Attestation{ChipRead: true, FaceMatch: true, Document: anID}
		tests := []struct {
			name  string
			actor auth.Actor
			id    string
			at    eid.Attestation
			code  string
		}{
			{"outside jurisdiction", other, anID, good, apperr.NotFound},
			{"missing person", commune, "046085999999", eid.Attestation{ChipRead: true, FaceMatch: true, Document: "046085999999"}, apperr.NotFound},
			{"reader", reader, anID, good, apperr.Forbidden},
			{"face not matched", commune, anID, eid.Attestation{ChipRead: true, Document: anID}, apperr.AttestationFailed},
			{"another person's card", commune, anID, eid.Attestation{ChipRead: true, FaceMatch: true, Document: binhID}, apperr.Invalid},
			{"no account", commune, binhID, eid.Attestation{ChipRead: true, FaceMatch: true, Document: binhID}, apperr.NotFound},
			{"ok", commune, anID, good, ""},
			{"twice", commune, anID, good, apperr.Conflict},
		}
		var outside, missing error
		for _, tc := range tests {
			got, err := e.svc.UpgradeLevel2(ctx, tc.actor, tc.id, tc.at)
			if apperr.Code(err) != tc.code {
				t.Fatalf("%s: %v, want %q", tc.name, err, tc.code)
			}
			switch tc.name {
			case "outside jurisdiction":
				outside = err
			case "missing person":
				missing = err
			case "ok":
				if got.Level != eid.Level2 || got.Level2By != "commune" {
					t.Errorf("upgraded account %+v", got)
				}
			}
		}
		if apperr.Message(outside) != apperr.Message(missing) || apperr.FieldOf(outside) != apperr.FieldOf(missing) {
			t.Errorf("outside %v, missing %v: must look alike", outside, missing)
		}
		outcomes := map[string]int{}
		for _, le := range e.log.es {
			outcomes[le.Actor+"/"+le.Action+"/"+le.Outcome]++
		}
		for _, want := range []string{"other/eid_level2_upgrade/denied", "commune/eid_level2_upgrade/not_found",
			"reader/eid_level2_upgrade/denied", "commune/eid_level2_upgrade/rejected", "commune/eid_level2_upgrade/ok"} {
			if outcomes[want] == 0 {
				t.Errorf("no access-log entry %s; got %v", want, outcomes)
			}
		}

		o, err := e.svc.CreateOrganisation(ctx, a.ID, org)
		if err != nil || o.RepresentativeID != a.ID {
			t.Fatalf("CreateOrganisation = %+v, %v", o, err)
		}
		_, err = e.svc.CreateOrganisation(ctx, a.ID, org)
		wantCode(t, err, apperr.Conflict)
		for _, bad := range []eid.Organisation{
			{RegistrationNumber: "12345", Name: "X", Kind: eid.OrgBusiness},
			{RegistrationNumber: "0101234568", Name: " ", Kind: eid.OrgBusiness},
			{RegistrationNumber: "0101234568", Name: "X", Kind: "club"},
		} {
			if _, err := e.svc.CreateOrganisation(ctx, a.ID, bad); apperr.Code(err) != apperr.Invalid {
				t.Errorf("CreateOrganisation(%+v) = %v", bad, err)
			}
		}
		if os, _ := e.svc.Organisations(ctx, a.ID); len(os) != 1 {
			t.Errorf("%d organisations", len(os))
		}

		res := e.login(t, anID, "482913", "0912000001")
		if res.Session.Level != eid.Level2 {
			t.Errorf("session level %d", res.Session.Level)
		}
		if _, err := e.svc.RevokeLevel2(ctx, commune, anID, ""); apperr.Code(err) != apperr.Invalid {
			t.Errorf("revoke without a reason: %v", err)
		}
		got, err := e.svc.RevokeLevel2(ctx, commune, anID, "thẻ CCCD báo mất")
		if err != nil || got.Level != eid.Level1 || got.Level2At != nil {
			t.Fatalf("RevokeLevel2 = %+v, %v", got, err)
		}
		if _, _, err := e.svc.Authenticate(ctx, res.Token); apperr.Code(err) != apperr.Unauthorized {
			t.Errorf("a level-2 session survived the revocation: %v", err)
		}
	})
}

// TestService_PasscodeRehash: once the hashing parameters rise, a
// passcode is hashed again with them at its holder's next good login; a
// wrong passcode changes nothing, and the new hash still verifies.
func TestService_PasscodeRehash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.register(t, anID, "Nguyễn Văn An", "1985-03-14", "0912345678", "482913")
		stronger := eid.Argon2Params{Memory: 128, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
		if !eid.NeedsRehash(a.PasscodeHash, stronger) || eid.NeedsRehash(a.PasscodeHash, eid.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}) {
			t.Fatalf("NeedsRehash(%s) wrong", a.PasscodeHash)
		}
		e.svc = eid.New(db, e.sms, e.people, eid.Options{Now: e.clock.Now, Log: e.log, Argon2: stronger})
		if _, err := e.svc.BeginLogin(ctx, eid.LoginRequest{IDNumber: anID, Passcode: "111222"}, e.client); err == nil {
			t.Fatal("a wrong passcode logged in")
		}
		if got, _ := db.EIDAccount(ctx, a.ID); got.PasscodeHash != a.PasscodeHash {
			t.Fatal("a wrong passcode changed the hash")
		}
		e.login(t, anID, "482913", "0912345678")
		got, err := db.EIDAccount(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(got.PasscodeHash, "$m=128,t=2,p=1$") || eid.NeedsRehash(got.PasscodeHash, stronger) {
			t.Fatalf("hash after login %s, want the stronger parameters", got.PasscodeHash)
		}
		if ok, err := eid.VerifyPasscode(got.PasscodeHash, "482913"); !ok || err != nil {
			t.Fatalf("the new hash does not verify the passcode: %v", err)
		}
		e.login(t, anID, "482913", "0912345678")
	})
}
