package anomaly

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
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

	run sync.Mutex // one RunOnce at a time; guards the window cache below

	// windows caches each actor's entries that actor rules count, as
	// read or scanned up to seq cachedUpTo, so that a busy actor's window
	// is read from the database once rather than again for every batch
	// (which made each scan cost the whole window: quadratic under load).
	windows    map[string][]accesslog.Entry
	cachedUpTo int64

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

// group is one rule's points for one key in a batch.
type group struct {
	rule   rule
	key    string
	org    bool // key is an organisation
	points []accesslog.Entry
}

// span is a time range (From, To] to read around a batch.
type span struct{ from, to time.Time }

// maxActorRows bounds one actor's cached window; beyond it the actor's
// window is read from the database each batch, as without the cache.
const maxActorRows = 1_000_000

// actorWindows returns, for each actor of the batch, its entries that
// actor rules count within its span: from the cache when it covers the
// log up to the batch, else from the database. It then brings the cache
// up to the batch's end. Caller holds d.run.
func (d *Detector) actorWindows(ctx context.Context, batch []accesslog.Entry, actors map[string]span) (map[string][]accesslog.Entry, error) {
	first, last := batch[0].Seq, batch[len(batch)-1].Seq
	if d.windows == nil || first != d.cachedUpTo+1 {
		d.windows = map[string][]accesslog.Entry{} // another node scanned meanwhile, or first run
	}
	counted := func(e accesslog.Entry) bool {
		for _, r := range d.rules {
			if _, byOrg := r.key(e); !byOrg && r.matches(e) {
				return true
			}
		}
		return false
	}
	fresh := map[string][]accesslog.Entry{}
	for _, e := range batch {
		if _, ok := actors[e.Actor]; ok && counted(e) {
			fresh[e.Actor] = append(fresh[e.Actor], e)
		}
	}
	out := make(map[string][]accesslog.Entry, len(actors))
	var maxWindow time.Duration
	for _, r := range d.rules {
		maxWindow = max(maxWindow, r.threshold.Window)
	}
	for actor, sp := range actors {
		cached, ok := d.windows[actor]
		if !ok {
			rows, err := d.store.AccessLogActorWindow(ctx, actor, sp.from, sp.to)
			if err != nil {
				return nil, fmt.Errorf("read an actor's window: %w", err)
			}
			var kept []accesslog.Entry
			for _, e := range rows {
				if e.Seq < first && counted(e) {
					kept = append(kept, e)
				}
			}
			cached = kept
		}
		all := append(slices.Clone(cached), fresh[actor]...)
		out[actor] = all
		// Keep what later batches can still need: entries within the
		// longest window before this batch's earliest instant.
		cutoff := sp.to.Add(-maxWindow)
		for _, e := range batch {
			if e.Actor == actor && e.At.Add(-maxWindow).Before(cutoff) {
				cutoff = e.At.Add(-maxWindow)
			}
		}
		i := 0
		for i < len(all) && !all[i].At.After(cutoff) {
			i++
		}
		if len(all)-i <= maxActorRows {
			d.windows[actor] = all[i:]
		} else {
			delete(d.windows, actor)
		}
	}
	// Actors absent from the batch had nothing in it: their windows stay
	// complete up to its end.
	d.cachedUpTo = last
	return out, nil
}

// widen extends s to cover (t-w, t].
func (s span) widen(t time.Time, w time.Duration) span {
	if s.to.IsZero() {
		return span{t.Add(-w), t}
	}
	if t.Add(-w).Before(s.from) {
		s.from = t.Add(-w)
	}
	if t.After(s.to) {
		s.to = t
	}
	return s
}

// evaluate returns the alerts that a batch's entries find: it groups the
// entries each rule counts by key, reads each key's entries in the
// windows around them (one query per actor and per organisation), and
// slides each rule's window over them.
func (d *Detector) evaluate(ctx context.Context, batch []accesslog.Entry) ([]Alert, error) {
	type gkey struct{ rule, key string }
	groups := map[gkey]*group{}
	var order []gkey
	actors, orgs := map[string]span{}, map[string]span{}
	for _, e := range batch {
		for _, r := range d.rules {
			if !r.matches(e) {
				continue
			}
			key, byOrg := r.key(e)
			k := gkey{r.name, key}
			g := groups[k]
			if g == nil {
				g = &group{rule: r, key: key, org: byOrg}
				groups[k] = g
				order = append(order, k)
			}
			g.points = append(g.points, e)
			if byOrg {
				orgs[e.Org] = orgs[e.Org].widen(e.At, r.threshold.Window)
			} else {
				actors[e.Actor] = actors[e.Actor].widen(e.At, r.threshold.Window)
			}
		}
	}
	byActor, err := d.actorWindows(ctx, batch, actors)
	if err != nil {
		return nil, err
	}
	byOrg := map[string][]accesslog.Entry{}
	for org, s := range orgs {
		rows, err := d.store.AccessLogRefusedOrgWindow(ctx, org, s.from, s.to)
		if err != nil {
			return nil, fmt.Errorf("read an organisation's window: %w", err)
		}
		byOrg["org:"+org] = rows
	}
	var found []Alert
	for _, k := range order {
		g := groups[k]
		all := byActor[g.key]
		if g.org {
			all = byOrg[g.key]
		}
		var rows []accesslog.Entry
		for _, e := range all {
			if key, _ := g.rule.key(e); key == g.key && g.rule.matches(e) {
				rows = append(rows, e)
			}
		}
		found = append(found, g.rule.slide(rows, g.points)...)
	}
	return found, nil
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
