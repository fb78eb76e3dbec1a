package units

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// Exact counts of the embedded data (see data/SOURCES.md).
const (
	wantLegacyProvinces = 63
	wantLegacyDistricts = 696
	wantLegacyCommunes  = 10035
	wantProvinces2025   = 34
	wantCommunes2025    = 3321
	wantCommuneMappings = 10587
	wantSplitCommunes   = 460
)

// schemeOf tells which structure a unit belongs to.
func schemeOf(u Unit) string {
	if u.ValidFrom >= ReformDate {
		return "2025"
	}
	return "legacy"
}

// group returns the units of one scheme and level.
func group(all []Unit, scheme string, level Level) []Unit {
	var out []Unit
	for _, u := range all {
		if u.Level == level && schemeOf(u) == scheme {
			out = append(out, u)
		}
	}
	return out
}

// byCode indexes units by code.
func byCode(us []Unit) map[string]Unit {
	m := make(map[string]Unit, len(us))
	for _, u := range us {
		m[u.Code] = u
	}
	return m
}

func TestAll_Counts(t *testing.T) {
	all := All()
	tests := []struct {
		scheme string
		level  Level
		want   int
	}{
		{"legacy", Province, wantLegacyProvinces},
		{"legacy", District, wantLegacyDistricts},
		{"legacy", Commune, wantLegacyCommunes},
		{"2025", Province, wantProvinces2025},
		{"2025", District, 0},
		{"2025", Commune, wantCommunes2025},
	}
	for _, tt := range tests {
		t.Run(tt.scheme+"/"+string(tt.level), func(t *testing.T) {
			if got := len(group(all, tt.scheme, tt.level)); got != tt.want {
				t.Errorf("got %d units, want %d", got, tt.want)
			}
		})
	}
	t.Run("total", func(t *testing.T) {
		want := wantLegacyProvinces + wantLegacyDistricts + wantLegacyCommunes + wantProvinces2025 + wantCommunes2025
		if len(all) != want {
			t.Errorf("All() has %d units, want %d", len(all), want)
		}
	})
}

func TestAll_CodesUniqueAndWellFormed(t *testing.T) {
	all := All()
	digits := map[Level]int{Province: 2, District: 3, Commune: 5}
	for _, scheme := range []string{"legacy", "2025"} {
		for _, level := range []Level{Province, District, Commune} {
			t.Run(scheme+"/"+string(level), func(t *testing.T) {
				seen := map[string]bool{}
				for _, u := range group(all, scheme, level) {
					if seen[u.Code] {
						t.Errorf("duplicate code %s", u.Code)
					}
					seen[u.Code] = true
					if len(u.Code) != digits[level] || strings.Trim(u.Code, "0123456789") != "" {
						t.Errorf("code %q is not %d digits", u.Code, digits[level])
					}
				}
			})
		}
	}
}

func TestAll_TypesAndDates(t *testing.T) {
	allowed := map[string][]string{
		"legacy/province": {"tỉnh", "thành phố trung ương"},
		"legacy/district": {"quận", "huyện", "thị xã", "thành phố thuộc tỉnh", "thành phố thuộc thành phố trung ương"},
		"legacy/commune":  {"xã", "phường", "thị trấn"},
		"2025/province":   {"tỉnh", "thành phố trung ương"},
		"2025/commune":    {"xã", "phường", "đặc khu"},
	}
	all := All()
	for g, types := range allowed {
		scheme, level, _ := strings.Cut(g, "/")
		t.Run(g, func(t *testing.T) {
			for _, u := range group(all, scheme, Level(level)) {
				if !slices.Contains(types, u.Type) {
					t.Errorf("%s: type %q not allowed", u.Code, u.Type)
				}
				if !isDate(u.ValidFrom) {
					t.Errorf("%s: ValidFrom %q", u.Code, u.ValidFrom)
				}
				switch scheme {
				case "legacy":
					if u.ValidTo != "2025-06-30" {
						t.Errorf("%s: legacy ValidTo = %q, want 2025-06-30", u.Code, u.ValidTo)
					}
				case "2025":
					if u.ValidFrom != ReformDate || u.ValidTo != "" {
						t.Errorf("%s: validity [%q, %q], want [%q, \"\"]", u.Code, u.ValidFrom, u.ValidTo, ReformDate)
					}
				}
			}
		})
	}
}

func TestAll_ParentsExist(t *testing.T) {
	all := All()
	provinces := map[string]map[string]Unit{
		"legacy": byCode(group(all, "legacy", Province)),
		"2025":   byCode(group(all, "2025", Province)),
	}
	districts := byCode(group(all, "legacy", District))
	t.Run("provinces have no parent", func(t *testing.T) {
		for _, u := range all {
			if u.Level == Province && (u.ParentCode != "" || u.ProvinceCode != "") {
				t.Errorf("province %s has parent %q, province %q", u.Code, u.ParentCode, u.ProvinceCode)
			}
		}
	})
	for _, g := range []struct {
		scheme string
		level  Level
	}{{"legacy", District}, {"2025", Commune}} {
		t.Run(g.scheme+"/"+string(g.level)+" in existing province", func(t *testing.T) {
			for _, u := range group(all, g.scheme, g.level) {
				if u.ParentCode != u.ProvinceCode {
					t.Errorf("%s: parent %q differs from province %q", u.Code, u.ParentCode, u.ProvinceCode)
				}
				if _, ok := provinces[g.scheme][u.ProvinceCode]; !ok {
					t.Errorf("%s: unknown %s province %q", u.Code, g.scheme, u.ProvinceCode)
				}
			}
		})
	}
	t.Run("legacy/commune in existing district and province", func(t *testing.T) {
		for _, u := range group(all, "legacy", Commune) {
			d, ok := districts[u.ParentCode]
			if !ok {
				t.Errorf("%s: unknown district %q", u.Code, u.ParentCode)
				continue
			}
			if d.ProvinceCode != u.ProvinceCode {
				t.Errorf("%s: province %q, but district %s is in %q", u.Code, u.ProvinceCode, d.Code, d.ProvinceCode)
			}
			if _, ok := provinces["legacy"][u.ProvinceCode]; !ok {
				t.Errorf("%s: unknown legacy province %q", u.Code, u.ProvinceCode)
			}
		}
	})
}

func TestAll_NamesNFC(t *testing.T) {
	// Phường Đúc (Huế) is officially named "phường Phường Đúc".
	prefixOK := map[string]bool{"Phường Đúc": true}
	prefixes := []string{"Tỉnh ", "Thành phố ", "Quận ", "Huyện ", "Thị xã ", "Xã ", "Phường ", "Thị trấn ", "Đặc khu "}
	all := All()
	for _, scheme := range []string{"legacy", "2025"} {
		for _, level := range []Level{Province, District, Commune} {
			t.Run(scheme+"/"+string(level), func(t *testing.T) {
				for _, u := range group(all, scheme, level) {
					for _, s := range []string{u.Name, u.Type, u.FullName()} {
						if !norm.NFC.IsNormalString(s) {
							t.Errorf("%s: %q is not NFC", u.Code, s)
						}
						if s != strings.TrimSpace(s) || strings.Contains(s, "  ") {
							t.Errorf("%s: %q has stray spaces", u.Code, s)
						}
					}
					for _, p := range prefixes {
						if strings.HasPrefix(u.Name, p) && !prefixOK[u.Name] {
							t.Errorf("%s: name %q starts with a type prefix", u.Code, u.Name)
						}
					}
				}
			})
		}
	}
}

func TestMappings_Provinces(t *testing.T) {
	all := All()
	legacy := group(all, "legacy", Province)
	new2025 := byCode(group(all, "2025", Province))
	count := map[string]int{}
	targets := map[string]bool{}
	for _, m := range Mappings() {
		if m.Level != Province {
			continue
		}
		count[m.LegacyCode]++
		targets[m.NewCode] = true
		if _, ok := new2025[m.NewCode]; !ok {
			t.Errorf("mapping %s → %s: unknown 2025 province", m.LegacyCode, m.NewCode)
		}
	}
	for _, p := range legacy {
		t.Run(p.Code, func(t *testing.T) {
			if count[p.Code] != 1 {
				t.Errorf("legacy province %s (%s) has %d mappings, want 1", p.Code, p.Name, count[p.Code])
			}
			got, ok := NewProvinceOf(p.Code)
			if _, exists := new2025[got]; !ok || !exists {
				t.Errorf("NewProvinceOf(%s) = %q, %v", p.Code, got, ok)
			}
		})
	}
	t.Run("every 2025 province has a predecessor", func(t *testing.T) {
		if len(targets) != wantProvinces2025 {
			t.Errorf("%d 2025 provinces are mapping targets, want %d", len(targets), wantProvinces2025)
		}
	})
}

func TestMappings_Communes(t *testing.T) {
	all := All()
	legacy := group(all, "legacy", Commune)
	new2025 := byCode(group(all, "2025", Commune))
	rows, split := 0, 0
	targeted := map[string]bool{}
	for _, m := range Mappings() {
		if m.Level == Commune {
			rows++
			targeted[m.NewCode] = true
		}
	}
	t.Run("every legacy commune has successors in the successor province", func(t *testing.T) {
		for _, c := range legacy {
			newCodes := NewCommunesOf(c.Code)
			if len(newCodes) == 0 {
				t.Errorf("legacy commune %s (%s) has no successor", c.Code, c.Name)
				continue
			}
			if len(newCodes) > 1 {
				split++
			}
			wantProvince, _ := NewProvinceOf(c.ProvinceCode)
			for _, nc := range newCodes {
				n, ok := new2025[nc]
				if !ok {
					t.Errorf("%s: successor %s is not a 2025 commune", c.Code, nc)
					continue
				}
				if n.ProvinceCode != wantProvince {
					t.Errorf("%s: successor %s is in province %s, want %s (successor of %s)",
						c.Code, nc, n.ProvinceCode, wantProvince, c.ProvinceCode)
				}
			}
		}
	})
	t.Run("counts", func(t *testing.T) {
		if rows != wantCommuneMappings {
			t.Errorf("%d commune mapping rows, want %d", rows, wantCommuneMappings)
		}
		if split != wantSplitCommunes {
			t.Errorf("%d legacy communes split, want %d", split, wantSplitCommunes)
		}
	})
	t.Run("2025 communes without legacy commune", func(t *testing.T) {
		// Special zones formed from island districts that had no communes.
		want := []string{"11948", "19742", "20333", "21548", "26732"}
		var got []string
		for code := range new2025 {
			if !targeted[code] {
				got = append(got, code)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

func TestNewProvinceOf_KnownFacts(t *testing.T) {
	tests := []struct {
		legacy, want string
		ok           bool
	}{
		{"01", "01", true}, // Hà Nội
		{"79", "79", true}, // Hồ Chí Minh
		{"74", "79", true}, // Bình Dương → Hồ Chí Minh
		{"77", "79", true}, // Bà Rịa – Vũng Tàu → Hồ Chí Minh
		{"46", "46", true}, // Huế
		{"49", "48", true}, // Quảng Nam → Đà Nẵng
		{"02", "08", true}, // Hà Giang → Tuyên Quang
		{"62", "51", true}, // Kon Tum → Quảng Ngãi
		{"95", "96", true}, // Bạc Liêu → Cà Mau
		{"99", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.legacy, func(t *testing.T) {
			got, ok := NewProvinceOf(tt.legacy)
			if got != tt.want || ok != tt.ok {
				t.Errorf("NewProvinceOf(%q) = %q, %v; want %q, %v", tt.legacy, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestNewCommunesOf_KnownFacts(t *testing.T) {
	tests := []struct {
		name, legacy string
		want         []string
	}{
		{"Phúc Xá → Hồng Hà", "00001", []string{"00097"}},
		{"Trúc Bạch → Ba Đình", "00004", []string{"00004"}},
		{"Cống Vị split into Ngọc Hà and Giảng Võ", "00007", []string{"00008", "00025"}},
		{"Hà Mòn → Đăk Hà (corrected)", "23521", []string{"23500"}},
		{"A Dơk → Ia Băng (corrected)", "23710", []string{"23710"}},
		{"not a legacy commune", "99999", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NewCommunesOf(tt.legacy); !slices.Equal(got, tt.want) {
				t.Errorf("NewCommunesOf(%q) = %v, want %v", tt.legacy, got, tt.want)
			}
		})
	}
}

func TestFind_KnownFacts(t *testing.T) {
	tests := []struct {
		name, code string
		level      Level
		date       string
		wantOK     bool
		wantFull   string
	}{
		{"Hà Nội 2024", "01", Province, "2024-01-01", true, "Thành phố Hà Nội"},
		{"Hà Nội 2026", "01", Province, "2026-01-01", true, "Thành phố Hà Nội"},
		{"Huế 2026", "46", Province, "2026-01-01", true, "Thành phố Huế"},
		{"Bình Dương before reform", "74", Province, "2025-06-30", true, "Tỉnh Bình Dương"},
		{"Bình Dương after reform", "74", Province, ReformDate, false, ""},
		{"Cao Bằng", "04", Province, "2030-05-05", true, "Tỉnh Cao Bằng"},
		{"Quận Ba Đình", "001", District, "2025-06-30", true, "Quận Ba Đình"},
		{"no districts after reform", "001", District, ReformDate, false, ""},
		{"Thủ Đức", "769", District, "2025-04-01", true, "Thành phố Thủ Đức"},
		{"legacy 00004", "00004", Commune, "2025-06-30", true, "Phường Trúc Bạch"},
		{"2025 00004", "00004", Commune, ReformDate, true, "Phường Ba Đình"},
		{"Côn Đảo", "26732", Commune, "2026-01-01", true, "Đặc khu Côn Đảo"},
		{"wrong level", "01", Commune, "2026-01-01", false, ""},
		{"malformed date", "01", Province, "2026-1-1", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, ok := Find(tt.code, tt.level, tt.date)
			if ok != tt.wantOK || (ok && u.FullName() != tt.wantFull) {
				t.Errorf("Find(%q, %q, %q) = %q, %v; want %q, %v", tt.code, tt.level, tt.date, u.FullName(), ok, tt.wantFull, tt.wantOK)
			}
			if ok && (u.Code != tt.code || u.Level != tt.level || !u.ValidAt(tt.date)) {
				t.Errorf("Find returned %+v", u)
			}
		})
	}
}

func TestAt_Counts(t *testing.T) {
	tests := []struct {
		date                           string
		provinces, districts, communes int
	}{
		{"2024-01-01", wantLegacyProvinces, 0, 0}, // districts and communes: snapshot of 2025-03-01
		{"2025-03-01", wantLegacyProvinces, wantLegacyDistricts, wantLegacyCommunes},
		{"2025-06-30", wantLegacyProvinces, wantLegacyDistricts, wantLegacyCommunes},
		{ReformDate, wantProvinces2025, 0, wantCommunes2025},
		{"2026-01-01", wantProvinces2025, 0, wantCommunes2025},
		{"2008-07-31", 0, 0, 0},
		{"not a date", 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			got := map[Level]int{}
			for _, u := range At(tt.date) {
				got[u.Level]++
			}
			want := map[Level]int{Province: tt.provinces, District: tt.districts, Commune: tt.communes}
			for _, l := range []Level{Province, District, Commune} {
				if got[l] != want[l] {
					t.Errorf("At(%q): %d %ss, want %d", tt.date, got[l], l, want[l])
				}
			}
		})
	}
}

func TestCommunesOf_Provinces(t *testing.T) {
	tests := []struct {
		name, province, date string
		want                 int
	}{
		{"Hà Nội 2025", "01", "2026-01-01", 126},
		{"Bình Dương legacy", "74", "2025-05-01", 91},
		{"Bình Dương after reform", "74", "2026-01-01", 0},
		{"unknown province", "99", "2026-01-01", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CommunesOf(tt.province, tt.date)
			if len(got) != tt.want {
				t.Fatalf("CommunesOf(%q, %q) returned %d communes, want %d", tt.province, tt.date, len(got), tt.want)
			}
			for i, u := range got {
				if u.Level != Commune || u.ProvinceCode != tt.province || !u.ValidAt(tt.date) {
					t.Errorf("unexpected unit %+v", u)
				}
				if i > 0 && got[i-1].Code >= u.Code {
					t.Errorf("not in code order: %s before %s", got[i-1].Code, u.Code)
				}
			}
		})
	}
	t.Run("every commune belongs to its province", func(t *testing.T) {
		total := 0
		for _, date := range []string{"2025-06-30", ReformDate} {
			for _, u := range At(date) {
				if u.Level == Province {
					total += len(CommunesOf(u.Code, date))
				}
			}
		}
		if total != wantLegacyCommunes+wantCommunes2025 {
			t.Errorf("communes over all provinces: %d, want %d", total, wantLegacyCommunes+wantCommunes2025)
		}
	})
}

func TestUnit_ValidAt(t *testing.T) {
	legacy := Unit{ValidFrom: "2008-08-01", ValidTo: "2025-06-30"}
	current := Unit{ValidFrom: ReformDate}
	tests := []struct {
		name string
		u    Unit
		date string
		want bool
	}{
		{"day before start", legacy, "2008-07-31", false},
		{"first day", legacy, "2008-08-01", true},
		{"inside", legacy, "2020-02-29", true},
		{"last day", legacy, "2025-06-30", true},
		{"day after end", legacy, "2025-07-01", false},
		{"open end, before", current, "2025-06-30", false},
		{"open end, first day", current, ReformDate, true},
		{"open end, far future", current, "2999-12-31", true},
		{"malformed", current, "2026-1-1", false},
		{"bad month", current, "2026-13-01", false},
		{"empty", current, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.u.ValidAt(tt.date); got != tt.want {
				t.Errorf("ValidAt(%q) = %v, want %v", tt.date, got, tt.want)
			}
		})
	}
}

func TestUnit_FullName(t *testing.T) {
	tests := []struct {
		typ, name, want string
	}{
		{"phường", "Ba Đình", "Phường Ba Đình"},
		{"thành phố trung ương", "Hà Nội", "Thành phố Hà Nội"},
		{"tỉnh", "Cao Bằng", "Tỉnh Cao Bằng"},
		{"quận", "1", "Quận 1"},
		{"huyện", "Côn Đảo", "Huyện Côn Đảo"},
		{"thị xã", "Mộc Châu", "Thị xã Mộc Châu"},
		{"thành phố thuộc tỉnh", "Thủ Dầu Một", "Thành phố Thủ Dầu Một"},
		{"thành phố thuộc thành phố trung ương", "Thủ Đức", "Thành phố Thủ Đức"},
		{"thị trấn", "Ba Chẽ", "Thị trấn Ba Chẽ"},
		{"xã", "Hiển Khánh", "Xã Hiển Khánh"},
		{"đặc khu", "Côn Đảo", "Đặc khu Côn Đảo"},
		{"", "Nowhere", "Nowhere"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := (Unit{Type: tt.typ, Name: tt.name}).FullName(); got != tt.want {
				t.Errorf("FullName() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAll_ReturnsCopies(t *testing.T) {
	t.Run("All", func(t *testing.T) {
		a := All()
		a[0].Name = "changed"
		if All()[0].Name == "changed" {
			t.Error("All() exposes internal state")
		}
	})
	t.Run("NewCommunesOf", func(t *testing.T) {
		a := NewCommunesOf("00007")
		a[0] = "changed"
		if NewCommunesOf("00007")[0] == "changed" {
			t.Error("NewCommunesOf exposes internal state")
		}
	})
	t.Run("Mappings", func(t *testing.T) {
		a := Mappings()
		a[0].NewCode = "changed"
		if Mappings()[0].NewCode == "changed" {
			t.Error("Mappings() exposes internal state")
		}
	})
}
