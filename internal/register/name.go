package register

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NormalizeName returns a Vietnamese full name in NFC with single spaces
// and each word capitalised as registers write it ("nguyễn  văn an" →
// "Nguyễn Văn An").
func NormalizeName(s string) string {
	words := strings.Fields(norm.NFC.String(s))
	for i, w := range words {
		r := []rune(strings.ToLower(w))
		r[0] = unicode.ToUpper(r[0])
		words[i] = string(r)
	}
	return strings.Join(words, " ")
}

// NameKey folds a name for search: lower case, no diacritics, đ → d, single
// spaces, so that "Nguyen Van An" finds "Nguyễn Văn An". The result is
// ASCII for Vietnamese names, which keeps byte-order range scans valid.
//
// It runs for every row seeded, imported or searched, so names made only
// of ASCII, combining marks and precomposed Latin letters (all Vietnamese
// names) take a table-driven path with one allocation; anything else takes
// the general path (nameKeySlow). Both give the same key.
func NameKey(s string) string {
	b := make([]byte, 0, len(s))
	space := true
	for _, r := range s {
		var c byte
		switch {
		case r < 0x80:
			c = byte(r)
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' {
				if !space {
					b = append(b, ' ')
				}
				space = true
				continue
			}
		case r >= 0x300 && r <= 0x36f: // combining diacritical marks
			continue
		default:
			f, ok := latinFold[r]
			if !ok {
				return nameKeySlow(s)
			}
			c = f
		}
		b = append(b, c)
		space = false
	}
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return string(b)
}

// latinFold maps each precomposed Latin letter whose decomposition is an
// ASCII letter and combining marks (and đ, Đ) to that letter, lower case.
var latinFold = func() map[rune]byte {
	m := map[rune]byte{'đ': 'd', 'Đ': 'd'}
	for _, rg := range [][2]rune{{0xC0, 0x24F}, {0x1E00, 0x1EFF}} {
		for r := rg[0]; r <= rg[1]; r++ {
			d := []rune(norm.NFD.String(string(r)))
			if len(d) < 2 || d[0] >= 0x80 || !unicode.IsLetter(d[0]) {
				continue
			}
			marks := true
			for _, x := range d[1:] {
				marks = marks && unicode.Is(unicode.Mn, x)
			}
			if marks {
				m[r] = byte(unicode.ToLower(d[0]))
			}
		}
	}
	return m
}()

// nameKeySlow is NameKey for any text: decompose, drop marks, fold.
func nameKeySlow(s string) string {
	d := norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	space := true // drops leading spaces and collapses runs
	for _, r := range d {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ' || r == 'Đ':
			r = 'd'
		case unicode.IsSpace(r):
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		default:
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
		space = false
	}
	return strings.TrimRight(b.String(), " ")
}
