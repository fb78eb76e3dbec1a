package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Reader reads the data rows of an import file, after its header.
type Reader interface {
	// Next returns the next data row, or io.EOF after the last. A row that
	// cannot be read as cells comes back with Malformed set, and reading
	// goes on; an error means the file itself could not be read further.
	Next() (Row, error)
	Close() error
}

// Open opens an import file, choosing the format by extension (.csv or
// .xlsx), and reads its header. A bad header is a *HeaderError.
func Open(path string) (Reader, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("open import file: %w", err)
		}
		r, err := NewCSVReader(f)
		if err != nil {
			f.Close()
			return nil, err
		}
		r.closer = f
		return r, nil
	case ".xlsx":
		return openXLSX(path)
	}
	return nil, fmt.Errorf("import file %s: the format is chosen by extension, .csv or .xlsx", filepath.Base(path))
}

// Limits that keep one bad record from swallowing the rest of a CSV file:
// a quoted field may span lines, but an unbalanced quote is given up on
// after this much, the line it started on is reported malformed and
// reading resumes at the next line.
const (
	maxRecordLines = 16
	maxRecordBytes = 64 << 10
	maxLineBytes   = 1 << 20
)

// utf8BOM is the byte order mark some editors put at the start of a file.
const utf8BOM = "\uFEFF"

// CSVReader reads RFC 4180 CSV (comma-separated, UTF-8, double quotes)
// record by record, so that a malformed record costs only its own line.
// It assembles each record from physical lines itself — a record goes on
// past a line end only while a quote is open — and parses it with
// encoding/csv (quotes strict, any field count). When that fails, only the
// first line is reported and the lines read ahead are parsed again; a
// single csv.Reader, by contrast, reads to the end of the file looking for
// a closing quote.
type CSVReader struct {
	br      *bufio.Reader
	closer  io.Closer
	cols    []Column
	lineNo  int        // physical lines read from br
	pending []physLine // lines read ahead and given back
	header  int        // line of the header
}

// physLine is one line of the file without its line ending.
type physLine struct {
	n       int
	text    string
	tooLong bool
}

// NewCSVReader reads the header of a CSV file from r.
func NewCSVReader(r io.Reader) (*CSVReader, error) {
	c := &CSVReader{br: bufio.NewReaderSize(r, 64<<10)}
	for {
		rec, err := c.nextRecord()
		if err == io.EOF {
			return nil, &HeaderError{Line: c.lineNo, Problems: []string{"the file is empty: the first line must name the columns"}}
		}
		if err != nil {
			return nil, err
		}
		if rec.bad != nil {
			return nil, &HeaderError{Line: rec.line, Problems: []string{rec.bad.Message}}
		}
		if blank(rec.cells) {
			continue
		}
		c.header = rec.line
		c.cols, err = parseHeader(rec.line, rec.cells)
		return c, err
	}
}

// Next implements Reader.
func (c *CSVReader) Next() (Row, error) {
	for {
		rec, err := c.nextRecord()
		if err != nil {
			return Row{}, err
		}
		if rec.bad != nil {
			return Row{Line: rec.line, Malformed: rec.bad}, nil
		}
		if blank(rec.cells) {
			continue
		}
		if len(rec.cells) != len(c.cols) {
			row := Row{Line: rec.line, Malformed: reasonf(CodeMalformedRow,
				"%d fields where the header (line %d) has %d", len(rec.cells), c.header, len(c.cols))}
			// The record_id, usually first, helps find the row; the other
			// cells may be shifted and are not kept.
			for i, col := range c.cols {
				if col == ColRecordID && i < len(rec.cells) {
					row.Values[ColRecordID] = rec.cells[i]
				}
			}
			return row, nil
		}
		return place(rec.line, c.cols, rec.cells), nil
	}
}

// Close implements Reader.
func (c *CSVReader) Close() error {
	if c.closer != nil {
		return c.closer.Close()
	}
	return nil
}

// record is one CSV record: its cells, or why it could not be read (bad
// is then set and cells may hold what one line parsed into).
type record struct {
	line  int
	cells []string
	bad   *Reason
}

// nextRecord assembles and parses the next record.
func (c *CSVReader) nextRecord() (record, error) {
	first, err := c.readLine()
	if err != nil {
		return record{}, err
	}
	if first.tooLong {
		return record{line: first.n, bad: reasonf(CodeMalformedRow, "the line is longer than %d bytes", maxLineBytes)}, nil
	}
	if first.n == 1 {
		first.text = strings.TrimPrefix(first.text, utf8BOM)
	}
	lines := []physLine{first}
	text := first.text
	for strings.Count(text, `"`)%2 == 1 && len(lines) < maxRecordLines && len(text) < maxRecordBytes {
		next, err := c.readLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			return record{}, err
		}
		if next.tooLong {
			c.unread(next)
			break
		}
		lines = append(lines, next)
		text += "\n" + next.text
	}
	cells, bad := parseRecord(text)
	if bad != nil && len(lines) > 1 {
		// The open quote was most likely a typo on the first line: report
		// that line alone and give the others another chance.
		for i := len(lines) - 1; i >= 1; i-- {
			c.unread(lines[i])
		}
		cells, bad = parseRecord(first.text)
		if bad == nil {
			bad = reasonf(CodeMalformedRow, "a quoted field is not closed")
		}
	}
	return record{line: first.n, cells: cells, bad: bad}, nil
}

// parseRecord parses the text of one record with encoding/csv. Text
// without quotes — nearly every line — is split directly, which gives the
// same cells faster.
func parseRecord(text string) ([]string, *Reason) {
	if !utf8.ValidString(text) {
		return nil, reasonf(CodeMalformedRow, "the line is not valid UTF-8: save the file as CSV UTF-8")
	}
	if strings.IndexByte(text, 0) >= 0 {
		return nil, reasonf(CodeMalformedRow, "the line contains a NUL byte")
	}
	if !strings.Contains(text, `"`) {
		return strings.Split(text, ","), nil
	}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	r.LazyQuotes = false
	cells, err := r.Read()
	if err != nil {
		return nil, reasonf(CodeMalformedRow, "bad quoting: %s", csvProblem(err))
	}
	if _, err := r.Read(); err != io.EOF {
		return nil, reasonf(CodeMalformedRow, "bad quoting: a line break outside quotes")
	}
	return cells, nil
}

// csvProblem returns encoding/csv's description of a parse error without
// its position, which is relative to the record rather than the file.
func csvProblem(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// readLine returns the next physical line, given-back lines first.
func (c *CSVReader) readLine() (physLine, error) {
	if n := len(c.pending); n > 0 {
		l := c.pending[n-1]
		c.pending = c.pending[:n-1]
		return l, nil
	}
	var long []byte
	for {
		b, err := c.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if len(long) < maxLineBytes {
				long = append(long, b...)
			}
			continue
		}
		if err == io.EOF && len(b) == 0 && long == nil {
			return physLine{}, io.EOF
		}
		if err != nil && err != io.EOF {
			return physLine{}, fmt.Errorf("read import file: %w", err)
		}
		c.lineNo++
		if long != nil {
			if len(long)+len(b) > maxLineBytes {
				return physLine{n: c.lineNo, tooLong: true}, nil
			}
			b = append(long, b...)
		}
		b = bytes.TrimSuffix(b, []byte{'\n'})
		b = bytes.TrimSuffix(b, []byte{'\r'})
		return physLine{n: c.lineNo, text: string(b)}, nil
	}
}

// unread gives a line back; lines are given back last first.
func (c *CSVReader) unread(l physLine) { c.pending = append(c.pending, l) }
