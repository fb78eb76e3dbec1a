package accesslog

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// memStorage is an in-memory Storage for the logic tests; package store's
// tests run the same log on SQLite and PostgreSQL.
type memStorage struct {
	mu      sync.Mutex
	entries map[int64]Entry
	hashes  map[int64]tlog.Hash
	cps     map[int64]Checkpoint
	secrets map[string][]byte
	fail    error // when set, appends fail with it
	appends int
}

func newMemStorage() *memStorage {
	return &memStorage{
		entries: map[int64]Entry{},
		hashes:  map[int64]tlog.Hash{},
		cps:     map[int64]Checkpoint{},
		secrets: map[string][]byte{},
	}
}

// memTx stages writes until the append commits.
type memTx struct {
	s       *memStorage
	entries map[int64]Entry
	hashes  map[int64]tlog.Hash
	cps     map[int64]Checkpoint
}

func (s *memStorage) AccessLogAppend(ctx context.Context, fn func(AppendTx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx := &memTx{s: s, entries: map[int64]Entry{}, hashes: map[int64]tlog.Hash{}, cps: map[int64]Checkpoint{}}
	if err := fn(tx); err != nil {
		return err
	}
	if s.fail != nil {
		return s.fail
	}
	maps.Copy(s.entries, tx.entries)
	maps.Copy(s.hashes, tx.hashes)
	maps.Copy(s.cps, tx.cps)
	s.appends++
	return nil
}

func (t *memTx) StoredHashCount(ctx context.Context) (int64, error) { return t.s.hashCount(), nil }

func (t *memTx) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return t.s.readHashes(indexes)
}

func (t *memTx) InsertEntries(ctx context.Context, entries []Entry) error {
	for _, e := range entries {
		if _, dup := t.s.entries[e.Seq]; dup {
			return apperr.E(apperr.Conflict, "entry %d exists", e.Seq)
		}
		t.entries[e.Seq] = e
	}
	return nil
}

func (t *memTx) InsertHashes(ctx context.Context, first int64, hashes []tlog.Hash) error {
	for i, h := range hashes {
		if _, dup := t.s.hashes[first+int64(i)]; dup {
			return apperr.E(apperr.Conflict, "hash %d exists", first+int64(i))
		}
		t.hashes[first+int64(i)] = h
	}
	return nil
}

func (t *memTx) AddCheckpoint(ctx context.Context, cp Checkpoint) (Checkpoint, error) {
	if old, ok := t.s.cps[cp.Size]; ok {
		return old, nil
	}
	t.cps[cp.Size] = cp
	return cp, nil
}

func (s *memStorage) hashCount() int64 {
	n := int64(0)
	for idx := range s.hashes {
		n = max(n, idx+1)
	}
	return n
}

func (s *memStorage) readHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		h, ok := s.hashes[idx]
		if !ok {
			return nil, apperr.E(apperr.NotFound, "hash %d", idx)
		}
		out[i] = h
	}
	return out, nil
}

func (s *memStorage) AccessLogHashCount(ctx context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hashCount(), nil
}

func (s *memStorage) AccessLogHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readHashes(indexes)
}

func (s *memStorage) AccessLogLatestCheckpoint(ctx context.Context) (Checkpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.cps) == 0 {
		return Checkpoint{}, apperr.E(apperr.NotFound, "no checkpoint")
	}
	return s.cps[slices.Max(slices.Collect(maps.Keys(s.cps)))], nil
}

func (s *memStorage) AccessLogEntries(ctx context.Context, f Filter) ([]Entry, error) {
	all, _ := s.AccessLogEntryPage(ctx, -1<<63, 1<<30)
	if f.Newest {
		slices.Reverse(all)
	}
	var out []Entry
	for _, e := range all {
		if (f.Subject != "" && e.Subject != f.Subject) || (f.Actor != "" && e.Actor != f.Actor) ||
			(f.ExceptActor != "" && e.Actor == f.ExceptActor) ||
			(f.AfterSeq != nil && e.Seq <= *f.AfterSeq) || (f.BeforeSeq != nil && e.Seq >= *f.BeforeSeq) {
			continue
		}
		if out = append(out, e); len(out) == f.Limit {
			break
		}
	}
	return out, nil
}

// page returns up to limit values of m with keys >= from, in key order.
func page[T any](mu *sync.Mutex, m map[int64]T, from int64, limit int) []T {
	mu.Lock()
	defer mu.Unlock()
	keys := slices.Sorted(maps.Keys(m))
	var out []T
	for _, k := range keys {
		if k >= from && len(out) < limit {
			out = append(out, m[k])
		}
	}
	return out
}

func (s *memStorage) AccessLogEntryPage(ctx context.Context, from int64, limit int) ([]Entry, error) {
	return page(&s.mu, s.entries, from, limit), nil
}

func (s *memStorage) AccessLogHashPage(ctx context.Context, from int64, limit int) ([]IndexedHash, error) {
	s.mu.Lock()
	m := map[int64]IndexedHash{}
	for idx, h := range s.hashes {
		m[idx] = IndexedHash{Index: idx, Hash: h}
	}
	s.mu.Unlock()
	var mu sync.Mutex
	return page(&mu, m, from, limit), nil
}

func (s *memStorage) AccessLogCheckpointPage(ctx context.Context, from int64, limit int) ([]Checkpoint, error) {
	return page(&s.mu, s.cps, from, limit), nil
}

func (s *memStorage) LoadOrCreateSecret(ctx context.Context, name string, create func() ([]byte, error)) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.secrets[name]; ok {
		return v, nil
	}
	v, err := create()
	if err != nil {
		return nil, err
	}
	s.secrets[name] = v
	return v, nil
}

// errInjected is the failure tests inject into appends.
var errInjected = errors.New("injected failure")

var _ Storage = (*memStorage)(nil)
