package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// BenchmarkPersonGet measures GET /api/v1/persons/{id} with access logging
// through the real router and database, with parallel clients.
func BenchmarkPersonGet(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			f := newFixture(b, storetest.Open(b, engine))
			ps, err := f.db.SearchPersons(context.Background(), register.Filter{Province: testProvince, Limit: seeded})
			if err != nil {
				b.Fatal(err)
			}
			var ids []string
			for _, p := range ps {
				ids = append(ids, p.IDNumber)
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/persons/"+ids[i%len(ids)], nil)
					req.Header.Set("Authorization", "Bearer "+f.tokens["province"])
					resp, err := client.Do(req)
					if err != nil || resp.StatusCode != 200 {
						b.Fatalf("GET: %v %v", err, resp)
					}
					resp.Body.Close()
					i++
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
