package synth

// member is a person of the household being built. Links are indices into
// Generator.m; ages are completed years on Today.
type member struct {
	age                    int
	female                 bool
	rel                    string
	father, mother, spouse int
	family                 string
	eth                    int // index into tables.eth
	religion               int // index into tables.relig
	birthProv              int // index into tables.provinces
	inlaw                  bool
	dead, missing          bool
	born                   int // day number, set when the Person is filled
}

// child is a child drawn by childAges.
type child struct {
	age    int
	female bool
}

// Household-level probabilities.
const (
	pHeadIsHusband    = 0.88 // in a couple, the man is registered as head
	pOtherMember      = 0.03 // a household also has a relative or lodger ("other")
	pInlawOtherEth    = 0.10 // a spouse marrying in is of another ethnic group
	pInlawOtherRelig  = 0.10 // a spouse marrying in keeps a different religion
	pBornElsewhere    = 0.05 // a person's birth was registered outside the province's usual list
	pInlawElsewhere   = 0.20 // same, for a spouse marrying in
	pHometownOwnBirth = 0.85 // without a father at home, the quê quán is where one was born
	pMissing          = 0.0003
)

// build fills g.m with one household, head first.
func (g *Generator) build() {
	g.m = g.m[:0]
	eth := g.tab.ethW.pick(&g.r)
	switch householdKind(g.tab.kind.pick(&g.r)) {
	case kindSingle:
		g.single(eth)
	case kindCouple:
		g.couple(eth)
	case kindNuclear:
		g.nuclear(eth, false)
	case kindSingleParent:
		g.nuclear(eth, true)
	case kindWithParents:
		g.withParents(eth)
	case kindWithMarried:
		g.withMarried(eth)
	case kindSkipGeneration:
		g.skipGeneration(eth)
	}
	if g.r.chance(pOtherMember) {
		female := g.r.chance(0.5)
		g.add(g.r.between(15, 75), female, RelOther, g.family(eth), eth)
	}
	g.finish(eth)
}

// add appends a member and returns its index.
func (g *Generator) add(age int, female bool, rel, family string, eth int) int {
	g.m = append(g.m, member{
		age: min(max(age, 0), g.cal.maxAge), female: female, rel: rel,
		father: -1, mother: -1, spouse: -1, family: family, eth: eth,
	})
	return len(g.m) - 1
}

// marry links two members as spouses.
func (g *Generator) marry(a, b int) {
	g.m[a].spouse, g.m[b].spouse = b, a
}

// family draws a family name for someone of ethnic group eth.
func (g *Generator) family(eth int) string { return g.tab.eth[eth].family.pick(&g.r) }

// inlawEth is the ethnic group of someone marrying into a household of
// group eth.
func (g *Generator) inlawEth(eth int) int {
	if g.r.chance(pInlawOtherEth) {
		return g.tab.ethW.pick(&g.r)
	}
	return eth
}

// addSpouse appends the spouse of member a, of the given age, marrying in.
func (g *Generator) addSpouse(a, age int, rel string) int {
	e := g.inlawEth(g.m[a].eth)
	s := g.add(age, !g.m[a].female, rel, g.family(e), e)
	g.m[s].inlaw = true
	g.marry(a, s)
	return s
}

// single is a one-person household: young adults living alone and, more
// often, widowed elderly people, mostly women.
func (g *Generator) single(eth int) {
	age := g.tab.singleAge.pick(&g.r)
	female := g.r.chance(0.45)
	if age >= 60 {
		female = g.r.chance(0.72)
	}
	g.add(age, female, RelHead, g.family(eth), eth)
}

// couple is a couple with no children at home: newly married, or whose
// children have all left.
func (g *Generator) couple(eth int) {
	h := g.tab.emptyNest.pick(&g.r)
	if g.r.chance(0.3) {
		h = g.tab.youngHusband.pick(&g.r)
	}
	w := max(h-g.tab.spouseGap.pick(&g.r), 18)
	g.headCouple(eth, h, w)
}

// headCouple appends a couple as head and spouse and returns the indices of
// husband and wife.
func (g *Generator) headCouple(eth, husbandAge, wifeAge int) (husband, wife int) {
	if g.r.chance(pHeadIsHusband) {
		husband = g.add(husbandAge, false, RelHead, g.family(eth), eth)
		wife = g.addSpouse(husband, wifeAge, RelWife)
		return husband, wife
	}
	wife = g.add(wifeAge, true, RelHead, g.family(eth), eth)
	husband = g.addSpouse(wife, husbandAge, RelHusband)
	return husband, wife
}

// coupleAges draws a mother's age, her age at her first child and the
// father's age, given the eldest child's age table.
func (g *Generator) coupleAges(eldest *bands) (mother, first, father int) {
	first = g.tab.firstBirth.pick(&g.r)
	mother = eldest.pick(&g.r) + first
	father = max(mother+g.tab.spouseGap.pick(&g.r), 20)
	return mother, first, father
}

// nuclear is a couple (or, if single, one parent) and their children who
// still live at home.
func (g *Generator) nuclear(eth int, single bool) {
	mAge, first, fAge := g.coupleAges(g.tab.oldestChild)
	father, mother := -1, -1
	switch {
	case !single:
		father, mother = g.headCouple(eth, fAge, mAge)
	case g.r.chance(0.8):
		mother = g.add(mAge, true, RelHead, g.family(eth), eth)
	default:
		father = g.add(fAge, false, RelHead, g.family(eth), eth)
	}
	g.addChildren(father, mother, mAge, first, 0, RelSon, RelDaughter)
}

// addChildren appends the children of father and mother (either may be -1)
// with the given relations to the head. A mother of age mAge had her first
// child at first; when the mother is absent, mAge is her notional age.
// ageCap limits the children's ages (0 for none).
func (g *Generator) addChildren(father, mother, mAge, first, ageCap int, relSon, relDaughter string) {
	fam, eth := "", 0
	switch {
	case father >= 0:
		fam, eth = g.m[father].family, g.m[father].eth
	case g.r.chance(0.25): // no father at home: some children carry their mother's name
		fam, eth = g.m[mother].family, g.m[mother].eth
	default:
		eth = g.m[mother].eth
		fam = g.family(eth)
	}
	for _, c := range g.childAges(mAge, first) {
		if ageCap > 0 && c.age > ageCap {
			continue
		}
		rel := relSon
		if c.female {
			rel = relDaughter
		}
		k := g.add(c.age, c.female, rel, fam, eth)
		g.m[k].father, g.m[k].mother = father, mother
	}
}

// childAges returns, oldest first, the ages of a mother's children who
// still live with her. Children are born when she is 18–44; adult children
// leave home with rising probability, daughters sooner (they usually move
// to their husband's family).
func (g *Generator) childAges(mAge, first int) []child {
	kids := g.kidsBuf[:0]
	n := g.tab.kidCount.pick(&g.r)
	if g.cal.birthYear(mAge) < 1970 && g.r.chance(0.5) {
		n++ // older mothers had larger families
	}
	a := mAge - first
	for range n {
		if a < 0 || mAge-a > 44 {
			break
		}
		female := g.r.chance(girlShare(g.cal.birthYear(a)))
		if !g.leftHome(a, female) {
			kids = append(kids, child{a, female})
		}
		a -= g.tab.spacing.pick(&g.r)
	}
	g.kidsBuf = kids
	return kids
}

// girlShare is the share of girls among births of a year; the sex ratio at
// birth has been skewed towards boys since the mid-2000s.
func girlShare(year int) float64 {
	if year >= 2005 {
		return 0.47
	}
	return 0.49
}

// leftHome reports whether an adult child of the given age has moved out.
func (g *Generator) leftHome(age int, female bool) bool {
	var p float64
	switch {
	case age < 18:
		return false
	case age < 22:
		p = 0.08
	case age < 26:
		p = 0.30
	case age < 30:
		p = 0.55
	case age < 35:
		p = 0.75
	default:
		p = 0.92
	}
	if female {
		p = min(p*1.25, 0.97)
	} else {
		p *= 0.8
	}
	return g.r.chance(p)
}

// parentsPresence draws which of a pair of parents live in a
// three-generation household: both, only the (widowed) mother or only the
// father.
func (g *Generator) parentsPresence() (fatherThere, motherThere bool) {
	switch u := g.r.float(); {
	case u < 0.40:
		return true, true
	case u < 0.85:
		return false, true
	}
	return true, false
}

// withParents is a nuclear family living with the head's parent(s).
func (g *Generator) withParents(eth int) {
	mAge, first, fAge := g.coupleAges(g.tab.youngestCore)
	var father, mother, head int
	switch {
	case g.r.chance(0.08): // widowed or divorced head, usually the man
		father = g.add(fAge, false, RelHead, g.family(eth), eth)
		mother, head = -1, father
	case g.r.chance(0.9):
		father = g.add(fAge, false, RelHead, g.family(eth), eth)
		mother = g.addSpouse(father, mAge, RelWife)
		head = father
	default:
		mother = g.add(mAge, true, RelHead, g.family(eth), eth)
		father = g.addSpouse(mother, fAge, RelHusband)
		head = mother
	}
	g.addChildren(father, mother, mAge, first, 0, RelSon, RelDaughter)

	// The head's own parents.
	hm := g.m[head].age + g.tab.parentGap.pick(&g.r)
	hf := hm + g.tab.spouseGap.pick(&g.r)
	fThere, mThere := g.parentsPresence()
	pf, pm := -1, -1
	if fThere && hf <= g.cal.maxAge {
		pf = g.add(hf, false, RelFather, g.m[head].family, g.m[head].eth)
		g.m[head].father = pf
	}
	if mThere && hm <= g.cal.maxAge {
		pm = g.add(hm, true, RelMother, g.family(g.m[head].eth), g.m[head].eth)
		g.m[head].mother = pm
	}
	if pf >= 0 && pm >= 0 {
		g.marry(pf, pm)
	}
}

// withMarried is an older couple (or widowed parent) heading a household
// with a married child, the child's spouse and grandchildren: the classic
// patrilocal three-generation family, or occasionally a daughter whose
// husband lives with her parents.
func (g *Generator) withMarried(eth int) {
	cmAge, first, cfAge := g.coupleAges(g.tab.youngestCore) // the younger couple
	viaDaughter := g.r.chance(0.15)
	childAge := cfAge
	if viaDaughter {
		childAge = cmAge
	}
	em := childAge + g.tab.parentGap.pick(&g.r) // the elder mother
	ef := em + g.tab.spouseGap.pick(&g.r)
	fThere, mThere := g.parentsPresence()
	fThere = fThere && ef <= g.cal.maxAge
	mThere = mThere && em <= g.cal.maxAge
	if !fThere && !mThere {
		g.nuclear(eth, false) // nobody that old: an ordinary family instead
		return
	}

	lineage := g.family(eth) // the elder man's family name, even if he has died
	elderF, elderM := -1, -1
	if fThere {
		elderF = g.add(ef, false, RelHead, lineage, eth)
		if mThere {
			elderM = g.addSpouse(elderF, em, RelWife)
		}
	} else {
		elderM = g.add(em, true, RelHead, g.family(eth), eth)
	}

	relChild, relInlaw := RelSon, RelDaughterInLaw
	if viaDaughter {
		relChild, relInlaw = RelDaughter, RelSonInLaw
	}
	c := g.add(childAge, viaDaughter, relChild, lineage, eth)
	g.m[c].father, g.m[c].mother = elderF, elderM
	var gf, gm int
	if viaDaughter {
		gm = c
		gf = g.addSpouse(c, cfAge, relInlaw)
	} else {
		gf = c
		gm = g.addSpouse(c, cmAge, relInlaw)
	}
	g.addChildren(gf, gm, cmAge, first, 0, RelGrandson, RelGranddaughter)

	// Sometimes an unmarried younger sibling of the married child still
	// lives at home.
	if g.r.chance(0.2) {
		if age := childAge - g.r.between(2, 10); age >= 16 {
			female := g.r.chance(0.5)
			rel := RelSon
			if female {
				rel = RelDaughter
			}
			s := g.add(age, female, rel, lineage, eth)
			g.m[s].father, g.m[s].mother = elderF, elderM
		}
	}
}

// skipGeneration is grandparent(s) raising grandchildren whose parents
// work in another province and are registered elsewhere.
func (g *Generator) skipGeneration(eth int) {
	gmAge := g.r.between(50, 80)
	gfAge := gmAge + g.tab.spouseGap.pick(&g.r)
	withHusband := g.r.chance(0.55) && gfAge <= g.cal.maxAge
	lineage := g.family(eth)
	gf, gm := -1, -1
	switch {
	case withHusband && g.r.chance(0.9):
		gf = g.add(gfAge, false, RelHead, lineage, eth)
		gm = g.addSpouse(gf, gmAge, RelWife)
	case withHusband:
		gm = g.add(gmAge, true, RelHead, g.family(eth), eth)
		gf = g.addSpouse(gm, gfAge, RelHusband)
		g.m[gf].family = lineage
	default:
		gm = g.add(gmAge, true, RelHead, g.family(eth), eth)
	}
	fam := lineage // the son's children
	if g.r.chance(0.3) {
		fam = g.family(eth) // the daughter's children, named after their father
	}
	for range g.tab.grandkids.pick(&g.r) {
		female := g.r.chance(0.48)
		rel := RelGrandson
		if female {
			rel = RelGranddaughter
		}
		g.add(g.r.between(1, min(15, gmAge-38)), female, rel, fam, eth)
	}
}

// finish sets what depends on the whole household: religion, birth
// province, death and disappearance.
func (g *Generator) finish(eth int) {
	t := g.tab
	relW := &t.relW
	if t.eth[eth].relig != nil {
		relW = t.eth[eth].relig
	}
	hhRelig := relW.pick(&g.r)
	for i := range g.m {
		m := &g.m[i]
		m.religion = hhRelig
		if m.inlaw && g.r.chance(pInlawOtherRelig) {
			m.religion = t.relW.pick(&g.r)
		}
		elsewhere := pBornElsewhere
		if m.inlaw {
			elsewhere = pInlawElsewhere
		}
		if g.r.chance(elsewhere) {
			m.birthProv = g.r.intn(len(t.provinces))
		} else {
			m.birthProv = t.localIdx[t.local.pick(&g.r)]
		}
		if i == 0 { // the head is alive and present, or would not be head
			continue
		}
		if m.age >= 60 && g.r.chance(deathChance(m.age)) {
			m.dead = true
		} else if m.age >= 18 && m.age <= 80 && g.r.chance(pMissing) {
			m.missing = true
		}
	}
}

// deathChance is the chance that an elderly member has died since the
// register went live; the record stays, with status dead.
func deathChance(age int) float64 {
	return min(0.02+0.006*float64(age-60), 0.35)
}

// resolveHometowns sets g.homes: the quê quán follows the father when he
// is in the household, and is otherwise usually one's own birth province.
func (g *Generator) resolveHometowns() {
	g.homes = g.homes[:0]
	for range g.m {
		g.homes = append(g.homes, -1)
	}
	for i := range g.m {
		g.hometown(i)
	}
}

// hometown resolves member i's hometown, and its father's first. Fathers
// are at most two generations up, so the recursion is shallow.
func (g *Generator) hometown(i int) int {
	if g.homes[i] >= 0 {
		return g.homes[i]
	}
	m := &g.m[i]
	var h int
	switch {
	case m.father >= 0:
		h = g.hometown(m.father)
	case g.r.chance(pHometownOwnBirth):
		h = m.birthProv
	default:
		h = g.tab.localIdx[g.tab.local.pick(&g.r)]
	}
	g.homes[i] = h
	return h
}
