// Package idnum parses, builds and checks the 12-digit personal
// identification number (số định danh cá nhân) defined by Decree
// 137/2015/NĐ-CP and Circular 07/2016/TT-BCA as amended by Circular
// 59/2021/TT-BCA.
//
// The number is PPP C YY SSSSSS:
//
//	PPP    code of the province where the birth was registered (Provinces)
//	C      century of birth and gender: 0/1 male/female born 1900–1999,
//	       2/3 for 2000–2099, 4/5 for 2100–2199, 6/7 for 2200–2299,
//	       8/9 for 2300–2399
//	YY     last two digits of the birth year
//	SSSSSS six random digits
//
// There is no check digit, so the format alone cannot catch a mistyped
// serial: CheckRecord compares the encoded digits with the person's record
// instead, and uniqueness is the register's job.
package idnum

import (
	"fmt"
	"strconv"
)

// Gender is a person's gender as encoded in the century digit.
type Gender string

// Genders. The values are stored and sent over the API: never rename one.
const (
	Male   Gender = "male"
	Female Gender = "female"
)

// Valid reports whether g is Male or Female.
func (g Gender) Valid() bool { return g == Male || g == Female }

// Birth years the century digit can express.
const (
	MinBirthYear = 1900
	MaxBirthYear = 2399
)

// Length is the number of digits in a personal identification number.
const Length = 12

// serialSpace is the number of distinct six-digit serials.
const serialSpace = 1_000_000

// Number is a decoded personal identification number. The zero value is
// not a valid number; obtain one from Parse, Make or New.
type Number struct {
	Province  string // three digits, a code from Provinces
	Gender    Gender
	BirthYear int    // MinBirthYear..MaxBirthYear
	Serial    string // six digits
}

// Parse decodes s strictly: exactly 12 ASCII digits, no spaces or
// separators, a known province code. It returns an *Error on failure.
func Parse(s string) (Number, error) {
	if len(s) != Length {
		return Number{}, errorf(CodeInvalidLength, "%q has %d characters, want %d digits", s, len(s), Length)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return Number{}, errorf(CodeInvalidDigit, "%q has a non-digit at position %d", s, i+1)
		}
	}
	if lookup(s[:3]) < 0 {
		return Number{}, errorf(CodeUnknownProvince, "%q starts with %s, which is not a province code", s, s[:3])
	}
	g, century, ok := decodeCentury(s[3])
	if !ok {
		// Unreachable while the circular assigns all ten digits; kept so
		// that narrowing the table later cannot silently accept numbers.
		return Number{}, errorf(CodeInvalidCentury, "%q has century digit %c, which is not assigned", s, s[3])
	}
	yy := int(s[4]-'0')*10 + int(s[5]-'0')
	return Number{
		Province:  s[:3],
		Gender:    g,
		BirthYear: century + yy,
		Serial:    s[6:],
	}, nil
}

// Make builds a number from its parts, validating each. It returns an
// *Error on failure.
func Make(province string, g Gender, birthYear int, serial string) (Number, error) {
	if lookup(province) < 0 {
		return Number{}, errorf(CodeUnknownProvince, "%q is not a province code", province)
	}
	if !g.Valid() {
		return Number{}, errorf(CodeInvalidGender, "%q is not a gender: use %q or %q", g, Male, Female)
	}
	if birthYear < MinBirthYear || birthYear > MaxBirthYear {
		return Number{}, errorf(CodeYearOutOfRange, "birth year %d cannot be encoded: it must be in %d–%d", birthYear, MinBirthYear, MaxBirthYear)
	}
	if len(serial) != 6 {
		return Number{}, errorf(CodeInvalidLength, "serial %q has %d characters, want 6 digits", serial, len(serial))
	}
	if !digits(serial) {
		return Number{}, errorf(CodeInvalidDigit, "serial %q has a non-digit", serial)
	}
	return Number{Province: province, Gender: g, BirthYear: birthYear, Serial: serial}, nil
}

// New builds a number with a random serial drawn from rnd, which must
// return a value in [0, n) like math/rand/v2.IntN. New does not make the
// number unique: the caller stores it under a unique constraint and calls
// New again on conflict.
func New(province string, g Gender, birthYear int, rnd func(n int) int) (Number, error) {
	v := rnd(serialSpace)
	if v < 0 || v >= serialSpace {
		return Number{}, fmt.Errorf("idnum: random source returned %d, want a value in [0, %d)", v, serialSpace)
	}
	var buf [6]byte
	b := strconv.AppendInt(buf[:0], int64(v+serialSpace), 10) // "1dddddd": zero-padded for free
	return Make(province, g, birthYear, string(b[1:]))
}

// String returns the 12 digits of n. For a Number that Make would reject
// the result contains '?' where a part could not be encoded.
func (n Number) String() string {
	b := [Length]byte{'?', '?', '?', '?', '?', '?', '?', '?', '?', '?', '?', '?'} // visible gaps if n is not valid
	copy(b[:3], n.Province)
	b[3] = encodeCentury(n.Gender, n.BirthYear)
	if n.BirthYear >= MinBirthYear && n.BirthYear <= MaxBirthYear {
		yy := n.BirthYear % 100
		b[4] = byte('0' + yy/10)
		b[5] = byte('0' + yy%10)
	}
	copy(b[6:], n.Serial)
	return string(b[:])
}

// CheckRecord reports whether the gender and birth year encoded in n agree
// with a person's record. A mismatch means either the number or the record
// was mistyped; both are rejected rather than guessing which.
func (n Number) CheckRecord(g Gender, birthYear int) error {
	if n.Gender != g {
		return errorf(CodeGenderMismatch, "the number encodes gender %q but the record says %q", n.Gender, g)
	}
	if n.BirthYear != birthYear {
		return errorf(CodeBirthYearMismatch, "the number encodes birth year %d but the record says %d", n.BirthYear, birthYear)
	}
	return nil
}

// decodeCentury maps the fourth digit to gender and the first year of the
// century.
func decodeCentury(c byte) (g Gender, century int, ok bool) {
	if c < '0' || c > '9' {
		return "", 0, false
	}
	d := int(c - '0')
	g = Male
	if d%2 == 1 {
		g = Female
	}
	return g, MinBirthYear + d/2*100, true
}

// encodeCentury is the inverse of decodeCentury; it returns '?' for parts
// that Make would have rejected, so that String of an invalid Number can
// never be mistaken for a valid one.
func encodeCentury(g Gender, year int) byte {
	if !g.Valid() || year < MinBirthYear || year > MaxBirthYear {
		return '?'
	}
	d := (year - MinBirthYear) / 100 * 2
	if g == Female {
		d++
	}
	return byte('0' + d)
}

// digits reports whether s is non-empty ASCII digits only.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
