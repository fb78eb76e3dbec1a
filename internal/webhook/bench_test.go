package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
	"github.com/dancu-vn/dancu/internal/webhook"
)

// BenchmarkDeliveries: signed deliveries to a local receiver that answers
// at once, 20,000 a round, fan-out included.
func BenchmarkDeliveries(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			e := testenv.New(b, storetest.Open(b, engine), 100)
			admin := e.Officer(auth.Officer{Username: "ops", FullName: "Quản trị", Role: auth.RoleAdmin, UnitLevel: auth.LevelCentral})
			e.Call("POST", "/api/v1/sharing/policies", admin, "application/json", `{"organisation_id":"o","purpose":"bench_purpose",
				"legal_basis":{"document_no":"1","document_date":"2020-01-01","issuer":"x"},"fields":["status"],"event_types":["death"]}`)
			var got atomic.Int64
			rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got.Add(1) }))
			defer rcv.Close()
			tok := e.Partner("o", &oidc.Client{ID: "o-hook", Scopes: []string{oidc.ScopeSubscribe}})
			if st, _, body := e.Call("POST", "/api/v1/subscriptions", tok, "application/json",
				`{"purpose":"bench_purpose","event_types":["death"],"url":"`+rcv.URL+`"}`); st != 201 {
				b.Fatalf("subscribe: %d %s", st, body)
			}
			tr := &http.Transport{MaxIdleConnsPerHost: 128, MaxConnsPerHost: 128}
			svc := &webhook.Service{Store: e.DB, Policies: e.API.Sharing, Sign: e.OIDC.SignDetached,
				HTTP: &http.Client{Transport: tr, Timeout: 5 * time.Second}, AllowHTTP: true, Workers: 128}
			ctx := context.Background()
			const round = 20000
			b.ResetTimer()
			for n := 0; n < b.N; n++ {
				b.StopTimer()
				events := make([]webhook.Event, round)
				for i := range events {
					events[i] = webhook.Event{ID: fmt.Sprintf("evt_b%d_%d", n, i), Type: "death", PersonID: e.People[i%len(e.People)].IDNumber,
						OccurredAt: time.Now()}
				}
				if err := e.DB.InsertOutboxEvents(ctx, events); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				for {
					f, err := svc.FanOutOnce(ctx)
					if err != nil {
						b.Fatal(err)
					}
					s, err := svc.SendOnce(ctx, time.Minute)
					if err != nil {
						b.Fatal(err)
					}
					if f == 0 && s == 0 {
						break
					}
				}
			}
			if got.Load() != int64(round*b.N) {
				b.Fatalf("%d delivered, want %d", got.Load(), round*b.N)
			}
			b.ReportMetric(float64(round*b.N)/b.Elapsed().Seconds(), "deliveries/s")
		})
	}
}
