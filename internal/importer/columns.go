package importer

import (
	"fmt"
	"strings"
)

// Column is one of the documented columns of an import file.
type Column int

// The documented columns, in the order docs/import.md lists them.
const (
	ColRecordID Column = iota
	ColIDNumber
	ColFullName
	ColGender
	ColBirthDate
	ColBirthPlace
	ColHometown
	ColEthnicity
	ColReligion
	ColNationality
	ColStatus
	ColDeathDate
	ColPermanentCommune
	ColPermanentAddress
	ColFatherID
	ColMotherID
	ColBirthProvince
	numColumns
)

// columnNames are the header names, lower case; the index is the Column.
var columnNames = [numColumns]string{
	"record_id", "id_number", "full_name", "gender", "birth_date", "birth_place", "hometown",
	"ethnicity", "religion", "nationality", "status", "death_date", "permanent_commune",
	"permanent_address", "father_id", "mother_id", "birth_registration_province",
}

// requiredColumns must appear in the header: without them no row could be
// valid, so a file lacking one is refused before anything is written.
var requiredColumns = []Column{
	ColRecordID, ColFullName, ColGender, ColBirthDate, ColEthnicity, ColPermanentCommune, ColPermanentAddress,
}

// String returns the column's header name.
func (c Column) String() string {
	if c < 0 || c >= numColumns {
		return fmt.Sprintf("column(%d)", int(c))
	}
	return columnNames[c]
}

// noColumn marks a file column whose header cell is empty: it may only hold
// empty cells (spreadsheets often carry such trailing columns), and a value
// in it makes its row malformed rather than being dropped.
const noColumn Column = -1

// HeaderError lists everything wrong with a file's header. The whole file
// is refused, before any write, so that a misspelt column never silently
// drops data.
type HeaderError struct {
	Line     int
	Problems []string
}

// Error implements error.
func (e *HeaderError) Error() string {
	return fmt.Sprintf("header (line %d): %s; the columns are: %s", e.Line, strings.Join(e.Problems, "; "),
		strings.Join(columnNames[:], ", "))
}

// parseHeader maps each cell of a header row to a Column. Names are
// compared case-insensitively after trimming spaces; a leading UTF-8 byte
// order mark has already been removed by the reader.
func parseHeader(line int, cells []string) ([]Column, error) {
	cols := make([]Column, len(cells))
	seen := make(map[Column]int, len(cells))
	var problems []string
	for i, cell := range cells {
		name := strings.ToLower(strings.TrimSpace(cell))
		if name == "" {
			cols[i] = noColumn
			continue
		}
		c, ok := columnByName(name)
		if !ok {
			problems = append(problems, fmt.Sprintf("unknown column %q (column %d)", cell, i+1))
			continue
		}
		if first, dup := seen[c]; dup {
			problems = append(problems, fmt.Sprintf("column %s appears twice (columns %d and %d)", c, first+1, i+1))
			continue
		}
		seen[c] = i
		cols[i] = c
	}
	for _, c := range requiredColumns {
		if _, ok := seen[c]; !ok {
			problems = append(problems, fmt.Sprintf("required column %s is missing", c))
		}
	}
	if len(problems) > 0 {
		return nil, &HeaderError{Line: line, Problems: problems}
	}
	return cols, nil
}

func columnByName(name string) (Column, bool) {
	for i, n := range columnNames {
		if n == name {
			return Column(i), true
		}
	}
	return 0, false
}

// Row is one data row of an import file, its cells placed by Column.
type Row struct {
	// Line is where the row starts: the line number in a CSV file (a
	// quoted field may continue on further lines), the row number in a
	// spreadsheet.
	Line   int
	Values [numColumns]string
	// Malformed is set when the row could not be read as cells (bad
	// quoting, wrong cell count, invalid UTF-8); Values then holds what
	// could be salvaged, at most the record_id.
	Malformed *Reason
}

// Get returns the trimmed value of a cell.
func (r *Row) Get(c Column) string { return strings.TrimSpace(r.Values[c]) }

// blank reports whether every cell is empty: such rows carry no data and
// are not data rows (spreadsheets and editors leave them at the end).
func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// place fills a Row from the cells of one record under the header's
// columns. Cells beyond the header, or under a header cell left empty,
// must be empty.
func place(line int, cols []Column, cells []string) Row {
	row := Row{Line: line}
	for i, cell := range cells {
		if i >= len(cols) || cols[i] == noColumn {
			if strings.TrimSpace(cell) != "" {
				row.Malformed = reasonf(CodeMalformedRow, "column %d has a value but no header", i+1)
			}
			continue
		}
		row.Values[cols[i]] = cell
	}
	if row.Malformed != nil {
		row.salvage()
	}
	return row
}

// salvage keeps only the record_id of a malformed row, for the report:
// the other cells cannot be trusted to be where the header says.
func (r *Row) salvage() {
	id := r.Values[ColRecordID]
	r.Values = [numColumns]string{ColRecordID: id}
}
