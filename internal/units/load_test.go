package units

import (
	"strings"
	"testing"
	"testing/fstest"
)

// validFiles is a tiny well-formed data set for the loader tests.
func validFiles() fstest.MapFS {
	f := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	return fstest.MapFS{
		fileProvincesLegacy: f("code,name,type,valid_from,valid_to\n01,Hà Nội,thành phố trung ương,2008-08-01,2025-06-30\n"),
		fileDistrictsLegacy: f("code,name,type,province_code,valid_from,valid_to\n001,Ba Đình,quận,01,2025-03-01,2025-06-30\n"),
		fileCommunesLegacy:  f("code,name,type,district_code,province_code,valid_from,valid_to\n00001,Phúc Xá,phường,001,01,2025-03-01,2025-06-30\n"),
		fileProvinces2025:   f("code,name,type,valid_from,valid_to\n01,Hà Nội,thành phố trung ương,2025-07-01,\n"),
		fileCommunes2025:    f("code,name,type,province_code,valid_from,valid_to\n00097,Hồng Hà,phường,01,2025-07-01,\n"),
		fileMapping2025:     f("level,legacy_code,new_code\nprovince,01,01\ncommune,00001,00097\n"),
	}
}

func TestLoad_Malformed(t *testing.T) {
	t.Run("valid", func(t *testing.T) {
		d, err := load(validFiles())
		if err != nil {
			t.Fatal(err)
		}
		if len(d.units) != 5 || len(d.mappings) != 2 {
			t.Errorf("got %d units, %d mappings", len(d.units), len(d.mappings))
		}
	})
	tests := []struct {
		name, file, data string
	}{
		{"missing file", fileCommunes2025, ""},
		{"bad header", fileProvinces2025, "code,name,kind,valid_from,valid_to\n"},
		{"wrong field count", fileProvinces2025, "code,name,type,valid_from,valid_to\n01,Hà Nội,tỉnh,2025-07-01\n"},
		{"short code", fileProvinces2025, "code,name,type,valid_from,valid_to\n1,Hà Nội,tỉnh,2025-07-01,\n"},
		{"non-digit code", fileCommunes2025, "code,name,type,province_code,valid_from,valid_to\n0009A,Hồng Hà,phường,01,2025-07-01,\n"},
		{"duplicate code", fileProvinces2025, "code,name,type,valid_from,valid_to\n01,Hà Nội,tỉnh,2025-07-01,\n01,Hà Nội,tỉnh,2025-07-01,\n"},
		{"empty name", fileProvinces2025, "code,name,type,valid_from,valid_to\n01,,tỉnh,2025-07-01,\n"},
		{"bad date", fileProvinces2025, "code,name,type,valid_from,valid_to\n01,Hà Nội,tỉnh,2025-7-1,\n"},
		{"end before start", fileProvinces2025, "code,name,type,valid_from,valid_to\n01,Hà Nội,tỉnh,2025-07-01,2025-01-01\n"},
		{"unknown district", fileCommunesLegacy, "code,name,type,district_code,province_code,valid_from,valid_to\n00001,Phúc Xá,phường,002,01,2025-03-01,2025-06-30\n"},
		{"district in other province", fileCommunesLegacy, "code,name,type,district_code,province_code,valid_from,valid_to\n00001,Phúc Xá,phường,001,02,2025-03-01,2025-06-30\n"},
		{"unknown province", fileDistrictsLegacy, "code,name,type,province_code,valid_from,valid_to\n001,Ba Đình,quận,02,2025-03-01,2025-06-30\n"},
		{"unknown 2025 province", fileCommunes2025, "code,name,type,province_code,valid_from,valid_to\n00097,Hồng Hà,phường,02,2025-07-01,\n"},
		{"mapping bad level", fileMapping2025, "level,legacy_code,new_code\ndistrict,001,00097\n"},
		{"mapping unknown legacy", fileMapping2025, "level,legacy_code,new_code\ncommune,00002,00097\n"},
		{"mapping unknown target", fileMapping2025, "level,legacy_code,new_code\ncommune,00001,00098\n"},
		{"mapping duplicate row", fileMapping2025, "level,legacy_code,new_code\ncommune,00001,00097\ncommune,00001,00097\n"},
	}
	t.Run("province mapped to two provinces", func(t *testing.T) {
		fsys := validFiles()
		fsys[fileProvinces2025] = &fstest.MapFile{Data: []byte("code,name,type,valid_from,valid_to\n" +
			"01,Hà Nội,thành phố trung ương,2025-07-01,\n04,Cao Bằng,tỉnh,2025-07-01,\n")}
		fsys[fileMapping2025] = &fstest.MapFile{Data: []byte("level,legacy_code,new_code\nprovince,01,01\nprovince,01,04\n")}
		if _, err := load(fsys); err == nil || !strings.Contains(err.Error(), "maps to both") {
			t.Errorf("load() error = %v, want a province mapped twice", err)
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := validFiles()
			if tt.data == "" {
				delete(fsys, tt.file)
			} else {
				fsys[tt.file] = &fstest.MapFile{Data: []byte(tt.data)}
			}
			if _, err := load(fsys); err == nil {
				t.Errorf("load accepted malformed %s", tt.file)
			}
		})
	}
}
