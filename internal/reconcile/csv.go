package reconcile

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/importer"
	"github.com/dancu-vn/dancu/internal/register"
)

// Columns of a list: id_number is required, the others optional and in
// any order; unknown columns are refused (a misspelt one would silently
// check nothing).
var Columns = []string{"record_id", "id_number", "full_name", "birth_date", "gender"}

// ReadCSV reads a list (UTF-8, a header line, at most MaxRows rows). A
// malformed file is an error naming the line; a row with a bad value is
// kept with its Problem, so that the report answers every row.
func ReadCSV(r io.Reader) ([]Row, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, apperr.E(apperr.Invalid, "the list is empty: a header line is required")
	}
	if err != nil {
		return nil, apperr.E(apperr.Invalid, "line 1: %v", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slices.Contains(Columns, h) {
			return nil, apperr.E(apperr.Invalid, "line 1: unknown column %q (the columns are %s)", h, strings.Join(Columns, ", "))
		}
		if _, dup := col[h]; dup {
			return nil, apperr.E(apperr.Invalid, "line 1: column %q appears twice", h)
		}
		col[h] = i
	}
	if _, ok := col["id_number"]; !ok {
		return nil, apperr.E(apperr.Invalid, "line 1: the id_number column is required")
	}
	var rows []Row
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, apperr.E(apperr.Invalid, "line %d: %v", line, err)
		}
		if len(rows) == MaxRows {
			return nil, apperr.E(apperr.Invalid, "a list holds at most %d rows: send it in parts", MaxRows)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return norm.NFC.String(strings.TrimSpace(rec[i]))
			}
			return ""
		}
		rows = append(rows, parseRow(line, get))
	}
}

// parseRow reads one row's values, noting the first bad one.
func parseRow(line int, get func(string) string) Row {
	row := Row{Line: line, RecordID: get("record_id"), IDNumber: get("id_number"), FullName: get("full_name")}
	if b := get("birth_date"); b != "" {
		iso, ok := importer.ISODate(b)
		if _, err := register.ParseDate("birth_date", iso); !ok || err != nil {
			row.Problem = fmt.Sprintf("birth_date %q is not a date: use YYYY, YYYY-MM, YYYY-MM-DD, MM/YYYY or DD/MM/YYYY", b)
		}
		row.BirthDate = iso
	}
	switch g := strings.ToLower(get("gender")); g {
	case "":
	case "male", "nam":
		row.Gender = "male"
	case "female", "nữ", "nu":
		row.Gender = "female"
	default:
		if row.Problem == "" {
			row.Problem = fmt.Sprintf("gender %q is not male, female, Nam or Nữ", g)
		}
	}
	return row
}

// ReportColumns are the report's columns.
var ReportColumns = []string{"line", "record_id", "id_number", "outcome", "differs", "status", "death_date", "kept_id_number",
	"register_full_name", "register_birth_date", "register_gender", "message"}

// WriteCSV writes the report: one line per row of the list, in its order.
func WriteCSV(w io.Writer, results []Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(ReportColumns); err != nil {
		return err
	}
	for _, r := range results {
		if err := cw.Write([]string{strconv.Itoa(r.Line), r.RecordID, r.IDNumber, r.Outcome, strings.Join(r.Fields, ";"),
			r.Status, r.DeathDate, r.KeptID, r.RegisterFullName, r.RegisterBirthDate, r.RegisterGender, r.Message}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
