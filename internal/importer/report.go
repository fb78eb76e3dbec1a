package importer

import (
	"encoding/csv"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Outcome is what became of one input row.
type Outcome string

// Outcomes. Every data row gets exactly one.
const (
	Created        Outcome = "created"
	AlreadyPresent Outcome = "already_present"
	Rejected       Outcome = "rejected"
)

// Reason codes of rejected rows. They are stable: operators' scripts read
// them from reports, so never rename one (docs/import.md lists them).
const (
	CodeMalformedRow       = "malformed_row"
	CodeMissingField       = "missing_field"
	CodeInvalidName        = "invalid_name"
	CodeInvalidGender      = "invalid_gender"
	CodeInvalidDate        = "invalid_date"
	CodeInvalidIDNumber    = "invalid_id_number"
	CodeIDNumberMismatch   = "id_number_mismatch"
	CodeInvalidProvince    = "invalid_province"
	CodeInvalidStatus      = "invalid_status"
	CodeInvalidNationality = "invalid_nationality"
	CodeUnknownCommune     = "unknown_commune"
	CodeAmbiguousCommune   = "ambiguous_commune"
	CodeUnknownEthnicity   = "unknown_ethnicity"
	CodeUnknownReligion    = "unknown_religion"
	CodeDuplicateRecord    = "duplicate_record"
	CodeIDNumberTaken      = "id_number_taken"
	CodeIDNumberRetired    = "id_number_retired"
	CodeInvalidValue       = "invalid_value"
)

// Warning codes of created rows: the row was imported without the part
// the warning names.
const (
	CodeUnknownParent  = "unknown_parent"
	CodeParentMismatch = "parent_mismatch"
)

// Codes of already_present rows, saying how the person was recognised.
const (
	CodePreviouslyImported = "previously_imported"
	CodeMatchedIDNumber    = "matched_id_number"
)

// Reason is why a row was rejected, or a warning about one: a stable code
// and a message for the officer who fixes the file.
type Reason struct {
	Code    string
	Message string
}

// Error implements error, so that a Reason can travel as one.
func (r *Reason) Error() string { return r.Code + ": " + r.Message }

func reasonf(code, format string, args ...any) *Reason {
	return &Reason{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Line is one line of the report.
type Line struct {
	Line     int
	RecordID string
	Outcome  Outcome
	IDNumber string
	Codes    []string // one for rejections; zero or more warnings otherwise
	Message  string
}

// reportHeader is the first line of every report.
var reportHeader = []string{"line", "record_id", "outcome", "id_number", "code", "message"}

// reportWriter writes the report to PATH.partial and renames it to PATH
// only when the run has finished: a report under its final name is always
// complete, and a killed run leaves its partial report to look at.
type reportWriter struct {
	path string
	f    *os.File
	csv  *csv.Writer
	rec  []string
}

func createReport(path string) (*reportWriter, error) {
	f, err := os.OpenFile(partialPath(path), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create report: %w", err)
	}
	w := &reportWriter{path: path, f: f, csv: csv.NewWriter(f), rec: make([]string, len(reportHeader))}
	if err := w.csv.Write(reportHeader); err != nil {
		f.Close()
		return nil, fmt.Errorf("write report: %w", err)
	}
	return w, nil
}

// partialPath is where the report is written until the run completes.
func partialPath(path string) string { return path + ".partial" }

func (w *reportWriter) write(l *Line) error {
	w.rec[0] = strconv.Itoa(l.Line)
	w.rec[1] = l.RecordID
	w.rec[2] = string(l.Outcome)
	w.rec[3] = l.IDNumber
	w.rec[4] = strings.Join(l.Codes, ";")
	w.rec[5] = l.Message
	if err := w.csv.Write(w.rec); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// flush pushes buffered lines to the partial file, so that it shows every
// committed batch even if the process is killed next.
func (w *reportWriter) flush() error {
	w.csv.Flush()
	if err := w.csv.Error(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// commit makes the report durable under its final name.
func (w *reportWriter) commit() error {
	if err := w.flush(); err != nil {
		w.f.Close()
		return err
	}
	if err := w.f.Sync(); err != nil {
		w.f.Close()
		return fmt.Errorf("sync report: %w", err)
	}
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("close report: %w", err)
	}
	if err := os.Rename(partialPath(w.path), w.path); err != nil {
		return fmt.Errorf("rename report: %w", err)
	}
	return nil
}

// abandon closes the partial report after a failed run, keeping what it
// holds: the rows of every committed batch.
func (w *reportWriter) abandon() {
	w.csv.Flush()
	w.f.Close()
}
