package register

import (
	"strconv"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// Date is a calendar date that may be partial, as old records often are:
// "1948" (year only), "1948-03" (month and year) or "1948-03-14". Partial
// dates sort correctly as text, which is how both databases compare them.
type Date string

// ParseDate validates s as a possibly partial date.
func ParseDate(field, s string) (Date, error) {
	bad := apperr.Field(apperr.InvalidDate, field, "%q is not a date: use YYYY, YYYY-MM or YYYY-MM-DD", s)
	switch len(s) {
	case 4:
		y, err := strconv.Atoi(s)
		if err != nil || y < 1800 || y > 2399 || s[0] == '+' || s[0] == '-' {
			return "", bad
		}
	case 7:
		if _, err := time.Parse("2006-01", s); err != nil {
			return "", bad
		}
	case 10:
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return "", bad
		}
	default:
		return "", bad
	}
	return Date(s), nil
}

// ParseFullDate validates s as a complete YYYY-MM-DD date.
func ParseFullDate(field, s string) (Date, error) {
	if _, err := time.Parse(time.DateOnly, s); err != nil || len(s) != 10 {
		return "", apperr.Field(apperr.InvalidDate, field, "%q is not a date: use YYYY-MM-DD", s)
	}
	return Date(s), nil
}

// Year returns the year of d (0 if d is empty).
func (d Date) Year() int {
	if len(d) < 4 {
		return 0
	}
	y, _ := strconv.Atoi(string(d[:4]))
	return y
}

// Partial reports whether d lacks its month or day.
func (d Date) Partial() bool { return len(d) != 10 }

// Earliest returns the first day d can mean, for comparisons.
func (d Date) Earliest() string {
	switch len(d) {
	case 4:
		return string(d) + "-01-01"
	case 7:
		return string(d) + "-01"
	}
	return string(d)
}

// After reports whether d is certainly after the full date other.
func (d Date) After(other string) bool { return d.Earliest() > other }

// Today returns t's date in Vietnam's time zone (UTC+7, no daylight saving):
// legal dates are local dates.
func Today(t time.Time) string {
	return t.In(vietnam).Format(time.DateOnly)
}

var vietnam = time.FixedZone("ICT", 7*3600)
