package accesslog

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// filledLog returns a storage holding n entries recorded one by one with a
// checkpoint after every 10, and the verifier key.
func filledLog(t *testing.T, n int) (*memStorage, string) {
	t.Helper()
	ctx := context.Background()
	l, s, vkey := newTestLog(t, Options{MaxDelay: -1, CheckpointEvery: time.Hour})
	for i := range n {
		if err := l.Record(ctx, entryFor(fmt.Sprint("actor", i), fmt.Sprint("subject", i))); err != nil {
			t.Fatal(err)
		}
		if (i+1)%10 == 0 {
			if _, err := l.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	return s, vkey
}

func TestVerify_Tampering(t *testing.T) {
	tests := []struct {
		name       string
		tamper     func(s *memStorage)
		wantSeq    int64
		wantKind   string
		wantDetail string
	}{
		{"intact", func(s *memStorage) {}, 0, "", ""},
		{"edited", func(s *memStorage) {
			e := s.entries[41]
			e.Purpose = "curiosity"
			s.entries[41] = e
		}, 41, ProblemEdited, "entry 41 edited"},
		{"deleted in the middle", func(s *memStorage) { delete(s.entries, 41) }, 41, ProblemDeleted, "entry 41 deleted"},
		{"two deleted", func(s *memStorage) { delete(s.entries, 41); delete(s.entries, 42) }, 41, ProblemDeleted, "entries 41 to 42 deleted"},
		{"last deleted", func(s *memStorage) {
			for i := int64(97); i < 100; i++ {
				delete(s.entries, i)
			}
		}, 97, ProblemDeleted, "entries from 97 deleted (checkpoint of size 100 covers them)"},
		{"last deleted with their hashes", func(s *memStorage) {
			for i := int64(97); i < 100; i++ {
				delete(s.entries, i)
			}
			for idx := tlog.StoredHashIndex(0, 97); idx < tlog.StoredHashCount(100); idx++ {
				delete(s.hashes, idx)
			}
		}, 97, ProblemDeleted, "entries from 97 deleted (checkpoint of size 100 covers them)"},
		{"inserted", func(s *memStorage) { s.entries[100] = Entry{Seq: 100, Actor: "x", Action: "read", Outcome: "ok"} },
			100, ProblemInserted, "entry 100 inserted (not in the tree)"},
		{"inserted before 0", func(s *memStorage) { s.entries[-1] = Entry{Seq: -1, Actor: "x", Action: "read", Outcome: "ok"} },
			-1, ProblemInserted, "entry -1 inserted"},
		{"swapped", func(s *memStorage) {
			a, b := s.entries[12], s.entries[30]
			a.Seq, b.Seq = 30, 12
			s.entries[12], s.entries[30] = b, a
		}, 12, ProblemReordered, "entry 12 reordered: it holds the data of entry 30"},
		{"copied from earlier", func(s *memStorage) {
			e := s.entries[5]
			e.Seq = 20
			s.entries[20] = e
		}, 20, ProblemReordered, "entry 20 reordered: it holds the data of entry 5"},
		{"interior hash", func(s *memStorage) { s.hashes[tlog.StoredHashIndex(1, 3)] = tlog.Hash{1} },
			7, ProblemBadHash, "entry 7: stored hash"},
		{"bad signature", func(s *memStorage) {
			cp := s.cps[50]
			cp.Note = strings.Replace(cp.Note, "— ", "— x", 1)
			s.cps[50] = cp
		}, 50, ProblemBadSignature, "checkpoint of size 50: signature"},
		{"checkpoint column", func(s *memStorage) {
			cp := s.cps[50]
			cp.Root[0] ^= 1
			s.cps[50] = cp
		}, 50, ProblemBadCheckpoint, "checkpoint of size 50: stored size or root"},
		{"latest checkpoint size forged", func(s *memStorage) {
			cp := s.cps[100]
			delete(s.cps, 100)
			cp.Size = 1000
			s.cps[1000] = cp
		}, 1000, ProblemBadCheckpoint, "checkpoint of size 1000: stored size or root differs from the signed note (size 100)"},
		{"entry and hashes rewritten", func(s *memStorage) {
			// Edit entry 55 and rebuild every stored hash from the edited
			// entries: only the signed checkpoint at 60 can tell.
			e := s.entries[55]
			e.Outcome = OutcomeDenied
			s.entries[55] = e
			var c compactTree
			for i := int64(0); i < 100; i++ {
				hs, _ := c.append(LeafHash(s.entries[i]))
				for k, h := range hs {
					s.hashes[tlog.StoredHashIndex(0, i)+int64(k)] = h
				}
			}
		}, 60, ProblemBadCheckpoint, "entries 50 to 59 were changed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, vkey := filledLog(t, 100)
			s.mu.Lock()
			tt.tamper(s)
			s.mu.Unlock()
			rep, err := Verify(context.Background(), s, vkey)
			if err != nil {
				t.Fatalf("Verify() error = %v", err)
			}
			if tt.wantKind == "" {
				if !rep.OK || rep.Problem != nil || rep.Size != 100 || rep.Checkpoints != 11 {
					t.Fatalf("Verify() = %+v, want OK over 100 entries and 11 checkpoints (sizes 1, 10, …, 100)", rep)
				}
				return
			}
			p := rep.Problem
			if rep.OK || p == nil {
				t.Fatalf("Verify() = OK, want %s at %d", tt.wantKind, tt.wantSeq)
			}
			if p.Seq != tt.wantSeq || p.Kind != tt.wantKind || !strings.HasPrefix(p.Detail, tt.wantDetail) &&
				!strings.Contains(p.Detail, tt.wantDetail) {
				t.Errorf("Verify() problem = %+v, want seq %d kind %s detail %q", *p, tt.wantSeq, tt.wantKind, tt.wantDetail)
			}
		})
	}
}

func TestVerify_WrongKey(t *testing.T) {
	s, _ := filledLog(t, 10)
	_, otherV := testSigner(t)
	rep, err := Verify(context.Background(), s, otherV)
	if err != nil || rep.OK || rep.Problem.Kind != ProblemBadSignature {
		t.Fatalf("Verify() with another key = %+v, %v; want bad_signature", rep, err)
	}
}

func TestVerifyConsistency(t *testing.T) {
	ctx := context.Background()
	l, s, vkey := newTestLog(t, Options{MaxDelay: -1, CheckpointEvery: time.Hour})
	var cps []Checkpoint
	for i := range 13 {
		if err := l.Record(ctx, entryFor("a", fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
		cp, err := l.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cps = append(cps, cp)
	}
	for _, old := range cps {
		for _, cur := range cps[old.Size-1:] {
			proof, err := l.ConsistencyProof(ctx, old.Size, cur.Size)
			if err != nil {
				t.Fatalf("ConsistencyProof(%d, %d) = %v", old.Size, cur.Size, err)
			}
			if err := VerifyConsistency(proof, old, cur); err != nil {
				t.Fatalf("VerifyConsistency(%d, %d) = %v", old.Size, cur.Size, err)
			}
			if old.Size < cur.Size {
				forged := old
				forged.Root[0] ^= 1
				if VerifyConsistency(proof, forged, cur) == nil {
					t.Fatalf("VerifyConsistency(%d, %d) accepted a forged old root", old.Size, cur.Size)
				}
			}
		}
	}
	if rep, err := Verify(ctx, s, vkey); err != nil || !rep.OK || rep.Checkpoints != 13 {
		t.Fatalf("Verify() = %+v, %v", rep, err)
	}
}
