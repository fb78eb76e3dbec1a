package synth

import (
	"hash/fnv"
	"strconv"
)

// communeInfo is a commune with its fixed address style: how many hamlets
// or residential groups it has and what they are called. It is derived
// from the commune code alone so that a commune looks the same whatever
// the seed.
type communeInfo struct {
	code    string
	urban   bool
	groups  int    // number of hamlets (thôn, ấp…) or residential groups (tổ dân phố…)
	group   string // "Thôn", "Xóm", "Ấp", "Tổ dân phố", "Khu phố"
	alley   string // "ngõ" in the north and centre, "hẻm" in the south
	hamlets bool   // rural: minority groups may use their own village word
}

// communeInfos derives address styles for the configured communes.
func communeInfos(cs []Commune, r region) []communeInfo {
	out := make([]communeInfo, len(cs))
	for i, c := range cs {
		h := fnv.New32a()
		h.Write([]byte(c.Code))
		x := h.Sum32()
		ci := communeInfo{code: c.Code, urban: isUrban(c.Name), alley: "ngõ"}
		if r == south {
			ci.alley = "hẻm"
		}
		switch {
		case ci.urban && r == south:
			ci.group, ci.groups = "Khu phố", 4+int(x%12)
		case ci.urban:
			ci.group, ci.groups = "Tổ dân phố", 6+int(x%30)
		case r == south:
			ci.group, ci.groups = "Ấp", 3+int(x%10)
		case r == north && x>>8%10 < 3, r == northCentral && x>>8%10 < 5:
			ci.group, ci.groups = "Xóm", 4+int(x%16)
		default:
			ci.group, ci.groups = "Thôn", 4+int(x%16)
		}
		ci.hamlets = !ci.urban
		out[i] = ci
	}
	return out
}

// address draws a plausible address inside commune c for the household in
// g.m: a hamlet or residential group number, often with a house number
// and, in towns, an alley. No street names: a synthetic address must not
// point at a real house.
func (g *Generator) address(c *communeInfo) string {
	word := c.group
	if c.hamlets {
		if w := g.tab.eth[g.m[0].eth].hamlet; w != "" {
			word = w
		}
	}
	grp := 1 + g.r.intn(c.groups)
	b := g.buf[:0]
	u := g.r.float()
	switch {
	case c.urban && u < 0.45:
		b = append(b, "Số "...)
		b = strconv.AppendInt(b, int64(g.tab.houseNo.pick(&g.r)), 10)
		b = append(b, ", "...)
		b = append(b, c.alley...)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(g.tab.alleyNo.pick(&g.r)), 10)
		b = append(b, ", "...)
	case c.urban && u < 0.80, !c.urban && u < 0.20:
		b = append(b, "Số "...)
		b = strconv.AppendInt(b, int64(g.tab.houseNo.pick(&g.r)), 10)
		b = append(b, ", "...)
	}
	b = append(b, word...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(grp), 10)
	g.buf = b
	return string(b)
}

// fullName draws the middle and given names of m and joins them to the
// family name.
func (g *Generator) fullName(m *member) string {
	t := g.tab
	year := g.cal.birthYear(m.age)
	cohort := 0
	switch {
	case year >= 2000:
		cohort = 2
	case year >= 1980:
		cohort = 1
	}
	recent := 0
	if year >= 1990 {
		recent = 1
	}
	hmong := t.eth[m.eth].hmong

	var middle, given string
	var second, givenT *names
	switch {
	case hmong && m.female:
		middle, givenT = "Thị", t.hmongFemGiven
	case hmong:
		middle, givenT = t.hmongMiddle.pick(&g.r), t.hmongMaleGiven
	case m.female:
		middle, givenT, second = t.femaleMiddle[cohort].pick(&g.r), t.femaleGiven[recent], t.femaleSecond
	default:
		middle, givenT, second = t.maleMiddle[cohort].pick(&g.r), t.maleGiven[recent], t.maleSecond
	}
	given = givenT.pick(&g.r)
	if given == middle {
		given = givenT.pick(&g.r) // "Thanh Thanh" exists but is rare
	}

	b := append(g.buf[:0], m.family...)
	b = append(b, ' ')
	b = append(b, middle...)
	if second != nil && year >= 1990 && g.r.chance(0.08) {
		if s := second.pick(&g.r); s != middle && s != given {
			b = append(b, ' ')
			b = append(b, s...)
		}
	}
	b = append(b, ' ')
	b = append(b, given...)
	g.buf = b
	return string(b)
}
