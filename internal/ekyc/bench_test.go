package ekyc_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// BenchmarkVerify: single verifications over HTTP, each logged.
func BenchmarkVerify(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			e := newEnv(b, storetest.Open(b, engine), 2000)
			tok := e.partner("bench", &oidc.Client{ID: "bench-verify", RatePerSecond: 1e6, DailyQuota: 1e12})
			bodies := make([]string, len(e.people))
			for i, p := range e.people {
				bodies[i] = fmt.Sprintf(`{"id_number":%q,"full_name":%q,"birth_date":%q}`, p.IDNumber, p.FullName, p.BirthDate)
			}
			e.client.Transport.(*http.Transport).MaxIdleConnsPerHost = 256
			b.SetParallelism(32)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					req, _ := http.NewRequest("POST", e.url+"/api/v1/verify", strings.NewReader(bodies[i%len(bodies)]))
					req.Header.Set("Authorization", "Bearer "+tok)
					req.Header.Set("Content-Type", "application/json")
					resp, err := e.client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Fatalf("verify: %d", resp.StatusCode)
					}
					i += 7
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
		})
	}
}

// BenchmarkBulkJob: a bulk job of 100,000 lines end to end (upload,
// verification, result download), on 20,000 persons.
func BenchmarkBulkJob(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			e := newEnv(b, storetest.Open(b, engine), 20000)
			e.jobs.Chunk = 10000
			tok := e.partner("bench", &oidc.Client{ID: "bench-bulk", DailyQuota: 1e12})
			var sb strings.Builder
			sb.WriteString("ref,id_number,full_name,birth_date,gender\n")
			const rows = 100000
			for i := 0; i < rows; i++ {
				p := e.people[i%len(e.people)]
				fmt.Fprintf(&sb, "r%d,%s,%s,%s,%s\n", i, p.IDNumber, p.FullName, p.BirthDate, p.Gender)
			}
			file := sb.String()
			b.ResetTimer()
			for n := 0; n < b.N; n++ {
				st, _, body := e.call("POST", "/api/v1/verify/jobs", tok, "text/csv", file)
				if st != 202 {
					b.Fatalf("submit: %d %s", st, body)
				}
				id := decode(b, body)["id"].(string)
				if ok, err := e.jobs.RunOnce(context.Background()); !ok || err != nil {
					b.Fatalf("run: %v %v", ok, err)
				}
				st, _, body = e.call("GET", "/api/v1/verify/jobs/"+id+"/result", tok, "", "")
				if st != 200 || strings.Count(string(body), "\n") != rows+1 {
					b.Fatalf("result: %d, %d lines", st, strings.Count(string(body), "\n"))
				}
			}
			b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
