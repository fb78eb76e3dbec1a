package card

import (
	"time"

	"github.com/dancu-vn/dancu/internal/register"
)

// ReplacementAges are the ages at which a card must be replaced (Law on
// Identification 2023, art. 21(1)): 14, 25, 40 and 60. A card issued at
// 60 or later is valid for life.
var ReplacementAges = []int{14, 25, 40, 60}

// graceYears: a card issued, renewed or reissued within two years before
// a replacement age is valid until the next one (art. 21(2)).
const graceYears = 2

// birthdayAt returns the day a person born on birth reaches age, as
// YYYY-MM-DD. For a partial birth date it is the last day the birthday can
// be (the end of the month, or of the year), so that no holder is asked
// to renew before the law requires; 29 February falls on 28 February in
// common years.
func birthdayAt(birth register.Date, age int) string {
	y := birth.Year() + age
	var t time.Time
	switch len(birth) {
	case 4:
		t = time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)
	case 7:
		m, _ := time.Parse("2006-01", string(birth))
		t = time.Date(y, m.Month()+1, 0, 0, 0, 0, 0, time.UTC) // day 0 = the month's last
	default:
		d, err := time.Parse(time.DateOnly, string(birth))
		if err != nil {
			return ""
		}
		t = time.Date(y, d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
		if t.Month() != d.Month() { // 29 February in a common year
			t = time.Date(y, d.Month()+1, 0, 0, 0, 0, 0, time.UTC)
		}
	}
	return t.Format(time.DateOnly)
}

// ExpiryDate returns the last day of validity of a card issued on issue
// (YYYY-MM-DD) to a person born on birth: the birthday at the next
// replacement age more than two years after issue, or "" (for life) when
// there is none.
func ExpiryDate(birth register.Date, issue string) register.Date {
	for _, age := range ReplacementAges {
		due := birthdayAt(birth, age)
		if due == "" {
			return ""
		}
		if grace := birthdayAt(birth, age-graceYears); issue < grace {
			return register.Date(due)
		}
	}
	return ""
}

// DueForRenewal reports whether a card may be renewed on today: it has an
// expiry date and is within two years of it (or past it).
func DueForRenewal(expiry register.Date, today string) bool {
	if expiry == "" {
		return false
	}
	t, err := time.Parse(time.DateOnly, string(expiry))
	if err != nil {
		return false
	}
	return today >= t.AddDate(-graceYears, 0, 0).Format(time.DateOnly)
}
