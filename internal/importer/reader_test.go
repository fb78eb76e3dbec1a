package importer

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// testHeader is a minimal header with every required column.
const testHeader = "record_id,full_name,gender,birth_date,ethnicity,permanent_commune,permanent_address"

// got is what a reader returned for one row, in a comparable form.
type got struct {
	line      int
	recordID  string
	malformed bool
}

func readAll(t *testing.T, r Reader) []got {
	t.Helper()
	var out []got
	for {
		row, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("Next() error = %v", err)
		}
		if row.Malformed != nil && row.Malformed.Code != CodeMalformedRow {
			t.Errorf("line %d: malformed with code %s", row.Line, row.Malformed.Code)
		}
		out = append(out, got{row.Line, row.Get(ColRecordID), row.Malformed != nil})
	}
}

func TestCSVReader_Next(t *testing.T) {
	ok := func(id string) string { return id + ",Nguyễn Văn An,male,1948,01,00004,Số 1" }
	tests := []struct {
		name string
		in   string
		want []got
	}{
		{"plain", testHeader + "\n" + ok("A") + "\n" + ok("B") + "\n",
			[]got{{2, "A", false}, {3, "B", false}}},
		{"BOM, CRLF, no final newline", "\uFEFF" + testHeader + "\r\n" + ok("A") + "\r\n" + ok("B"),
			[]got{{2, "A", false}, {3, "B", false}}},
		{"blank lines and empty records are not rows", testHeader + "\n\n" + ok("A") + "\n   \n,,,,,,\n" + ok("B") + "\n\n",
			[]got{{3, "A", false}, {6, "B", false}}},
		{"quoted fields", testHeader + "\n" + `"A","Nguyễn Văn ""An""",male,1948,01,00004,"Số 1, Quán Thánh"` + "\n" + ok("B") + "\n",
			[]got{{2, "A", false}, {3, "B", false}}},
		{"field across lines", testHeader + "\n" + `A,Nguyễn Văn An,male,1948,01,00004,"Số 1` + "\n" + `Quán Thánh"` + "\n" + ok("B") + "\n",
			[]got{{2, "A", false}, {4, "B", false}}},
		{"bare quote", testHeader + "\n" + `A,Nguyễn "Văn An,male,1948,01,00004,Số 1` + "\n" + ok("B") + "\n",
			[]got{{2, "", true}, {3, "B", false}}},
		{"unclosed quote costs one line", testHeader + "\n" + `A,"Nguyễn Văn An,male,1948,01,00004,Số 1` + "\n" + ok("B") + "\n" + ok("C") + "\n",
			[]got{{2, "", true}, {3, "B", false}, {4, "C", false}}},
		{"unclosed quote on the last line", testHeader + "\n" + ok("A") + "\n" + `B,"Nguyễn`,
			[]got{{2, "A", false}, {3, "", true}}},
		{"text after a closing quote", testHeader + "\n" + `A,"Nguyễn Văn" An,male,1948,01,00004,Số 1` + "\n" + ok("B") + "\n",
			[]got{{2, "", true}, {3, "B", false}}},
		{"too few fields", testHeader + "\n" + "A,Nguyễn Văn An,male\n" + ok("B") + "\n",
			[]got{{2, "A", true}, {3, "B", false}}},
		{"too many fields", testHeader + "\n" + ok("A") + ",extra\n" + ok("B") + "\n",
			[]got{{2, "A", true}, {3, "B", false}}},
		{"invalid UTF-8", testHeader + "\n" + "A,Nguy\xe1n V\xe3n An,male,1948,01,00004,S\xf4 1\n" + ok("B") + "\n",
			[]got{{2, "", true}, {3, "B", false}}},
		{"NUL byte", testHeader + "\n" + "A,Nguyễn\x00,male,1948,01,00004,Số 1\n" + ok("B") + "\n",
			[]got{{2, "", true}, {3, "B", false}}},
		{"line too long", testHeader + "\n" + ok("A") + strings.Repeat("x", maxLineBytes) + "\n" + ok("B") + "\n",
			[]got{{2, "", true}, {3, "B", false}}},
		{"long line within limits", testHeader + "\n" + ok("A") + strings.Repeat("x", 100<<10) + "\n" + ok("B") + "\n",
			[]got{{2, "A", false}, {3, "B", false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewCSVReader(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("NewCSVReader() error = %v", err)
			}
			rows := readAll(t, r)
			if len(rows) != len(tt.want) {
				t.Fatalf("rows = %+v, want %+v", rows, tt.want)
			}
			for i := range rows {
				if rows[i] != tt.want[i] {
					t.Errorf("row %d = %+v, want %+v", i, rows[i], tt.want[i])
				}
			}
		})
	}
}

func TestCSVReader_Header(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		problems []string // substrings of the HeaderError, none if accepted
	}{
		{"case and spaces", " Record_ID ,FULL_NAME,gender,birth_date,Ethnicity,permanent_commune,permanent_address\n", nil},
		{"every column", strings.Join(columnNames[:], ",") + "\n", nil},
		{"empty trailing column", testHeader + ",\n", nil},
		{"unknown column", testHeader + ",ho_ten\n", []string{`unknown column "ho_ten" (column 8)`}},
		{"misspelt column", strings.Replace(testHeader, "full_name", "fullname", 1) + "\n",
			[]string{`unknown column "fullname"`, "required column full_name is missing"}},
		{"duplicate column", testHeader + ",Gender\n", []string{"column gender appears twice (columns 3 and 8)"}},
		{"missing required column", "record_id,full_name\n", []string{"required column gender is missing", "required column permanent_address is missing"}},
		{"empty file", "", []string{"the file is empty"}},
		{"only blank lines", "\n\n", []string{"the file is empty"}},
		{"bad quoting", `record_id,"full_name` + "\n", []string{"bad quoting"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCSVReader(strings.NewReader(tt.in))
			if tt.problems == nil {
				if err != nil {
					t.Fatalf("NewCSVReader() error = %v", err)
				}
				return
			}
			var he *HeaderError
			if !errors.As(err, &he) {
				t.Fatalf("NewCSVReader() error = %v, want a *HeaderError", err)
			}
			for _, p := range tt.problems {
				if !strings.Contains(err.Error(), p) {
					t.Errorf("error %q does not say %q", err, p)
				}
			}
		})
	}
}

func TestCSVReader_ValueUnderEmptyHeader(t *testing.T) {
	in := testHeader + ",\n" + "A,Nguyễn Văn An,male,1948,01,00004,Số 1,\n" + "B,Nguyễn Văn An,male,1948,01,00004,Số 1,oops\n"
	r, err := NewCSVReader(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	rows := readAll(t, r)
	want := []got{{2, "A", false}, {3, "B", true}}
	if len(rows) != 2 || rows[0] != want[0] || rows[1] != want[1] {
		t.Errorf("rows = %+v, want %+v", rows, want)
	}
}

// xlsxBytes builds a workbook whose first sheet holds rows at the given
// sheet row numbers.
func xlsxBytes(t testing.TB, rows map[int][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	for n, cells := range rows {
		vals := make([]any, len(cells))
		for i, c := range cells {
			vals[i] = c
		}
		cell, err := excelize.CoordinatesToCellName(1, n)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetSheetRow(sheet, cell, &vals); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestXLSXReader_Next(t *testing.T) {
	cells := func(id string) []string {
		return []string{id, "Nguyễn Văn An", "male", "1948", "01", "00004", "Số 1"}
	}
	head := strings.Split(testHeader, ",")
	data := xlsxBytes(t, map[int][]string{
		2: head, // a title-less sheet may start lower
		3: cells("A"),
		5: cells("B"), // row 4 is a gap
		6: append(cells("C"), "", ""),
		7: append(cells("D"), "", "beyond the header"),
		8: {"E", "Nguyễn Văn An"}, // trailing cells missing: empty, not malformed
		9: {"", "", ""},
	})
	r, err := NewXLSXReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("NewXLSXReader() error = %v", err)
	}
	defer r.Close()
	rows := readAll(t, r)
	want := []got{{3, "A", false}, {5, "B", false}, {6, "C", false}, {7, "D", true}, {8, "E", false}}
	if len(rows) != len(want) {
		t.Fatalf("rows = %+v, want %+v", rows, want)
	}
	for i := range rows {
		if rows[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, rows[i], want[i])
		}
	}
}

func TestXLSXReader_DateCells(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	head := strings.Split(testHeader, ",")
	if err := f.SetSheetRow(sheet, "A1", &head); err != nil {
		t.Fatal(err)
	}
	row := []any{"A", "Nguyễn Văn An", "male", time.Date(1948, 3, 14, 0, 0, 0, 0, time.UTC), "01", "00004", "Số 1"}
	if err := f.SetSheetRow(sheet, "A2", &row); err != nil {
		t.Fatal(err)
	}
	// Excel keeps a typed date as a serial number with the locale's short
	// date format, number format 14.
	style, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStyle(sheet, "D2", "D2", style); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	r, err := NewXLSXReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Get(ColBirthDate); d != "1948-03-14" {
		t.Errorf("date cell read as %q, want 1948-03-14", d)
	}
}

func TestXLSXReader_Header(t *testing.T) {
	data := xlsxBytes(t, map[int][]string{1: append(strings.Split(testHeader, ","), "Họ tên")})
	_, err := NewXLSXReader(bytes.NewReader(data))
	var he *HeaderError
	if !errors.As(err, &he) || !strings.Contains(err.Error(), `unknown column "Họ tên"`) {
		t.Errorf("NewXLSXReader() error = %v, want the unknown column named", err)
	}
}

func TestOpen_Extension(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "persons.xls"))
	if err == nil || !strings.Contains(err.Error(), ".csv or .xlsx") {
		t.Errorf("Open(.xls) error = %v, want the accepted formats named", err)
	}
}
