package quota

import (
	"context"
	"sync"
	"testing"
	"time"
)

type memUsage struct {
	mu sync.Mutex
	m  map[string]int64
}

func (m *memUsage) AddUsage(_ context.Context, key, day string, d int64) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[key+day] += d
	return m.m[key+day], nil
}

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 11, 27, 23, 59, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	store := &memUsage{m: map[string]int64{}}
	l := New(store, clock)
	lim := Limits{PerSecond: 10, Burst: 10, PerDay: 25}
	for i := 0; i < 10; i++ {
		if e := l.Take("a", 1, lim); e != nil {
			t.Fatalf("take %d refused: %+v", i, e)
		}
	}
	if e := l.Take("a", 1, lim); e == nil || e.Daily || e.Wait < time.Second/10 {
		t.Fatalf("the 11th in the same instant: %+v, want a rate wait", e)
	}
	if e := l.Take("b", 1, lim); e != nil {
		t.Errorf("another key is limited by the first: %+v", e)
	}
	now = now.Add(time.Second)
	if e := l.Take("a", 10, lim); e != nil {
		t.Fatalf("after a second: %+v", e)
	}
	// Another node took 4 meanwhile: the daily quota counts them.
	store.AddUsage(context.Background(), "a", "2026-11-27", 4)
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Second)
	if e := l.Take("a", 2, lim); e == nil || !e.Daily || e.Wait > time.Minute {
		t.Fatalf("over the daily quota: %+v, want daily with the wait until midnight", e)
	}
	now = now.Add(time.Minute) // the next day
	if e := l.Take("a", 5, lim); e != nil {
		t.Errorf("a new day: %+v", e)
	}
}
