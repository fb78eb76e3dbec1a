package importer

import (
	"strings"
	"testing"

	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/register"
)

// testToday is the date the tests import on.
const testToday = "2026-01-15"

// rowOf builds a row from column=value pairs over a valid base row.
func rowOf(kv ...string) *Row {
	r := &Row{Line: 2}
	base := map[Column]string{
		ColRecordID: "R1", ColFullName: "Nguyễn Văn An", ColGender: "male", ColBirthDate: "1948-03-14",
		ColEthnicity: "01", ColPermanentCommune: "00004", ColPermanentAddress: "Số 1 Quán Thánh",
	}
	for c, v := range base {
		r.Values[c] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		c, ok := columnByName(kv[i])
		if !ok {
			panic("unknown column " + kv[i])
		}
		r.Values[c] = kv[i+1]
	}
	return r
}

func TestValidator_Validate(t *testing.T) {
	tests := []struct {
		name  string
		row   *Row
		code  string                   // "" when the row is valid
		check func(*testing.T, *Valid) // extra checks on a valid row
	}{
		{"base row", rowOf(), "", func(t *testing.T, v *Valid) {
			p := v.Person
			if p.FullName != "Nguyễn Văn An" || p.Gender != idnum.Male || p.BirthDate != "1948-03-14" || p.Status != register.Living {
				t.Errorf("person = %+v", p)
			}
			if p.Religion != "none" || p.Nationality != "VN" || p.Ethnicity != "01" {
				t.Errorf("reference defaults = %q %q %q, want none VN 01", p.Religion, p.Nationality, p.Ethnicity)
			}
			if p.Permanent == nil || p.Permanent.Province != "01" || p.Current != p.Permanent {
				t.Errorf("residence = %+v, current %+v", p.Permanent, p.Current)
			}
			if p.BirthProvince != "001" || v.GivenID || p.IDNumber != "" {
				t.Errorf("birth province %q, given %v, id %q; want 001 from the commune's province, no ID", p.BirthProvince, v.GivenID, p.IDNumber)
			}
		}},
		{"name normalised", rowOf("full_name", "  nguyễn   thị  bình "), "", func(t *testing.T, v *Valid) {
			if v.Person.FullName != "Nguyễn Thị Bình" {
				t.Errorf("name = %q", v.Person.FullName)
			}
		}},
		{"gender Nam", rowOf("gender", "Nam"), "", nil},
		{"gender Nữ", rowOf("gender", "Nữ"), "", func(t *testing.T, v *Valid) {
			if v.Person.Gender != idnum.Female {
				t.Errorf("gender = %q", v.Person.Gender)
			}
		}},
		{"gender NU without diacritics", rowOf("gender", "NU"), "", nil},
		{"gender FEMALE", rowOf("gender", "FEMALE"), "", nil},
		{"birth DD/MM/YYYY", rowOf("birth_date", "14/03/1948"), "", wantBirth("1948-03-14")},
		{"birth D/M/YYYY", rowOf("birth_date", "4/3/1948"), "", wantBirth("1948-03-04")},
		{"birth DD.MM.YYYY", rowOf("birth_date", "04.03.1948"), "", wantBirth("1948-03-04")},
		{"birth MM/YYYY", rowOf("birth_date", "03/1948"), "", wantBirth("1948-03")},
		{"birth YYYY", rowOf("birth_date", "1948"), "", wantBirth("1948")},
		{"birth YYYY-MM", rowOf("birth_date", "1948-03"), "", wantBirth("1948-03")},
		{"ethnicity by name", rowOf("ethnicity", "Tày"), "", wantEthnicity("02")},
		{"ethnicity without diacritics", rowOf("ethnicity", "tay"), "", wantEthnicity("02")},
		{"ethnicity with hyphen dropped", rowOf("ethnicity", "Khome"), "", wantEthnicity("05")},
		{"religion by name", rowOf("religion", "phat giao"), "", func(t *testing.T, v *Valid) {
			if v.Person.Religion != "buddhism" {
				t.Errorf("religion = %q", v.Person.Religion)
			}
		}},
		{"religion by code", rowOf("religion", "catholicism"), "", nil},
		{"religion Không", rowOf("religion", "Không"), "", nil},
		{"nationality lower case", rowOf("nationality", "la"), "", nil},
		{"legacy commune mapping to one", rowOf("permanent_commune", "00001"), "", func(t *testing.T, v *Valid) {
			if v.Person.Permanent.Commune != "00097" {
				t.Errorf("commune = %q, want 00097 (legacy 00001 Phúc Xá)", v.Person.Permanent.Commune)
			}
		}},
		{"dead with a year of death", rowOf("status", "dead", "death_date", "1990"), "", func(t *testing.T, v *Valid) {
			if v.Person.Status != register.Dead || v.Person.DeathDate != "1990" {
				t.Errorf("status %q death %q", v.Person.Status, v.Person.DeathDate)
			}
		}},
		{"missing since", rowOf("status", "Missing", "death_date", "05/1972"), "", func(t *testing.T, v *Valid) {
			if v.Person.MissingSince != "1972-05" || v.Person.DeathDate != "" {
				t.Errorf("missing since %q death %q", v.Person.MissingSince, v.Person.DeathDate)
			}
		}},
		{"death in the birth year, partial", rowOf("birth_date", "1948-03", "status", "dead", "death_date", "1948"), "", nil},
		{"given ID number", rowOf("id_number", "001048123456"), "", func(t *testing.T, v *Valid) {
			if !v.GivenID || v.Person.IDNumber != "001048123456" || v.Person.BirthProvince != "001" {
				t.Errorf("given %v id %q province %q", v.GivenID, v.Person.IDNumber, v.Person.BirthProvince)
			}
		}},
		{"given ID number from another province", rowOf("id_number", "079048123456"), "", func(t *testing.T, v *Valid) {
			if v.Person.BirthProvince != "079" {
				t.Errorf("province %q, want 079 from the number", v.Person.BirthProvince)
			}
		}},
		{"birth province given", rowOf("birth_registration_province", "046"), "", func(t *testing.T, v *Valid) {
			if v.Person.BirthProvince != "046" {
				t.Errorf("province %q", v.Person.BirthProvince)
			}
		}},
		{"parents kept as references", rowOf("father_id", " F1 ", "mother_id", "001152123456"), "", func(t *testing.T, v *Valid) {
			if v.FatherRef != "F1" || v.MotherRef != "001152123456" {
				t.Errorf("refs %q %q", v.FatherRef, v.MotherRef)
			}
		}},
		{"multi-line address collapsed", rowOf("permanent_address", "Số 5\nLê Lợi"), "", func(t *testing.T, v *Valid) {
			if v.Person.Permanent.Address != "Số 5 Lê Lợi" {
				t.Errorf("address %q", v.Person.Permanent.Address)
			}
		}},

		{"malformed row", &Row{Line: 3, Malformed: reasonf(CodeMalformedRow, "x")}, CodeMalformedRow, nil},
		{"no record_id", rowOf("record_id", " "), CodeMissingField, nil},
		{"record_id too long", rowOf("record_id", strings.Repeat("x", 101)), CodeInvalidValue, nil},
		{"no name", rowOf("full_name", ""), CodeMissingField, nil},
		{"one-word name", rowOf("full_name", "An"), CodeInvalidName, nil},
		{"digits in name", rowOf("full_name", "Nguyễn Văn 2"), CodeInvalidName, nil},
		{"no gender", rowOf("gender", ""), CodeMissingField, nil},
		{"unknown gender", rowOf("gender", "x"), CodeInvalidGender, nil},
		{"no birth date", rowOf("birth_date", ""), CodeMissingField, nil},
		{"31 February", rowOf("birth_date", "31/02/1980"), CodeInvalidDate, nil},
		{"month 13", rowOf("birth_date", "13/1980"), CodeInvalidDate, nil},
		{"two-digit year", rowOf("birth_date", "14/03/48"), CodeInvalidDate, nil},
		{"US order", rowOf("birth_date", "1948/03/14"), CodeInvalidDate, nil},
		{"words", rowOf("birth_date", "năm 1948"), CodeInvalidDate, nil},
		{"future birth", rowOf("birth_date", "2026-02"), CodeInvalidDate, nil},
		{"born before 1900", rowOf("birth_date", "1899"), CodeInvalidDate, nil},
		{"unknown status", rowOf("status", "alive"), CodeInvalidStatus, nil},
		{"dead without date", rowOf("status", "dead"), CodeMissingField, nil},
		{"living with death date", rowOf("death_date", "1990"), CodeInvalidStatus, nil},
		{"death before birth", rowOf("status", "dead", "death_date", "1947"), CodeInvalidDate, nil},
		{"death in the future", rowOf("status", "dead", "death_date", "2027"), CodeInvalidDate, nil},
		{"no ethnicity", rowOf("ethnicity", ""), CodeMissingField, nil},
		{"one-digit ethnicity", rowOf("ethnicity", "1"), CodeUnknownEthnicity, nil},
		{"unknown ethnicity", rowOf("ethnicity", "99"), CodeUnknownEthnicity, nil},
		{"unknown religion", rowOf("religion", "jedi"), CodeUnknownReligion, nil},
		{"nationality as a name", rowOf("nationality", "Việt Nam"), CodeInvalidNationality, nil},
		{"no commune", rowOf("permanent_commune", ""), CodeMissingField, nil},
		{"no address", rowOf("permanent_address", ""), CodeMissingField, nil},
		{"unknown commune", rowOf("permanent_commune", "99999"), CodeUnknownCommune, nil},
		{"commune code that lost its zeros", rowOf("permanent_commune", "4"), CodeUnknownCommune, nil},
		{"split legacy commune", rowOf("permanent_commune", "00007"), CodeAmbiguousCommune, nil},
		{"control character in address", rowOf("permanent_address", "Số 1\x01"), CodeInvalidValue, nil},
		{"birth place too long", rowOf("birth_place", strings.Repeat("Huế ", 100)), CodeInvalidValue, nil},
		{"unknown birth province", rowOf("birth_registration_province", "003"), CodeInvalidProvince, nil},
		{"ID number too short", rowOf("id_number", "1048123456"), CodeInvalidIDNumber, nil},
		{"ID number with unknown province", rowOf("id_number", "003048123456"), CodeInvalidIDNumber, nil},
		{"ID number of a woman", rowOf("id_number", "001148123456"), CodeIDNumberMismatch, nil},
		{"ID number of another year", rowOf("id_number", "001049123456"), CodeIDNumberMismatch, nil},
		{"ID number of another province", rowOf("id_number", "001048123456", "birth_registration_province", "079"), CodeIDNumberMismatch, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := NewValidator(testToday, CommuneCodesAuto)
			got, why := v.Validate(tt.row)
			if tt.code == "" {
				if why != nil {
					t.Fatalf("Validate() rejected the row: %v", why)
				}
				if tt.check != nil {
					tt.check(t, got)
				}
				return
			}
			if why == nil {
				t.Fatalf("Validate() accepted the row as %+v, want %s", got.Person, tt.code)
			}
			if why.Code != tt.code {
				t.Errorf("Validate() code = %s (%s), want %s", why.Code, why.Message, tt.code)
			}
			if why.Message == "" {
				t.Errorf("Validate() gave no message with %s", why.Code)
			}
		})
	}
}

func wantBirth(d string) func(*testing.T, *Valid) {
	return func(t *testing.T, v *Valid) {
		if string(v.Person.BirthDate) != d {
			t.Errorf("birth date = %q, want %q", v.Person.BirthDate, d)
		}
	}
}

func wantEthnicity(code string) func(*testing.T, *Valid) {
	return func(t *testing.T, v *Valid) {
		if v.Person.Ethnicity != code {
			t.Errorf("ethnicity = %q, want %q", v.Person.Ethnicity, code)
		}
	}
}

func TestValidator_CommuneCodes(t *testing.T) {
	tests := []struct {
		name  string
		codes CommuneCodes
		in    string
		want  string // commune, or a reason code
	}{
		{"auto reads a 2025 code as such", CommuneCodesAuto, "00004", "00004"},
		{"auto falls back to legacy", CommuneCodesAuto, "00001", "00097"},
		{"2025 refuses a legacy code", CommuneCodes2025, "00001", CodeUnknownCommune},
		{"legacy reads a shared code as legacy", CommuneCodesLegacy, "00004", "00004"},
		{"legacy refuses a split commune", CommuneCodesLegacy, "00007", CodeAmbiguousCommune},
		{"legacy maps a merged commune", CommuneCodesLegacy, "00013", "00004"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := NewValidator(testToday, tt.codes)
			got, why := v.Validate(rowOf("permanent_commune", tt.in))
			switch {
			case why != nil && why.Code != tt.want:
				t.Errorf("rejected with %s (%s), want %s", why.Code, why.Message, tt.want)
			case why == nil && got.Person.Permanent.Commune != tt.want:
				t.Errorf("commune = %s, want %s", got.Person.Permanent.Commune, tt.want)
			}
		})
	}
}

func TestIsoDate(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"1948", "1948", true},
		{"1948-03-14", "1948-03-14", true},
		{"14/03/1948", "1948-03-14", true},
		{"4-3-1948", "1948-03-04", true},
		{"3/1948", "1948-03", true},
		{"14/03/48", "", false},
		{"114/03/1948", "", false},
		{"a/03/1948", "", false},
		{"1/2/3/1948", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ISODate(tt.in)
			if ok != tt.ok || (ok && got != tt.want) {
				t.Errorf("ISODate(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}
