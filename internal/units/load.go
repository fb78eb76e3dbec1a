package units

import (
	"cmp"
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sync"
)

// dataFS holds the CSV files described in data/SOURCES.md.
//
//go:embed data/*.csv
var dataFS embed.FS

// The embedded files, in the order their units appear in All.
const (
	fileProvincesLegacy = "data/provinces_legacy.csv"
	fileDistrictsLegacy = "data/districts_legacy.csv"
	fileCommunesLegacy  = "data/communes_legacy.csv"
	fileProvinces2025   = "data/provinces_2025.csv"
	fileCommunes2025    = "data/communes_2025.csv"
	fileMapping2025     = "data/mapping_2025.csv"
)

// key identifies the units sharing a code at one level (at most one per scheme).
type key struct {
	level Level
	code  string
}

// dataset is the parsed, indexed content of the embedded files.
type dataset struct {
	units              []Unit
	byKey              map[key][]int    // indexes into units
	communesByProvince map[string][]int // province code → indexes of its communes, in code order
	mappings           []Mapping
	newProvince        map[string]string   // legacy province → 2025 province
	newCommunes        map[string][]string // legacy commune → 2025 communes, sorted
}

var (
	loadOnce sync.Once
	loaded   *dataset
)

// get returns the dataset parsed from the embedded files, parsing it on first
// use. It panics if the embedded data is malformed.
func get() *dataset {
	loadOnce.Do(func() {
		d, err := load(dataFS)
		if err != nil {
			panic("units: malformed embedded data: " + err.Error())
		}
		loaded = d
	})
	return loaded
}

// scheme is one of the two administrative structures; it keeps the codes of
// each level of that structure apart from the other's.
type scheme struct {
	name  string
	codes map[Level]map[string]int // level → code → index into dataset.units
}

func newScheme(name string) *scheme {
	return &scheme{name: name, codes: map[Level]map[string]int{
		Province: {}, District: {}, Commune: {},
	}}
}

// load parses and checks the data files of fsys.
func load(fsys fs.FS) (*dataset, error) {
	d := &dataset{
		byKey:              map[key][]int{},
		communesByProvince: map[string][]int{},
		newProvince:        map[string]string{},
		newCommunes:        map[string][]string{},
	}
	legacy, reformed := newScheme("legacy"), newScheme("2025")

	steps := []struct {
		file   string
		level  Level
		sch    *scheme
		header []string
	}{
		{fileProvincesLegacy, Province, legacy, []string{"code", "name", "type", "valid_from", "valid_to"}},
		{fileDistrictsLegacy, District, legacy, []string{"code", "name", "type", "province_code", "valid_from", "valid_to"}},
		{fileCommunesLegacy, Commune, legacy, []string{"code", "name", "type", "district_code", "province_code", "valid_from", "valid_to"}},
		{fileProvinces2025, Province, reformed, []string{"code", "name", "type", "valid_from", "valid_to"}},
		{fileCommunes2025, Commune, reformed, []string{"code", "name", "type", "province_code", "valid_from", "valid_to"}},
	}
	for _, st := range steps {
		records, err := readCSV(fsys, st.file, st.header)
		if err != nil {
			return nil, err
		}
		for n, rec := range records {
			u, err := d.addUnit(st.sch, st.level, st.header, rec)
			if err != nil {
				return nil, fmt.Errorf("%s line %d: %w", st.file, n+2, err)
			}
			if u.Level == Commune {
				d.communesByProvince[u.ProvinceCode] = append(d.communesByProvince[u.ProvinceCode], len(d.units)-1)
			}
		}
	}
	for _, idx := range d.communesByProvince {
		slices.SortFunc(idx, func(a, b int) int {
			if c := cmp.Compare(d.units[a].ValidFrom, d.units[b].ValidFrom); c != 0 {
				return c
			}
			return cmp.Compare(d.units[a].Code, d.units[b].Code)
		})
	}
	if err := d.loadMappings(fsys, legacy, reformed); err != nil {
		return nil, err
	}
	return d, nil
}

// addUnit checks one record of a units file and appends the unit it describes.
func (d *dataset) addUnit(sch *scheme, level Level, header, rec []string) (Unit, error) {
	field := func(name string) string { return rec[slices.Index(header, name)] }
	u := Unit{
		Code:      field("code"),
		Name:      field("name"),
		Type:      field("type"),
		Level:     level,
		ValidFrom: field("valid_from"),
		ValidTo:   field("valid_to"),
	}
	if !isCode(u.Code, level) {
		return u, fmt.Errorf("bad %s code %q", level, u.Code)
	}
	if u.Name == "" || u.Type == "" {
		return u, fmt.Errorf("%s %s: empty name or type", level, u.Code)
	}
	if !isDate(u.ValidFrom) || (u.ValidTo != "" && (!isDate(u.ValidTo) || u.ValidTo < u.ValidFrom)) {
		return u, fmt.Errorf("%s %s: bad validity [%q, %q]", level, u.Code, u.ValidFrom, u.ValidTo)
	}
	if _, dup := sch.codes[level][u.Code]; dup {
		return u, fmt.Errorf("duplicate %s %s %s", sch.name, level, u.Code)
	}

	switch {
	case level == District:
		u.ParentCode = field("province_code")
		u.ProvinceCode = u.ParentCode
	case level == Commune && slices.Contains(header, "district_code"):
		u.ParentCode = field("district_code")
		u.ProvinceCode = field("province_code")
		i, ok := sch.codes[District][u.ParentCode]
		if !ok {
			return u, fmt.Errorf("commune %s: unknown %s district %q", u.Code, sch.name, u.ParentCode)
		}
		if d.units[i].ProvinceCode != u.ProvinceCode {
			return u, fmt.Errorf("commune %s: province %q but its district %s is in province %q",
				u.Code, u.ProvinceCode, u.ParentCode, d.units[i].ProvinceCode)
		}
	case level == Commune:
		u.ParentCode = field("province_code")
		u.ProvinceCode = u.ParentCode
	}
	if u.ProvinceCode != "" {
		if _, ok := sch.codes[Province][u.ProvinceCode]; !ok {
			return u, fmt.Errorf("%s %s: unknown %s province %q", level, u.Code, sch.name, u.ProvinceCode)
		}
	}

	d.units = append(d.units, u)
	sch.codes[level][u.Code] = len(d.units) - 1
	k := key{level, u.Code}
	d.byKey[k] = append(d.byKey[k], len(d.units)-1)
	return u, nil
}

// loadMappings reads the mapping file; every code must exist in its scheme.
func (d *dataset) loadMappings(fsys fs.FS, legacy, reformed *scheme) error {
	records, err := readCSV(fsys, fileMapping2025, []string{"level", "legacy_code", "new_code"})
	if err != nil {
		return err
	}
	seen := map[Mapping]bool{}
	for n, rec := range records {
		m := Mapping{Level: Level(rec[0]), LegacyCode: rec[1], NewCode: rec[2]}
		if m.Level != Province && m.Level != Commune {
			return fmt.Errorf("%s line %d: bad level %q", fileMapping2025, n+2, rec[0])
		}
		if _, ok := legacy.codes[m.Level][m.LegacyCode]; !ok {
			return fmt.Errorf("%s line %d: unknown legacy %s %q", fileMapping2025, n+2, m.Level, m.LegacyCode)
		}
		if _, ok := reformed.codes[m.Level][m.NewCode]; !ok {
			return fmt.Errorf("%s line %d: unknown 2025 %s %q", fileMapping2025, n+2, m.Level, m.NewCode)
		}
		if seen[m] {
			return fmt.Errorf("%s line %d: duplicate row", fileMapping2025, n+2)
		}
		seen[m] = true
		if m.Level == Province {
			if prev, dup := d.newProvince[m.LegacyCode]; dup {
				return fmt.Errorf("%s line %d: legacy province %s maps to both %s and %s",
					fileMapping2025, n+2, m.LegacyCode, prev, m.NewCode)
			}
			d.newProvince[m.LegacyCode] = m.NewCode
		} else {
			d.newCommunes[m.LegacyCode] = append(d.newCommunes[m.LegacyCode], m.NewCode)
		}
		d.mappings = append(d.mappings, m)
	}
	for _, codes := range d.newCommunes {
		slices.Sort(codes)
	}
	return nil
}

// readCSV reads a whole CSV file and checks its header and field counts; it
// returns the records after the header.
func readCSV(fsys fs.FS, name string, header []string) ([][]string, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = len(header)
	r.ReuseRecord = false
	got, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file", name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !slices.Equal(got, header) {
		return nil, fmt.Errorf("%s: header %q, want %q", name, got, header)
	}
	records, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return records, nil
}

// isCode reports whether s is a code of the right length for level.
func isCode(s string, level Level) bool {
	want := map[Level]int{Province: 2, District: 3, Commune: 5}[level]
	if want == 0 || len(s) != want {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
