package card

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/register"
)

// The QR code printed on Vietnamese chip cards is plain text, seven
// fields separated by "|":
//
//	ID number | old ID number | full name | birth date | gender | permanent residence | issue date
//
// dates as DDMMYYYY (a partial birth date as MMYYYY or YYYY), gender
// "Nam" or "Nữ". It is not signed: anyone can print one. The seal QR
// beside it is.

// PrintedQR writes a holder's printed QR.
func PrintedQR(h *Holder) string {
	gender := "Nam"
	if h.Gender == idnum.Female {
		gender = "Nữ"
	}
	clean := func(s string) string { return strings.ReplaceAll(s, "|", "/") }
	return strings.Join([]string{h.IDNumber, h.OldIDNumber, clean(h.FullName), printedDate(h.BirthDate), gender,
		clean(h.Address), printedDate(h.IssueDate)}, "|")
}

func printedDate(d register.Date) string {
	switch len(d) {
	case 10:
		return string(d[8:10]) + string(d[5:7]) + string(d[0:4])
	case 7:
		return string(d[5:7]) + string(d[0:4])
	}
	return string(d)
}

func parsePrintedDate(field, s string) (register.Date, error) {
	var d string
	switch len(s) {
	case 8:
		d = s[4:8] + "-" + s[2:4] + "-" + s[0:2]
	case 6:
		d = s[2:6] + "-" + s[0:2]
	case 4:
		d = s
	default:
		return "", fmt.Errorf("%w: printed QR: %s is not a date", errMalformed, field)
	}
	if strings.Trim(s, "0123456789") != "" {
		return "", fmt.Errorf("%w: printed QR: %s is not a date", errMalformed, field)
	}
	if _, err := register.ParseDate(field, d); err != nil {
		return "", fmt.Errorf("%w: printed QR: %s is not a date", errMalformed, field)
	}
	return register.Date(d), nil
}

// ParsePrintedQR reads the printed QR's text.
func ParsePrintedQR(text string) (*Holder, error) {
	text = strings.TrimSpace(text)
	if len(text) > 1024 || !utf8.ValidString(text) {
		return nil, fmt.Errorf("%w: printed QR: not text of a card", errMalformed)
	}
	f := strings.Split(text, "|")
	if len(f) != 7 {
		return nil, fmt.Errorf("%w: printed QR: %d fields, a card has 7", errMalformed, len(f))
	}
	if _, err := idnum.Parse(f[0]); err != nil {
		return nil, fmt.Errorf("%w: printed QR: the ID number is not valid", errMalformed)
	}
	if f[1] != "" && (len(f[1]) != 9 || strings.Trim(f[1], "0123456789") != "") {
		return nil, fmt.Errorf("%w: printed QR: the old ID number has 9 digits", errMalformed)
	}
	h := &Holder{IDNumber: f[0], OldIDNumber: f[1], FullName: strings.TrimSpace(f[2]), Address: f[5]}
	if h.FullName == "" {
		return nil, fmt.Errorf("%w: printed QR: no name", errMalformed)
	}
	var err error
	if h.BirthDate, err = parsePrintedDate("birth date", f[3]); err != nil {
		return nil, err
	}
	switch f[4] {
	case "Nam":
		h.Gender = idnum.Male
	case "Nữ":
		h.Gender = idnum.Female
	default:
		return nil, fmt.Errorf("%w: printed QR: gender is Nam or Nữ", errMalformed)
	}
	if h.IssueDate, err = parsePrintedDate("issue date", f[6]); err != nil {
		return nil, err
	}
	if len(h.IssueDate) != len(time.DateOnly) {
		return nil, fmt.Errorf("%w: printed QR: the issue date is a full date", errMalformed)
	}
	return h, nil
}
