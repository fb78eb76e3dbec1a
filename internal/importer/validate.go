package importer

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/register"
)

// Length limits of free-text cells, in characters: generous for real
// data, and a guard against a column of something else pasted in.
const (
	maxRecordIDLen = 100
	maxTextLen     = 300
)

// Valid is a row that passed validation: the person to register, with
// the parent references still to be resolved against the register and the
// rows before it.
type Valid struct {
	RecordID string
	// Person is complete except for what only the database can tell: the
	// ID number when the row gave none, and the parents.
	Person register.Person
	// GivenID reports whether the row gave the ID number.
	GivenID bool
	// FatherRef and MotherRef are the father_id and mother_id cells: a
	// record_id of the same source or an ID number.
	FatherRef, MotherRef string
}

// Validator checks rows against the rules of the register and the
// reference data. It is not safe for concurrent use (it caches lookups).
type Validator struct {
	today    string
	communes *communeResolver
}

// NewValidator returns a validator for rows imported on today
// (YYYY-MM-DD), reading commune codes in the given scheme.
func NewValidator(today string, codes CommuneCodes) *Validator {
	return &Validator{today: today, communes: newCommuneResolver(codes, today)}
}

// Validate turns a row into a person to register, or says why it cannot.
// The checks run in column order and the first failure is reported, so
// that fixing a file converges.
func (v *Validator) Validate(row *Row) (*Valid, *Reason) {
	if row.Malformed != nil {
		return nil, row.Malformed
	}
	out := &Valid{}
	for _, step := range validationSteps {
		if r := step(v, row, out); r != nil {
			return nil, r
		}
	}
	out.Person.Version = 1
	return out, nil
}

// validationSteps are the checks of Validate, in column order.
var validationSteps = []func(*Validator, *Row, *Valid) *Reason{
	(*Validator).recordID, (*Validator).name, (*Validator).gender, (*Validator).birth, (*Validator).status,
	(*Validator).reference, (*Validator).residence, (*Validator).texts, (*Validator).idNumber, (*Validator).parents,
}

func required(row *Row, c Column) (string, *Reason) {
	s := row.Get(c)
	if s == "" {
		return "", reasonf(CodeMissingField, "%s is required", c)
	}
	return s, nil
}

func (v *Validator) recordID(row *Row, out *Valid) *Reason {
	id, r := required(row, ColRecordID)
	if r != nil {
		return r
	}
	out.RecordID, r = checkID(ColRecordID, id)
	return r
}

func (v *Validator) name(row *Row, out *Valid) *Reason {
	s, r := required(row, ColFullName)
	if r != nil {
		return r
	}
	name, err := register.ValidName(ColFullName.String(), s)
	if err != nil {
		return reasonf(CodeInvalidName, "%s", messageOf(err))
	}
	out.Person.FullName = name
	return nil
}

func (v *Validator) gender(row *Row, out *Valid) *Reason {
	s, r := required(row, ColGender)
	if r != nil {
		return r
	}
	switch fold(s) {
	case "male", "nam":
		out.Person.Gender = idnum.Male
	case "female", "nu":
		out.Person.Gender = idnum.Female
	default:
		return reasonf(CodeInvalidGender, "gender %q: use male or female (Nam or Nữ)", s)
	}
	return nil
}

func (v *Validator) birth(row *Row, out *Valid) *Reason {
	s, r := required(row, ColBirthDate)
	if r != nil {
		return r
	}
	d, r := v.date(ColBirthDate, s)
	if r != nil {
		return r
	}
	if y := d.Year(); y < idnum.MinBirthYear || y > idnum.MaxBirthYear {
		return reasonf(CodeInvalidDate, "birth year %d cannot be encoded in an ID number (%d–%d)", y, idnum.MinBirthYear, idnum.MaxBirthYear)
	}
	out.Person.BirthDate = d
	return nil
}

// date parses a possibly partial date in the forms legacy records use and
// rejects dates after today.
func (v *Validator) date(c Column, s string) (register.Date, *Reason) {
	iso, ok := ISODate(s)
	if !ok {
		return "", reasonf(CodeInvalidDate, "%s %q is not a date: use YYYY, YYYY-MM, YYYY-MM-DD, MM/YYYY or DD/MM/YYYY", c, s)
	}
	d, err := register.ParseDate(c.String(), iso)
	if err != nil {
		return "", reasonf(CodeInvalidDate, "%s %q is not a date: use YYYY, YYYY-MM, YYYY-MM-DD, MM/YYYY or DD/MM/YYYY", c, s)
	}
	if d.Earliest() > v.today {
		return "", reasonf(CodeInvalidDate, "%s %q is in the future", c, s)
	}
	return d, nil
}

// ISODate rewrites the day-first forms of Vietnamese records — DD/MM/YYYY
// and MM/YYYY, with /, . or - and one- or two-digit day and month — as
// ISO; ISO forms pass through for register.ParseDate to check.
func ISODate(s string) (string, bool) {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '.' || r == '-' })
	if len(parts) < 2 || len(parts[0]) == 4 {
		return s, true // YYYY, YYYY-MM, YYYY-MM-DD or garbage: ParseDate decides
	}
	for _, p := range parts {
		if !isDigits(p) {
			return "", false
		}
	}
	pad := func(p string) (string, bool) {
		switch len(p) {
		case 1:
			return "0" + p, true
		case 2:
			return p, true
		}
		return "", false
	}
	switch len(parts) {
	case 2: // MM/YYYY
		m, ok := pad(parts[0])
		if !ok || len(parts[1]) != 4 {
			return "", false
		}
		return parts[1] + "-" + m, true
	case 3: // DD/MM/YYYY
		d, okD := pad(parts[0])
		m, okM := pad(parts[1])
		if !okD || !okM || len(parts[2]) != 4 {
			return "", false
		}
		return parts[2] + "-" + m + "-" + d, true
	}
	return "", false
}

// latest returns a string that sorts after every day d can mean.
func latest(d register.Date) string {
	switch len(d) {
	case 4:
		return string(d) + "-99-99"
	case 7:
		return string(d) + "-99"
	}
	return string(d)
}

func (v *Validator) status(row *Row, out *Valid) *Reason {
	p := &out.Person
	switch s := strings.ToLower(row.Get(ColStatus)); s {
	case "", string(register.Living):
		p.Status = register.Living
	case string(register.Dead), string(register.Missing):
		p.Status = register.Status(s)
	default:
		return reasonf(CodeInvalidStatus, "status %q: use living, dead or missing", row.Get(ColStatus))
	}
	s := row.Get(ColDeathDate)
	if s == "" {
		if p.Status == register.Dead {
			return reasonf(CodeMissingField, "death_date is required when status is dead (a year is enough)")
		}
		return nil
	}
	if p.Status == register.Living {
		return reasonf(CodeInvalidStatus, "a death_date is given but status is living")
	}
	d, r := v.date(ColDeathDate, s)
	if r != nil {
		return r
	}
	if latest(d) < p.BirthDate.Earliest() {
		return reasonf(CodeInvalidDate, "death_date %q is before birth_date %q", s, p.BirthDate)
	}
	if p.Status == register.Dead {
		p.DeathDate = d
	} else {
		p.MissingSince = d // for a missing person the column says since when
	}
	return nil
}

func (v *Validator) reference(row *Row, out *Valid) *Reason {
	p := &out.Person
	s, r := required(row, ColEthnicity)
	if r != nil {
		return r
	}
	if p.Ethnicity, r = lookupEthnicity(s); r != nil {
		return r
	}
	if p.Religion, r = lookupReligion(row.Get(ColReligion)); r != nil {
		return r
	}
	p.Nationality = strings.ToUpper(row.Get(ColNationality))
	if p.Nationality == "" {
		p.Nationality = "VN"
	}
	if len(p.Nationality) != 2 || !isUpperASCII(p.Nationality) {
		return reasonf(CodeInvalidNationality, "nationality %q: use an ISO 3166 two-letter code such as VN", row.Get(ColNationality))
	}
	return nil
}

func isUpperASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func (v *Validator) residence(row *Row, out *Valid) *Reason {
	code, r := required(row, ColPermanentCommune)
	if r != nil {
		return r
	}
	addr, r := required(row, ColPermanentAddress)
	if r != nil {
		return r
	}
	c := v.communes.resolve(code)
	if c.bad != nil {
		return c.bad
	}
	if addr, r = cleanText(ColPermanentAddress, addr, maxTextLen); r != nil {
		return r
	}
	res := &register.Residence{Commune: c.code, Province: c.province, Address: addr}
	out.Person.Permanent, out.Person.Current = res, res
	return nil
}

func (v *Validator) texts(row *Row, out *Valid) *Reason {
	var r *Reason
	if out.Person.BirthPlace, r = cleanText(ColBirthPlace, row.Get(ColBirthPlace), maxTextLen); r != nil {
		return r
	}
	out.Person.Hometown, r = cleanText(ColHometown, row.Get(ColHometown), maxTextLen)
	return r
}

// idNumber checks a given ID number against the record and settles the
// birth registration province, which the number carries.
func (v *Validator) idNumber(row *Row, out *Valid) *Reason {
	p := &out.Person
	prov := row.Get(ColBirthProvince)
	if prov != "" {
		if _, ok := idnum.ProvinceName(prov); !ok {
			return reasonf(CodeInvalidProvince, "birth_registration_province %q is not a 3-digit province code of the ID number table", prov)
		}
	}
	s := row.Get(ColIDNumber)
	if s == "" {
		p.BirthProvince = prov
		if prov == "" {
			p.BirthProvince = register.IDProvinceFor(p.Permanent.Province)
		}
		if _, ok := idnum.ProvinceName(p.BirthProvince); !ok {
			return reasonf(CodeInvalidProvince, "no ID-number province for province %s: give birth_registration_province", p.Permanent.Province)
		}
		return nil
	}
	n, err := idnum.Parse(s)
	if err != nil {
		msg := messageOf(err)
		if len(s) < idnum.Length && isDigits(s) {
			msg += " (leading zeros lost? in Excel, store ID numbers as text)"
		}
		return reasonf(CodeInvalidIDNumber, "%s", msg)
	}
	if err := n.CheckRecord(p.Gender, p.BirthDate.Year()); err != nil {
		return reasonf(CodeIDNumberMismatch, "%s", messageOf(err))
	}
	if prov != "" && prov != n.Province {
		return reasonf(CodeIDNumberMismatch, "the ID number encodes birth registration province %s but the row says %s", n.Province, prov)
	}
	p.IDNumber, p.BirthProvince, out.GivenID = s, n.Province, true
	return nil
}

func (v *Validator) parents(row *Row, out *Valid) *Reason {
	var r *Reason
	if out.FatherRef, r = checkID(ColFatherID, row.Get(ColFatherID)); r != nil {
		return r
	}
	out.MotherRef, r = checkID(ColMotherID, row.Get(ColMotherID))
	return r
}

// checkID checks an identifier (a record_id or a reference to one) without
// rewriting it: it must match other cells exactly.
func checkID(c Column, s string) (string, *Reason) {
	if _, r := cleanText(c, s, maxRecordIDLen); r != nil {
		return "", r
	}
	return s, nil
}

// cleanText collapses runs of white space and refuses control characters
// and overlong values.
func cleanText(c Column, s string, max int) (string, *Reason) {
	for _, r := range s {
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return "", reasonf(CodeInvalidValue, "%s contains a control character", c)
		}
	}
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > max {
		return "", reasonf(CodeInvalidValue, "%s is longer than %d characters", c, max)
	}
	return s, nil
}

// messageOf returns the human part of a validation error from register or
// idnum, which is safe to show to the officer who wrote the row.
func messageOf(err error) string {
	var ie *idnum.Error
	if errors.As(err, &ie) {
		return ie.Message
	}
	return apperr.Message(err)
}
