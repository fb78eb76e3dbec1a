package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
	"github.com/dancu-vn/dancu/internal/webhook"
)

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(storetest.Main(m))
}

// receiver is an organisation's endpoint that fails its first failures.
type receiver struct {
	mu       sync.Mutex
	failures int
	got      []map[string]any
	sigs     []string
	bodies   [][]byte
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.failures > 0 {
		rc.failures--
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	rc.got, rc.sigs, rc.bodies = append(rc.got, m), append(rc.sigs, r.Header.Get("X-Dancu-Signature")), append(rc.bodies, b)
}

func TestWebhooks_DeliveredSignedAndRetried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 200)
		admin := e.Officer(auth.Officer{Username: "ops", FullName: "Quản trị", Role: auth.RoleAdmin, UnitLevel: auth.LevelCentral})
		clerk := e.Officer(auth.Officer{Username: "prov", FullName: "Cán bộ tỉnh", Role: auth.RoleRegistrar, UnitLevel: auth.LevelProvince, UnitCode: "46"})
		st, _, b := e.Call("POST", "/api/v1/sharing/policies", admin, "application/json", `{"organisation_id":"bhxh",
			"purpose":"benefit_termination","legal_basis":{"document_no":"115/2015/NĐ-CP","document_date":"2015-11-11","issuer":"Chính phủ"},
			"fields":["status","death_date"],"event_types":["death"]}`)
		if st != 201 {
			t.Fatalf("policy = %d %s", st, b)
		}
		rc := &receiver{failures: 3}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		tok := e.Partner("bhxh", &oidc.Client{ID: "bhxh-hook", Scopes: []string{oidc.ScopeSubscribe}})
		// Only what the policy allows can be subscribed to.
		if st, _, b := e.Call("POST", "/api/v1/subscriptions", tok, "application/json",
			`{"purpose":"benefit_termination","event_types":["residence_change"],"url":"`+srv.URL+`"}`); st != 403 {
			t.Errorf("subscription beyond the policy = %d %s", st, b)
		}
		st, _, b = e.Call("POST", "/api/v1/subscriptions", tok, "application/json",
			`{"purpose":"benefit_termination","event_types":["death"],"url":"`+srv.URL+`/hook"}`)
		if st != 201 {
			t.Fatalf("subscribe = %d %s", st, b)
		}
		// A death is recorded through the officer API.
		p := e.Living(3)
		st, _, b = e.Call("POST", "/api/v1/persons/"+p.IDNumber+"/events", clerk, "application/json",
			`{"kind":"death","effective_date":"2026-02-01","payload":{"death_date":"2026-02-01"},
			"legal_basis":{"document_no":"3/TK","document_date":"2026-02-02","issuer":"UBND"}}`)
		if st/100 != 2 {
			t.Fatalf("death = %d %s", st, b)
		}
		// The sender runs with its own clock so that backoff passes at once.
		now := time.Now()
		w := e.API.Webhooks
		svc := &webhook.Service{Store: w.Store, Policies: w.Policies, Sign: w.Sign, HTTP: w.HTTP, AllowHTTP: true,
			Now: func() time.Time { return now }}
		ctx := context.Background()
		if n, err := svc.FanOutOnce(ctx); n != 1 || err != nil {
			t.Fatalf("fan-out = %d %v", n, err)
		}
		// A node claims the delivery and dies before recording it: after the
		// lease another node sends it.
		if ds, err := db.ClaimDeliveries(ctx, now, now.Add(time.Minute), 10); err != nil || len(ds) != 1 {
			t.Fatalf("claim = %v %v", ds, err)
		}
		if n, _ := svc.SendOnce(ctx, time.Minute); n != 0 {
			t.Fatalf("a leased delivery was sent again at once")
		}
		for i := 0; i < 6; i++ {
			now = now.Add(2 * time.Minute)
			if _, err := svc.SendOnce(ctx, time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if len(rc.got) != 1 {
			t.Fatalf("%d deliveries received, want 1 after 3 failures", len(rc.got))
		}
		if rc.got[0]["event_type"] != "death" || rc.got[0]["id_number"] != p.IDNumber || rc.got[0]["event_id"] == "" {
			t.Errorf("payload %v", rc.got[0])
		}
		// The signature verifies with the published key set.
		_, _, jb := e.Call("GET", "/oauth/jwks", "", "", "")
		var set jose.JSONWebKeySet
		json.Unmarshal(jb, &set)
		jws, err := jose.ParseDetached(rc.sigs[0], rc.bodies[0], []jose.SignatureAlgorithm{jose.ES256})
		if err != nil {
			t.Fatalf("signature: %v", err)
		}
		if _, err := jws.Verify(set.Key(jws.Signatures[0].Header.KeyID)[0].Key); err != nil {
			t.Errorf("signature does not verify: %v", err)
		}
		// The history shows the attempts, to the organisation and the operator.
		st, _, b = e.Call("GET", "/api/v1/subscriptions/deliveries", tok, "", "")
		var hist struct{ Deliveries []webhook.Delivery }
		json.Unmarshal(b, &hist)
		if st != 200 || len(hist.Deliveries) != 1 || hist.Deliveries[0].Status != "delivered" || hist.Deliveries[0].Attempts != 4 {
			t.Errorf("history = %d %s", st, b)
		}
		if st, _, b := e.Call("GET", "/api/v1/deliveries", admin, "", ""); st != 200 || !strings.Contains(string(b), `"delivered"`) {
			t.Errorf("operator history = %d %s", st, b)
		}
		other := e.Partner("rival", &oidc.Client{ID: "rival-hook", Scopes: []string{oidc.ScopeSubscribe}})
		if _, _, b := e.Call("GET", "/api/v1/subscriptions/deliveries", other, "", ""); strings.Contains(string(b), p.IDNumber) {
			t.Errorf("another organisation sees the deliveries: %s", b)
		}
	})
}
