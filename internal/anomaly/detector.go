package anomaly

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
)

// Detector raises alerts from the access log and serves them to
// operators. Its methods are safe for concurrent use; RunOnce calls, from
// the background loop or elsewhere, run one at a time. Several nodes may
// each run one over a shared database: the persisted cursor moves by
// compare-and-set, so a batch is stored by one node only.
type Detector struct {
	store  Store
	cfg    Config
	rules  []rule
	now    func() time.Time
	logger *slog.Logger

	run sync.Mutex // one RunOnce at a time; guards the windows below

	// windows are each rule's sliding window for each key, as scanned up
	// to seq upTo (windows.go).
	windows map[string]window
	upTo    int64

	mu     sync.Mutex // guards raised and open
	raised map[string]int64
	open   map[string]int64

	background bool          // Start began the loop
	quit       chan struct{} // closed by Close
	stopped    chan struct{} // closed when the loop ends
	once       sync.Once
}

// New returns a detector over store with cfg (see DefaultConfig); a zero
// Interval or Batch takes the default. It does not run until Start or
// RunOnce.
func New(store Store, cfg Config) *Detector {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	return &Detector{
		store: store, cfg: cfg, rules: cfg.rules(), now: time.Now, logger: slog.Default(),
		raised: map[string]int64{}, open: map[string]int64{},
		quit: make(chan struct{}), stopped: make(chan struct{}),
	}
}

// Start returns a detector that runs in the background every
// cfg.Interval until Close, logging failures (never personal data: the
// rule and the error) to logger.
func Start(store Store, cfg Config, logger *slog.Logger) *Detector {
	d := New(store, cfg)
	if logger != nil {
		d.logger = logger
	}
	d.background = true
	go d.loop()
	return d
}

// loop runs RunOnce every interval until Close.
func (d *Detector) loop() {
	defer close(d.stopped)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-d.quit:
			cancel()
		case <-ctx.Done():
		}
	}()
	t := time.NewTicker(d.cfg.Interval)
	defer t.Stop()
	for {
		if _, err := d.runFor(ctx, d.cfg.Interval/5); err != nil && ctx.Err() == nil {
			d.logger.Warn("anomaly detector", "err", err)
		}
		select {
		case <-d.quit:
			return
		case <-t.C:
		}
	}
}

// Close stops the background loop, if one was started, and waits for it
// to end.
func (d *Detector) Close() error {
	d.once.Do(func() { close(d.quit) })
	if d.background {
		<-d.stopped
	}
	return nil
}

// Result says what one RunOnce did.
type Result struct {
	Scanned int     // entries scanned
	Raised  []Alert // alerts opened (not those merely updated)
	Cursor  int64   // Seq of the last entry scanned
}

// RunOnce scans every entry after the cursor, batch by batch, raising and
// updating alerts, until it reaches the end of the log.
func (d *Detector) RunOnce(ctx context.Context) (Result, error) {
	return d.runFor(ctx, 0)
}

// runFor is RunOnce that stops after budget (0: none) once a batch is
// done. The background loop gives itself a fifth of each interval, so
// that catching up on a long log (a first start, a bulk job's million
// entries) lags behind instead of taking the cores from the requests.
func (d *Detector) runFor(ctx context.Context, budget time.Duration) (Result, error) {
	d.run.Lock()
	defer d.run.Unlock()
	start := time.Now()
	var res Result
	for {
		n, raised, cursor, err := d.step(ctx)
		res.Scanned += n
		res.Raised = append(res.Raised, raised...)
		res.Cursor = cursor
		if err != nil {
			return res, err
		}
		if n < d.cfg.Batch || (budget > 0 && time.Since(start) > budget) {
			break
		}
	}
	if err := d.refreshOpen(ctx); err != nil {
		return res, err
	}
	return res, nil
}

// step scans one batch after the cursor and stores what it found with the
// moved cursor. It returns how many entries it read.
func (d *Detector) step(ctx context.Context) (int, []Alert, int64, error) {
	cursor, err := d.store.AnomalyCursor(ctx)
	if err != nil {
		return 0, nil, cursor, fmt.Errorf("anomaly cursor: %w", err)
	}
	batch, err := d.store.AccessLogEntryPage(ctx, cursor+1, d.cfg.Batch)
	if err != nil || len(batch) == 0 {
		return 0, nil, cursor, err
	}
	found, err := d.evaluate(ctx, batch)
	if err != nil {
		return 0, nil, cursor, err
	}
	next := batch[len(batch)-1].Seq
	now := d.now().UTC()
	for i := range found {
		found[i].CreatedAt, found[i].UpdatedAt = now, now
	}
	raised, err := d.store.SaveAlerts(ctx, cursor, next, found)
	if apperr.Is(err, apperr.Conflict) {
		// Another node scanned this batch meanwhile: go on from its cursor.
		return len(batch), nil, cursor, nil
	}
	if err != nil {
		return 0, nil, cursor, fmt.Errorf("save alerts: %w", err)
	}
	d.mu.Lock()
	for _, a := range raised {
		d.raised[a.Rule]++
	}
	d.mu.Unlock()
	return len(batch), raised, next, nil
}

// refreshOpen reloads the open alerts by rule, for the gauge.
func (d *Detector) refreshOpen(ctx context.Context) error {
	counts, err := d.store.OpenAlertCounts(ctx)
	if err != nil {
		return fmt.Errorf("count open alerts: %w", err)
	}
	d.mu.Lock()
	d.open = counts
	d.mu.Unlock()
	return nil
}

// Stats are the detector's figures, by rule, for metrics.
type Stats struct {
	Raised map[string]int64 // alerts this process opened since it started
	Open   map[string]int64 // alerts open in the database, as of the last run or acknowledgement
}

// Stats returns the figures, with every rule present.
func (d *Detector) Stats() Stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := Stats{Raised: map[string]int64{}, Open: map[string]int64{}}
	for _, r := range Rules() {
		s.Raised[r], s.Open[r] = d.raised[r], d.open[r]
	}
	return s
}

// mayRead reports whether an officer may see and acknowledge alerts:
// admins, who run the system, and auditors, who watch the log.
func mayRead(a auth.Actor) error {
	if a.Role != auth.RoleAdmin && a.Role != auth.RoleAuditor {
		return apperr.E(apperr.Forbidden, "only admins and auditors see anomaly alerts")
	}
	return nil
}

// List returns the alerts f selects, newest first, to an admin or auditor.
func (d *Detector) List(ctx context.Context, a auth.Actor, f Filter) ([]Alert, error) {
	if err := mayRead(a); err != nil {
		return nil, err
	}
	switch f.Status {
	case "", StatusOpen, StatusAcknowledged:
	default:
		return nil, apperr.Field(apperr.Invalid, "status", "status must be open or acknowledged")
	}
	if f.Rule != "" && !slices.Contains(Rules(), f.Rule) {
		return nil, apperr.Field(apperr.Invalid, "rule", "no rule %q: the rules are mass_reads, out_of_jurisdiction, quota_abuse, off_purpose", f.Rule)
	}
	switch {
	case f.Limit == 0:
		f.Limit = DefaultLimit
	case f.Limit < 0 || f.Limit > MaxLimit:
		return nil, apperr.Field(apperr.Invalid, "limit", "limit is between 1 and %d", MaxLimit)
	}
	if f.Before < 0 {
		return nil, apperr.Field(apperr.Invalid, "before", "before is an alert ID")
	}
	alerts, err := d.store.Alerts(ctx, f)
	if err != nil {
		return nil, err
	}
	if alerts == nil {
		alerts = []Alert{}
	}
	return alerts, nil
}

// Acknowledge marks an open alert as seen by an admin or auditor, who is
// recorded with the time. An acknowledged alert frees its bucket: if the
// rule fires again there, a new alert opens.
func (d *Detector) Acknowledge(ctx context.Context, a auth.Actor, id int64) (*Alert, error) {
	if err := mayRead(a); err != nil {
		return nil, err
	}
	al, err := d.store.AcknowledgeAlert(ctx, id, a.ID, d.now().UTC())
	if err != nil {
		return nil, err
	}
	if err := d.refreshOpen(ctx); err != nil {
		d.logger.Warn("anomaly detector", "err", err)
	}
	return al, nil
}
