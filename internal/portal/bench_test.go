package portal_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

// BenchmarkDossierSubmit measures POST /api/v1/portal/dossiers through
// the real router and database — citizen session check, Idempotency-Key,
// the applicant's record read for the prefilled fields, validation, one
// transaction writing the dossier, its history and the notification —
// with 16 parallel clients of 8 citizens.
func BenchmarkDossierSubmit(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			e := testenv.NewWith(b, storetest.Open(b, engine), testenv.Options{People: 300, Seed: 7})
			var tokens, bodies []string
			for i := range 8 {
				p := e.Living(i)
				if p.Permanent == nil {
					continue
				}
				tokens = append(tokens, e.Citizen(p, fmt.Sprintf("09120001%02d", i)))
				e.UploadPaper(tokens[len(tokens)-1])
				bodies = append(bodies, `{"procedure":"temporary_residence_registration","fields":{"temporary_commune":"`+
					p.Permanent.Commune+`","temporary_address":"Số 9 Lê Lợi","until":"2027-12-31","reason":"work"},
					"documents":[{"code":"proof_of_home","file_name":"hop-dong.pdf","sha256":"`+testenv.PaperSHA256()+`"}]}`)
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			var n atomic.Int64
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					k := int(i) % len(tokens)
					req, _ := http.NewRequest("POST", e.URL+"/api/v1/portal/dossiers", strings.NewReader(bodies[k]))
					req.Header.Set("Authorization", "Bearer "+tokens[k])
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d", i))
					resp, err := client.Do(req)
					if err != nil || resp.StatusCode != 201 {
						b.Fatalf("submit: %v %v", err, resp)
					}
					resp.Body.Close()
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "submissions/s")
		})
	}
}
