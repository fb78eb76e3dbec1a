package importer

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// XLSXReader reads the first sheet of an Excel workbook row by row,
// streaming it rather than loading the sheet into memory. Line numbers are
// sheet row numbers, as Excel shows them.
type XLSXReader struct {
	f    *excelize.File
	rows *excelize.Rows
	cols []Column
	n    int // sheet rows passed so far
}

// xlsxOptions render date cells stored with Excel's locale short-date
// format (how a date typed into a cell is usually kept) as YYYY-MM-DD,
// which Validate reads, rather than as an ambiguous m-d-yy.
var xlsxOptions = excelize.Options{ShortDatePattern: "yyyy-mm-dd"}

func openXLSX(path string) (*XLSXReader, error) {
	f, err := excelize.OpenFile(path, xlsxOptions)
	if err != nil {
		return nil, fmt.Errorf("open import workbook: %w", err)
	}
	r, err := newXLSXReader(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

// NewXLSXReader reads the header of the first sheet of a workbook read
// from r.
func NewXLSXReader(r io.Reader) (*XLSXReader, error) {
	f, err := excelize.OpenReader(r, xlsxOptions)
	if err != nil {
		return nil, fmt.Errorf("open import workbook: %w", err)
	}
	x, err := newXLSXReader(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return x, nil
}

func newXLSXReader(f *excelize.File) (*XLSXReader, error) {
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, errors.New("import workbook has no sheet")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, fmt.Errorf("read sheet %q: %w", sheets[0], err)
	}
	x := &XLSXReader{f: f, rows: rows}
	for {
		cells, err := x.nextCells()
		if err == io.EOF {
			rows.Close()
			return nil, &HeaderError{Line: x.n, Problems: []string{fmt.Sprintf("sheet %q is empty: its first row must name the columns", sheets[0])}}
		}
		if err != nil {
			rows.Close()
			return nil, err
		}
		if blank(cells) {
			continue
		}
		cells[0] = strings.TrimPrefix(cells[0], utf8BOM)
		if x.cols, err = parseHeader(x.n, cells); err != nil {
			rows.Close()
			return nil, err
		}
		return x, nil
	}
}

// nextCells returns the cells of the next sheet row (gaps between rows
// come back as empty rows, so that x.n stays the row number).
func (x *XLSXReader) nextCells() ([]string, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return nil, fmt.Errorf("read sheet row %d: %w", x.n+1, err)
		}
		return nil, io.EOF
	}
	x.n++
	cells, err := x.rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("read sheet row %d: %w", x.n, err)
	}
	return cells, nil
}

// Next implements Reader. A row may have fewer cells than the header
// (Excel does not store trailing empty cells) but not more values.
func (x *XLSXReader) Next() (Row, error) {
	for {
		cells, err := x.nextCells()
		if err != nil {
			return Row{}, err
		}
		if blank(cells) {
			continue
		}
		for _, c := range cells {
			if !utf8.ValidString(c) || strings.IndexByte(c, 0) >= 0 {
				return Row{Line: x.n, Malformed: reasonf(CodeMalformedRow, "a cell holds invalid text")}, nil
			}
		}
		return place(x.n, x.cols, cells), nil
	}
}

// Close implements Reader.
func (x *XLSXReader) Close() error {
	return errors.Join(x.rows.Close(), x.f.Close())
}
