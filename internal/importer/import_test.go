package importer

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// e2eRow is one row of the end-to-end file and what must become of it.
type e2eRow struct {
	cells   map[Column]string // over e2eBase; nil for a raw line
	raw     string            // a CSV line written as is (malformed rows)
	outcome Outcome           // "" for a line that is not a data row
	code    string
	csvOnly bool // a cell a workbook cannot hold (XML has no control characters)
}

// e2eBase is a valid row; each e2eRow changes some cells of it.
var e2eBase = map[Column]string{
	ColFullName: "Phạm Văn Giang", ColGender: "male", ColBirthDate: "1960", ColEthnicity: "Kinh",
	ColPermanentCommune: "00004", ColPermanentAddress: "Số 9 Quán Thánh",
}

// The ID number row P4 gives, which P8 matches and P9 clashes with.
const givenID = "001090123456"

var e2eRows = []e2eRow{
	{cells: map[Column]string{ColRecordID: "P1", ColFullName: "Nguyễn Văn An", ColGender: "Nam", ColBirthDate: "14/03/1948",
		ColBirthPlace: "Hà Nội", ColHometown: "Nam Định"}, outcome: Created},
	{cells: map[Column]string{ColRecordID: "P2", ColFullName: "trần thị  bình", ColGender: "Nữ", ColBirthDate: "1952",
		ColReligion: "Phật giáo", ColStatus: "dead", ColDeathDate: "1990", ColPermanentCommune: "00001"}, outcome: Created},
	{cells: map[Column]string{ColRecordID: "P3", ColFullName: "Nguyễn Văn Cường", ColBirthDate: "06/1975",
		ColFatherID: "P1", ColMotherID: "P2"}, outcome: Created},
	{cells: map[Column]string{ColRecordID: "P4", ColFullName: "Lê Văn Dũng", ColBirthDate: "1990", ColIDNumber: givenID}, outcome: Created},
	{raw: ""}, // a blank line is not a row
	{cells: map[Column]string{ColRecordID: "P5", ColPermanentAddress: "Số 5\nLê Lợi"}, outcome: Created},
	{cells: map[Column]string{ColRecordID: "P6", ColFatherID: "P99"}, outcome: Created, code: CodeUnknownParent},
	{cells: map[Column]string{ColRecordID: "P7", ColGender: "female", ColBirthDate: "1980", ColMotherID: "P1"}, outcome: Created, code: CodeParentMismatch},
	{cells: map[Column]string{ColRecordID: "P8", ColFullName: "Lê Văn Dũng", ColBirthDate: "1990", ColIDNumber: givenID}, outcome: AlreadyPresent, code: CodeMatchedIDNumber},
	{cells: map[Column]string{ColRecordID: "P9", ColFullName: "Phạm Văn Em", ColBirthDate: "1990", ColIDNumber: givenID}, outcome: Rejected, code: CodeIDNumberTaken},
	{cells: map[Column]string{ColRecordID: "P10", ColBirthDate: "2010", ColFatherID: givenID}, outcome: Created},
	{cells: map[Column]string{ColRecordID: "P1"}, outcome: Rejected, code: CodeDuplicateRecord},
	{cells: map[Column]string{ColRecordID: "B1", ColFullName: ""}, outcome: Rejected, code: CodeMissingField},
	{cells: map[Column]string{ColRecordID: "B2", ColFullName: "Giang"}, outcome: Rejected, code: CodeInvalidName},
	{cells: map[Column]string{ColRecordID: "B3", ColGender: "x"}, outcome: Rejected, code: CodeInvalidGender},
	{cells: map[Column]string{ColRecordID: "B4", ColBirthDate: "31/02/1980"}, outcome: Rejected, code: CodeInvalidDate},
	{cells: map[Column]string{ColRecordID: "B5", ColIDNumber: "12345"}, outcome: Rejected, code: CodeInvalidIDNumber},
	{cells: map[Column]string{ColRecordID: "B6", ColIDNumber: "001160123456"}, outcome: Rejected, code: CodeIDNumberMismatch},
	{cells: map[Column]string{ColRecordID: "B7", ColPermanentCommune: "99999"}, outcome: Rejected, code: CodeUnknownCommune},
	{cells: map[Column]string{ColRecordID: "B8", ColPermanentCommune: "00007"}, outcome: Rejected, code: CodeAmbiguousCommune},
	{cells: map[Column]string{ColRecordID: "B9", ColEthnicity: "Martian"}, outcome: Rejected, code: CodeUnknownEthnicity},
	{cells: map[Column]string{ColRecordID: "B10", ColReligion: "jedi"}, outcome: Rejected, code: CodeUnknownReligion},
	{cells: map[Column]string{ColRecordID: "B11", ColStatus: "alive"}, outcome: Rejected, code: CodeInvalidStatus},
	{cells: map[Column]string{ColRecordID: "B12", ColNationality: "Vietnam"}, outcome: Rejected, code: CodeInvalidNationality},
	{cells: map[Column]string{ColRecordID: "B13", ColBirthProvince: "003"}, outcome: Rejected, code: CodeInvalidProvince},
	{cells: map[Column]string{ColRecordID: "B14", ColPermanentAddress: "Số 1\x07"}, outcome: Rejected, code: CodeInvalidValue, csvOnly: true},
	{raw: "M1,too,few", outcome: Rejected, code: CodeMalformedRow},
	{raw: `M2,,Phạm "Văn Giang,male,1960,,,Kinh,,,,,00004,Số 9,,,`, outcome: Rejected, code: CodeMalformedRow},
	{raw: `M3,,"Phạm Văn Giang,male,1960,,,Kinh,,,,,00004,Số 9,,,`, outcome: Rejected, code: CodeMalformedRow},
	{raw: "M4,,Ph\xe1m V\xe3n Giang,male,1960,,,Kinh,,,,,00004,S\xf4 9,,,", outcome: Rejected, code: CodeMalformedRow},
	{cells: map[Column]string{ColRecordID: "P11"}, outcome: Created}, // read normally after the unclosed quote
}

// e2eCells returns the cells of row r.
func e2eCells(r e2eRow) []string {
	cells := make([]string, numColumns)
	for c, v := range e2eBase {
		cells[c] = v
	}
	for c, v := range r.cells {
		cells[c] = v
	}
	return cells
}

// e2eCSV writes the end-to-end file and returns the line of each row (0
// for lines that are not rows).
func e2eCSV(t *testing.T) (string, []int) {
	t.Helper()
	text := encodeCSV(t, [][]string{fullHeader()})
	lines := make([]int, len(e2eRows))
	next := 2
	for i, r := range e2eRows {
		rec := r.raw + "\n"
		if r.cells != nil {
			rec = encodeCSV(t, [][]string{e2eCells(r)})
		}
		if r.outcome != "" {
			lines[i] = next
		}
		next += strings.Count(rec, "\n")
		text += rec
	}
	return writeFile(t, "civil-book-1.csv", text), lines
}

// e2eXLSX writes the rows that a spreadsheet can hold (all but the raw
// lines) and returns their sheet row numbers.
func e2eXLSX(t *testing.T) (string, []int) {
	t.Helper()
	rows := [][]string{fullHeader()}
	lines := make([]int, len(e2eRows))
	for i, r := range e2eRows {
		if r.cells == nil || r.csvOnly {
			continue
		}
		rows = append(rows, e2eCells(r))
		lines[i] = len(rows)
	}
	return writeXLSX(t, "civil-book-1.xlsx", rows), lines
}

// checkReport compares a report with the expected outcomes; on a re-run
// everything accepted before is already_present.
func checkReport(t *testing.T, report string, lines []int, rerun bool) map[string]string {
	t.Helper()
	got := readReport(t, report)
	byLine := make(map[int]reportLine, len(got))
	for _, l := range got {
		byLine[l.line] = l
	}
	want := 0
	ids := map[string]string{} // record_id → ID number of accepted rows
	for i, r := range e2eRows {
		if lines[i] == 0 {
			continue
		}
		want++
		outcome, code := r.outcome, r.code
		if rerun && outcome != Rejected {
			outcome, code = AlreadyPresent, CodePreviouslyImported
		}
		l, ok := byLine[lines[i]]
		switch {
		case !ok:
			t.Errorf("line %d (%s): not in the report", lines[i], r.cells[ColRecordID])
			continue
		case Outcome(l.outcome) != outcome || l.code != code:
			t.Errorf("line %d (%s): %s %q (%s), want %s %q", lines[i], l.recordID, l.outcome, l.code, l.message, outcome, code)
		case (outcome == Rejected) != (l.id == ""):
			t.Errorf("line %d: outcome %s with ID number %q", lines[i], l.outcome, l.id)
		case outcome == Rejected && l.message == "":
			t.Errorf("line %d: rejected without a message", lines[i])
		}
		if outcome != Rejected {
			ids[l.recordID] = l.id
		}
	}
	if len(got) != want {
		t.Errorf("report has %d lines, want one per data row: %d", len(got), want)
	}
	return ids
}

// checkRegister checks what the import wrote.
func checkRegister(t *testing.T, db *store.DB, ids map[string]string) {
	t.Helper()
	ctx := context.Background()
	created := 0
	for _, r := range e2eRows {
		if r.outcome == Created {
			created++
		}
	}
	if n, err := db.CountPersons(ctx); err != nil || n != int64(created) {
		t.Errorf("CountPersons() = %d, %v; want %d", n, err, created)
	}
	person := func(rid string) *register.Person {
		p, err := db.Person(ctx, ids[rid])
		if err != nil {
			t.Fatalf("Person(%s = %q): %v", rid, ids[rid], err)
		}
		return p
	}
	if p := person("P3"); p.FatherID != ids["P1"] || p.MotherID != ids["P2"] {
		t.Errorf("P3 parents = %q, %q; want P1 %q and P2 %q", p.FatherID, p.MotherID, ids["P1"], ids["P2"])
	}
	if p := person("P2"); p.FullName != "Trần Thị Bình" || p.Status != register.Dead || p.Permanent.Commune != "00097" || p.Religion != "buddhism" {
		t.Errorf("P2 = %+v", p)
	}
	if p := person("P6"); p.FatherID != "" {
		t.Errorf("P6 kept the unknown father %q", p.FatherID)
	}
	if p := person("P10"); p.FatherID != givenID {
		t.Errorf("P10 father = %q, want %s (by ID number)", p.FatherID, givenID)
	}
	if ids["P4"] != givenID || ids["P8"] != givenID {
		t.Errorf("P4, P8 ID numbers = %q, %q; want the given %s", ids["P4"], ids["P8"], givenID)
	}
	evs, err := db.PersonEvents(ctx, ids["P1"])
	if err != nil || len(evs) != 1 {
		t.Fatalf("PersonEvents(P1) = %d events, %v; want 1", len(evs), err)
	}
	e := evs[0]
	if e.Kind != register.KindInitial || e.Seq != 1 || e.EffectiveDate != "1948-03-14" || e.Officer != "import:civil-book-1" ||
		e.Legal.DocumentNo != "IMPORT civil-book-1" || e.Legal.DocumentDate != "2026-01-15" || e.Legal.Issuer != "dancu import" {
		t.Errorf("P1's event = %+v", e)
	}
	replayed, _, err := register.Replay(evs, "", e.RecordedAt)
	if err != nil || replayed.FullName != "Nguyễn Văn An" || replayed.IDNumber != ids["P1"] || replayed.HouseholdID != "" {
		t.Errorf("Replay(P1) = %+v, %v", replayed, err)
	}
	imported, err := db.ImportedIDs(ctx, "civil-book-1", []string{"P1", "P4", "P8", "P9", "B1"})
	if err != nil || len(imported) != 3 || imported["P8"] != givenID {
		t.Errorf("ImportedIDs() = %v, %v; want P1, P4 and P8 (matched)", imported, err)
	}
}

func TestRun_CSV(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		testRunFile(t, db, e2eCSV)
	})
}

func TestRun_XLSX(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		testRunFile(t, db, e2eXLSX)
	})
}

// testRunFile imports a file, checks the report and the register, then
// imports it again and checks that nothing new was created.
func testRunFile(t *testing.T, db *store.DB, build func(*testing.T) (string, []int)) {
	ctx := context.Background()
	path, lines := build(t)
	report := path + ".report.csv"
	sum, err := Run(ctx, db, testOptions(path, report, 3))
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	ids := checkReport(t, report, lines, false)
	checkRegister(t, db, ids)
	if sum.Rows != sum.Created+sum.AlreadyPresent+sum.Rejected || sum.Warnings != 2 || sum.AlreadyPresent != 1 {
		t.Errorf("summary = %+v", sum)
	}
	if _, err := os.Stat(partialPath(report)); !os.IsNotExist(err) {
		t.Errorf("the partial report is left behind: %v", err)
	}

	again, err := Run(ctx, db, testOptions(path, report, 3))
	if err != nil {
		t.Fatalf("second Run() error = %v", err)
	}
	ids2 := checkReport(t, report, lines, true)
	for rid, id := range ids {
		if ids2[rid] != id {
			t.Errorf("re-run: %s is %q, was %q", rid, ids2[rid], id)
		}
	}
	if again.Created != 0 || again.Rejected != sum.Rejected || again.AlreadyPresent != sum.Created+sum.AlreadyPresent {
		t.Errorf("re-run summary = %+v after %+v", again, sum)
	}
	checkRegister(t, db, ids)
}

func TestRun_UnknownColumn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		header := append(fullHeader(), "ho_ten")
		row := append(e2eCells(e2eRows[0]), "Nguyễn Văn An")
		path := writeFile(t, "book.csv", encodeCSV(t, [][]string{header, row}))
		report := path + ".report.csv"
		_, err := Run(context.Background(), db, testOptions(path, report, 3))
		var he *HeaderError
		if !errors.As(err, &he) || !strings.Contains(err.Error(), `"ho_ten"`) {
			t.Fatalf("Run() error = %v, want a header error naming ho_ten", err)
		}
		for _, p := range []string{report, partialPath(report)} {
			if _, err := os.Stat(p); !os.IsNotExist(err) {
				t.Errorf("%s exists after a refused file", p)
			}
		}
		if n, _ := db.CountPersons(context.Background()); n != 0 {
			t.Errorf("%d persons written from a refused file", n)
		}
	})
}
