package reconcile_test

import (
	"strings"
	"testing"

	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

// BenchmarkReconcile posts a list of 5,000 seeded persons (number, name,
// birth date and gender, every one read and access-logged) through the
// API and reports rows/s:
//
//	go test ./internal/reconcile -run '^$' -bench Reconcile -benchtime 3x
func BenchmarkReconcile(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			e := testenv.NewWith(b, storetest.Open(b, engine), testenv.Options{People: 5000, Seed: 41})
			var list strings.Builder
			list.WriteString("id_number,full_name,birth_date,gender\n")
			for _, p := range e.People {
				list.WriteString(p.IDNumber + "," + p.FullName + "," + string(p.BirthDate) + "," + string(p.Gender) + "\n")
			}
			officer := e.Officer(auth.Officer{Username: "bench-central", FullName: "Cán bộ", Role: auth.RoleReader, UnitLevel: auth.LevelCentral})
			body := list.String()
			b.ResetTimer()
			for b.Loop() {
				if st, _, out := e.Call("POST", "/api/v1/reconcile", officer, "text/csv", body); st != 200 {
					b.Fatalf("reconcile = %d %s", st, out)
				}
			}
			b.ReportMetric(float64(b.N*len(e.People))/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
