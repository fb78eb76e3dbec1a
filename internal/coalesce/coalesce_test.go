package coalesce

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// squares is a read that knows even keys, counting its calls and the
// most keys it was given at once.
type squares struct {
	calls, most atomic.Int64
	running     atomic.Int64
	maxRunning  atomic.Int64
	gate        chan struct{} // when set, each read waits for it
	fail        error
}

func (s *squares) read(_ context.Context, keys []int) (map[int]int, error) {
	s.calls.Add(1)
	n := s.running.Add(1)
	defer s.running.Add(-1)
	for {
		m := s.maxRunning.Load()
		if n <= m || s.maxRunning.CompareAndSwap(m, n) {
			break
		}
	}
	for {
		m := s.most.Load()
		if int64(len(keys)) <= m || s.most.CompareAndSwap(m, int64(len(keys))) {
			break
		}
	}
	if s.gate != nil {
		<-s.gate
	}
	if s.fail != nil {
		return nil, s.fail
	}
	out := map[int]int{}
	for _, k := range keys {
		if k%2 == 0 {
			out[k] = k * k
		}
	}
	return out, nil
}

func TestLoad_Alone(t *testing.T) {
	s := &squares{}
	l := New(2, 8, s.read)
	for _, tc := range []struct {
		key, want int
		found     bool
	}{{4, 16, true}, {3, 0, false}, {0, 0, true}} {
		v, ok, err := l.Load(context.Background(), tc.key)
		if err != nil || ok != tc.found || v != tc.want {
			t.Errorf("Load(%d) = %d, %v, %v; want %d, %v", tc.key, v, ok, err, tc.want, tc.found)
		}
	}
	if s.calls.Load() != 3 {
		t.Errorf("%d reads for three loads one after another, want 3", s.calls.Load())
	}
}

// TestLoad_Together: callers that come while the readers are busy share
// reads, no read holds more than maxBatch keys or runs beside more than
// readers others, and every caller gets its own key's answer.
func TestLoad_Together(t *testing.T) {
	s := &squares{gate: make(chan struct{})}
	l := New(2, 8, s.read)
	const callers = 100
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := i % 40 // some keys asked twice or more
			v, ok, err := l.Load(context.Background(), key)
			if err != nil || ok != (key%2 == 0) || v != map[bool]int{true: key * key}[ok] {
				errs <- fmt.Errorf("Load(%d) = %d, %v, %v", key, v, ok, err)
			}
		}()
	}
	// Let the two first reads start and the others queue, then open.
	waitFor(t, func() bool { return s.running.Load() == 2 })
	time.Sleep(20 * time.Millisecond)
	close(s.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if s.maxRunning.Load() > 2 || s.most.Load() > 8 {
		t.Errorf("reads at once %d (max 2), keys in a read %d (max 8)", s.maxRunning.Load(), s.most.Load())
	}
	if c := s.calls.Load(); c > callers/4 {
		t.Errorf("%d reads for %d callers: not coalesced", c, callers)
	}
}

func TestLoad_Error(t *testing.T) {
	boom := errors.New("boom")
	s := &squares{fail: boom}
	l := New(1, 8, s.read)
	if _, _, err := l.Load(context.Background(), 2); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
}

// TestLoad_LeaderGone: the caller whose read serves others may go away;
// the read still completes for them.
func TestLoad_LeaderGone(t *testing.T) {
	s := &squares{gate: make(chan struct{})}
	l := New(1, 8, s.read)
	ctx, cancel := context.WithCancel(context.Background())
	leader := make(chan error, 1)
	go func() { _, _, err := l.Load(ctx, 2); leader <- err }()
	waitFor(t, func() bool { return s.running.Load() == 1 })
	other := make(chan int, 1)
	go func() { v, _, _ := l.Load(context.Background(), 4); other <- v }()
	time.Sleep(10 * time.Millisecond)
	cancel()
	close(s.gate)
	if err := <-leader; err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("leader: %v", err)
	}
	if v := <-other; v != 16 {
		t.Errorf("other caller got %d, want 16", v)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestLoad_OneReadUnlessPiled: a caller that comes during a read waits
// for it rather than starting a second one, until callers pile up.
func TestLoad_OneReadUnlessPiled(t *testing.T) {
	s := &squares{gate: make(chan struct{})}
	l := New(4, 4, s.read) // a second read once 4 wait
	done := make(chan struct{}, 8)
	load := func(k int) { l.Load(context.Background(), k); done <- struct{}{} }
	go load(2)
	waitFor(t, func() bool { return s.running.Load() == 1 })
	for k := range 3 {
		go load(10 + k)
	}
	time.Sleep(20 * time.Millisecond)
	if r := s.running.Load(); r != 1 {
		t.Fatalf("%d reads with 3 callers waiting, want 1", r)
	}
	go load(20)
	waitFor(t, func() bool { return s.running.Load() == 2 })
	close(s.gate)
	for range 5 {
		<-done
	}
	if c := s.calls.Load(); c != 2 {
		t.Errorf("%d reads, want 2 (the first, then the four that piled up)", c)
	}
}
