package seed_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/seed"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

func TestRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		opt := seed.Options{Province: "46", People: 700, Seed: 11, Today: "2026-01-01", BatchSize: 200}
		res, err := seed.Run(ctx, db, opt)
		if err != nil {
			t.Fatal(err)
		}
		if res.Persons != 700 || res.Households == 0 {
			t.Fatalf("got %+v", res)
		}
		ps, err := db.SearchPersons(ctx, register.Filter{Province: "46", Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 700 {
			t.Fatalf("found %d persons, want 700", len(ps))
		}
		for _, p := range ps {
			n, err := idnum.Parse(p.IDNumber)
			if err != nil {
				t.Fatalf("%s: %v", p.IDNumber, err)
			}
			if err := n.CheckRecord(p.Gender, p.BirthDate.Year()); err != nil {
				t.Errorf("%s disagrees with its record: %v", p.IDNumber, err)
			}
			if p.Permanent == nil || p.Permanent.Province != "46" || p.HouseholdID == "" {
				t.Errorf("%s: residence %+v household %q", p.IDNumber, p.Permanent, p.HouseholdID)
			}
			evs, err := db.PersonEvents(ctx, p.IDNumber)
			if err != nil || len(evs) != 1 || evs[0].Kind != register.KindInitial {
				t.Fatalf("%s events: %v %v", p.IDNumber, evs, err)
			}
			// The projection is what the events say.
			replayed, _, err := register.Replay(evs, "", time.Time{})
			if err != nil || replayed.FullName != p.FullName || replayed.Status != p.Status {
				t.Errorf("%s: replay %+v differs from the record", p.IDNumber, replayed)
			}
		}
	})
}

func TestRun_Deterministic(t *testing.T) {
	ctx := context.Background()
	ids := func() []string {
		db := storetest.Open(t, store.SQLite)
		if _, err := seed.Run(ctx, db, seed.Options{Province: "01", People: 300, Seed: 5, Today: "2026-01-01"}); err != nil {
			t.Fatal(err)
		}
		ps, err := db.SearchPersons(ctx, register.Filter{Province: "01", Limit: 300})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range ps {
			out = append(out, p.IDNumber+" "+p.FullName+" "+string(p.BirthDate))
		}
		return out
	}
	a, b := ids(), ids()
	if len(a) != 300 {
		t.Fatalf("got %d persons", len(a))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("run 2 differs at %d: %q vs %q", i, a[i], b[i])
		}
	}
}

func TestRun_UnknownProvince(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	if _, err := seed.Run(context.Background(), db, seed.Options{Province: "99", People: 10}); err == nil {
		t.Fatal("seeding an unknown province succeeded")
	}
}

// BenchmarkRun seeds 50,000 persons per iteration into a fresh database
// of each engine. DANCU_BENCH_PEOPLE overrides the size.
func BenchmarkRun(b *testing.B) {
	people := 50000
	if v, err := strconv.Atoi(os.Getenv("DANCU_BENCH_PEOPLE")); err == nil && v > 0 {
		people = v
	}
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			var elapsed time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db := storetest.Open(b, engine)
				b.StartTimer()
				res, err := seed.Run(context.Background(), db, seed.Options{Province: "46", People: people, Seed: 1, Today: "2026-01-01"})
				if err != nil {
					b.Fatal(err)
				}
				elapsed += res.Elapsed
			}
			b.ReportMetric(float64(b.N*people)/elapsed.Seconds(), "persons/s")
		})
	}
}
