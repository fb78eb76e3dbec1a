// Package importer brings legacy person records — from the old civil-status
// books and household registers, as CSV or Excel files — into the
// register, with a report that gives every row exactly one outcome:
// created, already_present or rejected with a stable reason code. Nothing
// is silently dropped.
//
// An import is idempotent and safe to kill: rows are written in batches,
// each one transaction together with its import_records (which tie a
// source's record_id to the person it became), and a row is reported
// created only after its batch has committed. Running the same file again
// finds every imported row in import_records and reports it
// already_present.
//
// Rows flow through three goroutines: the reader parses and validates,
// the resolver looks the batch up in the database (one query per kind of
// lookup, not one per row — except to compare a given ID number that is
// already taken with its holder) and allocates ID numbers, and the writer
// commits batches and writes the report, so that parsing, lookups and
// writes overlap.
package importer

import (
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
)

// DefaultBatchSize is the number of rows per transaction: large enough for
// COPY to pay off, small enough that a failed batch costs little.
const DefaultBatchSize = 2000

// Pipeline depth. While the resolver prepares a batch, the ones before may
// be queued (preparedQueue), held by the dispatcher (1), waiting in order
// (maxWriters) or being written (maxWriters): it remembers the numbers
// allocated for all of those, and one more for margin, which the database
// cannot show it yet.
const (
	batchQueue      = 2
	preparedQueue   = 1
	maxWriters      = 2
	inflightBatches = preparedQueue + 1 + 2*maxWriters + 1
)

// Options say what to import and how.
type Options struct {
	Path       string // the file, .csv or .xlsx
	ReportPath string // where the report goes; PATH.partial until the run ends
	// Source namespaces record_id: the same record_id in two sources is
	// two records. Default: the file's base name without extension.
	Source string
	// Legal is the legal basis of the import events. Defaults: document
	// "IMPORT <source>", dated today, issued by "dancu import".
	Legal     register.LegalBasis
	BatchSize int          // rows per transaction, default DefaultBatchSize
	Communes  CommuneCodes // how permanent_commune codes are read, default CommuneCodesAuto
	// Now is the clock (default time.Now): it dates the events and is the
	// "today" that dates must not be after.
	Now func() time.Time
	// Rand returns a random int in [0, n) for ID number serials. Default:
	// a ChaCha8 generator seeded from crypto/rand.
	Rand func(n int) int
	// Progress, if set, is called after each committed batch with the
	// number of rows reported so far.
	Progress func(rows int)
	// Writers is how many batches commit at once, 1 to maxWriters
	// (default 1). Run sets 2 on PostgreSQL, whose time goes to one server
	// backend per connection.
	Writers int
}

// Summary counts the outcomes of an import.
type Summary struct {
	Rows           int // data rows read, each with one report line
	Created        int
	AlreadyPresent int
	Rejected       int
	Warnings       int // created rows that carry a warning
	Elapsed        time.Duration
}

// Officer returns the officer recorded on the events of an import.
func Officer(source string) string { return "import:" + source }

// DefaultSource returns the source name of a file: its base name without
// extension.
func DefaultSource(path string) string {
	base := filepath.Base(path)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// setDefaults fills in defaults and checks the options.
func (o *Options) setDefaults() error {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Source == "" {
		o.Source = DefaultSource(o.Path)
	}
	if strings.TrimSpace(o.Source) == "" {
		return errors.New("import: the source name is empty")
	}
	if o.Legal.DocumentNo == "" {
		o.Legal.DocumentNo = "IMPORT " + o.Source
	}
	if o.Legal.DocumentDate == "" {
		o.Legal.DocumentDate = register.Date(register.Today(o.Now()))
	}
	if o.Legal.Issuer == "" {
		o.Legal.Issuer = "dancu import"
	}
	if err := o.Legal.Validate(); err != nil {
		return fmt.Errorf("import: legal basis: %w", err)
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.Communes == "" {
		o.Communes = CommuneCodesAuto
	}
	if !o.Communes.Valid() {
		return fmt.Errorf("import: commune codes %q: use auto, 2025 or legacy", o.Communes)
	}
	if o.Rand == nil {
		var seed [32]byte
		crand.Read(seed[:]) // never fails since Go 1.24
		o.Rand = rand.New(rand.NewChaCha8(seed)).IntN
	}
	if o.ReportPath == "" {
		return errors.New("import: a report path is required")
	}
	if absPath(o.ReportPath) == absPath(o.Path) {
		return errors.New("import: the report would overwrite the import file")
	}
	return nil
}

func absPath(p string) string {
	a, _ := filepath.Abs(p)
	return a
}

// Run imports the file opt.Path into db and writes the report. A bad
// header fails the run before anything is written. Any other error (the
// database gone, the process interrupted) leaves the batches committed so
// far in place and their rows in REPORT.partial; running again completes
// the import.
func Run(ctx context.Context, db *store.DB, opt Options) (Summary, error) {
	if opt.Writers == 0 && db.Engine == store.Postgres {
		opt.Writers = maxWriters
	}
	return run(ctx, db, opt)
}

func run(ctx context.Context, db storage, opt Options) (Summary, error) {
	start := time.Now()
	if err := opt.setDefaults(); err != nil {
		return Summary{}, err
	}
	src, err := Open(opt.Path)
	if err != nil {
		return Summary{}, err
	}
	defer src.Close()
	rep, err := createReport(opt.ReportPath)
	if err != nil {
		return Summary{}, err
	}
	sum, err := pipeline(ctx, db, src, rep, opt)
	sum.Elapsed = time.Since(start)
	if err != nil {
		rep.abandon()
		return sum, err
	}
	return sum, rep.commit()
}

// pipeline runs the reader and the resolver in goroutines and the writer
// in this one. The first error cancels the others and is returned.
func pipeline(ctx context.Context, db storage, src Reader, rep *reportWriter, opt Options) (Summary, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	batches := make(chan []item, batchQueue)
	ready := make(chan *prepared, preparedQueue)
	res := &resolver{
		db: db, source: opt.Source, officer: Officer(opt.Source), legal: opt.Legal, rnd: opt.Rand, now: opt.Now,
		records: make(map[string]fileRecord), claimed: make(map[string]claim),
	}
	v := NewValidator(register.Today(opt.Now()), opt.Communes)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(batches)
		if err := readBatches(ctx, src, v, opt.BatchSize, batches); err != nil {
			cancel(err)
		}
	})
	wg.Go(func() {
		defer close(ready)
		if err := resolveBatches(ctx, res, batches, ready); err != nil {
			cancel(err)
		}
	})
	sum, err := writeBatches(ctx, db, rep, ready, min(max(opt.Writers, 1), maxWriters), opt.Progress)
	if err != nil {
		cancel(err)
	}
	// Drain so that the resolver, if blocked on a send, sees the cancel.
	for range ready {
	}
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil {
		return sum, cause
	}
	return sum, nil
}

// readBatches reads and validates rows and hands them on in batches.
func readBatches(ctx context.Context, src Reader, v *Validator, size int, out chan<- []item) error {
	batch := make([]item, 0, size)
	for {
		row, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		it := item{line: row.Line, recordID: row.Get(ColRecordID)}
		it.valid, it.bad = v.Validate(&row)
		batch = append(batch, it)
		if len(batch) == size {
			if err := send(ctx, out, batch); err != nil {
				return err
			}
			batch = make([]item, 0, size)
		}
	}
	if len(batch) == 0 {
		return nil
	}
	return send(ctx, out, batch)
}

// resolveBatches prepares each batch in file order.
func resolveBatches(ctx context.Context, res *resolver, in <-chan []item, out chan<- *prepared) error {
	for items := range in {
		p, err := res.prepare(ctx, items)
		if err != nil {
			return err
		}
		if err := send(ctx, out, p); err != nil {
			return err
		}
	}
	return nil
}

func send[T any](ctx context.Context, ch chan<- T, v T) error {
	select {
	case ch <- v:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// commit is one batch on its way to the database, with the outcome.
type commit struct {
	p    *prepared
	done chan error
}

// writeBatches commits batches, up to writers at once, and reports each
// batch's rows in file order once that batch has committed. A batch that
// commits while an earlier one fails is not reported; a re-run finds its
// rows already present.
func writeBatches(ctx context.Context, db storage, rep *reportWriter, in <-chan *prepared, writers int, progress func(int)) (Summary, error) {
	if writers == 1 {
		return writeInTurn(ctx, db, rep, in, progress)
	}
	ctx, cancel := context.WithCancel(ctx)
	work := make(chan commit)
	order := make(chan commit, writers)
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for c := range work {
				var err error
				if len(c.p.batch.Records)+len(c.p.batch.Imports) > 0 {
					err = db.InsertBatch(ctx, &c.p.batch)
				}
				c.done <- err
			}
		})
	}
	wg.Go(func() { // dispatch in file order
		defer close(order)
		defer close(work)
		for p := range in {
			c := commit{p: p, done: make(chan error, 1)}
			if send(ctx, order, c) != nil || send(ctx, work, c) != nil {
				return
			}
		}
	})
	// On return, stop the dispatcher and wait for it and the writers.
	defer func() { cancel(); wg.Wait() }()
	var sum Summary
	for c := range order {
		if err := ctx.Err(); err != nil {
			return sum, context.Cause(ctx)
		}
		var err error
		select {
		case err = <-c.done:
		case <-ctx.Done():
			err = context.Cause(ctx)
		}
		if err != nil {
			p := c.p
			return sum, fmt.Errorf("import: write the rows of lines %d–%d: %w", p.lines[0].Line, p.lines[len(p.lines)-1].Line, err)
		}
		if err := reportBatch(rep, c.p, &sum, progress); err != nil {
			return sum, err
		}
	}
	return sum, context.Cause(ctx)
}

// writeInTurn commits each batch and reports its rows before it starts on
// the next, so that an interruption leaves nothing committed unreported.
func writeInTurn(ctx context.Context, db storage, rep *reportWriter, in <-chan *prepared, progress func(int)) (Summary, error) {
	var sum Summary
	for p := range in {
		if err := ctx.Err(); err != nil {
			return sum, context.Cause(ctx)
		}
		if len(p.batch.Records)+len(p.batch.Imports) > 0 {
			if err := db.InsertBatch(ctx, &p.batch); err != nil {
				return sum, fmt.Errorf("import: write the rows of lines %d–%d: %w", p.lines[0].Line, p.lines[len(p.lines)-1].Line, err)
			}
		}
		if err := reportBatch(rep, p, &sum, progress); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// reportBatch writes a committed batch's report lines and counts them.
func reportBatch(rep *reportWriter, p *prepared, sum *Summary, progress func(int)) error {
	for i := range p.lines {
		if err := rep.write(&p.lines[i]); err != nil {
			return err
		}
		sum.count(&p.lines[i])
	}
	if err := rep.flush(); err != nil {
		return err
	}
	if progress != nil {
		progress(sum.Rows)
	}
	return nil
}

func (s *Summary) count(l *Line) {
	s.Rows++
	switch l.Outcome {
	case Created:
		s.Created++
		if len(l.Codes) > 0 {
			s.Warnings++
		}
	case AlreadyPresent:
		s.AlreadyPresent++
	case Rejected:
		s.Rejected++
	}
}
