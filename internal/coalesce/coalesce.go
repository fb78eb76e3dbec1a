// Package coalesce turns many concurrent reads of one key each into few
// reads of many keys. Under load, the requests that arrive while a read
// is in flight wait for the next one and share it, so that the database
// runs one statement per batch instead of one per request, while an idle
// server still answers each request with its own read at once.
package coalesce

import (
	"context"
	"sync"
)

// Loader batches calls to Load. One read runs at a time while callers
// keep up with it, at most readers when they pile up; a read holds at most
// maxBatch keys.
type Loader[K comparable, V any] struct {
	read     func(ctx context.Context, keys []K) (map[K]V, error)
	readers  int
	maxBatch int

	mu      sync.Mutex
	queue   []*call[K, V]
	running int
}

type call[K comparable, V any] struct {
	key  K
	val  V
	ok   bool
	err  error
	done chan struct{}
}

// New returns a loader over read, which returns the values of the keys it
// finds (a key it does not find is absent from its map). readers bounds
// the concurrent reads (the database connections the loader may hold) and
// maxBatch the keys in one read.
func New[K comparable, V any](readers, maxBatch int, read func(ctx context.Context, keys []K) (map[K]V, error)) *Loader[K, V] {
	return &Loader[K, V]{read: read, readers: max(readers, 1), maxBatch: max(maxBatch, 1)}
}

// Load returns key's value and whether it was found. When a read fails,
// every caller in its batch gets its error.
func (l *Loader[K, V]) Load(ctx context.Context, key K) (V, bool, error) {
	c := &call[K, V]{key: key, done: make(chan struct{})}
	l.mu.Lock()
	l.queue = append(l.queue, c)
	// A first read starts at once; more run beside it only when callers
	// pile up (reads are slow, as when they wait for the disk): otherwise
	// those who come during a read wait for it to end and go together.
	// A whole batch waiting is more than one read could take.
	lead := l.running == 0 || (l.running < l.readers && len(l.queue) >= l.maxBatch)
	if lead {
		l.running++
	}
	l.mu.Unlock()
	if lead {
		// This caller reads one batch (holding its own key) and, if more
		// wait, leaves the reading to a goroutine so that its answer is
		// not delayed by other callers' batches.
		l.readBatch(ctx)
		if !l.release() {
			go l.drain(context.WithoutCancel(ctx))
		}
	}
	select {
	case <-c.done:
		return c.val, c.ok, c.err
	case <-ctx.Done():
		var zero V
		return zero, false, ctx.Err()
	}
}

// drain reads batches until the queue is empty.
func (l *Loader[K, V]) drain(ctx context.Context) {
	for {
		l.readBatch(ctx)
		if l.release() {
			return
		}
	}
}

// release gives up a reader's turn when no caller waits, and reports
// whether it did; otherwise the reader reads on.
func (l *Loader[K, V]) release() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.queue) > 0 {
		return false
	}
	l.running--
	return true
}

// readBatch takes up to maxBatch waiting calls and answers them with one
// read. The read does not stop when the caller that leads it goes away:
// the others in its batch still want their answers.
func (l *Loader[K, V]) readBatch(ctx context.Context) {
	l.mu.Lock()
	n := min(len(l.queue), l.maxBatch)
	batch := make([]*call[K, V], n)
	copy(batch, l.queue)
	rest := copy(l.queue, l.queue[n:])
	clear(l.queue[rest:])
	l.queue = l.queue[:rest]
	l.mu.Unlock()
	if n == 0 {
		return
	}
	keys := make([]K, 0, n)
	seen := make(map[K]bool, n)
	for _, c := range batch {
		if !seen[c.key] {
			seen[c.key] = true
			keys = append(keys, c.key)
		}
	}
	vals, err := l.read(context.WithoutCancel(ctx), keys)
	for _, c := range batch {
		if err != nil {
			c.err = err
		} else {
			c.val, c.ok = vals[c.key]
		}
		close(c.done)
	}
}
