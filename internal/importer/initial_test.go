package importer

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// TestRun_InitialLoad loads an empty register with its indexes deferred:
// every row lands, the indexes are back afterwards (search works), and a
// second initial load into the now non-empty register is refused.
func TestRun_InitialLoad(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		path := writeFile(t, "first.csv", encodeCSV(t, genRows(300, 9)))
		sum, err := Run(ctx, db, Options{Path: path, ReportPath: filepath.Join(dir, "r.csv"), InitialLoad: true, BatchSize: 50})
		if err != nil || sum.Created != 300 {
			t.Fatalf("initial load: %+v %v", sum, err)
		}
		if n, err := db.RestoreDeferredIndexes(ctx); err != nil || n != 0 {
			t.Errorf("indexes left deferred: %d %v", n, err)
		}
		res, err := db.SearchPersons(ctx, register.Filter{NameKey: "nguyen", Limit: 5})
		if err != nil || len(res) == 0 {
			t.Errorf("search after the load: %d %v", len(res), err)
		}
		// A crash between dropping and rebuilding: the next start repairs.
		if _, err := db.DeferPersonIndexes(ctx); err == nil {
			t.Errorf("indexes deferred on a non-empty register")
		}
		if _, err := Run(ctx, db, Options{Path: path, ReportPath: filepath.Join(dir, "r2.csv"), InitialLoad: true}); err == nil {
			t.Errorf("a second initial load was accepted")
		}
	})
}
