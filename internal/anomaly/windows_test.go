package anomaly

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
)

// TestDistinctWindow: the incremental window counts, at every read, the
// distinct subjects read within (t-w, t] exactly as counting them afresh
// does — over random reads with gaps around the window's length.
func TestDistinctWindow(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 7))
		w := time.Duration(1+r.IntN(60)) * time.Minute
		dw := newDistinctWindow(w, windowCap(3))
		var seen []accesslog.Entry
		at := t0
		for i := range 400 {
			at = at.Add(time.Duration(r.IntN(int(w/time.Second)/4+1)) * time.Second)
			e := accesslog.Entry{Seq: int64(i), At: at, Subject: fmt.Sprintf("p%d", r.IntN(40))}
			seen = append(seen, e)
			dw.add(e)
			want := map[string]bool{}
			first := int64(-1)
			for _, x := range seen {
				if x.At.After(at.Add(-w)) {
					want[x.Subject] = true
					if first < 0 {
						first = x.Seq
					}
				}
			}
			if dw.count() != len(want) {
				t.Fatalf("seed %d, read %d: count %d, want %d", seed, i, dw.count(), len(want))
			}
			// The window's entries begin at or before its oldest read
			// (a subject read again keeps its first read's seq).
			if dw.oldestSeq() > first {
				t.Fatalf("seed %d, read %d: oldest seq %d after the window's first entry %d", seed, i, dw.oldestSeq(), first)
			}
		}
	}
}

// BenchmarkDistinctWindow: one read counted in a window of 100,000
// persons.
func BenchmarkDistinctWindow(b *testing.B) {
	dw := newDistinctWindow(time.Hour, windowCap(1000))
	at := t0
	for i := 0; b.Loop(); i++ {
		at = at.Add(time.Millisecond)
		dw.add(accesslog.Entry{Seq: int64(i), At: at, Subject: fmt.Sprintf("%012d", i%100_000)})
	}
}

// TestWindowCap: a window keeps at most its cap, so its memory is bound;
// its count saturates there.
func TestWindowCap(t *testing.T) {
	for _, win := range []window{newDistinctWindow(time.Hour, 3), newCountWindow(time.Hour, 3)} {
		for i := range 10 {
			win.add(accesslog.Entry{Seq: int64(i), At: t0.Add(time.Duration(i) * time.Second), Subject: fmt.Sprintf("p%d", i)})
		}
		if win.count() != 3 || win.oldestSeq() != 7 {
			t.Errorf("%T: count %d from seq %d, want 3 from 7", win, win.count(), win.oldestSeq())
		}
	}
	if windowCap(1000) != 100_000 || windowCap(3) != 10_000 {
		t.Errorf("caps %d %d", windowCap(1000), windowCap(3))
	}
}
