package importer

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// benchRows is the size of the benchmark's file.
const benchRows = 100_000

// BenchmarkImport imports 100,000 generated valid rows (about a third with
// a parent link) into a fresh database per iteration and reports rows/s:
// on each engine, and with no database at all, which measures the
// importer's own stages (parse, validate, resolve, report).
//
//	go test ./internal/importer -run '^$' -bench Import -benchtime 3x
func BenchmarkImport(b *testing.B) {
	path := writeFile(b, "bench.csv", encodeCSV(b, genRows(benchRows, 1)))
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			benchImport(b, path, func(b *testing.B) storage {
				db, err := store.Open(context.Background(), storetest.DSN(b, engine))
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { db.Close() })
				return db
			})
		})
	}
	b.Run("no-database", func(b *testing.B) {
		benchImport(b, path, func(*testing.B) storage { return discard{} })
	})
}

func benchImport(b *testing.B, path string, open func(*testing.B) storage) {
	var rows, secs float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := open(b)
		report := filepath.Join(b.TempDir(), fmt.Sprintf("report-%d.csv", i))
		b.StartTimer()
		sum, err := run(context.Background(), db, testOptions(path, report, DefaultBatchSize))
		if err != nil {
			b.Fatal(err)
		}
		if sum.Created != benchRows {
			b.Fatalf("created %d of %d rows", sum.Created, benchRows)
		}
		rows += float64(sum.Rows)
		secs += sum.Elapsed.Seconds()
	}
	b.ReportMetric(rows/secs, "rows/s")
}

// discard is a database that keeps nothing and knows nothing.
type discard struct{}

func (discard) InsertBatch(context.Context, *store.Batch) error { return nil }

func (discard) ImportedIDs(context.Context, string, []string) (map[string]string, error) {
	return map[string]string{}, nil
}

func (discard) ExistingIDs(context.Context, []string) (map[string]bool, error) {
	return map[string]bool{}, nil
}

func (discard) Person(context.Context, string) (*register.Person, error) {
	return nil, apperr.E(apperr.NotFound, "person: not found")
}
