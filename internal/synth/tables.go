package synth

import (
	"strings"

	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/refdata"
)

// region is a broad part of the country; it decides regional name forms
// (Hoàng or Huỳnh) and address words (thôn, xóm or ấp).
type region int

const (
	north        region = iota // up to Ninh Bình
	northCentral               // Thanh Hóa to Thừa Thiên Huế
	southCentral               // Đà Nẵng to Lâm Đồng, with the Central Highlands
	south                      // Bình Phước and south
)

// regionOf classifies an idnum province code. The codes run roughly north
// to south, which is all this needs.
func regionOf(code string) region {
	n := int(code[0]-'0')*100 + int(code[1]-'0')*10 + int(code[2]-'0')
	switch {
	case n < 38:
		return north
	case n < 48:
		return northCentral
	case n < 70:
		return southCentral
	}
	return south
}

// ethInfo is what the generator needs about one ethnic group.
type ethInfo struct {
	code   string
	family *names    // family-name table
	hmong  bool      // H'Mông naming pattern
	hamlet string    // word for a rural hamlet of this group here, "" for the commune's own
	relig  *weighted // religion table if it differs from the national one
}

// tables holds every precomputed draw table of a Generator. Building them
// costs well under a millisecond, so each Generator owns its own and
// nothing is shared between goroutines.
type tables struct {
	region region

	provinces []string // the idnum province codes; members hold indices into it
	localIdx  []int    // indices of Config.BirthProvinces
	local     weighted // over localIdx, favouring the first

	eth   []ethInfo
	ethW  weighted
	kinh  int
	relig []string // refdata religion codes
	relW  weighted

	maleMiddle, femaleMiddle      [3]*names // by cohort: <1980, 1980–1999, ≥2000
	maleGiven, femaleGiven        [2]*names // by cohort: <1990, ≥1990
	maleSecond, femaleSecond      *names
	hmongMiddle                   *names
	hmongMaleGiven, hmongFemGiven *names

	kind         weighted // householdKind
	singleAge    *bands
	youngHusband *bands
	emptyNest    *bands
	spouseGap    *bands // husband's age minus wife's
	oldestChild  *bands // age of a couple's eldest child when the family formed the household
	youngestCore *bands // same, for the younger couple of a three-generation household
	firstBirth   *bands // mother's age at her first child
	spacing      *bands // years between siblings
	kidCount     *bands
	parentGap    *bands // mother's age when she had the head (or the married child)
	grandkids    *bands
	houseNo      *bands
	alleyNo      *bands
}

// newTables builds the tables for a province whose births are mostly
// registered in birthProvinces[0].
func newTables(birthProvinces []string) *tables {
	t := &tables{region: regionOf(birthProvinces[0])}

	ps := idnum.Provinces()
	t.provinces = make([]string, len(ps))
	index := make(map[string]int, len(ps))
	for i, p := range ps {
		t.provinces[i] = p.Code
		index[p.Code] = i
	}
	w := make([]float64, len(birthProvinces))
	t.localIdx = make([]int, len(birthProvinces))
	for i, code := range birthProvinces {
		t.localIdx[i] = index[code]
		w[i] = 1
	}
	w[0] = 6 // the province itself; the others are neighbours people moved from
	t.local = newWeighted(w)

	t.buildEthnicities()
	t.buildReligions()
	t.buildNames()
	t.buildShapes()
	return t
}

// buildEthnicities loads refdata shares and the group-specific name tables.
func (t *tables) buildEthnicities() {
	kinhFam := newNames(splitFamily(kinhFamily, t.region))
	es := refdata.Ethnicities()
	t.eth = make([]ethInfo, len(es))
	w := make([]float64, len(es))
	for i, e := range es {
		info := ethInfo{code: e.Code, family: kinhFam, hmong: e.Code == hmongCode}
		if fam, ok := minorityFamily[e.Code]; ok {
			info.family = newNames(mixFamily(fam, kinhFamily, t.region))
		}
		info.hamlet = hamletWord(e.Code, t.region)
		t.eth[i] = info
		w[i] = e.Share
		if e.Code == refdata.Kinh {
			t.kinh = i
		}
	}
	t.ethW = newWeighted(w)
}

// hamletWord returns the customary word for a village of an ethnic group
// where that group traditionally lives: bản in the northern mountains,
// buôn and làng in the Central Highlands.
func hamletWord(code string, r region) string {
	switch {
	case r == north && strings.Contains(" 02 03 06 07 08 09 25 29 33 35 37 38 39 40 41 42 43 45 46 47 48 49 50 51 ", " "+code+" "):
		return "Bản"
	case r == southCentral && (code == "12" || code == "20"): // Ê-đê, Mnông
		return "Buôn"
	case r == southCentral && (code == "10" || code == "13" || code == "14"): // Gia-rai, Ba-na, Xơ-đăng
		return "Làng"
	}
	return ""
}

// buildReligions loads refdata shares, with the two groups whose religion
// differs most from the national mix: Khmer Theravada Buddhists and the
// Chăm, split between Islam and Bà-la-môn.
func (t *tables) buildReligions() {
	rs := refdata.Religions()
	t.relig = make([]string, len(rs))
	w := make([]float64, len(rs))
	at := make(map[string]int, len(rs))
	for i, r := range rs {
		t.relig[i] = r.Code
		w[i] = r.Share
		at[r.Code] = i
	}
	t.relW = newWeighted(w)
	// A slice, not a map: summing in map order could change the last bit
	// of a weight between runs, and with it the output.
	override := func(shares ...entry) *weighted {
		ow := make([]float64, len(rs))
		rest := 1.0
		for _, s := range shares {
			ow[at[s.name]] = s.weight
			rest -= s.weight
		}
		ow[at[refdata.NoReligion]] += rest
		tw := newWeighted(ow)
		return &tw
	}
	for i := range t.eth {
		switch t.eth[i].code {
		case "05": // Khơ-me
			t.eth[i].relig = override(entry{"buddhism", 0.92})
		case "17": // Chăm
			t.eth[i].relig = override(entry{"islam", 0.40}, entry{"brahmanism", 0.35})
		}
	}
}

// mixFamily blends a group's characteristic family names (80 %) with the
// national distribution (20 %): many minority families carry Kinh-style
// names, which is also why the national figures count them.
func mixFamily(group, national []entry, r region) []entry {
	gTotal, nTotal := 0.0, 0.0
	for _, e := range group {
		gTotal += e.weight
	}
	nat := splitFamily(national, r)
	for _, e := range nat {
		nTotal += e.weight
	}
	out := make([]entry, 0, len(group)+len(nat))
	for _, e := range group {
		out = append(out, entry{e.name, 0.8 * e.weight / gTotal})
	}
	for _, e := range nat {
		out = append(out, entry{e.name, 0.2 * e.weight / nTotal})
	}
	return out
}

// splitFamily resolves the "northern/southern" pairs of kinhFamily: south
// of the old Quảng Nam border the southern forms dominate.
func splitFamily(es []entry, r region) []entry {
	southShare := 0.1
	if r >= southCentral {
		southShare = 0.85
	}
	out := make([]entry, 0, len(es)+2)
	for _, e := range es {
		northern, southern, ok := strings.Cut(e.name, "/")
		if !ok {
			out = append(out, e)
			continue
		}
		out = append(out, entry{northern, e.weight * (1 - southShare)}, entry{southern, e.weight * southShare})
	}
	return out
}

// buildNames builds the middle- and given-name tables.
func (t *tables) buildNames() {
	for i := range 3 {
		t.maleMiddle[i] = newNames(maleMiddle[i])
		t.femaleMiddle[i] = newNames(femaleMiddle[i])
	}
	t.maleGiven = [2]*names{newRanked(maleGivenOld, 8), newRanked(maleGivenNew, 8)}
	t.femaleGiven = [2]*names{newRanked(femaleGivenOld, 8), newRanked(femaleGivenNew, 8)}
	t.maleSecond = newRanked(maleSecondMiddle, 3)
	t.femaleSecond = newRanked(femaleSecondMiddle, 3)
	t.hmongMiddle = newNames(hmongMaleMiddle)
	t.hmongMaleGiven = newRanked(hmongMaleGiven, 4)
	t.hmongFemGiven = newRanked(hmongFemGiven, 4)
}

// householdKind is the shape of a household.
type householdKind int

const (
	kindSingle         householdKind = iota // one person, young or widowed
	kindCouple                              // a couple without children at home
	kindNuclear                             // a couple and their children
	kindSingleParent                        // one parent and children
	kindWithParents                         // a family living with the head's parent(s)
	kindWithMarried                         // an older couple with a married child and grandchildren
	kindSkipGeneration                      // grandparent(s) raising grandchildren whose parents work away
	kindCount
)

// buildShapes sets the household-shape distributions. They were tuned
// against the 2019 census and the 2024 mid-term survey: mean household size
// about 3.5, about 23 % of people under 15 and 8–9 % aged 65 or more.
func (t *tables) buildShapes() {
	kinds := make([]float64, kindCount)
	kinds[kindSingle] = 0.09
	kinds[kindCouple] = 0.11
	kinds[kindNuclear] = 0.49
	kinds[kindSingleParent] = 0.06
	kinds[kindWithParents] = 0.10
	kinds[kindWithMarried] = 0.12
	kinds[kindSkipGeneration] = 0.03
	t.kind = newWeighted(kinds)

	t.singleAge = newBands(band{18, 24, 3}, band{25, 34, 6}, band{35, 44, 3}, band{45, 54, 2.5},
		band{55, 64, 3}, band{65, 74, 3.5}, band{75, 84, 3}, band{85, 99, 1})
	t.youngHusband = newBands(band{21, 25, 3}, band{26, 30, 4}, band{31, 36, 2})
	t.emptyNest = newBands(band{45, 54, 2}, band{55, 64, 4}, band{65, 74, 3.5}, band{75, 84, 1.5}, band{85, 97, 0.4})
	t.spouseGap = newBands(band{-3, -1, 1}, band{0, 0, 1.5}, band{1, 3, 6}, band{4, 6, 4}, band{7, 10, 1.5}, band{11, 16, 0.3})
	t.oldestChild = newBands(band{0, 4, 2.5}, band{5, 9, 4}, band{10, 14, 4.5}, band{15, 19, 5},
		band{20, 24, 4.5}, band{25, 29, 3}, band{30, 36, 2})
	t.youngestCore = newBands(band{0, 4, 3.5}, band{5, 9, 4}, band{10, 14, 3.5}, band{15, 19, 2.5}, band{20, 25, 1})
	t.firstBirth = newBands(band{18, 19, 1.5}, band{20, 22, 5}, band{23, 25, 6}, band{26, 28, 4.5},
		band{29, 31, 2.5}, band{32, 35, 1.2}, band{36, 38, 0.3})
	t.spacing = newBands(band{1, 2, 2}, band{3, 4, 4}, band{5, 7, 2.5}, band{8, 12, 0.8})
	t.kidCount = newBands(band{1, 1, 31}, band{2, 2, 50}, band{3, 3, 15}, band{4, 5, 4})
	t.parentGap = newBands(band{19, 22, 3}, band{23, 27, 5}, band{28, 32, 3.5}, band{33, 40, 1.5})
	t.grandkids = newBands(band{1, 1, 50}, band{2, 2, 35}, band{3, 3, 15})
	t.houseNo = newBands(band{1, 50, 5}, band{51, 200, 3}, band{201, 999, 0.5})
	t.alleyNo = newBands(band{1, 50, 4}, band{51, 300, 3}, band{301, 600, 0.5})
}
