package ekyc

import (
	"testing"

	"github.com/dancu-vn/dancu/internal/register"
)

func ptr(s string) *string { return &s }

func TestCompare(t *testing.T) {
	p := &register.Person{IDNumber: "046095000123", FullName: "Nguyễn Thị Hoà", Gender: "female", BirthDate: "1995-03-14", Status: register.Living}
	old := &register.Person{IDNumber: "046050000123", FullName: "Trần Văn Ba", Gender: "male", BirthDate: "1950", Status: register.Dead}
	tests := []struct {
		name    string
		req     Request
		p       *register.Person
		phone   string
		overall string
		attrs   map[string]string
	}{
		{"all match, case and spaces forgiven", Request{IDNumber: p.IDNumber, FullName: ptr("  nguyễn thị   HOÀ "), BirthDate: ptr("1995-03-14"), Gender: ptr("Nữ")},
			p, "", OverallMatch, map[string]string{"full_name": Match, "birth_date": Match, "gender": Match}},
		{"other diacritics are another name", Request{IDNumber: p.IDNumber, FullName: ptr("Nguyễn Thị Hòa")},
			p, "", OverallNoMatch, map[string]string{"full_name": MismatchDiacritics}},
		{"no diacritics at all", Request{IDNumber: p.IDNumber, FullName: ptr("Nguyen Thi Hoa")},
			p, "", OverallNoMatch, map[string]string{"full_name": MismatchDiacritics}},
		{"another name", Request{IDNumber: p.IDNumber, FullName: ptr("Lê Thị Hoà")},
			p, "", OverallNoMatch, map[string]string{"full_name": Mismatch}},
		{"wrong date, bad gender", Request{IDNumber: p.IDNumber, BirthDate: ptr("1995-03-15"), Gender: ptr("x")},
			p, "", OverallNoMatch, map[string]string{"birth_date": Mismatch, "gender": Invalid}},
		{"partial record agrees", Request{IDNumber: old.IDNumber, BirthDate: ptr("1950-06-01")},
			old, "", OverallNoMatch, map[string]string{"birth_date": PartialMatch}},
		{"phone of the e-ID account", Request{IDNumber: p.IDNumber, Phone: ptr("+84 912 345 678")},
			p, "0912345678", OverallMatch, map[string]string{"phone": Match}},
		{"no e-ID account: phone unavailable", Request{IDNumber: p.IDNumber, Phone: ptr("0912345678")},
			p, "", OverallNoMatch, map[string]string{"phone": Unavailable}},
		{"cards not yet in the register", Request{IDNumber: p.IDNumber, CardNumber: ptr("046095000123")},
			p, "", OverallNoMatch, map[string]string{"card_number": Unavailable}},
		{"not found", Request{IDNumber: "001090000001", FullName: ptr("A")},
			nil, "", OverallNotFound, map[string]string{"full_name": Unavailable}},
		{"nothing to compare", Request{IDNumber: p.IDNumber}, p, "", OverallInvalid, map[string]string{}},
		{"bad id number", Request{IDNumber: "123", FullName: ptr("A")}, p, "", OverallInvalid, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Compare(tt.req, tt.p, tt.phone)
			if got.Overall != tt.overall {
				t.Errorf("overall = %q, want %q (%+v)", got.Overall, tt.overall, got)
			}
			if len(got.Attributes) != len(tt.attrs) {
				t.Errorf("attributes %v, want %v: only what was sent", got.Attributes, tt.attrs)
			}
			for k, v := range tt.attrs {
				if got.Attributes[k] != v {
					t.Errorf("%s = %q, want %q", k, got.Attributes[k], v)
				}
			}
		})
	}
	if r := Compare(Request{IDNumber: old.IDNumber, FullName: ptr("Trần Văn Ba")}, old, ""); r.Status != "dead" || r.Overall != OverallNoMatch {
		t.Errorf("dead person: %+v", r)
	}
}
