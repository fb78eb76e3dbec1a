package card

import (
	"testing"

	"github.com/dancu-vn/dancu/internal/register"
)

func TestExpiryDate(t *testing.T) {
	tests := []struct {
		name  string
		birth register.Date
		issue string
		want  register.Date
	}{
		{"child: valid to 14", "2000-05-10", "2010-01-01", "2014-05-10"},
		{"within two years of 14: valid to 25", "2000-05-10", "2012-05-10", "2025-05-10"},
		{"the day before the grace: valid to 14", "2000-05-10", "2012-05-09", "2014-05-10"},
		{"at 14: valid to 25", "2000-05-10", "2014-05-10", "2025-05-10"},
		{"at 23: skips 25, valid to 40", "2000-05-10", "2023-05-10", "2040-05-10"},
		{"at 30: valid to 40", "1995-03-14", "2026-11-27", "2035-03-14"},
		{"at 45: valid to 60", "1981-01-20", "2026-11-27", "2041-01-20"},
		{"at 58 and a day: for life", "1960-01-01", "2018-01-02", ""},
		{"after 60: for life", "1960-01-01", "2021-01-01", ""},
		{"year only: the end of the year", "1980", "2010-01-01", "2020-12-31"},
		{"year only within the grace of 40: valid to 60", "1980", "2020-01-01", "2040-12-31"},
		{"month and year: the end of the month", "1990-02", "2026-01-01", "2030-02-28"},
		{"29 February in a common year", "2004-02-29", "2010-01-01", "2018-02-28"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ExpiryDate(tt.birth, tt.issue); got != tt.want {
				t.Errorf("ExpiryDate(%s, %s) = %q, want %q", tt.birth, tt.issue, got, tt.want)
			}
		})
	}
}

func TestDueForRenewal(t *testing.T) {
	tests := []struct {
		expiry register.Date
		today  string
		want   bool
	}{
		{"2030-05-10", "2026-11-27", false},
		{"2028-05-10", "2026-05-10", true},
		{"2028-05-10", "2026-05-09", false},
		{"2020-01-01", "2026-11-27", true},
		{"", "2026-11-27", false},
	}
	for _, tt := range tests {
		if got := DueForRenewal(tt.expiry, tt.today); got != tt.want {
			t.Errorf("DueForRenewal(%q, %s) = %v, want %v", tt.expiry, tt.today, got, tt.want)
		}
	}
}
