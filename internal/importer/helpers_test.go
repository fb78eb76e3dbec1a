package importer

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/dancu-vn/dancu/internal/units"
)

// testNow is the clock of the import tests: 2026-01-15 in Vietnam.
var testNow = func() time.Time { return time.Date(2026, 1, 15, 3, 0, 0, 0, time.UTC) }

// testOptions returns options importing path with a fixed clock and a
// seeded random source.
func testOptions(path, report string, batch int) Options {
	return Options{
		Path: path, ReportPath: report, BatchSize: batch, Now: testNow,
		Rand: rand.New(rand.NewPCG(1, 2)).IntN,
	}
}

// encodeCSV returns rows as CSV text, one record per row.
func encodeCSV(t testing.TB, rows [][]string) string {
	t.Helper()
	var b strings.Builder
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// writeFile writes content to name in a temporary folder.
func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeXLSX writes rows to the first sheet of a new workbook, from row 1.
func writeXLSX(t testing.TB, name string, rows [][]string) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	for i, cells := range rows {
		vals := make([]any, len(cells))
		for j, c := range cells {
			vals[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, vals); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// reportLine is one parsed line of a report.
type reportLine struct {
	line                                 int
	recordID, outcome, id, code, message string
}

// readReport parses a report, checking its header.
func readReport(t testing.TB, path string) []reportLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open report: %v", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("read report: %v", err)
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != strings.Join(reportHeader, ",") {
		t.Fatalf("report header = %v, want %v", recs[:min(1, len(recs))], reportHeader)
	}
	out := make([]reportLine, 0, len(recs)-1)
	for _, r := range recs[1:] {
		n, err := strconv.Atoi(r[0])
		if err != nil {
			t.Fatalf("report line %v: %v", r, err)
		}
		out = append(out, reportLine{n, r[1], r[2], r[3], r[4], r[5]})
	}
	return out
}

// fullHeader is every column, in documented order.
func fullHeader() []string { return append([]string(nil), columnNames[:]...) }

// genRows returns n valid rows (with the full header first) of a synthetic
// population of Huế: random names, dates and communes, and parents chosen
// among earlier rows of the right gender and age.
func genRows(n int, seed uint64) [][]string {
	rnd := rand.New(rand.NewPCG(seed, 7))
	var communes []string
	for _, c := range units.CommunesOf("46", "2026-01-01") {
		communes = append(communes, c.Code)
	}
	families := []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi"}
	middles := map[bool][]string{true: {"Văn", "Đức", "Minh", "Quang"}, false: {"Thị", "Ngọc", "Thu", "Kim"}}
	givens := map[bool][]string{true: {"An", "Bình", "Cường", "Dũng", "Hùng", "Khoa"}, false: {"Lan", "Mai", "Hoa", "Hương", "Linh", "Nga"}}
	type earlier struct {
		id   string
		year int
	}
	parents := map[bool][]earlier{}
	rows := [][]string{fullHeader()}
	for i := range n {
		male := rnd.IntN(2) == 0
		year := 1930 + rnd.IntN(90)
		row := make([]string, numColumns)
		row[ColRecordID] = fmt.Sprintf("HUE-%07d", i+1)
		row[ColFullName] = families[rnd.IntN(len(families))] + " " + middles[male][rnd.IntN(4)] + " " + givens[male][rnd.IntN(6)]
		row[ColGender] = map[bool]string{true: "Nam", false: "Nữ"}[male]
		row[ColBirthDate] = fmt.Sprintf("%02d/%02d/%d", 1+rnd.IntN(28), 1+rnd.IntN(12), year)
		row[ColEthnicity] = "Kinh"
		row[ColPermanentCommune] = communes[rnd.IntN(len(communes))]
		row[ColPermanentAddress] = fmt.Sprintf("Số %d đường %d", 1+rnd.IntN(300), 1+rnd.IntN(80))
		row[ColHometown] = "Thừa Thiên Huế"
		for _, g := range []bool{true, false} {
			if ps := parents[g]; len(ps) > 0 && rnd.IntN(3) == 0 {
				if p := ps[rnd.IntN(len(ps))]; p.year <= year-18 {
					row[map[bool]Column{true: ColFatherID, false: ColMotherID}[g]] = p.id
				}
			}
		}
		parents[male] = append(parents[male], earlier{row[ColRecordID], year})
		rows = append(rows, row)
	}
	return rows
}
