package register

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		ok      bool
		partial bool
		year    int
	}{
		{"1948", true, true, 1948},
		{"1948-03", true, true, 1948},
		{"1948-03-14", true, false, 1948},
		{"1948-02-30", false, false, 0},
		{"1948-13", false, false, 0},
		{"48", false, false, 0},
		{"+948", false, false, 0},
		{"14/03/1948", false, false, 0},
		{"", false, false, 0},
	}
	for _, tc := range tests {
		d, err := ParseDate("birth_date", tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseDate(%q) error = %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && (d.Partial() != tc.partial || d.Year() != tc.year) {
			t.Errorf("ParseDate(%q) = partial %v year %d, want %v %d", tc.in, d.Partial(), d.Year(), tc.partial, tc.year)
		}
	}
}

func TestDate_Earliest(t *testing.T) {
	for in, want := range map[Date]string{"1948": "1948-01-01", "1948-03": "1948-03-01", "1948-03-14": "1948-03-14"} {
		if got := in.Earliest(); got != want {
			t.Errorf("%q.Earliest() = %q, want %q", in, got, want)
		}
	}
}

func TestToday_IsVietnamLocal(t *testing.T) {
	// 20:00 UTC on 31 December is already 1 January in Vietnam.
	at := time.Date(2025, 12, 31, 20, 0, 0, 0, time.UTC)
	if got := Today(at); got != "2026-01-01" {
		t.Errorf("Today = %s, want 2026-01-01", got)
	}
}

func TestDate_Compatible(t *testing.T) {
	for _, tt := range []struct {
		a, b Date
		want bool
	}{
		{"1990-05-06", "1990-05-06", true},
		{"1990-05", "1990-05-06", true},
		{"1990-05-06", "1990", true},
		{"1990-05", "1990-06", false},
		{"1990-05-06", "1990-05-07", false},
		{"1990", "1991-01-01", false},
	} {
		if got := tt.a.Compatible(tt.b); got != tt.want {
			t.Errorf("%s.Compatible(%s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
