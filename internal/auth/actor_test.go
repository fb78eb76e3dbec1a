package auth

import (
	"testing"
	"time"
)

func TestOfficer_Validate(t *testing.T) {
	ok := Officer{Username: "an", FullName: "Nguyễn Văn An", Role: RoleRegistrar, UnitLevel: LevelCommune, UnitCode: "19753"}
	tests := []struct {
		name string
		edit func(*Officer)
		ok   bool
	}{
		{"ok", func(*Officer) {}, true},
		{"central", func(o *Officer) { o.UnitLevel, o.UnitCode = LevelCentral, "" }, true},
		{"central with a unit", func(o *Officer) { o.UnitLevel = LevelCentral }, false},
		{"commune without a unit", func(o *Officer) { o.UnitCode = "" }, false},
		{"unknown role", func(o *Officer) { o.Role = "king" }, false},
		{"username with a space", func(o *Officer) { o.Username = "an b" }, false},
		{"no name", func(o *Officer) { o.FullName = " " }, false},
		{"unknown level", func(o *Officer) { o.UnitLevel = "district" }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := ok
			tc.edit(&o)
			if err := o.Validate(); (err == nil) != tc.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestToken_Check(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tok, clear := NewToken("an", "test", now, time.Hour)
	id, secret, err := ParseToken(clear)
	if err != nil || id != tok.ID {
		t.Fatalf("ParseToken(%q) = %q, %v", clear, id, err)
	}
	if err := tok.Check(secret, now.Add(time.Minute)); err != nil {
		t.Errorf("fresh token: %v", err)
	}
	if err := tok.Check(secret+"x", now); err == nil {
		t.Error("a wrong secret passed")
	}
	if err := tok.Check(secret, now.Add(time.Hour)); err == nil {
		t.Error("an expired token passed")
	}
	revoked := now
	tok.RevokedAt = &revoked
	if err := tok.Check(secret, now); err == nil {
		t.Error("a revoked token passed")
	}
	for _, bad := range []string{"", "dct_", "dct_abc", "xyz_abc_def", "dct__secret"} {
		if _, _, err := ParseToken(bad); err == nil {
			t.Errorf("ParseToken(%q) accepted", bad)
		}
	}
}
