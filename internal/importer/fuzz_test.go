package importer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReadRows feeds arbitrary bytes to the CSV reader, the validator and
// the whole import (on a database that keeps nothing), and checks that
// nothing panics and every data row gets exactly one report line. The
// seed corpus is in testdata/fuzz/FuzzReadRows.
func FuzzReadRows(f *testing.F) {
	f.Add([]byte(testHeader + "\nA,Nguyễn Văn An,male,1948,01,00004,Số 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, ok := fuzzRead(t, data)
		if !ok {
			return // the header was refused: the file is, as a whole
		}
		if want, known := plainRows(data); known && rows != want {
			t.Errorf("read %d rows from a file without quotes that has %d non-blank data lines", rows, want)
		}
		path := filepath.Join(t.TempDir(), "fuzz.csv")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		report := path + ".report.csv"
		sum, err := run(context.Background(), discard{}, testOptions(path, report, 4))
		if err != nil {
			t.Fatalf("run() error = %v", err)
		}
		if got := len(readReport(t, report)); got != rows || sum.Rows != rows {
			t.Errorf("report has %d lines, summary %d rows; the reader read %d rows", got, sum.Rows, rows)
		}
	})
}

// fuzzRead reads every row of data, checking each, and returns how many
// there were (ok false if the header was refused).
func fuzzRead(t *testing.T, data []byte) (int, bool) {
	r, err := NewCSVReader(bytes.NewReader(data))
	var he *HeaderError
	if errors.As(err, &he) {
		return 0, false
	}
	if err != nil {
		t.Fatalf("NewCSVReader() error = %v, want a header error or none", err)
	}
	lines := bytes.Count(data, []byte("\n")) + 1
	v := NewValidator(testToday, CommuneCodesAuto)
	n, last := 0, 0
	for {
		row, err := r.Next()
		if err == io.EOF {
			return n, true
		}
		if err != nil {
			t.Fatalf("Next() error = %v", err)
		}
		if row.Line <= last || row.Line > lines {
			t.Fatalf("row at line %d after line %d, in a file of %d lines", row.Line, last, lines)
		}
		last = row.Line
		valid, why := v.Validate(&row)
		if (valid == nil) == (why == nil) {
			t.Fatalf("line %d: Validate() = %v, %v; want exactly one", row.Line, valid, why)
		}
		if row.Malformed != nil && why != row.Malformed {
			t.Fatalf("line %d: a malformed row validated as %v", row.Line, why)
		}
		n++
	}
}

// plainRows counts the data rows of a file without quotes, where each
// non-blank line after the header is one row; known is false otherwise.
func plainRows(data []byte) (n int, known bool) {
	if bytes.ContainsRune(data, '"') {
		return 0, false
	}
	header := false
	for i, line := range strings.Split(string(data), "\n") {
		if i == 0 {
			line = strings.TrimPrefix(line, utf8BOM)
		}
		if len(line) > maxLineBytes {
			return 0, false
		}
		if blank(strings.Split(strings.TrimSuffix(line, "\r"), ",")) {
			continue
		}
		if !header {
			header = true
			continue
		}
		n++
	}
	return n, true
}
