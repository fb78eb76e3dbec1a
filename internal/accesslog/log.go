package accesslog

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// Options tune a Log. Zero values take the defaults.
type Options struct {
	// MaxBatch is the number of entries at which a batch stops taking
	// more Record calls and commits (default 512). The entries of one call
	// are never split, so a batch may end a call's length above it.
	MaxBatch int
	// MaxDelay is how long the first entry of a batch waits for company
	// (default 2ms; negative: not at all, commit what is already queued).
	MaxDelay time.Duration
	// CheckpointEvery is how often a checkpoint is signed while the tree
	// grows (default 1s).
	CheckpointEvery time.Duration
	// Origin is the first line of every checkpoint (DefaultOrigin).
	Origin string
	// Now is the clock (time.Now); entries with a zero At get its time.
	Now func() time.Time
}

// Option defaults.
const (
	DefaultMaxBatch        = 512
	DefaultMaxDelay        = 2 * time.Millisecond
	DefaultCheckpointEvery = time.Second
)

// commitTimeout bounds one append transaction, so that a wedged database
// fails the waiting callers instead of holding them forever.
const commitTimeout = 30 * time.Second

// withDefaults fills in the zero options.
func (o Options) withDefaults() Options {
	if o.MaxBatch <= 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	if o.CheckpointEvery <= 0 {
		o.CheckpointEvery = DefaultCheckpointEvery
	}
	if o.Origin == "" {
		o.Origin = DefaultOrigin
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Log is the access log. Record hands entries to one background goroutine
// that commits the entries of many concurrent callers in one transaction
// (group commit), so that logging costs a read about one shared commit
// rather than one of its own. Its methods are safe for concurrent use.
type Log struct {
	storage Storage
	signer  note.Signer
	opts    Options

	reqs     chan *request
	quit     chan struct{} // closed by Close
	stopped  chan struct{} // closed when the appender has flushed and ended
	once     sync.Once
	closeErr error

	// mu serialises this process's appends and checkpoint signing and
	// guards the fields below. Across processes the database lock does.
	mu         sync.Mutex
	tree       compactTree // right edge of the tree as of the last append
	treeOK     bool        // tree is loaded and no append failed since
	signedSize int64       // size of the last checkpoint this Log signed, -1 for none
	signedAt   time.Time

	stats struct {
		entries, batches, lastBatch, checkpoints, failures atomic.Int64
	}
}

// request is one Record call waiting for its batch to commit.
type request struct {
	entries []Entry
	queued  time.Time  // when Record queued it, on the monotonic clock
	done    chan error // buffered: the appender never blocks on a caller
}

// errClosed answers Record after Close.
var errClosed = apperr.E(apperr.Unavailable, "access log is closed")

// New returns a log over storage that signs checkpoints with signer, and
// starts its appender. Close it to flush and stop.
func New(storage Storage, signer note.Signer, opts Options) *Log {
	opts = opts.withDefaults()
	l := &Log{
		storage:    storage,
		signer:     signer,
		opts:       opts,
		reqs:       make(chan *request, opts.MaxBatch),
		quit:       make(chan struct{}),
		stopped:    make(chan struct{}),
		signedSize: -1,
	}
	go l.run()
	return l
}

// Record appends entries to the log and returns once they are durably
// committed, or with the error that prevented it: callers must not return
// personal data unless it returns nil (fail closed). Seq is assigned by
// the log; a zero At becomes the current time. At is kept to the
// microsecond. If ctx ends first Record returns its error, though the
// entries may still be committed.
func (l *Log) Record(ctx context.Context, entries ...Entry) error {
	if len(entries) == 0 {
		return nil
	}
	now := l.opts.Now()
	own := make([]Entry, len(entries))
	for i, e := range entries {
		if err := e.Validate(); err != nil {
			return err
		}
		if e.At.IsZero() {
			e.At = now
		}
		e.At = e.At.UTC().Truncate(time.Microsecond)
		own[i] = e
	}
	r := &request{entries: own, queued: time.Now(), done: make(chan error, 1)}
	select {
	case l.reqs <- r:
	case <-l.quit:
		return errClosed
	case <-ctx.Done():
		return fmt.Errorf("record access: %w", ctx.Err())
	}
	select {
	case err := <-r.done:
		return err
	case <-l.stopped:
		// The appender may have ended just after taking r; its answer wins.
		select {
		case err := <-r.done:
			return err
		default:
			return errClosed
		}
	case <-ctx.Done():
		return fmt.Errorf("record access: %w", ctx.Err())
	}
}

// Close commits what is queued, signs a last checkpoint if the tree grew,
// and stops the appender. Record fails after Close.
func (l *Log) Close() error {
	l.once.Do(func() { close(l.quit) })
	<-l.stopped
	return l.closeErr
}

// Stats are the log's counters since New, for metrics.
type Stats struct {
	Entries     int64 // entries committed
	Batches     int64 // transactions committed
	LastBatch   int64 // entries in the last transaction committed
	Checkpoints int64 // checkpoints signed and stored
	Failures    int64 // append transactions that failed
}

// Stats returns the counters.
func (l *Log) Stats() Stats {
	return Stats{
		Entries:     l.stats.entries.Load(),
		Batches:     l.stats.batches.Load(),
		LastBatch:   l.stats.lastBatch.Load(),
		Checkpoints: l.stats.checkpoints.Load(),
		Failures:    l.stats.failures.Load(),
	}
}

// run is the appender: it gathers requests into batches and commits them
// one after another, and signs a checkpoint when the tree has grown and
// none was signed for CheckpointEvery.
func (l *Log) run() {
	defer close(l.stopped)
	cpTimer := time.NewTimer(time.Hour)
	cpTimer.Stop()
	for {
		select {
		case r := <-l.reqs:
			l.commit(l.gather(r))
		case <-cpTimer.C:
			l.checkpointIfGrown()
		case <-l.quit:
			l.closeErr = l.flush()
			return
		}
		if wait, ok := l.checkpointDue(); ok {
			cpTimer.Reset(wait)
		}
	}
}

// gather returns a batch that starts with first and takes more requests
// until MaxBatch entries, Close, or MaxDelay after first was queued. The
// delay counts from queuing, so that under load, when requests queue while
// the previous batch commits, the time already waited is not waited again.
func (l *Log) gather(first *request) []*request {
	batch := []*request{first}
	n := len(first.entries)
	var timeout <-chan time.Time
	if wait := l.opts.MaxDelay - time.Since(first.queued); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	for n < l.opts.MaxBatch {
		select {
		case r := <-l.reqs:
			batch = append(batch, r)
			n += len(r.entries)
			continue
		default:
		}
		if timeout == nil {
			return batch // no waiting: commit what was queued
		}
		select {
		case r := <-l.reqs:
			batch = append(batch, r)
			n += len(r.entries)
		case <-timeout:
			return batch
		case <-l.quit:
			return batch
		}
	}
	return batch
}

// commit appends a batch in one transaction and answers every caller in it
// with the outcome.
func (l *Log) commit(batch []*request) {
	var entries []Entry
	for _, r := range batch {
		entries = append(entries, r.entries...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	err := l.append(ctx, entries)
	cancel()
	for _, r := range batch {
		r.done <- err
	}
}

// flush commits every queued request, in batches, then signs a last
// checkpoint; it runs once, when the log closes.
func (l *Log) flush() error {
	for {
		var batch []*request
		n := 0
	drain:
		for n < l.opts.MaxBatch {
			select {
			case r := <-l.reqs:
				batch = append(batch, r)
				n += len(r.entries)
			default:
				break drain
			}
		}
		if len(batch) == 0 {
			return l.checkpointIfGrown()
		}
		l.commit(batch)
	}
}
