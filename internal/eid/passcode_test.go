package eid

import (
	"regexp"
	"strings"
	"testing"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/register"
)

func TestCheckPasscode(t *testing.T) {
	const id, phone = "046085001234", "0912765432"
	tests := []struct {
		name     string
		passcode string
		birth    register.Date
		ok       bool
	}{
		{"ok", "482913", "1985-03-14", true},
		{"ok with a partial birth date", "850314", "1985", true},
		{"five digits", "48291", "1985-03-14", false},
		{"seven digits", "4829134", "1985-03-14", false},
		{"letters", "48a913", "1985-03-14", false},
		{"non-ASCII digits", "４８２９１３", "1985-03-14", false},
		{"one digit repeated", "777777", "1985-03-14", false},
		{"ascending", "123456", "1985-03-14", false},
		{"descending", "654321", "1985-03-14", false},
		{"ascending through 0", "890123", "1985-03-14", false},
		{"birth date DDMMYY", "140385", "1985-03-14", false},
		{"birth date YYMMDD", "850314", "1985-03-14", false},
		{"end of the ID number", "001234", "1985-03-14", false},
		{"end of the phone", "765432", "1985-03-14", false},
		{"almost a run", "123457", "1985-03-14", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckPasscode(tc.passcode, tc.birth, id, phone)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckPasscode(%q) = %v, want ok=%v", tc.passcode, err, tc.ok)
			}
			if err != nil && (apperr.Code(err) != apperr.WeakPasscode || apperr.FieldOf(err) != "passcode") {
				t.Errorf("error %v: want code weak_passcode on field passcode", err)
			}
		})
	}
}

func TestHashPasscode(t *testing.T) {
	p := Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	h1, err := HashPasscode(p, "482913")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`).MatchString(h1) {
		t.Errorf("hash %q is not an argon2id PHC string", h1)
	}
	h2, _ := HashPasscode(p, "482913")
	if h1 == h2 {
		t.Error("two hashes of one passcode are equal: the salt is not random")
	}
	for _, tc := range []struct {
		passcode string
		want     bool
	}{{"482913", true}, {"482914", false}, {"", false}} {
		if ok, err := VerifyPasscode(h1, tc.passcode); ok != tc.want || err != nil {
			t.Errorf("VerifyPasscode(%q) = %v, %v, want %v", tc.passcode, ok, err, tc.want)
		}
	}
	def, _ := HashPasscode(DefaultArgon2, "482913")
	if !strings.HasPrefix(def, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("default hash %q does not use OWASP's parameters", def)
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=0,t=1,p=1$c2FsdA$a2V5",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=64,t=1,p=1$!!$a2V5"} {
		if _, err := VerifyPasscode(bad, "482913"); err == nil {
			t.Errorf("VerifyPasscode accepted the malformed hash %q", bad)
		}
	}
}

// BenchmarkPasscodeHash measures one argon2id hash with the default
// (OWASP) parameters: the cost of every passcode check at login.
func BenchmarkPasscodeHash(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := HashPasscode(DefaultArgon2, "482913"); err != nil {
			b.Fatal(err)
		}
	}
}
