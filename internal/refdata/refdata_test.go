package refdata

import (
	"fmt"
	"math"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestEthnicities_Table(t *testing.T) {
	es := Ethnicities()
	if len(es) != 54 {
		t.Fatalf("Ethnicities() has %d groups, want 54", len(es))
	}
	sum := 0.0
	names := map[string]string{}
	for i, e := range es {
		t.Run(e.Code, func(t *testing.T) {
			if want := fmt.Sprintf("%02d", i+1); e.Code != want {
				t.Errorf("entry %d has code %q, want %q (codes 01..54 in order, no gaps)", i, e.Code, want)
			}
			if e.Name == "" || !norm.NFC.IsNormalString(e.Name) {
				t.Errorf("name %q is empty or not NFC", e.Name)
			}
			if other, dup := names[e.Name]; dup {
				t.Errorf("name %q used by both %s and %s", e.Name, other, e.Code)
			}
			names[e.Name] = e.Code
			if e.Share <= 0 || e.Share >= 1 {
				t.Errorf("share %v, want in (0, 1)", e.Share)
			}
		})
		sum += e.Share
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("shares sum to %v, want 1", sum)
	}
}

func TestEthnicities_KnownCodes(t *testing.T) {
	// Spot checks against Decision 121-TCTK/PPCĐ, including the codes where
	// it differs from the 2008 statistical list.
	tests := []struct{ code, name string }{
		{"01", "Kinh"}, {"02", "Tày"}, {"03", "Thái"}, {"04", "Hoa"},
		{"05", "Khơ-me"}, {"06", "Mường"}, {"07", "Nùng"}, {"08", "HMông"},
		{"09", "Dao"}, {"10", "Gia-rai"}, {"11", "Ngái"}, {"12", "Ê-đê"},
		{"17", "Chăm"}, {"52", "Brâu"}, {"53", "Ơ Đu"}, {"54", "Rơ-măm"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			e, ok := EthnicityByCode(tt.code)
			if !ok || e.Name != tt.name {
				t.Errorf("EthnicityByCode(%s) = %q, %v; want %q, true", tt.code, e.Name, ok, tt.name)
			}
		})
	}
}

func TestEthnicityByCode_Unknown(t *testing.T) {
	for _, code := range []string{"", "0", "1", "00", "55", "99", "001"} {
		t.Run(code, func(t *testing.T) {
			if e, ok := EthnicityByCode(code); ok {
				t.Errorf("EthnicityByCode(%q) = %+v, true; want not found", code, e)
			}
		})
	}
}

func TestEthnicities_KinhShare(t *testing.T) {
	e, _ := EthnicityByCode(Kinh)
	if e.Share < 0.84 || e.Share > 0.87 {
		t.Errorf("Kinh share %.4f, want about 0.853 (2019 census)", e.Share)
	}
}

func TestEthnicities_Copy(t *testing.T) {
	es := Ethnicities()
	es[0].Name = "changed"
	if e, _ := EthnicityByCode("01"); e.Name != "Kinh" {
		t.Errorf("after modifying Ethnicities() result, code 01 is %q, want Kinh", e.Name)
	}
}

func TestReligions_Table(t *testing.T) {
	rs := Religions()
	if len(rs) != 17 {
		t.Errorf("Religions() has %d entries, want 17 (none + 16 recognised)", len(rs))
	}
	sum := 0.0
	seen := map[string]bool{}
	for _, r := range rs {
		t.Run(r.Code, func(t *testing.T) {
			if seen[r.Code] {
				t.Errorf("code %q appears twice", r.Code)
			}
			seen[r.Code] = true
			for _, c := range r.Code {
				if (c < 'a' || c > 'z') && c != '_' {
					t.Errorf("code %q has %q, want lowercase ASCII and _", r.Code, c)
				}
			}
			if r.Name == "" || !norm.NFC.IsNormalString(r.Name) {
				t.Errorf("name %q is empty or not NFC", r.Name)
			}
			if r.Share <= 0 || r.Share >= 1 {
				t.Errorf("share %v, want in (0, 1)", r.Share)
			}
			got, ok := ReligionByCode(r.Code)
			if !ok || got != r {
				t.Errorf("ReligionByCode(%q) = %+v, %v; want %+v, true", r.Code, got, ok, r)
			}
		})
		sum += r.Share
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("shares sum to %v, want 1", sum)
	}
}

func TestReligions_Shares(t *testing.T) {
	tests := []struct {
		code     string
		min, max float64
	}{
		{NoReligion, 0.85, 0.88},
		{"catholicism", 0.055, 0.067},
		{"buddhism", 0.043, 0.053},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			r, ok := ReligionByCode(tt.code)
			if !ok {
				t.Fatalf("ReligionByCode(%q) not found", tt.code)
			}
			if r.Share < tt.min || r.Share > tt.max {
				t.Errorf("%s share %.4f, want in [%.3f, %.3f]", tt.code, r.Share, tt.min, tt.max)
			}
		})
	}
}

func TestReligionByCode_Unknown(t *testing.T) {
	for _, code := range []string{"", "None", "phat_giao", "christianity"} {
		t.Run(code, func(t *testing.T) {
			if r, ok := ReligionByCode(code); ok {
				t.Errorf("ReligionByCode(%q) = %+v, true; want not found", code, r)
			}
		})
	}
}
