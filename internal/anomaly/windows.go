package anomaly

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
)

// window is one rule's sliding window for one key (an actor, or an
// organisation), kept between batches: it takes the rule's entries in
// about time order and says how many it counts within (t-w, t] of the
// latest, and where they begin. Each costs O(1) per entry, so a busy
// partner's million entries an hour no longer mean re-reading, copying
// and sorting its whole window for every batch.
type window interface {
	add(e accesslog.Entry)
	count() int
	oldestSeq() int64
}

// countWindow counts entries: the refusal rules.
type countWindow struct {
	w      time.Duration
	max    int // the most entries kept: counts saturate there
	at     []time.Time
	seq    []int64
	head   int // at[head:] are in the window
	latest time.Time
}

func newCountWindow(w time.Duration, max int) *countWindow { return &countWindow{w: w, max: max} }

func (cw *countWindow) add(e accesslog.Entry) {
	at := e.At
	if at.Before(cw.latest) {
		at = cw.latest
	}
	cw.latest = at
	start := at.Add(-cw.w)
	for cw.head < len(cw.at) && !cw.at[cw.head].After(start) {
		cw.head++
	}
	if cw.head > 1024 && cw.head > len(cw.at)/2 { // reuse the dropped front
		n := copy(cw.at, cw.at[cw.head:])
		copy(cw.seq, cw.seq[cw.head:])
		cw.at, cw.seq, cw.head = cw.at[:n], cw.seq[:n], 0
	}
	cw.at, cw.seq = append(cw.at, at), append(cw.seq, e.Seq)
	if cw.count() > cw.max {
		cw.head++
	}
}

func (cw *countWindow) count() int { return len(cw.at) - cw.head }

func (cw *countWindow) oldestSeq() int64 {
	if cw.count() == 0 {
		return 0
	}
	return cw.seq[cw.head]
}

// windowCap bounds one window's memory: it keeps at most 100 times the
// rule's limit (and at least 10,000), so a partner reading millions of
// persons an hour costs a few megabytes, and the counts it reports
// saturate far above the threshold.
func windowCap(limit int) int { return max(100*limit, 10_000) }

// distinctWindow counts the distinct subjects an actor read within a
// sliding window, incrementally: one node per subject, in the order of
// its latest read, so that the window's count is the number of nodes and
// sliding it drops nodes from the front. It costs O(1) per read and
// memory per distinct person in the window — not per read, which for a
// partner verifying thousands of persons a second was millions of rows
// re-sorted for every batch.
type distinctWindow struct {
	w          time.Duration
	max        int // the most subjects kept: counts saturate there
	nodes      map[string]*subjectNode
	head, tail *subjectNode // by latest read; head: the least recently read
	// by first read since entering the window: its head holds the
	// smallest firstSeq, where the counted entries begin
	firstHead, firstTail *subjectNode
	latest               time.Time // reads arrive in about time order; the window never moves back
}

type subjectNode struct {
	subject              string
	at                   time.Time // its latest read
	firstSeq             int64     // its first read since it entered the window
	prev, next           *subjectNode
	prevFirst, nextFirst *subjectNode
}

func newDistinctWindow(w time.Duration, max int) *distinctWindow {
	return &distinctWindow{w: w, max: max, nodes: map[string]*subjectNode{}}
}

// add counts a read at e.At (or at the latest time seen, if the log
// handed it over a little out of time order) and slides the window to it.
func (dw *distinctWindow) add(e accesslog.Entry) {
	at := e.At
	if at.Before(dw.latest) {
		at = dw.latest
	}
	dw.latest = at
	dw.slide(at)
	n := dw.nodes[e.Subject]
	if n == nil {
		n = &subjectNode{subject: e.Subject, firstSeq: e.Seq, prevFirst: dw.firstTail}
		dw.nodes[e.Subject] = n
		if dw.firstTail != nil {
			dw.firstTail.nextFirst = n
		} else {
			dw.firstHead = n
		}
		dw.firstTail = n
	} else {
		dw.unlink(n)
	}
	n.at = at
	n.prev, n.next = dw.tail, nil
	if dw.tail != nil {
		dw.tail.next = n
	} else {
		dw.head = n
	}
	dw.tail = n
	for len(dw.nodes) > dw.max {
		dw.drop(dw.head)
	}
}

// slide drops the subjects whose latest read is at or before t - w: the
// window (t-w, t] excludes its start.
func (dw *distinctWindow) slide(t time.Time) {
	start := t.Add(-dw.w)
	for dw.head != nil && !dw.head.at.After(start) {
		dw.drop(dw.head)
	}
}

func (dw *distinctWindow) drop(n *subjectNode) {
	dw.unlink(n)
	if n.prevFirst != nil {
		n.prevFirst.nextFirst = n.nextFirst
	} else {
		dw.firstHead = n.nextFirst
	}
	if n.nextFirst != nil {
		n.nextFirst.prevFirst = n.prevFirst
	} else {
		dw.firstTail = n.prevFirst
	}
	delete(dw.nodes, n.subject)
}

func (dw *distinctWindow) unlink(n *subjectNode) {
	if n.prev != nil {
		n.prev.next = n.next
	} else {
		dw.head = n.next
	}
	if n.next != nil {
		n.next.prev = n.prev
	} else {
		dw.tail = n.prev
	}
	n.prev, n.next = nil, nil
}

// count is the number of distinct subjects in the window.
func (dw *distinctWindow) count() int { return len(dw.nodes) }

// oldestSeq is where the entries the window counts begin: the earliest
// first read of a subject still in it (a subject read again and again
// stays in the window from its first read on).
func (dw *distinctWindow) oldestSeq() int64 {
	if dw.firstHead == nil {
		return 0
	}
	return dw.firstHead.firstSeq
}

// evaluate returns the alerts a batch's entries find. Each rule counts
// each key's entries in a window kept between batches, built from the
// database when the detector first meets the key — or again after
// another node scanned batches meanwhile. The batch is taken in time
// order; each entry a rule counts slides that key's window to it and,
// where the count exceeds the limit, finds an alert in the window bucket
// of its time. Findings of one bucket merge: largest count, widest Seq
// range. Caller holds d.run.
func (d *Detector) evaluate(ctx context.Context, batch []accesslog.Entry) ([]Alert, error) {
	first := batch[0].Seq
	if d.windows == nil || first != d.upTo+1 {
		d.windows = map[string]window{}
	}
	points := slices.Clone(batch)
	slices.SortStableFunc(points, byTime)
	var found []Alert
	last := map[string]int{} // rule and key → index in found of its latest alert
	for _, p := range points {
		for _, r := range d.rules {
			if !r.matches(p) {
				continue
			}
			key, _ := r.key(p)
			wk := r.name + "\x00" + key
			win := d.windows[wk]
			if win == nil {
				var err error
				if win, err = d.loadWindow(ctx, r, p, first); err != nil {
					d.windows = nil // half-fed: start afresh next time
					return nil, err
				}
				d.windows[wk] = win
			}
			i, ok := last[wk]
			if !ok {
				i = -1
			}
			found, last[wk] = observe(r, key, win, p, found, i)
		}
	}
	d.upTo = batch[len(batch)-1].Seq
	return found, nil
}

// observe counts p in its key's window and records what it finds in
// found, merging with the key's alert at index i (-1: none yet) when the
// bucket is the same. It returns found and the key's alert index.
func observe(r rule, key string, win window, p accesslog.Entry, found []Alert, i int) ([]Alert, int) {
	win.add(p)
	n := win.count()
	if n <= r.threshold.Limit {
		return found, i
	}
	w := r.threshold.Window
	bucket := bucketOf(p.At, w)
	if i >= 0 && found[i].WindowStart.Equal(bucket) {
		a := &found[i]
		a.Count, a.Actor = max(a.Count, n), p.Actor
		a.FirstSeq, a.LastSeq = min(a.FirstSeq, win.oldestSeq()), max(a.LastSeq, p.Seq)
		return found, i
	}
	found = append(found, Alert{Rule: r.name, Key: key, Actor: p.Actor, Org: p.Org,
		WindowStart: bucket, WindowEnd: bucket.Add(w), Window: w, Threshold: r.threshold.Limit,
		Count: n, FirstSeq: min(win.oldestSeq(), p.Seq), LastSeq: p.Seq, Status: StatusOpen})
	return found, len(found) - 1
}

// newWindow returns an empty window of a rule.
func newWindow(r rule) window {
	if r.distinct {
		return newDistinctWindow(r.threshold.Window, windowCap(r.threshold.Limit))
	}
	return newCountWindow(r.threshold.Window, windowCap(r.threshold.Limit))
}

// loadWindow builds a key's window from the log's entries before the
// batch, within the window before the point that first names the key:
// an actor's through the actor index, an organisation's refusals through
// theirs. Only the latest entries a window can hold are read (twice as
// many for distinct persons, which repeated reads thin out): after a
// restart, a partner that verified millions of persons in the last hour
// would otherwise be read back whole, for seconds, while it is served.
func (d *Detector) loadWindow(ctx context.Context, r rule, p accesslog.Entry, first int64) (window, error) {
	win := newWindow(r)
	from := p.At.Add(-r.threshold.Window)
	limit := windowCap(r.threshold.Limit)
	if r.distinct {
		limit *= 2
	}
	var rows []accesslog.Entry
	var err error
	if _, byOrg := r.key(p); byOrg {
		rows, err = d.store.AccessLogRefusedOrgWindow(ctx, p.Org, from, p.At, first, limit)
	} else {
		rows, err = d.store.AccessLogActorWindow(ctx, p.Actor, from, p.At, first, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("read a window of the log: %w", err)
	}
	for _, e := range rows {
		if r.matches(e) {
			win.add(e)
		}
	}
	return win, nil
}
