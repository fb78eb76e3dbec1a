package sdjwt_test

import (
	"testing"

	"github.com/dancu-vn/dancu/internal/sdjwt"
)

// FuzzParse feeds the parser of outside input (pushed credentials,
// presentations to verify) arbitrary strings: it must never panic, and
// what it accepts must serialize back to the same string and lay out
// without panicking.
func FuzzParse(f *testing.F) {
	f.Add("eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.AA~")
	f.Add("eyJhbGciOiJFUzI1NiJ9.eyJfc2QiOlsiYSJdfQ.AA~WyJzIiwibiIsMV0~")
	f.Add("eyJhbGciOiJFUzI1NiJ9.eyJuIjpbeyIuLi4iOiJhIn1dfQ.AA~WyJzIiwxXQ~eyJhbGciOiJFUzI1NiJ9.e30.AA")
	f.Add("~~~")
	f.Add("a.b.c~")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := sdjwt.Parse(s)
		if err != nil {
			return
		}
		if got := tok.String(); got != s {
			t.Fatalf("round trip: got %q, want %q", got, s)
		}
		tok.Layout()
		tok.Present([]sdjwt.Path{{"a"}, {"n", nil}}, nil)
	})
}
