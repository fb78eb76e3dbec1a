package idnum

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestParse_Valid(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Number
	}{
		{"hanoi male 1990", "001090123456", Number{"001", Male, 1990, "123456"}},
		{"hcmc female 1985", "079185000001", Number{"079", Female, 1985, "000001"}},
		{"first year of 1900s", "001100000000", Number{"001", Female, 1900, "000000"}},
		{"last year of 1900s", "096099999999", Number{"096", Male, 1999, "999999"}},
		{"male 2000s", "038224654321", Number{"038", Male, 2024, "654321"}},
		{"female 2000s", "048305111111", Number{"048", Female, 2005, "111111"}},
		{"male 2100s", "092400123456", Number{"092", Male, 2100, "123456"}},
		{"female 2100s", "092599123456", Number{"092", Female, 2199, "123456"}},
		{"male 2200s", "011650000000", Number{"011", Male, 2250, "000000"}},
		{"female 2200s", "011750000000", Number{"011", Female, 2250, "000000"}},
		{"male 2300s", "077800000007", Number{"077", Male, 2300, "000007"}},
		{"female 2300s", "077999000007", Number{"077", Female, 2399, "000007"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q) error = %v, want nil", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParse_Invalid(t *testing.T) {
	tests := []struct {
		name string
		in   string
		code string
	}{
		{"empty", "", CodeInvalidLength},
		{"eleven digits", "00109012345", CodeInvalidLength},
		{"thirteen digits", "0010901234567", CodeInvalidLength},
		{"old 9-digit CMND", "012345678", CodeInvalidLength},
		{"spaces", "001 090 123456", CodeInvalidLength},
		{"trailing space", "00109012345 ", CodeInvalidDigit},
		{"letter", "00109012345a", CodeInvalidDigit},
		{"leading sign", "+01090123456", CodeInvalidDigit},
		{"dash", "001-90123456", CodeInvalidDigit},
		// Twelve bytes but not twelve ASCII digits: two Arabic-Indic digits
		// (2 bytes each) plus eight ASCII ones.
		{"non-ASCII digits", "٠٠01090123", CodeInvalidDigit},
		{"fullwidth digits are multibyte", "００１090123456", CodeInvalidLength},
		{"province 000", "000090123456", CodeUnknownProvince},
		{"province gap 003", "003090123456", CodeUnknownProvince},
		{"province gap 097", "097090123456", CodeUnknownProvince},
		{"province 999", "999090123456", CodeUnknownProvince},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want error %s", tt.in, got, tt.code)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) error %T, want *Error", tt.in, err)
			}
			if e.Code != tt.code {
				t.Errorf("Parse(%q) code = %s, want %s (message %q)", tt.in, e.Code, tt.code, e.Message)
			}
			if got != (Number{}) {
				t.Errorf("Parse(%q) returned %+v with its error, want the zero Number", tt.in, got)
			}
		})
	}
}

func TestMake_Valid(t *testing.T) {
	tests := []struct {
		name     string
		province string
		gender   Gender
		year     int
		serial   string
		want     string
	}{
		{"male 1948", "001", Male, 1948, "000123", "001048000123"},
		{"female 1948", "001", Female, 1948, "000123", "001148000123"},
		{"female 2007", "079", Female, 2007, "999999", "079307999999"},
		{"male 2399", "096", Male, 2399, "123456", "096899123456"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := Make(tt.province, tt.gender, tt.year, tt.serial)
			if err != nil {
				t.Fatalf("Make error = %v, want nil", err)
			}
			if got := n.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMake_Invalid(t *testing.T) {
	tests := []struct {
		name     string
		province string
		gender   Gender
		year     int
		serial   string
		code     string
	}{
		{"unknown province", "003", Male, 1990, "123456", CodeUnknownProvince},
		{"short province", "01", Male, 1990, "123456", CodeUnknownProvince},
		{"non-digit province", "0a1", Male, 1990, "123456", CodeUnknownProvince},
		{"empty gender", "001", "", 1990, "123456", CodeInvalidGender},
		{"Vietnamese gender word", "001", "nam", 1990, "123456", CodeInvalidGender},
		{"year before 1900", "001", Male, 1899, "123456", CodeYearOutOfRange},
		{"year after 2399", "001", Female, 2400, "123456", CodeYearOutOfRange},
		{"short serial", "001", Male, 1990, "12345", CodeInvalidLength},
		{"long serial", "001", Male, 1990, "1234567", CodeInvalidLength},
		{"letter in serial", "001", Male, 1990, "12345x", CodeInvalidDigit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := Make(tt.province, tt.gender, tt.year, tt.serial)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Make = %+v, %v; want *Error with code %s", n, err, tt.code)
			}
			if e.Code != tt.code {
				t.Errorf("Make code = %s, want %s (message %q)", e.Code, tt.code, e.Message)
			}
		})
	}
}

func TestParse_RoundTrip(t *testing.T) {
	for _, p := range Provinces() {
		for _, g := range []Gender{Male, Female} {
			for _, year := range []int{1900, 1948, 1999, 2000, 2026, 2199, 2200, 2399} {
				t.Run(p.Code+string(g)+itoa(year), func(t *testing.T) {
					n, err := Make(p.Code, g, year, "042042")
					if err != nil {
						t.Fatalf("Make error = %v", err)
					}
					s := n.String()
					back, err := Parse(s)
					if err != nil {
						t.Fatalf("Parse(%q) error = %v", s, err)
					}
					if back != n {
						t.Errorf("Parse(String()) = %+v, want %+v", back, n)
					}
				})
			}
		}
	}
}

func TestNumber_String(t *testing.T) {
	tests := []struct {
		name string
		n    Number
		want string
	}{
		{"valid", Number{"001", Male, 1990, "123456"}, "001090123456"},
		{"zero value shows gaps", Number{}, "????????????"},
		{"bad gender shows gap", Number{"001", "x", 1990, "123456"}, "001?90123456"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.n.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNumber_CheckRecord(t *testing.T) {
	n := Number{"001", Female, 1975, "123456"}
	tests := []struct {
		name   string
		gender Gender
		year   int
		code   string // "" for no error
	}{
		{"agrees", Female, 1975, ""},
		{"gender differs", Male, 1975, CodeGenderMismatch},
		{"year differs", Female, 1976, CodeBirthYearMismatch},
		{"century differs", Female, 2075, CodeBirthYearMismatch},
		{"both differ reports gender first", Male, 1980, CodeGenderMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := n.CheckRecord(tt.gender, tt.year)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("CheckRecord error = %v, want nil", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != tt.code {
				t.Errorf("CheckRecord error = %v, want code %s", err, tt.code)
			}
		})
	}
}

func TestNew_Serial(t *testing.T) {
	tests := []struct {
		name    string
		draw    int
		want    string
		wantErr bool
	}{
		{"zero pads", 0, "001090000000", false},
		{"small pads", 42, "001090000042", false},
		{"largest", 999_999, "001090999999", false},
		{"negative draw", -1, "", true},
		{"draw out of range", 1_000_000, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotN int
			rnd := func(n int) int { gotN = n; return tt.draw }
			n, err := New("001", Male, 1990, rnd)
			if gotN != 1_000_000 {
				t.Errorf("New asked rnd for [0, %d), want [0, 1000000)", gotN)
			}
			if tt.wantErr {
				if err == nil {
					t.Fatalf("New = %v, want error", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("New error = %v", err)
			}
			if got := n.String(); got != tt.want {
				t.Errorf("New().String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNew_InvalidParts(t *testing.T) {
	_, err := New("003", Male, 1990, func(int) int { return 1 })
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeUnknownProvince {
		t.Errorf("New with unknown province error = %v, want code %s", err, CodeUnknownProvince)
	}
}

func TestProvinces_Table(t *testing.T) {
	ps := Provinces()
	if len(ps) != 63 {
		t.Fatalf("Provinces() has %d entries, want 63", len(ps))
	}
	for i, p := range ps {
		t.Run(p.Code, func(t *testing.T) {
			if len(p.Code) != 3 || !digits(p.Code) {
				t.Errorf("code %q is not three digits", p.Code)
			}
			if i > 0 && ps[i-1].Code >= p.Code {
				t.Errorf("code %s follows %s, want strictly increasing", p.Code, ps[i-1].Code)
			}
			if !norm.NFC.IsNormalString(p.Name) {
				t.Errorf("name %q is not NFC", p.Name)
			}
			if strings.TrimSpace(p.Name) != p.Name || p.Name == "" {
				t.Errorf("name %q is empty or has surrounding space", p.Name)
			}
			name, ok := ProvinceName(p.Code)
			if !ok || name != p.Name {
				t.Errorf("ProvinceName(%s) = %q, %v; want %q, true", p.Code, name, ok, p.Name)
			}
		})
	}
	// Provinces returns a copy: changing it must not change the table.
	ps[0].Name = "changed"
	if name, _ := ProvinceName("001"); name != "Hà Nội" {
		t.Errorf("after modifying Provinces() result, ProvinceName(001) = %q, want Hà Nội", name)
	}
}

func TestProvinceName_Lookup(t *testing.T) {
	tests := []struct {
		code string
		want string
		ok   bool
	}{
		{"001", "Hà Nội", true},
		{"079", "Hồ Chí Minh", true},
		{"096", "Cà Mau", true},
		{"003", "", false},
		{"1", "", false},
		{"0001", "", false},
		{"abc", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			got, ok := ProvinceName(tt.code)
			if got != tt.want || ok != tt.ok {
				t.Errorf("ProvinceName(%q) = %q, %v; want %q, %v", tt.code, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestGender_Valid(t *testing.T) {
	tests := []struct {
		g    Gender
		want bool
	}{
		{Male, true}, {Female, true}, {"", false}, {"Male", false}, {"other", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.g), func(t *testing.T) {
			if got := tt.g.Valid(); got != tt.want {
				t.Errorf("Gender(%q).Valid() = %v, want %v", tt.g, got, tt.want)
			}
		})
	}
}

func TestError_Message(t *testing.T) {
	_, err := Parse("12")
	if err == nil || !strings.HasPrefix(err.Error(), "idnum: invalid_length: ") {
		t.Errorf("Parse(\"12\").Error() = %v, want prefix %q", err, "idnum: invalid_length: ")
	}
}

func itoa(n int) string {
	return string([]byte{byte('0' + n/1000), byte('0' + n/100%10), byte('0' + n/10%10), byte('0' + n%10)})
}

// FuzzParse checks that Parse never panics and that every number it accepts
// survives String and Make unchanged.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"001090123456", "079185000001", "096999999999", "003090123456", "", "00109012345x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code == "" || e.Message == "" {
				t.Fatalf("Parse(%q) error %#v, want *Error with code and message", s, err)
			}
			return
		}
		if got := n.String(); got != s {
			t.Fatalf("Parse(%q).String() = %q, want the input", s, got)
		}
		m, err := Make(n.Province, n.Gender, n.BirthYear, n.Serial)
		if err != nil {
			t.Fatalf("Make(%+v) error = %v for a parsed number", n, err)
		}
		if m != n {
			t.Fatalf("Make(parts of %q) = %+v, want %+v", s, m, n)
		}
	})
}
