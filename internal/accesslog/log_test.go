package accesslog

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// newTestLog returns a log over a fresh memStorage, closed at cleanup.
func newTestLog(t *testing.T, opts Options) (*Log, *memStorage, string) {
	t.Helper()
	s := newMemStorage()
	signer, vkey := testSigner(t)
	l := New(s, signer, opts)
	t.Cleanup(func() { l.Close() })
	return l, s, vkey
}

// entryFor returns a valid entry about subject by actor.
func entryFor(actor, subject string) Entry {
	return Entry{Actor: actor, ActorRole: "officer", Subject: subject, Action: ActionRead, Fields: "*", Outcome: OutcomeOK}
}

// recordConcurrently records callers × perCaller entries from callers
// goroutines and fails the test on any error.
func recordConcurrently(t *testing.T, l *Log, callers, perCaller int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, callers*perCaller)
	for c := range callers {
		wg.Go(func() {
			for i := range perCaller {
				errs <- l.Record(context.Background(), entryFor(fmt.Sprintf("actor%d", c), fmt.Sprintf("%012d", i)))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Record() = %v", err)
		}
	}
}

func TestLog_Record(t *testing.T) {
	ctx := context.Background()
	l, s, vkey := newTestLog(t, Options{})
	recordConcurrently(t, l, 20, 50)

	st := l.Stats()
	if st.Entries != 1000 {
		t.Errorf("Stats().Entries = %d, want 1000", st.Entries)
	}
	if st.Batches >= 1000 || st.LastBatch < 1 {
		t.Errorf("Stats() = %+v for 1000 entries from 20 callers: no grouping", st)
	}
	cp, err := l.Checkpoint(ctx)
	if err != nil || cp.Size != 1000 {
		t.Fatalf("Checkpoint() = size %d, %v; want 1000", cp.Size, err)
	}
	if _, err := OpenCheckpoint(cp.Note, vkey); err != nil {
		t.Fatalf("OpenCheckpoint() = %v", err)
	}
	all, err := l.Entries(ctx, Filter{Limit: MaxLimit})
	if err != nil || len(all) != 1000 {
		t.Fatalf("Entries() = %d entries, %v", len(all), err)
	}
	for i, e := range all {
		if e.Seq != int64(i) {
			t.Fatalf("entry %d has Seq %d", i, e.Seq)
		}
		if e.At.IsZero() || e.At.Location() != time.UTC {
			t.Fatalf("entry %d: At = %v, want a UTC time", i, e.At)
		}
		proof, err := l.InclusionProof(ctx, e.Seq, cp.Size)
		if err != nil {
			t.Fatalf("InclusionProof(%d) = %v", e.Seq, err)
		}
		if err := VerifyInclusion(e, proof, cp); err != nil {
			t.Fatalf("VerifyInclusion(%d) = %v", e.Seq, err)
		}
	}
	rep, err := Verify(ctx, s, vkey)
	if err != nil || !rep.OK || rep.Size != 1000 || rep.Signed != 1000 {
		t.Fatalf("Verify() = %+v, %v; want OK over 1000 entries", rep, err)
	}
}

func TestLog_RecordFailClosed(t *testing.T) {
	ctx := context.Background()
	l, s, vkey := newTestLog(t, Options{MaxDelay: 20 * time.Millisecond})
	if err := l.Record(ctx, entryFor("a", "1")); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.fail = errInjected
	s.mu.Unlock()
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Go(func() { errs[i] = l.Record(ctx, entryFor("b", "2")) })
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, errInjected) {
			t.Errorf("caller %d: Record() = %v, want the storage's error", i, err)
		}
	}
	s.mu.Lock()
	s.fail = nil
	s.mu.Unlock()
	if err := l.Record(ctx, entryFor("c", "3")); err != nil {
		t.Fatalf("Record() after recovery = %v", err)
	}
	got, _ := l.Entries(ctx, Filter{})
	if len(got) != 2 || got[1].Seq != 1 || got[1].Actor != "c" {
		t.Errorf("entries after a failed batch = %+v, want a and c at 0 and 1", got)
	}
	if rep, err := Verify(ctx, s, vkey); err != nil || !rep.OK {
		t.Errorf("Verify() = %+v, %v", rep, err)
	}
}

func TestLog_RecordInvalid(t *testing.T) {
	l, s, _ := newTestLog(t, Options{})
	err := l.Record(context.Background(), entryFor("a", "1"), Entry{Actor: "a"})
	if apperr.Code(err) != apperr.Invalid {
		t.Fatalf("Record() = %v, want invalid", err)
	}
	if len(s.entries) != 0 {
		t.Errorf("%d entries stored from a call with an invalid entry, want 0", len(s.entries))
	}
}

func TestLog_Close(t *testing.T) {
	ctx := context.Background()
	l, s, _ := newTestLog(t, Options{MaxDelay: time.Hour, CheckpointEvery: time.Hour})
	done := make(chan error)
	go func() { done <- l.Record(ctx, entryFor("a", "1")) }()
	// The entry waits for company for an hour; Close must flush it.
	time.Sleep(20 * time.Millisecond)
	if err := l.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Record() during Close = %v", err)
	}
	if len(s.entries) != 1 {
		t.Errorf("%d entries after Close, want 1", len(s.entries))
	}
	if cp, err := s.AccessLogLatestCheckpoint(ctx); err != nil || cp.Size != 1 {
		t.Errorf("latest checkpoint after Close = %d, %v; want size 1", cp.Size, err)
	}
	if err := l.Record(ctx, entryFor("a", "2")); apperr.Code(err) != apperr.Unavailable {
		t.Errorf("Record() after Close = %v, want unavailable", err)
	}
}

func TestLog_PeriodicCheckpoint(t *testing.T) {
	ctx := context.Background()
	l, s, _ := newTestLog(t, Options{CheckpointEvery: 30 * time.Millisecond})
	for i := range 3 {
		if err := l.Record(ctx, entryFor("a", fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		cp, err := s.AccessLogLatestCheckpoint(ctx)
		if err == nil && cp.Size == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint of size 3 signed by the appender: %+v, %v", cp, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestLog_TwoNodes runs two logs on one storage, as two dancu nodes on one
// database: each must notice the other's appends.
func TestLog_TwoNodes(t *testing.T) {
	ctx := context.Background()
	s := newMemStorage()
	signer, vkey := testSigner(t)
	a := New(s, signer, Options{MaxDelay: -1})
	b := New(s, signer, Options{MaxDelay: -1})
	defer a.Close()
	defer b.Close()
	for i := range 50 {
		node := a
		if i%3 == 0 {
			node = b
		}
		if err := node.Record(ctx, entryFor("a", fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if rep, err := Verify(ctx, s, vkey); err != nil || !rep.OK || rep.Size != 50 {
		t.Fatalf("Verify() = %+v, %v; want OK over 50", rep, err)
	}
}

func TestLog_Entries(t *testing.T) {
	ctx := context.Background()
	l, _, _ := newTestLog(t, Options{})
	for i := range 10 {
		if err := l.Record(ctx, entryFor(fmt.Sprint("actor", i%2), fmt.Sprint("subject", i%3))); err != nil {
			t.Fatal(err)
		}
	}
	three, seven := int64(3), int64(7)
	tests := []struct {
		name string
		f    Filter
		want []int64
	}{
		{"all oldest first", Filter{}, []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"newest first, limit", Filter{Newest: true, Limit: 3}, []int64{9, 8, 7}},
		{"subject", Filter{Subject: "subject0"}, []int64{0, 3, 6, 9}},
		{"actor after", Filter{Actor: "actor1", AfterSeq: &three}, []int64{5, 7, 9}},
		{"subject newest before", Filter{Subject: "subject1", BeforeSeq: &seven, Newest: true}, []int64{4, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := l.Entries(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var seqs []int64
			for _, e := range got {
				seqs = append(seqs, e.Seq)
			}
			if diff := cmp.Diff(tt.want, seqs); diff != "" {
				t.Errorf("Entries() seqs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLog_Proofs(t *testing.T) {
	ctx := context.Background()
	l, _, _ := newTestLog(t, Options{})
	for i := range 5 {
		if err := l.Record(ctx, entryFor("a", fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name     string
		prove    func() error
		wantCode string
	}{
		{"inclusion ok", func() error { _, err := l.InclusionProof(ctx, 4, 5); return err }, ""},
		{"inclusion seq beyond tree", func() error { _, err := l.InclusionProof(ctx, 9, 10); return err }, apperr.NotFound},
		{"inclusion size beyond tree", func() error { _, err := l.InclusionProof(ctx, 1, 6); return err }, apperr.NotFound},
		{"inclusion seq not in size", func() error { _, err := l.InclusionProof(ctx, 3, 3); return err }, apperr.Invalid},
		{"inclusion negative seq", func() error { _, err := l.InclusionProof(ctx, -1, 3); return err }, apperr.Invalid},
		{"inclusion size 0", func() error { _, err := l.InclusionProof(ctx, 0, 0); return err }, apperr.Invalid},
		{"consistency ok", func() error { _, err := l.ConsistencyProof(ctx, 2, 5); return err }, ""},
		{"consistency from 0", func() error { _, err := l.ConsistencyProof(ctx, 0, 5); return err }, ""},
		{"consistency reversed", func() error { _, err := l.ConsistencyProof(ctx, 4, 3); return err }, apperr.Invalid},
		{"consistency beyond tree", func() error { _, err := l.ConsistencyProof(ctx, 4, 6); return err }, apperr.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.prove()
			if tt.wantCode == "" && err != nil || tt.wantCode != "" && apperr.Code(err) != tt.wantCode {
				t.Errorf("error = %v, want code %q", err, tt.wantCode)
			}
		})
	}
}
