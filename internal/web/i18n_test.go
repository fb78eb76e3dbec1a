package web

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
)

// TestCatalogues_SameKeys: every text exists in every language.
func TestCatalogues_SameKeys(t *testing.T) {
	vi := slices.Sorted(maps.Keys(catalogues["vi"]))
	for _, l := range languages[1:] {
		if got := slices.Sorted(maps.Keys(catalogues[l])); !slices.Equal(got, vi) {
			for _, k := range vi {
				if !has(l, k) {
					t.Errorf("%s lacks %q", l, k)
				}
			}
			for _, k := range got {
				if !has("vi", k) {
					t.Errorf("vi lacks %q", k)
				}
			}
		}
	}
}

// keyUse finds literal catalogue keys in templates (.T "key", label and
// hint keys of fields) and in Go code (T("key"), flash keys, …).
var keyUse = regexp.MustCompile(`(?:\.T |\bT\(|translate\([a-zA-Z.]+, |flash\(w, r, |renderError\(w, r, [a-zA-Z.]+, |"hint=|\.Field "[a-z_0-9]+" )"?([a-z][a-z0-9_]*\.[a-z0-9_.]*[a-z0-9_])"`)

// TestCatalogues_EveryKeyUsed: no text shown is missing from the
// catalogue (a missing key would show the key itself).
func TestCatalogues_EveryKeyUsed(t *testing.T) {
	var files []string
	for _, pattern := range []string{"templates/*.html", "*.go"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	found := 0
	for _, f := range files {
		if filepath.Ext(f) == ".go" && (f == "i18n_test.go" || filepath.Base(f) != f) {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyUse.FindAllStringSubmatch(string(b), -1) {
			found++
			if !has("vi", m[1]) {
				t.Errorf("%s uses %q, which the catalogue lacks", f, m[1])
			}
		}
	}
	if found < 200 {
		t.Errorf("found only %d key uses: is the pattern still right?", found)
	}
}
