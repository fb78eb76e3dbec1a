package store_test

import (
	"context"
	"testing"

	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/seed"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// TestPersons reads more records than one chunk holds, with unknown and
// repeated numbers among them: each known record once, by number.
func TestPersons(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := seed.Run(ctx, db, seed.Options{Province: "46", People: 1100, Seed: 9, Today: "2026-01-01"}); err != nil {
			t.Fatal(err)
		}
		persons, err := db.SearchPersons(ctx, register.Filter{Limit: 2000})
		if err != nil || len(persons) != 1100 {
			t.Fatalf("SearchPersons() = %d persons, %v", len(persons), err)
		}
		ids := []string{"046099999999"}
		for _, p := range persons {
			ids = append(ids, p.IDNumber)
		}
		ids = append(ids, persons[0].IDNumber, "046099999998")
		got, err := db.Persons(ctx, ids)
		if err != nil || len(got) != len(persons) {
			t.Fatalf("Persons(%d numbers) = %d records, %v; want %d", len(ids), len(got), err, len(persons))
		}
		for _, p := range persons {
			if q := got[p.IDNumber]; q == nil || q.FullName != p.FullName || q.Version != p.Version {
				t.Fatalf("record of %s = %+v", p.IDNumber, q)
			}
		}
		if got, err := db.Persons(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("Persons(none) = %v, %v", got, err)
		}
	})
}
