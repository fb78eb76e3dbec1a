package eid

import (
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/dancu-vn/dancu/internal/register"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0912345678", "0912345678"},
		{"+84912345678", "0912345678"},
		{"84912345678", "0912345678"},
		{"091 234 5678", "0912345678"},
		{"091.234.5678", "0912345678"},
		{"0312-345-678", "0312345678"},
		{"0212345678", ""}, // landline prefix
		{"912345678", ""},
		{"09123456789", ""},
		{"09123x5678", ""},
		{"", ""},
		{"+84+912345678", ""},
	}
	for _, tc := range tests {
		got, err := NormalizePhone(tc.in)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestMatches(t *testing.T) {
	p := &register.Person{FullName: "Nguyễn Văn An", BirthDate: "1985-03-14", Status: register.Living}
	partial := &register.Person{FullName: "Lê Thị Bé", BirthDate: "1948", Status: register.Living}
	tests := []struct {
		name   string
		person *register.Person
		req    RegistrationRequest
		want   bool
	}{
		{"exact", p, RegistrationRequest{FullName: "Nguyễn Văn An", BirthDate: "1985-03-14"}, true},
		{"case and spaces", p, RegistrationRequest{FullName: "  nguyễn  VĂN   an ", BirthDate: "1985-03-14"}, true},
		{"decomposed (NFD) input", p, RegistrationRequest{FullName: "Nguye\u0302\u0303n Va\u0306n An", BirthDate: "1985-03-14"}, true},
		{"without diacritics", p, RegistrationRequest{FullName: "Nguyen Van An", BirthDate: "1985-03-14"}, false},
		{"another day", p, RegistrationRequest{FullName: "Nguyễn Văn An", BirthDate: "1985-03-15"}, false},
		{"only the year of a full date", p, RegistrationRequest{FullName: "Nguyễn Văn An", BirthDate: "1985"}, false},
		{"year-only record, full date given", partial, RegistrationRequest{FullName: "Lê Thị Bé", BirthDate: "1948-07-02"}, true},
		{"year-only record, year given", partial, RegistrationRequest{FullName: "Lê Thị Bé", BirthDate: "1948"}, true},
		{"year-only record, other year", partial, RegistrationRequest{FullName: "Lê Thị Bé", BirthDate: "1949-07-02"}, false},
		{"dead", &register.Person{FullName: "Nguyễn Văn An", BirthDate: "1985-03-14", Status: register.Dead},
			RegistrationRequest{FullName: "Nguyễn Văn An", BirthDate: "1985-03-14"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := matches(tc.person, tc.req); got != tc.want {
				t.Errorf("matches = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAgeOn(t *testing.T) {
	tests := []struct {
		birth register.Date
		today string
		want  int
	}{
		{"2012-03-14", "2026-03-13", 13},
		{"2012-03-14", "2026-03-14", 14},
		{"2012", "2026-01-01", 14},
		{"2012-06", "2026-05-31", 13},
	}
	for _, tc := range tests {
		if got := ageOn(tc.birth, tc.today); got != tc.want {
			t.Errorf("ageOn(%s, %s) = %d, want %d", tc.birth, tc.today, got, tc.want)
		}
	}
}

func TestLockPolicy_Duration(t *testing.T) {
	p := LockPolicy{MaxFailures: 5, Base: 15 * time.Minute, Max: 24 * time.Hour}
	want := []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour,
		8 * time.Hour, 16 * time.Hour, 24 * time.Hour, 24 * time.Hour}
	for locks, w := range want {
		if got := p.Duration(locks); got != w {
			t.Errorf("Duration(%d) = %v, want %v", locks, got, w)
		}
	}
	if got := p.Duration(1000); got != 24*time.Hour {
		t.Errorf("Duration(1000) = %v", got)
	}
}

func TestTokens(t *testing.T) {
	tok, hash := newToken(SessionTokenPrefix, "abc")
	id, secret, ok := parseToken(SessionTokenPrefix, tok)
	if !ok || id != "abc" || !secretMatches(secret, hash) {
		t.Fatalf("parseToken(%q) = %q, %q, %v", tok, id, secret, ok)
	}
	if secretMatches(secret+"x", hash) {
		t.Error("a wrong secret matched")
	}
	for _, bad := range []string{"", "dcs_", "dcs_abc", "dcs__x", "dcd_abc_x", "dct_abc_x"} {
		if _, _, ok := parseToken(SessionTokenPrefix, bad); ok {
			t.Errorf("parseToken accepted %q", bad)
		}
	}
}

func TestTOTPStep(t *testing.T) {
	secret := "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	now := time.Date(2026, 3, 1, 10, 0, 15, 0, time.UTC)
	code := func(at time.Time) string {
		c, err := totp.GenerateCodeCustom(secret, at, totpOpts)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	step := now.Unix() / 30
	tests := []struct {
		name string
		code string
		ok   bool
		step int64
	}{
		{"current", code(now), true, step},
		{"previous step (clock skew)", code(now.Add(-30 * time.Second)), true, step - 1},
		{"next step", code(now.Add(30 * time.Second)), true, step + 1},
		{"two steps old", code(now.Add(-60 * time.Second)), false, 0},
		{"malformed", "12345", false, 0},
	}
	for _, tc := range tests {
		got, ok := totpStep(secret, tc.code, now)
		if ok != tc.ok || got != tc.step {
			t.Errorf("%s: totpStep = %d, %v; want %d, %v", tc.name, got, ok, tc.step, tc.ok)
		}
	}
}

func TestMasks(t *testing.T) {
	if got := maskPhone("0912345678"); got != "*******678" {
		t.Errorf("maskPhone = %q", got)
	}
	if got := maskIDNumber("046085001234"); got != "046******234" {
		t.Errorf("maskIDNumber = %q", got)
	}
}
