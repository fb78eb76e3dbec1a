package residence

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/register"
)

// CSVColumns are the columns of a stays file; a header names them in any
// order. kind, full_name and birth_date are required; id_number for
// citizens, passport_no and nationality for foreigners; check_in is
// RFC 3339 or "YYYY-MM-DD HH:MM" in Viet Nam time (default: now).
var CSVColumns = []string{"kind", "id_number", "full_name", "birth_date", "gender", "nationality", "passport_no", "visa_no", "room", "check_in"}

// maxCSVLines bounds one upload.
const maxCSVLines = 5000

// LineResult is the outcome of one line of a stays file.
type LineResult struct {
	Line         int    `json:"line"`
	Status       string `json:"status"` // declared, invalid
	StayID       string `json:"stay_id,omitempty"`
	Verification string `json:"verification,omitempty"`
	Flagged      bool   `json:"flagged,omitempty"`
	Field        string `json:"field,omitempty"`
	Error        string `json:"error,omitempty"`
}

// ImportCSV declares the stays of a CSV file: every line gets exactly one
// result, declared or invalid with the field and reason; the valid lines
// are declared even when others are not.
func (s *Service) ImportCSV(ctx context.Context, a auth.Actor, estID string, r io.Reader) ([]LineResult, error) {
	e, err := s.establishment(ctx, a, estID)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, apperr.E(apperr.Invalid, "the file has no header line")
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		known := false
		for _, c := range CSVColumns {
			known = known || c == h
		}
		if !known {
			return nil, apperr.Field(apperr.Invalid, "header", "unknown column %q: the columns are %s", h, strings.Join(CSVColumns, ", "))
		}
		col[h] = i
	}
	now := s.now()
	var results []LineResult
	var reqs []CheckInRequest
	var reqLine []int
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if line-1 > maxCSVLines {
			return nil, apperr.E(apperr.Invalid, "at most %d lines per file", maxCSVLines)
		}
		if err != nil {
			results = append(results, LineResult{Line: line, Status: "invalid", Error: "not a CSV line: " + err.Error()})
			continue
		}
		get := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		req := CheckInRequest{Room: get("room"), Guest: Guest{Kind: get("kind"), IDNumber: get("id_number"),
			FullName: get("full_name"), BirthDate: get("birth_date"), Gender: get("gender"), Nationality: get("nationality"),
			PassportNo: get("passport_no"), VisaNo: get("visa_no")}}
		if v := get("check_in"); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				t, err = time.ParseInLocation("2006-01-02 15:04", v, register.Vietnam)
			}
			if err != nil {
				results = append(results, LineResult{Line: line, Status: "invalid", Field: "check_in", Error: "check_in is RFC 3339 or YYYY-MM-DD HH:MM"})
				continue
			}
			req.CheckIn = t
		}
		if err := req.check(now); err != nil {
			results = append(results, LineResult{Line: line, Status: "invalid", Field: apperr.FieldOf(err), Error: apperr.Message(err)})
			continue
		}
		results = append(results, LineResult{Line: line})
		reqs = append(reqs, req)
		reqLine = append(reqLine, len(results)-1)
	}
	if len(reqs) > 0 {
		stays, err := s.declare(ctx, a, e, reqs)
		if err != nil {
			return nil, err
		}
		for i, st := range stays {
			r := &results[reqLine[i]]
			r.Status, r.StayID, r.Verification, r.Flagged = "declared", st.ID, st.Verification, st.Flagged
		}
	}
	return results, nil
}
