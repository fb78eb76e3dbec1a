package accesslog

import (
	"context"
	"encoding/binary"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// pager streams rows in key order, one page at a time.
type pager[T any] struct {
	fetch func(ctx context.Context, from int64, limit int) ([]T, error)
	key   func(T) int64
	limit int
	from  int64 // key of the next page's first row, at least
	buf   []T
}

// peek returns the next row without consuming it; ok is false at the end.
func (p *pager[T]) peek(ctx context.Context) (row T, ok bool, err error) {
	if len(p.buf) == 0 {
		page, err := p.fetch(ctx, p.from, p.limit)
		if err != nil {
			return row, false, fmt.Errorf("read page from %d: %w", p.from, err)
		}
		if len(page) == 0 {
			return row, false, nil
		}
		p.buf = page
		p.from = p.key(page[len(page)-1]) + 1
	}
	return p.buf[0], true, nil
}

// pop consumes the row peek returned.
func (p *pager[T]) pop() { p.buf = p.buf[1:] }

// find returns the row with the given key, consuming the rows before it;
// keys must be asked for in increasing order.
func (p *pager[T]) find(ctx context.Context, key int64) (row T, ok bool, err error) {
	for {
		row, ok, err = p.peek(ctx)
		if err != nil || !ok {
			return row, false, err
		}
		switch k := p.key(row); {
		case k == key:
			return row, true, nil
		case k > key:
			return row, false, nil
		}
		p.pop()
	}
}

// recentLeaves remembers the leaf hashes of the last entries verified, so
// that an entry holding the data of a slightly earlier one is recognised.
type recentLeaves struct {
	seq  [1024]int64
	hash [1024]tlog.Hash
	n    int64
}

// add remembers entry seq's leaf hash, forgetting the oldest.
func (r *recentLeaves) add(seq int64, h tlog.Hash) {
	i := r.n % int64(len(r.seq))
	r.seq[i], r.hash[i] = seq, h
	r.n++
}

// lookaheadRows bounds how far past a mismatched entry Verify looks for
// the entry whose data it holds. Only a failing run pays for it.
const lookaheadRows = 1 << 20

// classifyMismatch explains an entry whose columns do not hash to its
// stored leaf hash: "reordered" if its data, renumbered, is that of another
// entry — a recent earlier one, or a later one — else "edited".
func (w *walker) classifyMismatch(ctx context.Context, e Entry) (*Problem, error) {
	data := LeafData(e)
	hashAs := func(seq int64) tlog.Hash {
		binary.BigEndian.PutUint64(data[1:9], uint64(seq))
		return tlog.RecordHash(data)
	}
	reordered := func(j int64) *Problem {
		return &Problem{Seq: e.Seq, Kind: ProblemReordered,
			Detail: fmt.Sprintf("entry %d reordered: it holds the data of entry %d", e.Seq, j)}
	}
	for k := range min(int64(len(w.recent.seq)), w.recent.n) {
		if j := w.recent.seq[k]; hashAs(j) == w.recent.hash[k] {
			return reordered(j), nil
		}
	}
	w.entries.pop()
	for range lookaheadRows {
		next, ok, err := w.entries.peek(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		w.entries.pop()
		stored, found, err := w.hashes.find(ctx, tlog.StoredHashIndex(0, next.Seq))
		if err != nil {
			return nil, err
		}
		if found && hashAs(next.Seq) == stored.Hash {
			return reordered(next.Seq), nil
		}
	}
	return &Problem{Seq: e.Seq, Kind: ProblemEdited,
		Detail: fmt.Sprintf("entry %d edited: its columns do not match its leaf hash", e.Seq)}, nil
}
