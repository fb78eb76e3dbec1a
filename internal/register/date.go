package register

import (
	"strconv"
	"strings"
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
	var err error
	switch len(s) {
	case 4:
		_, err = time.Parse("2006", s)
	case 7:
		_, err = time.Parse("2006-01", s)
	case 10:
		_, err = time.Parse(time.DateOnly, s)
	default:
		return "", bad
	}
	if err != nil {
		return "", bad
	}
	// Registers hold no one born before 1800, and ID numbers end at 2399.
	if y := Date(s).Year(); y < 1800 || y > 2399 {
		return "", apperr.Field(apperr.InvalidDate, field, "%q is out of range: years run from 1800 to 2399", s)
	}
	return Date(s), nil
}

// ParseFullDate validates s as a complete YYYY-MM-DD date.
func ParseFullDate(field, s string) (Date, error) {
	if len(s) != 10 {
		return "", apperr.Field(apperr.InvalidDate, field, "%q is not a date: use YYYY-MM-DD", s)
	}
	return ParseDate(field, s)
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

// Compatible reports whether d and o can be the same day: equal, or one a
// partial date the other completes (1990-05 and 1990-05-06).
func (d Date) Compatible(o Date) bool {
	return strings.HasPrefix(string(d), string(o)) || strings.HasPrefix(string(o), string(d))
}

// After reports whether d is certainly after the full date other.
func (d Date) After(other string) bool { return d.Earliest() > other }

// Today returns t's date in Vietnam's time zone (UTC+7, no daylight saving):
// legal dates are local dates.
func Today(t time.Time) string {
	return t.In(Vietnam).Format(time.DateOnly)
}

// Vietnam is the time zone of the register's calendar days (UTC+7, no
// daylight saving): what "today" and a day's bounds mean everywhere.
var Vietnam = time.FixedZone("ICT", 7*3600)
