package synth

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/refdata"
)

const testToday = "2026-01-01"

// testConfig is a small northern province: a few urban wards and rural
// communes, births mostly registered in Thái Bình.
func testConfig(people int, seed uint64) Config {
	return Config{
		Communes: []Commune{
			{"12442", "Phường Trần Lãm"}, {"12448", "Phường Kỳ Bá"},
			{"12853", "Xã Thụy Trường"}, {"12856", "Xã Thụy Xuân"}, {"12859", "Xã Thái Thụy"},
		},
		BirthProvinces: []string{"034", "036", "033", "001"},
		People:         people,
		Seed:           seed,
		Today:          testToday,
	}
}

// collect runs a generator to the end.
func collect(t testing.TB, cfg Config) ([]Household, []Person) {
	t.Helper()
	g, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var hs []Household
	var ps []Person
	for {
		h, ok := g.Next()
		if !ok {
			return hs, ps
		}
		hs = append(hs, h)
		ps = append(ps, h.Members...)
	}
}

func TestNew_Invalid(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		want   string
	}{
		{"negative people", func(c *Config) { c.People = -1 }, "People"},
		{"no communes", func(c *Config) { c.Communes = nil }, "no communes"},
		{"commune without code", func(c *Config) { c.Communes[0].Code = "" }, "no code"},
		{"no birth provinces", func(c *Config) { c.BirthProvinces = nil }, "no birth provinces"},
		{"unknown birth province", func(c *Config) { c.BirthProvinces = []string{"003"} }, `"003"`},
		{"bad date", func(c *Config) { c.Today = "2026-13-01" }, "Today"},
		{"partial date", func(c *Config) { c.Today = "2026" }, "Today"},
		{"too early", func(c *Config) { c.Today = "1999-12-31" }, "outside"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(10, 1)
			tt.modify(&cfg)
			g, err := New(cfg)
			if err == nil {
				t.Fatalf("New = %v, nil; want an error mentioning %q", g, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error %q, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestNew_WrapsDateError(t *testing.T) {
	cfg := testConfig(10, 1)
	cfg.Today = "01/01/2026"
	_, err := New(cfg)
	var pe *time.ParseError
	if !errors.As(err, &pe) {
		t.Errorf("New error %v, want it to wrap *time.ParseError", err)
	}
}

func TestGenerator_Deterministic(t *testing.T) {
	_, a := collect(t, testConfig(10_000, 42))
	_, b := collect(t, testConfig(10_000, 42))
	if len(a) != len(b) {
		t.Fatalf("same config gave %d and %d persons", len(a), len(b))
	}
	for i := range a {
		if !reflect.DeepEqual(a[i], b[i]) {
			t.Fatalf("person %d differs between runs with the same config:\n%+v\n%+v", i, a[i], b[i])
		}
	}

	_, c := collect(t, testConfig(10_000, 43))
	same := 0
	for i := range a {
		if a[i].FullName == c[i].FullName && a[i].BirthDate == c[i].BirthDate {
			same++
		}
	}
	if same > len(a)/100 {
		t.Errorf("seeds 42 and 43 agree on name and birth date for %d of %d persons, want them to differ", same, len(a))
	}
}

func TestGenerator_PrefixStable(t *testing.T) {
	// Trimming only cuts the tail: a smaller population is a prefix of a
	// larger one with the same seed, so demos can grow without reshuffling.
	_, small := collect(t, testConfig(1_003, 7))
	_, large := collect(t, testConfig(5_000, 7))
	for i := range small {
		s, l := small[i], large[i]
		// Links to members cut off by the trim are dropped in small.
		if s.FatherKey == noKey {
			l.FatherKey = noKey
		}
		if s.MotherKey == noKey {
			l.MotherKey = noKey
		}
		if s.SpouseKey == noKey {
			l.SpouseKey = noKey
		}
		if !reflect.DeepEqual(s, l) {
			t.Fatalf("person %d differs between 1003- and 5000-person runs:\n%+v\n%+v", i, s, l)
		}
	}
}

func TestGenerator_Count(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 1000, 12_345} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			hs, ps := collect(t, testConfig(n, uint64(n)))
			if len(ps) != n {
				t.Fatalf("got %d persons, want exactly %d", len(ps), n)
			}
			for i, p := range ps {
				if p.Key != i {
					t.Fatalf("person %d has Key %d, want keys 0..%d in order", i, p.Key, n-1)
				}
			}
			for i, h := range hs {
				if h.Key != i {
					t.Errorf("household %d has Key %d, want %d", i, h.Key, i)
				}
				if len(h.Members) == 0 {
					t.Errorf("household %d is empty", i)
				}
			}
		})
	}
}

func TestGenerator_Invariants(t *testing.T) {
	cfg := testConfig(50_000, 2026)
	hs, ps := collect(t, cfg)
	communes := map[string]bool{}
	for _, c := range cfg.Communes {
		communes[c.Code] = true
	}
	byKey := func(k int) *Person { return &ps[k] }
	year := func(d string) int { y, _ := strconv.Atoi(d[:4]); return y }

	for _, h := range hs {
		inHousehold := map[int]bool{}
		for _, p := range h.Members {
			inHousehold[p.Key] = true
		}
		if h.HeadKey != h.Members[0].Key || h.Members[0].RelationToHead != RelHead {
			t.Errorf("household %d: head key %d, first member %d (%s); want the head first", h.Key, h.HeadKey, h.Members[0].Key, h.Members[0].RelationToHead)
		}
		if !communes[h.CommuneCode] || h.Address == "" || !norm.NFC.IsNormalString(h.Address) {
			t.Errorf("household %d: commune %q address %q, want a configured commune and an NFC address", h.Key, h.CommuneCode, h.Address)
		}
		heads := 0
		for _, p := range h.Members {
			if p.RelationToHead == RelHead {
				heads++
			}
			if p.HouseholdKey != h.Key || p.CommuneCode != h.CommuneCode || p.Address != h.Address {
				t.Errorf("person %d: household %d %q %q, want the household's %d %q %q", p.Key, p.HouseholdKey, p.CommuneCode, p.Address, h.Key, h.CommuneCode, h.Address)
			}
			for _, link := range []struct {
				name string
				key  int
			}{{"father", p.FatherKey}, {"mother", p.MotherKey}, {"spouse", p.SpouseKey}} {
				if link.key != noKey && !inHousehold[link.key] {
					t.Errorf("person %d: %s key %d is not in household %d", p.Key, link.name, link.key, h.Key)
				}
			}
		}
		if heads != 1 {
			t.Errorf("household %d has %d heads, want 1", h.Key, heads)
		}
	}

	today := testToday
	for i := range ps {
		p := &ps[i]
		if !norm.NFC.IsNormalString(p.FullName) || len(strings.Fields(p.FullName)) < 3 {
			t.Errorf("person %d: name %q is not NFC or has fewer than three parts", p.Key, p.FullName)
		}
		if !p.Gender.Valid() {
			t.Errorf("person %d: gender %q", p.Key, p.Gender)
		}
		if !validDate(p.BirthDate) || earliest(p.BirthDate) > today {
			t.Errorf("person %d: birth date %q is not a date on or before %s", p.Key, p.BirthDate, today)
		}
		if y := year(p.BirthDate); y < idnum.MinBirthYear {
			t.Errorf("person %d: born %d, before any idnum century", p.Key, y)
		}
		for _, code := range []string{p.BirthProvince, p.HometownProvince} {
			if _, ok := idnum.ProvinceName(code); !ok {
				t.Errorf("person %d: province %q is not an idnum code", p.Key, code)
			}
		}
		if _, ok := refdata.EthnicityByCode(p.Ethnicity); !ok {
			t.Errorf("person %d: ethnicity %q", p.Key, p.Ethnicity)
		}
		if _, ok := refdata.ReligionByCode(p.Religion); !ok {
			t.Errorf("person %d: religion %q", p.Key, p.Religion)
		}
		switch p.Status {
		case StatusLiving, StatusMissing:
			if p.DeathDate != "" {
				t.Errorf("person %d: %s with death date %q", p.Key, p.Status, p.DeathDate)
			}
		case StatusDead:
			if len(p.DeathDate) != 10 || !validDate(p.DeathDate) || p.DeathDate > today || p.DeathDate < earliest(p.BirthDate) {
				t.Errorf("person %d: dead, born %s, death date %q; want a full date between birth and %s", p.Key, p.BirthDate, p.DeathDate, today)
			}
			if p.RelationToHead == RelHead {
				t.Errorf("person %d: a dead head of household", p.Key)
			}
		default:
			t.Errorf("person %d: status %q", p.Key, p.Status)
		}
		checkRelation(t, p, byKey)
		if p.FatherKey != noKey && byKey(p.FatherKey).HometownProvince != p.HometownProvince {
			t.Errorf("person %d: hometown %s, father's %s; want the father's", p.Key, p.HometownProvince, byKey(p.FatherKey).HometownProvince)
		}
		for _, parent := range []int{p.FatherKey, p.MotherKey} {
			if parent == noKey {
				continue
			}
			if gap := year(p.BirthDate) - year(byKey(parent).BirthDate); gap < 15 {
				t.Errorf("person %d (born %s) has parent %d born %s: %d years older, want ≥ 15", p.Key, p.BirthDate, parent, byKey(parent).BirthDate, gap)
			}
		}
		if p.FatherKey != noKey && byKey(p.FatherKey).Gender != idnum.Male {
			t.Errorf("person %d: father %d is not male", p.Key, p.FatherKey)
		}
		if p.MotherKey != noKey && byKey(p.MotherKey).Gender != idnum.Female {
			t.Errorf("person %d: mother %d is not female", p.Key, p.MotherKey)
		}
		if p.SpouseKey != noKey {
			s := byKey(p.SpouseKey)
			if s.SpouseKey != p.Key || s.Gender == p.Gender {
				t.Errorf("person %d (%s) has spouse %d (%s) whose spouse is %d; want mutual and of the other gender", p.Key, p.Gender, s.Key, s.Gender, s.SpouseKey)
			}
		}
		if p.FatherKey != noKey && !strings.HasPrefix(p.FullName, firstWord(byKey(p.FatherKey).FullName)+" ") {
			t.Errorf("person %d %q does not carry father %q's family name", p.Key, p.FullName, byKey(p.FatherKey).FullName)
		}
	}
}

// checkRelation checks that a relation to the head agrees with gender and
// with the links to the head.
func checkRelation(t *testing.T, p *Person, byKey func(int) *Person) {
	t.Helper()
	head := byKey(p.Key)
	for head.RelationToHead != RelHead {
		head = byKey(head.Key - 1) // members follow their head
	}
	female := p.Gender == idnum.Female
	wantFemale := map[string]int{ // 1 female, 0 male, -1 either
		RelHead: -1, RelOther: -1,
		RelWife: 1, RelMother: 1, RelDaughter: 1, RelGranddaughter: 1, RelDaughterInLaw: 1,
		RelHusband: 0, RelFather: 0, RelSon: 0, RelGrandson: 0, RelSonInLaw: 0,
	}
	w, ok := wantFemale[p.RelationToHead]
	if !ok {
		t.Errorf("person %d: unknown relation %q", p.Key, p.RelationToHead)
		return
	}
	if w >= 0 && female != (w == 1) {
		t.Errorf("person %d: %s is %s", p.Key, p.RelationToHead, p.Gender)
	}
	switch p.RelationToHead {
	case RelWife, RelHusband:
		if p.SpouseKey != head.Key {
			t.Errorf("person %d: %s but spouse key %d, head %d", p.Key, p.RelationToHead, p.SpouseKey, head.Key)
		}
	case RelFather:
		if head.FatherKey != p.Key {
			t.Errorf("person %d: father of head %d, whose father key is %d", p.Key, head.Key, head.FatherKey)
		}
	case RelMother:
		if head.MotherKey != p.Key {
			t.Errorf("person %d: mother of head %d, whose mother key is %d", p.Key, head.Key, head.MotherKey)
		}
	case RelSon, RelDaughter:
		if p.FatherKey != head.Key && p.MotherKey != head.Key {
			t.Errorf("person %d: %s of head %d but parents %d/%d", p.Key, p.RelationToHead, head.Key, p.FatherKey, p.MotherKey)
		}
	case RelDaughterInLaw, RelSonInLaw:
		if p.SpouseKey == noKey {
			break // spouse trimmed off the end of the population
		}
		s := byKey(p.SpouseKey)
		if s.FatherKey != head.Key && s.MotherKey != head.Key {
			t.Errorf("person %d: %s but spouse %d is not the head's child", p.Key, p.RelationToHead, s.Key)
		}
	}
}

func TestGenerator_Distribution(t *testing.T) {
	hs, ps := collect(t, testConfig(100_000, 99))
	today, _ := time.Parse(time.DateOnly, testToday)
	var nguyen, under15, over65, partial, dead, kinh, none int
	for _, p := range ps {
		if firstWord(p.FullName) == "Nguyễn" {
			nguyen++
		}
		y, _ := strconv.Atoi(p.BirthDate[:4])
		switch age := today.Year() - y - 1; { // born in y: aged today.Year()-y-1 on 1 January
		case age < 15:
			under15++
		case age >= 65:
			over65++
		}
		if len(p.BirthDate) < 10 {
			partial++
		}
		if p.Status == StatusDead {
			dead++
		}
		if p.Ethnicity == refdata.Kinh {
			kinh++
		}
		if p.Religion == refdata.NoReligion {
			none++
		}
	}
	n := float64(len(ps))
	tests := []struct {
		name     string
		got      float64
		min, max float64
	}{
		{"Nguyễn share", float64(nguyen) / n, 0.33, 0.43},
		{"under-15 share", float64(under15) / n, 0.18, 0.28},
		{"65+ share", float64(over65) / n, 0.06, 0.11},
		{"mean household size", n / float64(len(hs)), 3.0, 4.2},
		{"partial birth dates", float64(partial) / n, 0.005, 0.05},
		{"dead", float64(dead) / n, 0.001, 0.03},
		{"Kinh share", float64(kinh) / n, 0.82, 0.89},
		{"no religion share", float64(none) / n, 0.82, 0.90},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got < tt.min || tt.got > tt.max {
				t.Errorf("%s = %.4f, want in [%.2f, %.2f]", tt.name, tt.got, tt.min, tt.max)
			}
		})
	}
}

func TestGenerator_RegionalForms(t *testing.T) {
	count := func(cfg Config) (huynh, hoang int, addr map[string]int) {
		_, ps := collect(t, cfg)
		addr = map[string]int{}
		for _, p := range ps {
			switch firstWord(p.FullName) {
			case "Huỳnh":
				huynh++
			case "Hoàng":
				hoang++
			}
			for _, w := range []string{"Thôn", "Xóm", "Ấp", "Tổ dân phố", "Khu phố", "ngõ", "hẻm"} {
				if strings.Contains(p.Address, w) {
					addr[w]++
				}
			}
		}
		return huynh, hoang, addr
	}
	tests := []struct {
		name          string
		provinces     []string
		communes      []Commune
		moreHuynh     bool
		want, notWant []string
	}{
		{"north", []string{"034"}, []Commune{{"1", "Phường A"}, {"2", "Xã B"}, {"3", "Xã C"}, {"4", "Xã D"}}, false, []string{"Tổ dân phố", "ngõ"}, []string{"Ấp", "hẻm", "Khu phố"}},
		{"south", []string{"079"}, []Commune{{"1", "Phường A"}, {"2", "Xã B"}}, true, []string{"Khu phố", "hẻm", "Ấp"}, []string{"Thôn", "Xóm", "ngõ", "Tổ dân phố"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(20_000, 5)
			cfg.BirthProvinces, cfg.Communes = tt.provinces, tt.communes
			huynh, hoang, addr := count(cfg)
			if (huynh > hoang) != tt.moreHuynh {
				t.Errorf("Huỳnh %d, Hoàng %d; want more Huỳnh: %v", huynh, hoang, tt.moreHuynh)
			}
			for _, w := range tt.want {
				if addr[w] == 0 {
					t.Errorf("no address uses %q, want some (counts %v)", w, addr)
				}
			}
			for _, w := range tt.notWant {
				if addr[w] != 0 {
					t.Errorf("%d addresses use %q, want none here (counts %v)", addr[w], w, addr)
				}
			}
		})
	}
}

func TestGenerator_MembersNotReused(t *testing.T) {
	g, err := New(testConfig(5_000, 3))
	if err != nil {
		t.Fatal(err)
	}
	first, _ := g.Next()
	snapshot := append([]Person(nil), first.Members...)
	for {
		if _, ok := g.Next(); !ok {
			break
		}
	}
	if !reflect.DeepEqual(first.Members, snapshot) {
		t.Errorf("first household's members changed after later Next calls:\n%+v\n%+v", first.Members, snapshot)
	}
}

func TestCalendar_Dates(t *testing.T) {
	today, _ := time.Parse(time.DateOnly, "2024-03-01")
	c := newCalendar(today)
	tests := []struct {
		y, m, d int
		want    string
	}{
		{1900, 1, 1, "1900-01-01"},
		{1900, 3, 1, "1900-03-01"}, // 1900 was not a leap year
		{2000, 2, 29, "2000-02-29"},
		{2024, 2, 29, "2024-02-29"},
		{2024, 3, 1, "2024-03-01"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := c.date(c.day(tt.y, tt.m, tt.d)); got != tt.want {
				t.Errorf("date(day(%d, %d, %d)) = %q, want %q", tt.y, tt.m, tt.d, got, tt.want)
			}
		})
	}
	if got := c.date(c.today); got != "2024-03-01" {
		t.Errorf("date(today) = %q, want 2024-03-01", got)
	}
}

func TestCalendar_BirthDayGivesAge(t *testing.T) {
	today, _ := time.Parse(time.DateOnly, "2026-05-20")
	c := newCalendar(today)
	var r rng
	r.pcg.Seed(1, 2)
	for _, age := range []int{0, 1, 17, 18, 64, 65, c.maxAge} {
		t.Run(strconv.Itoa(age), func(t *testing.T) {
			for range 2000 {
				b, _ := time.Parse(time.DateOnly, c.date(c.birthDay(&r, age)))
				got := today.Year() - b.Year()
				if b.AddDate(got, 0, 0).After(today) { // birthday not reached yet this year
					got--
				}
				if got != age || b.After(today) {
					t.Fatalf("birthDay(%d) = %s: aged %d on %s, want %d", age, b.Format(time.DateOnly), got, today.Format(time.DateOnly), age)
				}
			}
		})
	}
}

func TestWeighted_Pick(t *testing.T) {
	w := newWeighted([]float64{0, 1, 0, 3, 0})
	var r rng
	r.pcg.Seed(9, 9)
	counts := make([]int, 5)
	for range 40_000 {
		counts[w.pick(&r)]++
	}
	if counts[0]+counts[2]+counts[4] != 0 {
		t.Errorf("zero-weight entries drawn: %v", counts)
	}
	if ratio := float64(counts[3]) / float64(counts[1]); ratio < 2.8 || ratio > 3.2 {
		t.Errorf("entry 3 drawn %.2f× as often as entry 1, want about 3 (counts %v)", ratio, counts)
	}
}

// validDate reports whether s is YYYY, YYYY-MM or a real YYYY-MM-DD.
func validDate(s string) bool {
	layouts := map[int]string{4: "2006", 7: "2006-01", 10: time.DateOnly}
	l, ok := layouts[len(s)]
	if !ok {
		return false
	}
	_, err := time.Parse(l, s)
	return err == nil
}

// earliest returns the first day a possibly partial date can mean.
func earliest(s string) string {
	switch len(s) {
	case 4:
		return s + "-01-01"
	case 7:
		return s + "-01"
	}
	return s
}

func firstWord(s string) string {
	w, _, _ := strings.Cut(s, " ")
	return w
}

func BenchmarkGenerator(b *testing.B) {
	g, err := New(testConfig(1<<62, 1))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	persons := 0
	b.ResetTimer()
	for b.Loop() {
		h, _ := g.Next()
		persons += len(h.Members)
	}
	b.ReportMetric(float64(persons)/b.Elapsed().Seconds(), "persons/s")
	b.ReportMetric(float64(persons)/float64(b.N), "persons/op")
}
