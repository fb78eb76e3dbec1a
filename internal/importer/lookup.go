package importer

import (
	"fmt"
	"strings"
	"sync"
	"unicode"

	"github.com/dancu-vn/dancu/internal/refdata"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/units"
)

// fold reduces a reference-data name to letters and digits without
// diacritics, so that "Khơ-me", "Khơ me" and "khome" or "Phật giáo" and
// "phat giao" are the same key: legacy files spell names every way.
func fold(s string) string {
	var b strings.Builder
	for _, r := range register.NameKey(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// nameIndex maps folded names (and folded codes) to codes. A key that two
// entries fold to is kept out, so that it is rejected rather than guessed.
type nameIndex map[string]string

func (ix nameIndex) add(key, code string, clash map[string]bool) {
	if key == "" || clash[key] {
		return
	}
	if prev, ok := ix[key]; ok && prev != code {
		delete(ix, key)
		clash[key] = true
		return
	}
	ix[key] = code
}

var ethnicityIndex = sync.OnceValue(func() nameIndex {
	ix, clash := nameIndex{}, map[string]bool{}
	for _, e := range refdata.Ethnicities() {
		ix.add(fold(e.Name), e.Code, clash)
	}
	return ix
})

var religionIndex = sync.OnceValue(func() nameIndex {
	ix, clash := nameIndex{}, map[string]bool{}
	for _, r := range refdata.Religions() {
		ix.add(fold(r.Name), r.Code, clash)
		ix.add(fold(r.Code), r.Code, clash)
	}
	return ix
})

// lookupEthnicity accepts a two-digit code ("01") or a name ("Kinh",
// "kinh", "Khơ-me", "Khome").
func lookupEthnicity(s string) (string, *Reason) {
	if _, ok := refdata.EthnicityByCode(s); ok {
		return s, nil
	}
	if code, ok := ethnicityIndex()[fold(s)]; ok {
		return code, nil
	}
	if len(s) == 1 && s[0] >= '1' && s[0] <= '9' {
		return "", reasonf(CodeUnknownEthnicity, "ethnicity %q: codes have two digits (01 = Kinh); in Excel, store codes as text", s)
	}
	return "", reasonf(CodeUnknownEthnicity, "ethnicity %q is neither one of the 54 codes nor a name of one", s)
}

// lookupReligion accepts a code ("buddhism") or a name ("Phật giáo");
// empty means none.
func lookupReligion(s string) (string, *Reason) {
	if s == "" {
		return refdata.NoReligion, nil
	}
	if _, ok := refdata.ReligionByCode(s); ok {
		return s, nil
	}
	if code, ok := religionIndex()[fold(s)]; ok {
		return code, nil
	}
	return "", reasonf(CodeUnknownReligion, "religion %q is neither a known religion code nor a name of one", s)
}

// CommuneCodes says which administrative scheme permanent_commune codes
// are read in. Many 2025 communes kept the code of one of the legacy
// communes merged into them, so the same code can mean both.
type CommuneCodes string

// Commune code schemes.
const (
	// CommuneCodesAuto reads a code valid in the 2025 structure as such,
	// and any other code as a legacy code.
	CommuneCodesAuto CommuneCodes = "auto"
	// CommuneCodes2025 accepts only codes of the 2025 structure.
	CommuneCodes2025 CommuneCodes = "2025"
	// CommuneCodesLegacy reads every code as a legacy (pre-2025) commune,
	// for files taken from the old registers.
	CommuneCodesLegacy CommuneCodes = "legacy"
)

// Valid reports whether c is a known scheme.
func (c CommuneCodes) Valid() bool {
	return c == CommuneCodesAuto || c == CommuneCodes2025 || c == CommuneCodesLegacy
}

// commune is a resolved residence commune, or why it could not be.
type commune struct {
	code, province string
	bad            *Reason
}

// communeResolver turns codes into communes of the 2025 structure valid
// on a date, caching results: a file names the same few hundred communes
// over and over.
type communeResolver struct {
	codes CommuneCodes
	date  string
	cache map[string]commune
}

func newCommuneResolver(codes CommuneCodes, date string) *communeResolver {
	return &communeResolver{codes: codes, date: date, cache: make(map[string]commune)}
}

func (cr *communeResolver) resolve(code string) commune {
	if c, ok := cr.cache[code]; ok {
		return c
	}
	c := cr.lookup(code)
	cr.cache[code] = c
	return c
}

func (cr *communeResolver) lookup(code string) commune {
	if cr.codes != CommuneCodesLegacy {
		if u, ok := units.Find(code, units.Commune, cr.date); ok {
			return commune{code: u.Code, province: u.ProvinceCode}
		}
	}
	if cr.codes != CommuneCodes2025 {
		switch news := units.NewCommunesOf(code); len(news) {
		case 0:
		case 1:
			if u, ok := units.Find(news[0], units.Commune, cr.date); ok {
				return commune{code: u.Code, province: u.ProvinceCode}
			}
		default:
			return commune{bad: reasonf(CodeAmbiguousCommune,
				"legacy commune %s was split between the 2025 communes %s: give the 2025 code", code, strings.Join(news, ", "))}
		}
	}
	hint := ""
	if len(code) < 5 && isDigits(code) {
		hint = " (commune codes have five digits; in Excel, store codes as text)"
	}
	return commune{bad: reasonf(CodeUnknownCommune, "%q is not a commune code %s%s", code, cr.describe(), hint)}
}

func (cr *communeResolver) describe() string {
	switch cr.codes {
	case CommuneCodes2025:
		return fmt.Sprintf("valid on %s", cr.date)
	case CommuneCodesLegacy:
		return "of the legacy structure"
	}
	return fmt.Sprintf("valid on %s nor a legacy one", cr.date)
}

func isDigits(s string) bool {
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
