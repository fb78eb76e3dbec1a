package quality

import (
	"strings"

	"github.com/dancu-vn/dancu/internal/register"
)

// Rules. Each names one way a record falls short of the register's aim:
// correct, complete, clean and live (đúng, đủ, sạch, sống).
const (
	RulePartialBirthDate     = "partial_birth_date"     // birth date lacks its day or month
	RuleMissingBirthPlace    = "missing_birth_place"    // no place of birth
	RuleMissingHometown      = "missing_hometown"       // no hometown (quê quán)
	RuleNoPermanentResidence = "no_permanent_residence" // living, no permanent residence
	RuleNoHousehold          = "no_household"           // living with a permanent residence but in no household
	RuleMinorWithoutParents  = "minor_without_parents"  // under 18, neither parent nor guardian linked
	RuleImplausibleAge       = "implausible_age"        // living and over MaxAge
	RuleDeathBeforeBirth     = "death_before_birth"     // a death date before the birth date
	RulePossibleDuplicate    = "possible_duplicate"     // two records that may be one person
	RuleRetiredReference     = "retired_reference"      // names a record merged into another as parent, spouse or guardian
)

// Rules lists every rule, in the order the review queue shows them.
var Rules = []string{RulePossibleDuplicate, RuleRetiredReference, RuleDeathBeforeBirth, RuleImplausibleAge, RuleMinorWithoutParents,
	RuleNoPermanentResidence, RuleNoHousehold, RulePartialBirthDate, RuleMissingBirthPlace, RuleMissingHometown}

// KnownRule reports whether r is a rule.
func KnownRule(r string) bool {
	for _, k := range Rules {
		if k == r {
			return true
		}
	}
	return false
}

// MaxAge is the age above which a living person's record is implausible:
// more likely a death never registered than a person alive.
const MaxAge = 120

// age returns a person's age in whole years on today (YYYY-MM-DD), taking
// a partial birth date at its earliest.
func age(birth register.Date, today string) int {
	b := birth.Earliest()
	if len(b) != 10 || len(today) != 10 {
		return 0
	}
	a := register.Date(today).Year() - register.Date(b).Year()
	if today[5:] < b[5:] {
		a--
	}
	return a
}

// Check returns the rules a person's record breaks on today, and its
// completeness score: the share, in percent, of the facts the register
// should hold about him that it does hold.
func Check(p *register.Person, today string) (rules []string, completeness int) {
	have, want := 0, 0
	expect := func(ok bool, rule string) {
		want++
		if ok {
			have++
		} else {
			rules = append(rules, rule)
		}
	}
	living := p.Status == register.Living
	expect(!p.BirthDate.Partial(), RulePartialBirthDate)
	expect(strings.TrimSpace(p.BirthPlace) != "", RuleMissingBirthPlace)
	expect(strings.TrimSpace(p.Hometown) != "", RuleMissingHometown)
	if living {
		expect(p.Permanent != nil, RuleNoPermanentResidence)
		if p.Permanent != nil {
			expect(p.HouseholdID != "", RuleNoHousehold)
		}
		a := age(p.BirthDate, today)
		if a < 18 {
			expect(p.FatherID != "" || p.MotherID != "" || p.GuardianID != "", RuleMinorWithoutParents)
		}
		if a > MaxAge {
			rules = append(rules, RuleImplausibleAge)
		}
	}
	if p.DeathDate != "" && p.DeathDate.Earliest() < p.BirthDate.Earliest() && !strings.HasPrefix(p.BirthDate.Earliest(), string(p.DeathDate)) {
		rules = append(rules, RuleDeathBeforeBirth)
	}
	return rules, have * 100 / want
}

// DuplicateThreshold is the score from which two records of one block
// are flagged as a possible duplicate.
const DuplicateThreshold = 65

// MatchScore scores how likely two records with the same folded name,
// gender and birth year (the block the store groups them by) are one
// person, in the manner of a Fellegi–Sunter comparison: agreements add
// weight, disagreements on facts both records hold take it away, and
// facts one record lacks count for nothing. Two full birth dates that
// differ mean two people (-1). Names and years are not compared again:
// the block already agrees on them.
func MatchScore(a, b *register.Person) int {
	if a.IDNumber == b.IDNumber {
		return -1
	}
	score := 0
	switch da, db := string(a.BirthDate), string(b.BirthDate); {
	case len(da) == 10 && len(db) == 10 && da != db:
		return -1
	case da == db && len(da) == 10:
		score += 50
	case a.BirthDate.Compatible(b.BirthDate):
		score += 25 // one partial date the other is compatible with
	default:
		return -1 // two partial dates that disagree (1990-03 and 1990-05)
	}
	agree := func(x, y string, plus, minus int) {
		x, y = fold(x), fold(y)
		switch {
		case x == "" || y == "":
		case x == y:
			score += plus
		default:
			score -= minus
		}
	}
	agree(a.Hometown, b.Hometown, 15, 10)
	agree(a.BirthPlace, b.BirthPlace, 15, 10)
	agree(a.FatherID, b.FatherID, 20, 40)
	agree(a.MotherID, b.MotherID, 20, 40)
	agree(a.Ethnicity, b.Ethnicity, 0, 15)
	if a.SpouseID != "" && a.SpouseID == b.IDNumber || b.SpouseID != "" && b.SpouseID == a.IDNumber {
		return -1 // married to each other
	}
	return score
}

// fold compares free text after the register's name folding (no
// diacritics, case or extra spaces).
func fold(s string) string { return register.NameKey(s) }

// references are the records a record names.
func references(p *register.Person) []string {
	return []string{p.FatherID, p.MotherID, p.SpouseID, p.GuardianID}
}

// namesRetired reports whether a record names one of the retired records.
func namesRetired(p *register.Person, retired map[string]bool) bool {
	for _, id := range references(p) {
		if id != "" && retired[id] {
			return true
		}
	}
	return false
}
