// Package synth generates a deterministic synthetic population of one
// province for demos, load tests and benchmarks: the same Config always
// yields byte-identical output, household by household, without holding
// the population in memory.
//
// The people are invented but shaped like Vietnam's: family names by
// national frequency, an age pyramid close to the 2024 one, households of
// about 3.5 persons with couples, children, grandparents and in-laws linked
// to each other, ethnicity and religion by census shares. Nothing in the
// output describes a real person; addresses are hamlet and alley numbers
// inside the communes the caller supplies.
//
// Identification numbers are not generated: their serials are random and
// must be unique, which is the register's job (see idnum.New).
package synth

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/idnum"
)

// Commune is a commune-level unit (xã, phường, đặc khu) of the province.
type Commune struct {
	Code string
	Name string // "Xã …" / "Phường …": the prefix picks rural or urban addresses
}

// Config describes the population to generate. Two generators with equal
// Configs produce identical output.
type Config struct {
	Communes       []Commune // real communes of the province, at least one
	BirthProvinces []string  // idnum province codes where births were registered, most likely first
	People         int       // total persons to generate; the last household is trimmed to fit
	Seed           uint64
	Today          string // "YYYY-MM-DD", the reference date: ages are computed from it
}

// Person statuses, as the register spells them.
const (
	StatusLiving  = "living"
	StatusDead    = "dead"
	StatusMissing = "missing"
)

// Relations to the head of household, as the register spells them.
const (
	RelHead          = "head"
	RelWife          = "wife"
	RelHusband       = "husband"
	RelSon           = "son"
	RelDaughter      = "daughter"
	RelFather        = "father"
	RelMother        = "mother"
	RelGrandson      = "grandson"
	RelGranddaughter = "granddaughter"
	RelDaughterInLaw = "daughter_in_law"
	RelSonInLaw      = "son_in_law"
	RelOther         = "other"
)

const (
	noKey             = -1
	slabSize          = 1024 // persons per backing array handed out by Next
	minTodayYear      = 2000 // so that the oldest (maxAge) were born after 1899 and can hold an idnum
	maxAge            = 100
	recentDeathsYears = 4 // deaths are recorded since the register went live in 2021
)

// Person is one generated person. Keys refer to other persons of the same
// Generator; FatherKey, MotherKey and SpouseKey are set only when that
// person is in the same household, and are -1 otherwise.
type Person struct {
	Key              int // 0..People-1, in generation order
	FullName         string
	Gender           idnum.Gender
	BirthDate        string // "YYYY", "YYYY-MM" or "YYYY-MM-DD"
	BirthProvince    string // idnum province code where the birth was registered
	HometownProvince string // idnum province code of the quê quán, usually the father's
	Ethnicity        string // refdata ethnicity code
	Religion         string // refdata religion code
	Status           string // StatusLiving, StatusDead or StatusMissing
	DeathDate        string // "YYYY-MM-DD" when Status is StatusDead
	FatherKey        int
	MotherKey        int
	SpouseKey        int
	HouseholdKey     int
	RelationToHead   string
	CommuneCode      string
	Address          string
}

// Household is one generated household and its members, head first.
type Household struct {
	Key         int // 0, 1, 2… in generation order
	HeadKey     int // Key of Members[0], the head (chủ hộ)
	CommuneCode string
	Address     string   // synthetic: hamlet or residential group, maybe house and alley numbers
	Members     []Person // head first, then spouse, children, parents and others
}

// Generator streams households. It is not safe for concurrent use; run one
// Generator per goroutine (with different seeds) to generate in parallel.
type Generator struct {
	people  int
	r       rng
	cal     calendar
	tab     *tables
	commune []communeInfo

	nextKey, nextHH int

	m       []member // the household being built, reused
	kidsBuf []child  // scratch for childAges
	slab    []Person // backing store for Members, handed out in pieces
	buf     []byte   // scratch for names and addresses
	homes   []int    // scratch: resolved hometown per member
}

// pcgStream is the second PCG word. It is fixed so that Seed alone picks
// the stream; changing it changes every generated population.
const pcgStream = 0x6461_6e63_7573_796e // "dancusyn"

// New validates cfg and returns a Generator positioned at the first
// household.
func New(cfg Config) (*Generator, error) {
	if cfg.People < 0 {
		return nil, fmt.Errorf("synth: People is %d, want ≥ 0", cfg.People)
	}
	if len(cfg.Communes) == 0 {
		return nil, errors.New("synth: no communes: give at least one")
	}
	for i, c := range cfg.Communes {
		if c.Code == "" {
			return nil, fmt.Errorf("synth: commune %d (%q) has no code", i, c.Name)
		}
	}
	if len(cfg.BirthProvinces) == 0 {
		return nil, errors.New("synth: no birth provinces: give at least one idnum province code")
	}
	for _, p := range cfg.BirthProvinces {
		if _, ok := idnum.ProvinceName(p); !ok {
			return nil, fmt.Errorf("synth: birth province %q is not an idnum province code", p)
		}
	}
	today, err := time.Parse(time.DateOnly, cfg.Today)
	if err != nil {
		return nil, fmt.Errorf("synth: Today: %w", err)
	}
	if y := today.Year(); y < minTodayYear || y > idnum.MaxBirthYear {
		return nil, fmt.Errorf("synth: Today %s is outside %d–%d", cfg.Today, minTodayYear, idnum.MaxBirthYear)
	}
	g := &Generator{
		people: cfg.People,
		cal:    newCalendar(today),
		tab:    newTables(cfg.BirthProvinces),
	}
	g.r.pcg.Seed(cfg.Seed, pcgStream)
	g.commune = communeInfos(cfg.Communes, g.tab.region)
	return g, nil
}

// Next returns the next household, or false when People persons have been
// generated. Person keys increase strictly across calls, and the last
// household is cut short (links to the cut members set to -1) so that
// exactly People persons come out. Members slices are carved from shared
// blocks with their capacity capped and are never written again, so
// callers may keep or append to them.
func (g *Generator) Next() (Household, bool) {
	remaining := g.people - g.nextKey
	if remaining <= 0 {
		return Household{}, false
	}
	g.build()
	n := min(len(g.m), remaining)

	if cap(g.slab)-len(g.slab) < n {
		g.slab = make([]Person, 0, max(slabSize, n))
	}
	start := len(g.slab)
	g.slab = g.slab[:start+n]
	members := g.slab[start : start+n : start+n]

	c := &g.commune[g.r.intn(len(g.commune))]
	addr := g.address(c)
	g.fill(members, c.code, addr)

	h := Household{
		Key:         g.nextHH,
		HeadKey:     g.nextKey,
		CommuneCode: c.code,
		Address:     addr,
		Members:     members,
	}
	g.nextKey += n
	g.nextHH++
	return h, true
}

// fill turns the built members into Persons, dropping links to members cut
// off by trimming the last household.
func (g *Generator) fill(out []Person, commune, addr string) {
	base, n := g.nextKey, len(out)
	key := func(i int) int {
		if i < 0 || i >= n {
			return noKey
		}
		return base + i
	}
	g.resolveHometowns()
	for i := range out {
		m := &g.m[i]
		p := &out[i]
		name := g.fullName(m)
		birth := g.birthDate(m) // sets m.born, needed for the death date
		*p = Person{
			Key:              base + i,
			FullName:         name,
			Gender:           idnum.Male,
			BirthDate:        birth,
			BirthProvince:    g.tab.provinces[m.birthProv],
			HometownProvince: g.tab.provinces[g.homes[i]],
			Ethnicity:        g.tab.eth[m.eth].code,
			Religion:         g.tab.relig[m.religion],
			Status:           StatusLiving,
			FatherKey:        key(m.father),
			MotherKey:        key(m.mother),
			SpouseKey:        key(m.spouse),
			HouseholdKey:     g.nextHH,
			RelationToHead:   m.rel,
			CommuneCode:      commune,
			Address:          addr,
		}
		if m.female {
			p.Gender = idnum.Female
		}
		switch {
		case m.dead:
			p.Status = StatusDead
			p.DeathDate = g.cal.date(g.r.between(max(m.born+1, g.cal.today-recentDeathsYears*365), g.cal.today))
		case m.missing:
			p.Status = StatusMissing
		}
	}
}

// birthDate draws m's birth day and formats it, partially for some people
// born before 1960: old paper records often lack the day or the month.
func (g *Generator) birthDate(m *member) string {
	m.born = g.cal.birthDay(&g.r, m.age)
	s := g.cal.date(m.born)
	if m.born < g.cal.day1960 {
		switch u := g.r.float(); {
		case u < 0.15:
			return s[:4]
		case u < 0.20:
			return s[:7]
		}
	}
	return s
}

// isUrban reports whether a commune name denotes an urban ward or town.
func isUrban(name string) bool {
	for _, p := range []string{"Phường", "Thị trấn"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// rng wraps PCG with the few draws the generator needs. Calling the
// concrete PCG instead of a rand.Rand avoids an interface call per draw,
// and owning the algorithms keeps the output stable across Go releases.
type rng struct{ pcg rand.PCG }

// intn returns a value in [0, n) for 0 < n < 2³¹ (Lemire's multiply-shift;
// the bias is below 2⁻³¹ and irrelevant here).
func (r *rng) intn(n int) int { return int((r.pcg.Uint64() >> 32) * uint64(n) >> 32) }

// between returns a value in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// float returns a value in [0, 1).
func (r *rng) float() float64 { return float64(r.pcg.Uint64()>>11) * 0x1p-53 }

// chance returns true with probability p.
func (r *rng) chance(p float64) bool { return r.float() < p }

// u32 returns 32 random bits.
func (r *rng) u32() uint32 { return uint32(r.pcg.Uint64() >> 32) }
