package register

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseDate: dates come from every API client and import file.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"1948", "1948-03", "1948-03-14", "2024-02-29", "2023-02-29", "0000", "+948", "1948-3-4", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate("d", s)
		if err != nil {
			return
		}
		if string(d) != s || d.Year() < 1800 || d.Year() > 2399 {
			t.Fatalf("ParseDate(%q) = %q, year %d", s, d, d.Year())
		}
		if e := d.Earliest(); len(e) != 10 || !strings.HasPrefix(e, s) {
			t.Fatalf("Earliest(%q) = %q", s, e)
		}
	})
}

// FuzzNameKey: search keys must be stable and safe for byte-order range
// scans (see store.SearchPersons).
func FuzzNameKey(f *testing.F) {
	for _, s := range []string{"Nguyễn Văn An", "  ĐẶNG   thị ánh ", "H'Hen Niê", "Nguye\u0302\u0303n", "\t\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := NameKey(s)
		if NameKey(k) != k {
			t.Fatalf("NameKey is not idempotent on %q: %q then %q", s, k, NameKey(k))
		}
		if strings.HasPrefix(k, " ") || strings.HasSuffix(k, " ") || strings.Contains(k, "  ") {
			t.Fatalf("NameKey(%q) = %q has stray spaces", s, k)
		}
		if utf8.ValidString(s) {
			name := NormalizeName(s)
			if NameKey(name) != k {
				t.Fatalf("normalising %q changes its key: %q vs %q", s, NameKey(name), k)
			}
		}
	})
}

// FuzzNameKeyPaths: the table-driven path gives the general path's key.
func FuzzNameKeyPaths(f *testing.F) {
	for _, s := range []string{"Nguyễn Văn An", "ĐẶNG THỊ ÁNH", "H'Hen Niê", "Nguye\u0302\u0303n", "Ǆ ǅ ǆ", "Ørsted ßtraße", "İ ı", "a\u00a0b", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if NameKey(s) != nameKeySlow(s) {
			t.Fatalf("NameKey(%q) = %q, general path %q", s, NameKey(s), nameKeySlow(s))
		}
	})
}
