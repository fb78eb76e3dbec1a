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
func NameKey(s string) string {
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
