package ekyc

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
)

// FuzzCSVFields: a line is split into the fields encoding/csv reads from
// it, and a field is written as encoding/csv's Writer writes it, so that
// the fast paths of a bulk job change nothing in what it reads or
// returns.
func FuzzCSVFields(f *testing.F) {
	for _, s := range []string{"046190001234,Nguyễn Văn An", `a,"b,c",d`, " a, b ", `\.`, "x\r\ny", `"`, "", ",,", "a\"b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, gotErr := csvFields(s)
		want, wantErr := csv.NewReader(strings.NewReader(s)).Read()
		if (gotErr == nil) != (wantErr == nil) || gotErr == nil && !slices.Equal(got, want) {
			t.Errorf("csvFields(%q) = %q, %v; encoding/csv: %q, %v", s, got, gotErr, want, wantErr)
		}
		// (A record of one empty field is written "\"\"": a result line
		// always has several, so the field is written after another.)
		var b strings.Builder
		b.WriteString("a,")
		appendCSVField(&b, s)
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Write([]string{"a", s})
		w.Flush()
		if wantOut := strings.TrimSuffix(buf.String(), "\n"); b.String() != wantOut {
			t.Errorf("appendCSVField(%q) = %q, encoding/csv writes %q", s, b.String(), wantOut)
		}
	})
}
