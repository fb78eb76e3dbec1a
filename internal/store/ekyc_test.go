package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/seed"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// TestVerifyFacts_Sizes reads facts by each path a number of keys takes
// (one, a padded list of placeholders, an array): each known person
// once, unknown numbers and repeated keys adding nothing.
func TestVerifyFacts_Sizes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := seed.Run(ctx, db, seed.Options{Province: "46", People: 300, Seed: 7, Today: "2026-01-01"}); err != nil {
			t.Fatal(err)
		}
		persons, err := db.SearchPersons(ctx, register.Filter{Limit: 300})
		if err != nil || len(persons) < 260 {
			t.Fatalf("SearchPersons() = %d persons, %v", len(persons), err)
		}
		for _, n := range []int{1, 2, 3, 17, 64, 127, 128, 129, 260} {
			t.Run(fmt.Sprint(n), func(t *testing.T) {
				keys := []string{"046099999999"} // unknown
				for _, p := range persons[:n] {
					keys = append(keys, p.IDNumber)
				}
				keys = append(keys, persons[0].IDNumber)     // repeated
				got, err := db.VerifyFacts(ctx, keys[1:n+1]) // the known ones
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != n {
					t.Fatalf("VerifyFacts(%d known) = %d facts", n, len(got))
				}
				for _, p := range persons[:n] {
					f := got[p.IDNumber]
					if f == nil || f.Person.FullName != p.FullName || f.Person.BirthDate != p.BirthDate || f.Person.Gender != p.Gender {
						t.Fatalf("facts of %s = %+v, want %s %s %s", p.IDNumber, f, p.FullName, p.BirthDate, p.Gender)
					}
				}
				if got, err := db.VerifyFacts(ctx, keys); err != nil || len(got) != n {
					t.Fatalf("with an unknown and a repeated key: %d facts, %v; want %d", len(got), err, n)
				}
			})
		}
	})
}

// TestAccessLogWindows: the anomaly detector's window reads return the
// latest entries before a point, in time order, at most the limit.
func TestAccessLogWindows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l, _ := openAccessLog(t, db, accesslog.Options{})
		for i := range 30 {
			e := testEntry("actorW", fmt.Sprintf("%012d", i))
			if i%3 == 0 {
				e.Outcome = "refused_policy"
			}
			if err := l.Record(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		all := allEntries(t, l)
		from, to := all[0].At.Add(-time.Second), all[len(all)-1].At
		cut := all[25].Seq // entries before the 26th
		got, err := db.AccessLogActorWindow(ctx, "actorW", from, to, cut, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 10 || got[0].Seq != all[15].Seq || got[9].Seq != all[24].Seq {
			t.Fatalf("actor window = %d entries %s, want the 16th to the 25th", len(got), seqs(got))
		}
		got, err = db.AccessLogRefusedOrgWindow(ctx, "CA-HN", from, to, cut, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0].Seq != all[18].Seq || got[2].Seq != all[24].Seq {
			t.Fatalf("refusals window = %s, want the 19th, 22nd and 25th", seqs(got))
		}
	})
}

func seqs(es []accesslog.Entry) string {
	s := ""
	for _, e := range es {
		s += fmt.Sprint(e.Seq, " ")
	}
	return s
}
