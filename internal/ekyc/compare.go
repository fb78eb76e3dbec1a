// Package ekyc answers relying organisations' questions "do these details
// match the register?" one at a time or in bulk jobs, disclosing nothing
// they did not send: each attribute gets a verdict, never a value.
package ekyc

import (
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/register"
)

// Request is what a partner holds about a person. Only the attributes
// given are compared.
type Request struct {
	IDNumber      string  `json:"id_number"`
	FullName      *string `json:"full_name,omitempty"`
	BirthDate     *string `json:"birth_date,omitempty"` // YYYY-MM-DD, YYYY-MM or YYYY
	Gender        *string `json:"gender,omitempty"`     // male, female (Nam, Nữ accepted)
	CardNumber    *string `json:"card_number,omitempty"`
	CardIssueDate *string `json:"card_issue_date,omitempty"`
	Phone         *string `json:"phone,omitempty"` // the e-ID account's phone
}

// Verdicts of one attribute.
const (
	Match              = "match"
	Mismatch           = "mismatch"
	MismatchDiacritics = "mismatch_diacritics" // the same letters with other diacritics: a different name in Vietnamese
	PartialMatch       = "match_partial"       // the register holds only the year (or year and month), and it agrees
	Unavailable        = "unavailable"         // the register holds nothing to compare with
	Invalid            = "invalid"             // the value sent is malformed
)

// Overall results.
const (
	OverallMatch    = "match"
	OverallNoMatch  = "no_match"
	OverallNotFound = "not_found"
	OverallInvalid  = "invalid"
)

// Result answers one request.
type Result struct {
	IDNumber   string            `json:"id_number"`
	Overall    string            `json:"result"`
	Status     string            `json:"status,omitempty"` // living, dead, missing; empty when not found
	Attributes map[string]string `json:"attributes"`
	Error      string            `json:"error,omitempty"` // why a request is invalid
}

// Fields returns the names of the attributes a request sends, for the
// access log.
func (r Request) Fields() []string {
	var f []string
	for _, a := range []struct {
		name string
		v    *string
	}{{"full_name", r.FullName}, {"birth_date", r.BirthDate}, {"gender", r.Gender}, {"card_number", r.CardNumber},
		{"card_issue_date", r.CardIssueDate}, {"phone", r.Phone}} {
		if a.v != nil {
			f = append(f, a.name)
		}
	}
	return f
}

// Check validates the request's shape (not its truth): the field at
// fault and why, or "", "" when it is well formed.
func (r Request) Check() (field, msg string) {
	if _, err := idnum.Parse(r.IDNumber); err != nil {
		return "id_number", "id_number is not a valid 12-digit personal identification number"
	}
	if len(r.Fields()) == 0 {
		return "", "send at least one attribute to compare"
	}
	return "", ""
}

// Compare answers a request against a person (nil: not in the register)
// and the phone of the person's e-ID account ("" if none), today.
func Compare(r Request, p *register.Person, accountPhone string) Result {
	return CompareAt(r, p, accountPhone, register.Today(time.Now()))
}

// CompareAt is Compare on a given day (YYYY-MM-DD), which decides whether
// the person's chip ID card has expired.
func CompareAt(r Request, p *register.Person, accountPhone, today string) Result {
	res := Result{IDNumber: r.IDNumber, Attributes: map[string]string{}}
	if _, msg := r.Check(); msg != "" {
		res.Overall, res.Error = OverallInvalid, msg
		return res
	}
	if p == nil {
		res.Overall = OverallNotFound
		for _, f := range r.Fields() {
			res.Attributes[f] = Unavailable
		}
		return res
	}
	res.Status = string(p.Status)
	if r.FullName != nil {
		res.Attributes["full_name"] = compareName(*r.FullName, p.FullName)
	}
	if r.BirthDate != nil {
		res.Attributes["birth_date"] = compareDate(*r.BirthDate, p.BirthDate)
	}
	if r.Gender != nil {
		res.Attributes["gender"] = compareGender(*r.Gender, string(p.Gender))
	}
	// Card attributes are compared with the card the register records
	// (internal/card): they match only a card that is valid today.
	if r.CardNumber != nil {
		res.Attributes["card_number"] = compareCard(*r.CardNumber, p.IDCard, today, func(c *register.IDCard) string { return c.Number })
	}
	if r.CardIssueDate != nil {
		res.Attributes["card_issue_date"] = compareCard(*r.CardIssueDate, p.IDCard, today, func(c *register.IDCard) string { return string(c.IssueDate) })
	}
	if r.Phone != nil {
		res.Attributes["phone"] = comparePhone(*r.Phone, accountPhone)
	}
	res.Overall = OverallMatch
	for _, v := range res.Attributes {
		if v != Match && v != PartialMatch {
			res.Overall = OverallNoMatch
		}
	}
	if p.Status != register.Living {
		res.Overall = OverallNoMatch
	}
	return res
}

// foldSpaceCase is NFC, lower case and single spaces: what the comparison
// forgives.
func foldSpaceCase(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(norm.NFC.String(s))), " ")
}

func compareName(given, recorded string) string {
	switch {
	case strings.TrimSpace(given) == "":
		return Invalid
	case foldSpaceCase(given) == foldSpaceCase(recorded):
		return Match
	case register.NameKey(given) == register.NameKey(recorded):
		return MismatchDiacritics
	}
	return Mismatch
}

func compareDate(given string, recorded register.Date) string {
	g := strings.TrimSpace(given)
	if _, err := register.ParseDate("birth_date", g); err != nil {
		return Invalid
	}
	rec := string(recorded)
	switch {
	case rec == "":
		return Unavailable
	case g == rec:
		return Match
	case strings.HasPrefix(g, rec+"-") || strings.HasPrefix(rec, g+"-"):
		// One side knows only the year (or year and month), and it agrees.
		return PartialMatch
	}
	return Mismatch
}

func compareGender(given, recorded string) string {
	switch register.NameKey(given) {
	case "male", "nam", "m":
		given = "male"
	case "female", "nu", "f":
		given = "female"
	default:
		return Invalid
	}
	if given == recorded {
		return Match
	}
	return Mismatch
}

func comparePhone(given, recorded string) string {
	if recorded == "" {
		return Unavailable
	}
	g := normalizePhone(given)
	if g == "" {
		return Invalid
	}
	if g == normalizePhone(recorded) {
		return Match
	}
	return Mismatch
}

// normalizePhone keeps digits and writes +84 numbers nationally.
func normalizePhone(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if strings.HasPrefix(d, "84") && len(d) == 11 {
		d = "0" + d[2:]
	}
	if len(d) != 10 || d[0] != '0' {
		return ""
	}
	return d
}

// compareCard compares a card attribute: unavailable when the person never
// had a card, invalid when malformed, a match only with the card the
// person holds if it is valid (not revoked, not expired) today.
func compareCard(given string, c *register.IDCard, today string, attr func(*register.IDCard) string) string {
	g := strings.TrimSpace(given)
	if c == nil {
		return Unavailable
	}
	if g == "" || strings.Trim(g, "0123456789-") != "" {
		return Invalid
	}
	valid := c.Status == register.CardValid && (c.ExpiryDate == "" || string(c.ExpiryDate) >= today)
	if valid && g == attr(c) {
		return Match
	}
	return Mismatch
}
