package quality

import (
	"slices"
	"testing"

	"github.com/dancu-vn/dancu/internal/register"
)

func TestCheck(t *testing.T) {
	home := &register.Residence{Commune: "19753", Province: "46"}
	full := func(mod func(p *register.Person)) *register.Person {
		p := &register.Person{IDNumber: "046090000001", BirthDate: "1990-05-06", BirthPlace: "Huế", Hometown: "Huế",
			Status: register.Living, Permanent: home, HouseholdID: "HK1"}
		if mod != nil {
			mod(p)
		}
		return p
	}
	tests := []struct {
		name  string
		p     *register.Person
		rules []string
		score int
	}{
		{"complete adult", full(nil), nil, 100},
		{"partial date", full(func(p *register.Person) { p.BirthDate = "1950" }), []string{RulePartialBirthDate}, 80},
		{"no places", full(func(p *register.Person) { p.BirthPlace, p.Hometown = " ", "" }),
			[]string{RuleMissingBirthPlace, RuleMissingHometown}, 60},
		{"no residence", full(func(p *register.Person) { p.Permanent, p.HouseholdID = nil, "" }), []string{RuleNoPermanentResidence}, 75},
		{"no household", full(func(p *register.Person) { p.HouseholdID = "" }), []string{RuleNoHousehold}, 80},
		{"minor without parents", full(func(p *register.Person) { p.BirthDate = "2020-01-01" }), []string{RuleMinorWithoutParents}, 83},
		{"minor with a guardian", full(func(p *register.Person) { p.BirthDate = "2020-01-01"; p.GuardianID = "x" }), nil, 100},
		{"17 and a day short of 18", full(func(p *register.Person) { p.BirthDate = "2008-11-24"; p.MotherID = "x" }), nil, 100},
		{"too old to be living", full(func(p *register.Person) { p.BirthDate = "1890-01-01" }), []string{RuleImplausibleAge}, 100},
		{"the dead are not old", full(func(p *register.Person) {
			p.BirthDate, p.Status, p.DeathDate, p.Permanent, p.HouseholdID = "1890-01-01", register.Dead, "1950-01-01", nil, ""
		}), nil, 100},
		{"death before birth", full(func(p *register.Person) { p.Status, p.DeathDate = register.Dead, "1989-12-31" }),
			[]string{RuleDeathBeforeBirth}, 100},
		{"death in the birth year, partial", full(func(p *register.Person) { p.Status, p.DeathDate = register.Dead, "1990" }), nil, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules, score := Check(tt.p, "2026-11-23")
			if !slices.Equal(rules, tt.rules) || score != tt.score {
				t.Errorf("Check = %v %d, want %v %d", rules, score, tt.rules, tt.score)
			}
		})
	}
}

func TestMatchScore(t *testing.T) {
	base := func(id string, mod func(p *register.Person)) *register.Person {
		p := &register.Person{IDNumber: id, FullName: "Nguyễn Văn An", BirthDate: "1990-05-06", BirthPlace: "Huế",
			Hometown: "Phú Vang, Huế", Ethnicity: "01", FatherID: "F", MotherID: "M"}
		if mod != nil {
			mod(p)
		}
		return p
	}
	a := base("1", nil)
	tests := []struct {
		name string
		b    *register.Person
		want int
		dup  bool
	}{
		{"the same record", base("1", nil), -1, false},
		{"everything agrees", base("2", nil), 50 + 15 + 15 + 20 + 20, true},
		{"spelling of places folded", base("2", func(p *register.Person) { p.Hometown, p.BirthPlace = "phu vang,  HUE", "HUẾ" }), 120, true},
		{"other full birth date", base("2", func(p *register.Person) { p.BirthDate = "1990-05-07" }), -1, false},
		{"partial date, same places, parents unknown", base("2", func(p *register.Person) {
			p.BirthDate, p.FatherID, p.MotherID = "1990", "", ""
		}), 25 + 15 + 15, false},
		{"partial month agrees", base("2", func(p *register.Person) { p.BirthDate = "1990-05"; p.MotherID = "" }), 25 + 30 + 20, true},
		{"partial months disagree", base("2", func(p *register.Person) { p.BirthDate = "1990-06" }), -1, false},
		{"other parents", base("2", func(p *register.Person) { p.FatherID, p.MotherID = "F2", "M2" }), 50 + 30 - 80, false},
		{"same date only", base("2", func(p *register.Person) { p.BirthPlace, p.Hometown, p.FatherID, p.MotherID = "", "", "", "" }), 50, false},
		{"married to each other", base("2", func(p *register.Person) { p.SpouseID = "1" }), -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MatchScore(a, tt.b)
			if got != tt.want || (got >= DuplicateThreshold) != tt.dup {
				t.Errorf("MatchScore = %d, want %d (duplicate %v)", got, tt.want, tt.dup)
			}
		})
	}
}
