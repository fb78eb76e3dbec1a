package ekyc

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/quota"
)

// Job is a bulk verification: a partner's file, one result per line.
type Job struct {
	ID         string     `json:"id"`
	Owner      string     `json:"-"` // organisation, or client:ID
	ClientID   string     `json:"client_id"`
	Purpose    string     `json:"purpose"`
	LegalBasis string     `json:"legal_basis,omitempty"`
	Format     string     `json:"format"` // csv or jsonl
	Header     string     `json:"-"`
	Status     string     `json:"status"` // queued, running, done, failed
	Total      int64      `json:"total_lines"`
	Done       int64      `json:"done_lines"`
	Matched    int64      `json:"matched"`
	NoMatch    int64      `json:"no_match"`
	NotFound   int64      `json:"not_found"`
	Invalid    int64      `json:"invalid"`
	Error      string     `json:"error,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// Job statuses and formats.
const (
	JobQueued  = "queued"
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"

	FormatCSV   = "csv"
	FormatJSONL = "jsonl"
)

// Line is one input line of a job.
type Line struct {
	No  int64
	Raw string
}

// ChunkResult is what one committed chunk adds to a job.
type ChunkResult struct {
	Results                             []Line // result lines, by input line number
	Matched, NoMatch, NotFound, Invalid int64
}

// JobStore keeps jobs.
type JobStore interface {
	CreateEKYCJob(ctx context.Context, j *Job, lines []string) error
	EKYCJob(ctx context.Context, id string) (*Job, error)
	EKYCJobs(ctx context.Context, owner string, limit int) ([]*Job, error)
	// ClaimEKYCJob leases the oldest queued or running job whose lease has
	// ended to node until leaseUntil; nil when there is none.
	ClaimEKYCJob(ctx context.Context, node string, now, leaseUntil time.Time) (*Job, error)
	EKYCJobLines(ctx context.Context, id string, after int64, limit int) ([]Line, error)
	// CommitEKYCChunk stores results and advances the job, if node still
	// holds the lease (apperr.Conflict otherwise), extending it.
	CommitEKYCChunk(ctx context.Context, id, node string, through int64, r ChunkResult, leaseUntil time.Time, done bool, now time.Time) error
	FailEKYCJob(ctx context.Context, id, reason string, now time.Time) error
	// EKYCJobResults returns result lines after a line number, in order.
	EKYCJobResults(ctx context.Context, id string, after int64, limit int) ([]Line, error)
}

// Columns of a CSV job file; id_number is required, ref is the partner's
// own reference, echoed in the result.
var csvColumns = []string{"ref", "id_number", "full_name", "birth_date", "gender", "card_number", "card_issue_date", "phone"}

// Limits of an upload.
const (
	MaxLines    = 5_000_000
	MaxLineSize = 4096
)

// ReadJobFile splits an upload into lines, keeping every one (empty and
// malformed lines get an "invalid" result later, never dropped). A CSV
// file must start with a header naming known columns, id_number among
// them.
func ReadJobFile(r io.Reader, format string) (header string, lines []string, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), MaxLineSize)
	if format == FormatCSV {
		if !sc.Scan() {
			return "", nil, apperr.E(apperr.Invalid, "the CSV file is empty: it needs a header line")
		}
		header = strings.TrimSuffix(strings.TrimPrefix(sc.Text(), "\ufeff"), "\r")
		cols, err := csv.NewReader(strings.NewReader(header)).Read()
		if err != nil {
			return "", nil, apperr.E(apperr.Invalid, "the CSV header is malformed: %v", err)
		}
		seen := map[string]bool{}
		for _, c := range cols {
			c = strings.TrimSpace(strings.ToLower(c))
			if !slices.Contains(csvColumns, c) {
				return "", nil, apperr.E(apperr.Invalid, "unknown column %q: use %s", c, strings.Join(csvColumns, ", "))
			}
			if seen[c] {
				return "", nil, apperr.E(apperr.Invalid, "column %q twice", c)
			}
			seen[c] = true
		}
		if !seen["id_number"] {
			return "", nil, apperr.E(apperr.Invalid, "the header must name an id_number column")
		}
	}
	for sc.Scan() {
		if len(lines) == MaxLines {
			return "", nil, apperr.E(apperr.Invalid, "a job holds at most %d lines: split the file", MaxLines)
		}
		lines = append(lines, strings.TrimSuffix(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		if err == bufio.ErrTooLong {
			return "", nil, apperr.E(apperr.Invalid, "line %d is longer than %d bytes", len(lines)+2, MaxLineSize)
		}
		return "", nil, apperr.Wrap(err, "read job file")
	}
	if len(lines) == 0 {
		return "", nil, apperr.E(apperr.Invalid, "the file has no lines to verify")
	}
	return header, lines, nil
}

// parsed is one input line understood.
type parsed struct {
	ref string
	req Request
	err string // why the line cannot be verified
}

// parseLine reads one line of a job.
func parseLine(format string, header []string, raw string) parsed {
	if strings.TrimSpace(raw) == "" {
		return parsed{err: "empty line"}
	}
	if format == FormatJSONL {
		var v struct {
			Ref string `json:"ref"`
			Request
		}
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			return parsed{err: "not a JSON object of known fields: " + err.Error()}
		}
		return parsed{ref: v.Ref, req: v.Request}
	}
	rec, err := csvFields(raw)
	if err != nil {
		return parsed{err: "malformed CSV line: " + err.Error()}
	}
	if len(rec) != len(header) {
		return parsed{err: fmt.Sprintf("%d fields, the header has %d", len(rec), len(header))}
	}
	var p parsed
	for i, c := range header {
		v := strings.TrimSpace(rec[i])
		set := func(dst **string) {
			if v != "" {
				*dst = &v
			}
		}
		switch c {
		case "ref":
			p.ref = v
		case "id_number":
			p.req.IDNumber = v
		case "full_name":
			set(&p.req.FullName)
		case "birth_date":
			set(&p.req.BirthDate)
		case "gender":
			set(&p.req.Gender)
		case "card_number":
			set(&p.req.CardNumber)
		case "card_issue_date":
			set(&p.req.CardIssueDate)
		case "phone":
			set(&p.req.Phone)
		}
	}
	return p
}

// ResultHeader is the first line of a CSV result file.
const ResultHeader = "line,ref,id_number,result,status,full_name,birth_date,gender,card_number,card_issue_date,phone,error"

var resultAttrs = []string{"full_name", "birth_date", "gender", "card_number", "card_issue_date", "phone"}

// formatResult writes one result line in the job's format.
func formatResult(format string, no int64, ref string, r Result) string {
	if format == FormatJSONL {
		b, _ := json.Marshal(struct {
			Line int64  `json:"line"`
			Ref  string `json:"ref,omitempty"`
			Result
		}{no, ref, r})
		return string(b)
	}
	var b strings.Builder
	b.Grow(128)
	b.WriteString(strconv.FormatInt(no, 10))
	for _, f := range []string{ref, r.IDNumber, r.Overall, r.Status} {
		b.WriteByte(',')
		appendCSVField(&b, f)
	}
	for _, a := range resultAttrs {
		b.WriteByte(',')
		appendCSVField(&b, r.Attributes[a])
	}
	b.WriteByte(',')
	appendCSVField(&b, r.Error)
	return b.String()
}

// csvFields splits one CSV line. A line without quotes or line breaks —
// nearly every line of a partner's file — is split at its commas, which
// is what encoding/csv reads from it, without a reader and its buffer
// per line (a million of them per job).
func csvFields(raw string) ([]string, error) {
	if raw != "" && !strings.ContainsAny(raw, "\"\r\n") {
		return strings.Split(raw, ","), nil
	}
	return csv.NewReader(strings.NewReader(raw)).Read()
}

// appendCSVField writes one field as encoding/csv's Writer does: quoted,
// with its quotes doubled, where it holds a comma, quote, line break or
// begins with a space; as it is otherwise.
func appendCSVField(b *strings.Builder, f string) {
	r, _ := utf8.DecodeRuneInString(f)
	if f != `\.` && !strings.ContainsAny(f, ",\"\r\n") && (f == "" || !unicode.IsSpace(r)) {
		b.WriteString(f)
		return
	}
	b.WriteByte('"')
	b.WriteString(strings.ReplaceAll(f, `"`, `""`))
	b.WriteByte('"')
}

// Jobs runs bulk verification.
type Jobs struct {
	Service *Service
	Store   JobStore
	Node    string // this process's lease name
	Chunk   int    // lines a committed step (default 5000)
	Lease   time.Duration
	Logger  *slog.Logger
	Now     func() time.Time
	once    sync.Once
	wake    chan struct{} // signalled when a job is submitted
}

// wakeup returns the channel Submit signals and Run waits on.
func (j *Jobs) wakeup() chan struct{} {
	j.once.Do(func() { j.wake = make(chan struct{}, 1) })
	return j.wake
}

func (j *Jobs) now() time.Time {
	if j.Now != nil {
		return j.Now().UTC()
	}
	return time.Now().UTC()
}

// Submit stores a job for a partner after taking its rows from the
// daily quota (all or nothing).
func (j *Jobs) Submit(ctx context.Context, a auth.Actor, owner, clientID string, lim quota.Limits, format string, r io.Reader) (*Job, error) {
	if format != FormatCSV && format != FormatJSONL {
		return nil, apperr.Field(apperr.Invalid, "format", "a job file is text/csv or application/x-ndjson (JSON lines)")
	}
	header, lines, err := ReadJobFile(r, format)
	if err != nil {
		return nil, err
	}
	if j.Service.Quota != nil {
		if ex := j.Service.Quota.Take(QuotaKey(a), len(lines), quota.Limits{PerSecond: float64(MaxLines), Burst: MaxLines, PerDay: lim.PerDay}); ex != nil {
			return nil, j.Service.refuse(ctx, a, nil, ex)
		}
	}
	purpose := a.Purpose
	if purpose == "" {
		purpose = DefaultPurpose
	}
	job := &Job{ID: newJobID(), Owner: owner, ClientID: clientID, Purpose: purpose, LegalBasis: a.Legal, Format: format,
		Header: header, Status: JobQueued, Total: int64(len(lines)), CreatedAt: j.now()}
	if err := j.Store.CreateEKYCJob(ctx, job, lines); err != nil {
		return nil, err
	}
	j.signal()
	return job, nil
}

func newJobID() string {
	b := make([]byte, 10)
	rand.Read(b)
	return "job_" + hex.EncodeToString(b)
}

func (j *Jobs) signal() {
	select {
	case j.wakeup() <- struct{}{}:
	default:
	}
}

// Run processes jobs until ctx ends: it claims one, works through it chunk
// by chunk, and looks again every second or when a job is submitted.
func (j *Jobs) Run(ctx context.Context) {
	wake := j.wakeup()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		for {
			worked, err := j.RunOnce(ctx)
			if err != nil && ctx.Err() == nil && j.Logger != nil {
				j.Logger.Warn("ekyc job", "err", err)
			}
			if !worked || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
	}
}

// RunOnce claims one job and processes it to the end (or until its lease
// is lost or ctx ends); it reports whether there was a job.
func (j *Jobs) RunOnce(ctx context.Context) (bool, error) {
	lease := j.Lease
	if lease == 0 {
		lease = time.Minute
	}
	now := j.now()
	job, err := j.Store.ClaimEKYCJob(ctx, j.Node, now, now.Add(lease))
	if err != nil || job == nil {
		return false, err
	}
	return true, j.process(ctx, job, lease)
}

// process works through a claimed job from its last committed line.
func (j *Jobs) process(ctx context.Context, job *Job, lease time.Duration) error {
	chunk := j.Chunk
	if chunk <= 0 {
		chunk = 5000
	}
	var header []string
	if job.Format == FormatCSV {
		cols, _ := csv.NewReader(strings.NewReader(job.Header)).Read()
		for _, c := range cols {
			header = append(header, strings.TrimSpace(strings.ToLower(c)))
		}
	}
	a := auth.Actor{ID: "client:" + job.ClientID, Role: "partner", Org: strings.TrimPrefix(job.Owner, "org:"),
		Purpose: job.Purpose, Legal: job.LegalBasis}
	if strings.HasPrefix(job.Owner, "client:") {
		a.Org = ""
	}
	// Three stages overlap: while one chunk's results commit, the next
	// one's access-log entries are appended, and the one after is read
	// and compared. A chunk's results commit only after its entries are
	// durable (fail closed), and in line order, so that the job resumes
	// after its last commit.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	compared := make(chan chunkOutcome, 1)
	go func() {
		defer close(compared)
		after := job.Done
		for ctx.Err() == nil {
			v := j.verifyChunk(ctx, job, header, a, after, chunk)
			select {
			case compared <- v:
			case <-ctx.Done():
				return
			}
			if v.err != nil || v.finished {
				return
			}
			after = v.last
		}
	}()
	logged := make(chan chunkOutcome, 1)
	go func() {
		defer close(logged)
		for v := range compared {
			if v.err == nil {
				v.err = j.Service.record(ctx, v.entries)
				v.entries = nil
			}
			select {
			case logged <- v:
			case <-ctx.Done():
				return
			}
			if v.err != nil {
				return
			}
		}
	}()
	for v := range logged {
		if v.err != nil {
			return v.err
		}
		now := j.now()
		if err := j.Store.CommitEKYCChunk(ctx, job.ID, j.Node, v.last, v.cr, now.Add(lease), v.finished, now); err != nil {
			return err
		}
		if v.finished {
			return nil
		}
	}
	return ctx.Err()
}

// chunkOutcome is a compared chunk on its way to the access log, then
// to its commit.
type chunkOutcome struct {
	cr       ChunkResult
	entries  []accesslog.Entry // to append before the results commit
	last     int64             // the last line it covers
	finished bool              // it ends the job
	err      error
}

// verifyChunk reads and verifies the lines after a line number.
func (j *Jobs) verifyChunk(ctx context.Context, job *Job, header []string, a auth.Actor, after int64, chunk int) (v chunkOutcome) {
	lines, err := j.Store.EKYCJobLines(ctx, job.ID, after, chunk)
	if err != nil {
		v.err = err
		return v
	}
	v.last = after
	if len(lines) == 0 {
		v.finished = true
		return v
	}
	ps := make([]parsed, len(lines))
	var reqs []Request
	var idx []int
	for i, l := range lines {
		ps[i] = parseLine(job.Format, header, l.Raw)
		if ps[i].err == "" {
			reqs = append(reqs, ps[i].req)
			idx = append(idx, i)
		}
	}
	results, entries, err := j.Service.compare(ctx, a, reqs)
	if err != nil {
		v.err = err
		return v
	}
	v.entries = entries
	byLine := make([]*Result, len(lines))
	for k, i := range idx {
		byLine[i] = &results[k]
	}
	cr := &v.cr
	for i, l := range lines {
		r := byLine[i]
		if r == nil {
			r = &Result{Overall: OverallInvalid, Error: ps[i].err, Attributes: map[string]string{}}
		}
		switch r.Overall {
		case OverallMatch:
			cr.Matched++
		case OverallNoMatch:
			cr.NoMatch++
		case OverallNotFound:
			cr.NotFound++
		default:
			cr.Invalid++
		}
		cr.Results = append(cr.Results, Line{No: l.No, Raw: formatResult(job.Format, l.No, ps[i].ref, *r)})
	}
	v.last = lines[len(lines)-1].No
	v.finished = v.last >= job.Total
	return v
}
