// Package dashboard keeps the programme's indicators by province and
// commune over time: population, chip-card coverage, e-ID accounts by
// level, dossiers and their on-time rate, data quality and verification
// volumes. A snapshot counts them from the register and the services'
// tables once a day (today's values are rewritten until the day ends), so
// that reading a year of a province's history is a small indexed read,
// never a scan of the register. Indicators are aggregates, not personal
// data: reading them is not access-logged. It knows nothing of SQL or
// HTTP: storage implements Store.
package dashboard

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/units"
)

// Country is the unit code of the whole country.
const Country = "VN"

// The counted indicators. Stocks are counted as of the snapshot; flows
// (dossiers, verifications) over its day.
const (
	Population        = "population"         // living persons with permanent residence in the unit
	Population14      = "population_14_plus" // of them, 14 or older this year: the age of the first card
	CardsValid        = "cards_valid"        // living residents holding an issued, unexpired card
	EIDLevel1         = "eid_level1"         // living residents with a level 1 e-ID account
	EIDLevel2         = "eid_level2"         // … a level 2 account
	QualityPersons    = "quality_persons"    // persons checked at the last data-quality scan
	QualityComplete   = "quality_complete"   // the sum of their completeness scores (0–1 each)
	DossiersSubmitted = "dossiers_submitted" // online dossiers submitted that day, by handling office
	DossiersClosed    = "dossiers_closed"    // dossiers decided (approved or rejected) that day
	DossiersOnTime    = "dossiers_on_time"   // of those, decided by their due time
	Verifications     = "verifications"      // eKYC verifications that day (the country only: partners are national)
)

// Indicators lists the counted indicators in display order.
var Indicators = []string{Population, Population14, CardsValid, EIDLevel1, EIDLevel2, QualityPersons, QualityComplete,
	DossiersSubmitted, DossiersClosed, DossiersOnTime, Verifications}

// Flows are the indicators counted over a day from timestamps: a snapshot
// recounts yesterday's too, so that a day's figures are whole even when
// its last snapshot came before its end.
var Flows = []string{DossiersSubmitted, DossiersClosed, DossiersOnTime, Verifications}

// Rate is a share derived from counts: the sum of Num over the sum of Den.
type Rate struct {
	Name string   `json:"name"`
	Num  []string `json:"numerator"`
	Den  []string `json:"denominator"`
}

// Rates are what the dashboard shows as percentages.
var Rates = []Rate{
	{"card_coverage", []string{CardsValid}, []string{Population14}},
	{"eid_coverage", []string{EIDLevel1, EIDLevel2}, []string{Population14}},
	{"eid_level2_share", []string{EIDLevel2}, []string{EIDLevel1, EIDLevel2}},
	{"on_time_rate", []string{DossiersOnTime}, []string{DossiersClosed}},
	{"quality_completeness", []string{QualityComplete}, []string{QualityPersons}},
}

// Count is one number the store counted: for a commune (Province and
// Commune set), for a province without a commune (a person without a
// commune, a dossier handled by a province office), or for the country
// (both empty).
type Count struct {
	Province  string
	Commune   string
	Indicator string
	Value     float64
}

// Period is what a snapshot counts: stocks as of now, flows within
// [From, To), the day in Vietnam's time.
type Period struct {
	Day      string    // YYYY-MM-DD
	From, To time.Time // the day's bounds
	Year     int       // the day's year, for ages
}

// Value is one stored indicator value.
type Value struct {
	Unit      string
	Day       string
	Indicator string
	Value     float64
}

// Store counts and keeps indicator values.
type Store interface {
	// CountIndicators counts the period's indicators: every one, or the
	// flows only.
	CountIndicators(ctx context.Context, p Period, flowsOnly bool) ([]Count, error)
	// SaveIndicators writes values over those of the same unit, day and
	// indicator.
	SaveIndicators(ctx context.Context, values []Value) error
	// IndicatorValues reads the values of the given units between two
	// days, both included, in any order.
	IndicatorValues(ctx context.Context, units []string, from, to string) ([]Value, error)
}

// Service takes snapshots and answers views.
type Service struct {
	Store Store
	Now   func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// PeriodOf is the period of the day (in Vietnam's time) that holds t.
func PeriodOf(t time.Time) Period {
	day := register.Today(t)
	from, _ := time.ParseInLocation(time.DateOnly, day, register.Vietnam)
	return Period{Day: day, From: from, To: from.AddDate(0, 0, 1), Year: from.Year()}
}

// Snapshot counts today's indicators and yesterday's flows again, and
// stores them for every commune, province and the country; it returns how
// many units it wrote today's values for.
func (s *Service) Snapshot(ctx context.Context) (int, error) {
	today := PeriodOf(s.now())
	counts, err := s.Store.CountIndicators(ctx, today, false)
	if err != nil {
		return 0, err
	}
	values := sum(today.Day, counts, Indicators)
	units := len(values) / len(Indicators)
	yesterday := PeriodOf(today.From.Add(-time.Hour))
	if counts, err = s.Store.CountIndicators(ctx, yesterday, true); err != nil {
		return 0, err
	}
	values = append(values, sum(yesterday.Day, counts, Flows)...)
	if err := s.Store.SaveIndicators(ctx, values); err != nil {
		return 0, err
	}
	return units, nil
}

// sum adds each count to its commune, its province and the country, and
// gives every unit it met each of indicators (0 where nothing was
// counted).
func sum(day string, counts []Count, indicators []string) []Value {
	byUnit := map[string]map[string]float64{Country: {}}
	add := func(unit, ind string, v float64) {
		m := byUnit[unit]
		if m == nil {
			m = map[string]float64{}
			byUnit[unit] = m
		}
		m[ind] += v
	}
	for _, c := range counts {
		if c.Commune != "" {
			add(c.Commune, c.Indicator, c.Value)
		}
		if c.Province != "" {
			add(c.Province, c.Indicator, c.Value)
		}
		add(Country, c.Indicator, c.Value)
	}
	out := make([]Value, 0, len(byUnit)*len(indicators))
	for _, unit := range sortedKeys(byUnit) {
		for _, ind := range indicators {
			out = append(out, Value{Unit: unit, Day: day, Indicator: ind, Value: byUnit[unit][ind]})
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Point is a unit's indicators on a day, with the rates derived from
// them (a rate whose denominator is 0 is left out).
type Point struct {
	Day    string             `json:"day"`
	Values map[string]float64 `json:"values"`
	Rates  map[string]float64 `json:"rates"`
}

// Unit names a unit of the dashboard.
type Unit struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Level string `json:"level"` // country, province or commune
}

// Child is a sub-unit with its indicators on the view's last day.
type Child struct {
	Unit
	*Point
}

// View is what the dashboard shows of a unit: its days from From to To
// (those with a snapshot), and its sub-units on the last of them.
type View struct {
	Unit
	Parent   string  `json:"parent,omitempty"` // the unit above: the country, or a commune's province
	From     string  `json:"from"`
	To       string  `json:"to"`
	Series   []Point `json:"series"`
	Children []Child `json:"children"`
}

// MaxDays bounds a view's period.
const MaxDays = 366

// View returns a unit's indicators from one day to another ("" for the
// last 30 days) and its sub-units'. unit "" is the officer's own unit.
// Officers see their unit and the units within it.
func (s *Service) View(ctx context.Context, a auth.Actor, unit, from, to string) (*View, error) {
	u, parent, err := s.unitFor(a, unit)
	if err != nil {
		return nil, err
	}
	from, to, err = period(s.now(), from, to)
	if err != nil {
		return nil, err
	}
	v := &View{Unit: u, Parent: parent, From: from, To: to, Series: []Point{}, Children: []Child{}}
	values, err := s.Store.IndicatorValues(ctx, []string{u.Code}, from, to)
	if err != nil {
		return nil, err
	}
	v.Series = points(values)[u.Code]
	if v.Series == nil {
		v.Series = []Point{}
	}
	children := childrenOf(u, to)
	if len(v.Series) == 0 || len(children) == 0 {
		return v, nil
	}
	last := v.Series[len(v.Series)-1].Day
	codes := make([]string, len(children))
	for i, c := range children {
		codes[i] = c.Code
	}
	values, err = s.Store.IndicatorValues(ctx, codes, last, last)
	if err != nil {
		return nil, err
	}
	byUnit := points(values)
	for _, c := range children {
		if ps := byUnit[c.Code]; len(ps) == 1 {
			v.Children = append(v.Children, Child{Unit: c, Point: &ps[0]})
		}
	}
	return v, nil
}

// points groups values into each unit's points in day order.
func points(values []Value) map[string][]Point {
	type key struct{ unit, day string }
	at := map[key]*Point{}
	var order []key
	for _, v := range values {
		k := key{v.Unit, v.Day}
		p := at[k]
		if p == nil {
			p = &Point{Day: v.Day, Values: map[string]float64{}, Rates: map[string]float64{}}
			at[k] = p
			order = append(order, k)
		}
		p.Values[v.Indicator] = v.Value
	}
	slices.SortFunc(order, func(a, b key) int {
		if a.unit != b.unit {
			return cmp.Compare(a.unit, b.unit)
		}
		return cmp.Compare(a.day, b.day)
	})
	out := map[string][]Point{}
	for _, k := range order {
		p := at[k]
		p.Rates = RatesOf(p.Values)
		out[k.unit] = append(out[k.unit], *p)
	}
	return out
}

// RatesOf derives every rate whose denominator is not 0 from values (a
// day's, or sums over days).
func RatesOf(values map[string]float64) map[string]float64 {
	total := func(names []string) float64 {
		var t float64
		for _, n := range names {
			t += values[n]
		}
		return t
	}
	out := map[string]float64{}
	for _, r := range Rates {
		if den := total(r.Den); den > 0 {
			out[r.Name] = total(r.Num) / den
		}
	}
	return out
}

// period checks and completes a view's days.
func period(now time.Time, from, to string) (string, string, error) {
	if to == "" {
		to = register.Today(now)
	}
	end, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return "", "", apperr.Field(apperr.InvalidDate, "to", "to must be a date YYYY-MM-DD")
	}
	if from == "" {
		from = end.AddDate(0, 0, -29).Format(time.DateOnly)
	}
	start, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return "", "", apperr.Field(apperr.InvalidDate, "from", "from must be a date YYYY-MM-DD")
	}
	switch {
	case start.After(end):
		return "", "", apperr.Field(apperr.Invalid, "from", "from is after to")
	case end.Sub(start) > (MaxDays-1)*24*time.Hour:
		return "", "", apperr.Field(apperr.Invalid, "from", "a view covers at most %d days", MaxDays)
	}
	return from, to, nil
}

// Allows reports whether an officer may view a unit's indicators.
func (s *Service) Allows(a auth.Actor, unit string) bool {
	_, _, err := s.unitFor(a, unit)
	return err == nil
}

// unitFor resolves the unit asked for within the officer's jurisdiction,
// and names the unit above it.
func (s *Service) unitFor(a auth.Actor, code string) (Unit, string, error) {
	if a.UnitLevel == "" || a.Role == "" {
		return Unit{}, "", apperr.E(apperr.Forbidden, "the dashboard is for officers")
	}
	if code == "" {
		code = a.UnitCode
		if a.UnitLevel == auth.LevelCentral {
			code = Country
		}
	}
	u, province, ok := lookup(code, register.Today(s.now()))
	if !ok {
		return Unit{}, "", apperr.Field(apperr.NotFound, "unit", "no unit %q", code)
	}
	allowed := false
	switch a.UnitLevel {
	case auth.LevelCentral:
		allowed = true
	case auth.LevelProvince:
		allowed = u.Code == a.UnitCode || province == a.UnitCode
	case auth.LevelCommune:
		allowed = u.Code == a.UnitCode
	}
	if !allowed {
		return Unit{}, "", apperr.Field(apperr.Forbidden, "unit", "unit %s is outside your jurisdiction", code)
	}
	parent := province
	switch u.Level {
	case "country":
		parent = ""
	case string(units.Province):
		parent = Country
	}
	return u, parent, nil
}

// lookup names a unit valid at a date and gives its province.
func lookup(code, date string) (Unit, string, bool) {
	if code == Country {
		return Unit{Code: Country, Name: "Việt Nam", Level: "country"}, "", true
	}
	for _, level := range []units.Level{units.Province, units.Commune} {
		if x, ok := units.Find(code, level, date); ok {
			province := x.ProvinceCode
			if level == units.Province {
				province = x.Code
			}
			return Unit{Code: x.Code, Name: x.FullName(), Level: string(level)}, province, true
		}
	}
	return Unit{}, "", false
}

// childrenOf lists a unit's sub-units valid at a date.
func childrenOf(u Unit, date string) []Unit {
	var list []units.Unit
	switch u.Level {
	case "country":
		for _, x := range units.At(date) {
			if x.Level == units.Province {
				list = append(list, x)
			}
		}
	case string(units.Province):
		list = units.CommunesOf(u.Code, date)
	}
	out := make([]Unit, len(list))
	for i, x := range list {
		out[i] = Unit{Code: x.Code, Name: x.FullName(), Level: string(x.Level)}
	}
	return out
}
