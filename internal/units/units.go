// Package units holds Vietnam's administrative units as embedded public data:
// the legacy three-level structure (63 provinces, districts and communes,
// valid until 2025-06-30) and the two-level structure of the 2025
// reorganisation (34 provinces and their communes, valid from 2025-07-01),
// together with the mapping from legacy units to the units that took them
// over.
//
// Codes are the General Statistics Office codes: 2 digits for provinces,
// 3 for districts and 5 for communes. A code is unique within one level of
// one scheme, but the same code may denote different units in the legacy and
// the 2025 scheme (legacy commune 00004 is Phường Trúc Bạch, 2025 commune
// 00004 is Phường Ba Đình), so lookups always take a date.
//
// Dates are strings in the form "YYYY-MM-DD". The data and its sources are
// described in data/SOURCES.md.
package units

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Level of an administrative unit.
type Level string

// The administrative levels. Districts exist only in the legacy scheme.
const (
	// Province is the first level: tỉnh or thành phố trực thuộc trung ương.
	Province Level = "province"
	// District is the legacy second level (quận, huyện, thị xã, thành phố
	// thuộc tỉnh, …); it was abolished by the 2025 reorganisation.
	District Level = "district"
	// Commune is the lowest level: xã, phường, thị trấn (legacy) or
	// xã, phường, đặc khu (2025).
	Commune Level = "commune"
)

// ReformDate is the day the 2025 two-level structure took effect ("2025-07-01").
const ReformDate = "2025-07-01"

// Unit is one administrative unit valid over [ValidFrom, ValidTo] (dates
// "YYYY-MM-DD"; ValidTo "" = still valid).
type Unit struct {
	// Code is the statistical code: 2 digits for provinces, 3 for districts,
	// 5 for communes.
	Code string `json:"code"`
	// Name is the proper name without the type prefix, e.g. "Ba Đình".
	Name string `json:"name"`
	// Type is the unit type in lower case, e.g. "phường", "tỉnh",
	// "thành phố trung ương", "thành phố thuộc tỉnh", "đặc khu".
	Type string `json:"type"`
	// Level is the administrative level of the unit.
	Level Level `json:"level"`
	// ParentCode is the district for legacy communes, the province for
	// districts and 2025 communes, and "" for provinces.
	ParentCode string `json:"parent_code"`
	// ProvinceCode is the province the unit belongs to ("" for provinces
	// themselves: use Code).
	ProvinceCode string `json:"province_code"`
	// ValidFrom is the first day the unit is known valid in this form.
	ValidFrom string `json:"valid_from"`
	// ValidTo is the last day the unit is valid, or "" if it still is.
	ValidTo string `json:"valid_to,omitempty"`
}

// ValidAt reports whether the unit is valid on date ("YYYY-MM-DD"), bounds
// included. A malformed date is never valid.
func (u Unit) ValidAt(date string) bool {
	if !isDate(date) {
		return false
	}
	return date >= u.ValidFrom && (u.ValidTo == "" || date <= u.ValidTo)
}

// FullName returns the type followed by the name, capitalised as in official
// usage: "Phường Ba Đình", "Thành phố Hà Nội", "Tỉnh Cao Bằng",
// "Thành phố Thủ Đức", "Đặc khu Côn Đảo". The qualifiers of the city types
// ("trung ương", "thuộc tỉnh", …) are not part of the full name.
func (u Unit) FullName() string {
	prefix := u.Type
	if strings.HasPrefix(prefix, "thành phố") {
		prefix = "thành phố"
	}
	prefix = capitalise(prefix)
	switch {
	case prefix == "":
		return u.Name
	case u.Name == "":
		return prefix
	}
	return prefix + " " + u.Name
}

// Mapping is one row of the 2025 reorganisation: a legacy unit and a unit
// that took (part of) it over.
type Mapping struct {
	// Level is Province or Commune; both codes are of that level.
	Level Level `json:"level"`
	// LegacyCode is the code of the unit in the legacy scheme.
	LegacyCode string `json:"legacy_code"`
	// NewCode is the code of a unit of the 2025 scheme that took over all or
	// part of the legacy unit.
	NewCode string `json:"new_code"`
}

// All returns every unit, legacy and 2025, ordered by scheme, level and code.
// The data is parsed once from the embedded CSV files; All panics if the
// embedded data is malformed (it is checked by the package tests). The
// returned slice is a copy that the caller may modify.
func All() []Unit {
	return slices.Clone(get().units)
}

// Mappings returns every row of the 2025 reorganisation mapping: one row per
// legacy province, and one or more rows per legacy commune (a few communes
// were split between several new communes). The returned slice is a copy.
func Mappings() []Mapping {
	return slices.Clone(get().mappings)
}

// At returns the units valid on date ("YYYY-MM-DD"), or nil if there are none
// or the date is malformed.
func At(date string) []Unit {
	if !isDate(date) {
		return nil
	}
	var out []Unit
	for _, u := range get().units {
		if u.ValidAt(date) {
			out = append(out, u)
		}
	}
	return out
}

// Find returns the unit with that code and level valid on date.
func Find(code string, level Level, date string) (Unit, bool) {
	d := get()
	for _, i := range d.byKey[key{level, code}] {
		if u := d.units[i]; u.ValidAt(date) {
			return u, true
		}
	}
	return Unit{}, false
}

// CommunesOf returns the communes of the scheme in force on date that belong
// to the province with that code, ordered by code. Before ReformDate
// provinceCode is a legacy province code, from ReformDate on a 2025 one.
func CommunesOf(provinceCode, date string) []Unit {
	d := get()
	var out []Unit
	for _, i := range d.communesByProvince[provinceCode] {
		if u := d.units[i]; u.ValidAt(date) {
			out = append(out, u)
		}
	}
	return out
}

// NewProvinceOf returns the code of the 2025 province that took over the
// legacy province with that code, and false if there is no such legacy
// province.
func NewProvinceOf(legacyProvinceCode string) (string, bool) {
	c, ok := get().newProvince[legacyProvinceCode]
	return c, ok
}

// NewCommunesOf returns the codes of the 2025 communes that took over the
// legacy commune with that code, in code order: usually one, several if the
// commune was split, none if the code is not a legacy commune.
func NewCommunesOf(legacyCommuneCode string) []string {
	return slices.Clone(get().newCommunes[legacyCommuneCode])
}

// capitalise upper-cases the first letter of s.
func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// isDate reports whether s has the form YYYY-MM-DD with a plausible month and
// day; it does not check the length of each month.
func isDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i == 4 || i == 7 {
			continue
		}
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	month, day := s[5:7], s[8:10]
	return month >= "01" && month <= "12" && day >= "01" && day <= "31"
}
