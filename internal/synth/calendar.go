package synth

import (
	"strconv"
	"time"

	"github.com/dancu-vn/dancu/internal/idnum"
)

// calendar maps day numbers (days since 1900-01-01) to "YYYY-MM-DD" text
// without allocating: every date up to Today is formatted once into one
// string, and a date is a substring of it. Year-only and month-only dates
// are prefixes of the same substrings.
type calendar struct {
	text       string // 10 bytes per day from 1900-01-01 to Today
	base       int    // daysFromCivil(1900, 1, 1)
	today      int    // day number of Today
	ty, tm, td int    // Today's year, month, day
	maxAge     int    // oldest age whose whole birth window is in 1900 or later
	day1960    int    // day number of 1960-01-01: older records may have partial dates
}

// newCalendar formats every day from 1900-01-01 to today.
func newCalendar(today time.Time) calendar {
	c := calendar{
		base: daysFromCivil(idnum.MinBirthYear, 1, 1),
		ty:   today.Year(), tm: int(today.Month()), td: today.Day(),
	}
	c.today = daysFromCivil(c.ty, c.tm, c.td) - c.base
	c.day1960 = c.day(1960, 1, 1)
	// Born in (Today - age - 1 years, Today - age years]: the window's
	// earliest year is ty-age-1, which must still be ≥ 1900.
	c.maxAge = min(maxAge, c.ty-idnum.MinBirthYear-1)

	b := make([]byte, 0, (c.today+1)*10)
	y, m, d := idnum.MinBirthYear, 1, 1
	for range c.today + 1 {
		b = appendPadded(b, y, 4)
		b = append(b, '-')
		b = appendPadded(b, m, 2)
		b = append(b, '-')
		b = appendPadded(b, d, 2)
		if d++; d > daysIn(y, m) {
			d = 1
			if m++; m > 12 {
				m = 1
				y++
			}
		}
	}
	c.text = string(b)
	return c
}

// date returns day number i as "YYYY-MM-DD".
func (c *calendar) date(i int) string { return c.text[i*10 : i*10+10] }

// day returns the day number of a civil date. Invalid dates such as 29
// February of a common year count on into the next month, which keeps the
// mapping monotone.
func (c *calendar) day(y, m, d int) int { return daysFromCivil(y, m, d) - c.base }

// birthDay draws the birth day of someone aged age (in completed years)
// on Today, uniformly over the year of birthdays that give that age.
func (c *calendar) birthDay(r *rng, age int) int {
	age = min(max(age, 0), c.maxAge)
	hi := c.day(c.ty-age, c.tm, c.td)
	lo := max(c.day(c.ty-age-1, c.tm, c.td)+1, 0)
	return min(r.between(lo, hi), c.today)
}

// year returns Today's year minus age: the birth year of most people of
// that age, good enough for picking name fashions.
func (c *calendar) birthYear(age int) int { return c.ty - age }

// daysFromCivil returns the days from 1970-01-01 to y-m-d in the proleptic
// Gregorian calendar (H. Hinnant's algorithm).
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// daysIn returns the number of days in month m of year y.
func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// appendPadded appends v in decimal, zero-padded to width digits.
func appendPadded(b []byte, v, width int) []byte {
	var tmp [8]byte
	s := strconv.AppendInt(tmp[:0], int64(v), 10)
	for range width - len(s) {
		b = append(b, '0')
	}
	return append(b, s...)
}
