// Package quota limits what each partner client may ask: a rate (token
// bucket, per node) and a daily quota shared by every node through the
// database. Limits answer with how long to wait, for Retry-After.
package quota

import (
	"context"
	"math"
	"sync"
	"time"
)

// Limits of one client. Zero values take the defaults.
type Limits struct {
	PerSecond float64 // sustained requests (or rows) a second, per node
	Burst     int     // bucket size
	PerDay    int64   // requests (or rows) a calendar day (UTC), all nodes
}

// Defaults for clients an operator gave no limits.
var Defaults = Limits{PerSecond: 200, Burst: 400, PerDay: 2_000_000}

func (l Limits) withDefaults() Limits {
	if l.PerSecond <= 0 {
		l.PerSecond = Defaults.PerSecond
	}
	if l.Burst <= 0 {
		l.Burst = max(1, int(2*l.PerSecond)) // two seconds' worth
	}
	if l.PerDay <= 0 {
		l.PerDay = Defaults.PerDay
	}
	return l
}

// UsageStore keeps the daily counts shared by nodes.
type UsageStore interface {
	// AddUsage adds delta to key's count for day and returns the new total.
	AddUsage(ctx context.Context, key, day string, delta int64) (int64, error)
}

// Limiter applies limits by key (a client id).
type Limiter struct {
	store UsageStore
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens  float64
	updated time.Time
	day     string
	known   int64 // the day's total as last read from the store
	pending int64 // counted here since, not yet stored
}

// New returns a limiter; call Flush periodically (Run does).
func New(store UsageStore, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{store: store, now: now, buckets: map[string]*bucket{}}
}

// ErrDay is returned with the wait until the next day.
type Exceeded struct {
	Daily bool
	Wait  time.Duration
}

// Take takes n units for key under lim, or reports how long to wait.
func (l *Limiter) Take(key string, n int, lim Limits) *Exceeded {
	lim = lim.withDefaults()
	now := l.now().UTC()
	day := now.Format(time.DateOnly)
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: float64(lim.Burst), updated: now, day: day}
		l.buckets[key] = b
	}
	if b.day != day {
		b.day, b.known, b.pending = day, 0, 0
	}
	if b.known+b.pending+int64(n) > lim.PerDay {
		tomorrow := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
		return &Exceeded{Daily: true, Wait: tomorrow.Sub(now)}
	}
	b.tokens = math.Min(float64(max(lim.Burst, n)), b.tokens+now.Sub(b.updated).Seconds()*lim.PerSecond)
	b.updated = now
	if b.tokens < float64(n) {
		wait := time.Duration((float64(n) - b.tokens) / lim.PerSecond * float64(time.Second))
		return &Exceeded{Wait: max(wait, time.Second)}
	}
	b.tokens -= float64(n)
	b.pending += int64(n)
	return nil
}

// Flush stores the counts taken since the last flush and learns the
// other nodes' totals.
func (l *Limiter) Flush(ctx context.Context) error {
	type delta struct {
		key, day string
		n        int64
	}
	l.mu.Lock()
	var ds []delta
	for k, b := range l.buckets {
		if b.pending > 0 {
			ds = append(ds, delta{k, b.day, b.pending})
			b.known += b.pending
			b.pending = 0
		}
	}
	l.mu.Unlock()
	for _, d := range ds {
		total, err := l.store.AddUsage(ctx, d.key, d.day, d.n)
		if err != nil {
			l.mu.Lock()
			if b := l.buckets[d.key]; b != nil && b.day == d.day {
				b.known -= d.n // store it next time
				b.pending += d.n
			}
			l.mu.Unlock()
			return err
		}
		l.mu.Lock()
		if b := l.buckets[d.key]; b != nil && b.day == d.day && total > b.known {
			b.known = total
		}
		l.mu.Unlock()
	}
	return nil
}

// Run flushes every interval until ctx ends, and once more then.
func (l *Limiter) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			l.Flush(context.WithoutCancel(ctx))
			return
		case <-t.C:
			l.Flush(ctx)
		}
	}
}
