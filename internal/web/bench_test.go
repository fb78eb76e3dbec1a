package web_test

import (
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

// benchPeople is the population the page benchmarks seed.
const benchPeople = 5000

// BenchmarkWeb_Pages measures whole page loads through the real router,
// server and database, one browser at a time, and reports the p50 and p95
// latencies: an officer's person page (a logged history read, the
// timeline and the e-ID account) and a citizen's record page (session
// check, the subject's own read). Run with
//
//	go test -run '^$' -bench Web_Pages -benchtime 2000x ./internal/web
func BenchmarkWeb_Pages(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			e := testenv.New(b, storetest.Open(b, engine), benchPeople)
			secret := newOfficer(b, e, auth.Officer{Username: "bench-prov", Role: auth.RoleRegistrar, UnitLevel: auth.LevelProvince, UnitCode: "46"})
			ob := newBrowser(b, e)
			ob.loginOfficer("bench-prov", secret)
			citizen := e.Living(0)
			e.Citizen(citizen, "0912000051")
			cb := newBrowser(b, e)
			cb.loginCitizen(e, citizen, "0912000051")
			var ids []string
			for _, p := range e.People {
				if p.Status == register.Living {
					ids = append(ids, p.IDNumber)
				}
			}
			b.Run("officer-person", func(b *testing.B) {
				i := 0
				measure(b, ob.client, func() string { i++; return e.URL + "/officer/persons/" + ids[i%len(ids)] })
			})
			b.Run("citizen-record", func(b *testing.B) {
				measure(b, cb.client, func() string { return e.URL + "/app/record" })
			})
		})
	}
}

// measure loads b.N pages and reports their latency percentiles.
func measure(b *testing.B, c *http.Client, next func() string) {
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		resp, err := c.Get(next())
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(0, "ns/op")
}
