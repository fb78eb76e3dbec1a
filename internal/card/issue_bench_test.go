package card_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/card"
	"github.com/dancu-vn/dancu/internal/pki"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/seed"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// issuePool is a seeded database with the card PKI, whose persons the
// benchmarks take one by one.
type issuePool struct {
	svc     *card.Service
	persons []string
	next    atomic.Int64
}

var (
	pools   = map[store.Engine]*issuePool{}
	poolsMu sync.Mutex
)

// parallelism × GOMAXPROCS officers act at once.
var parallelism = 8

// poolSize bounds the cards one benchmark binary can issue.
const poolSize = 40000

func pool(b *testing.B, engine store.Engine) *issuePool {
	poolsMu.Lock()
	defer poolsMu.Unlock()
	if p := pools[engine]; p != nil {
		return p
	}
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.DSN(b, engine))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := seed.Run(ctx, db, seed.Options{Province: "46", People: poolSize, Seed: 3, Today: "2026-01-01"}); err != nil {
		b.Fatal(err)
	}
	signer, _, err := accesslog.LoadOrCreateSigner(ctx, db, "accesslog-signer")
	if err != nil {
		b.Fatal(err)
	}
	alog := accesslog.New(db, signer, accesslog.Options{})
	now := time.Now()
	if _, _, err := pki.Init(ctx, db, pki.KeyDir{Path: filepath.Join(os.TempDir(), fmt.Sprintf("dancu-bench-pki-%d-%s", os.Getpid(), engine))},
		pki.InitOptions{CSCA: pki.CSCAOptions{Country: "VN", Organisation: "Bộ Công an", CommonName: "CSCA Bench",
			Validity: 365 * 24 * time.Hour, Now: now}, SignerValidity: 30 * 24 * time.Hour, QRValidity: 30 * 24 * time.Hour}); err != nil {
		b.Fatal(err)
	}
	ps, err := db.SearchPersons(ctx, register.Filter{Province: "46", Status: register.Living, Limit: poolSize})
	if err != nil {
		b.Fatal(err)
	}
	p := &issuePool{svc: &card.Service{Store: db, People: db, PKI: &pki.Service{Store: db}, Log: alog}}
	for _, x := range ps {
		p.persons = append(p.persons, x.IDNumber)
	}
	pools[engine] = p
	return p
}

func (p *issuePool) take(b *testing.B) string {
	i := p.next.Add(1) - 1
	if int(i) >= len(p.persons) {
		b.Fatalf("the pool of %d persons is used up: lower -benchtime", len(p.persons))
	}
	return p.persons[i]
}

var (
	receiver = auth.Actor{ID: "bench-a", Role: auth.RoleRegistrar, UnitLevel: auth.LevelCentral}
	approver = auth.Actor{ID: "bench-b", Role: auth.RoleRegistrar, UnitLevel: auth.LevelCentral}
	benchReq = card.Request{Type: card.First, Legal: register.LegalBasis{DocumentNo: "CC01", DocumentDate: "2026-11-01", Issuer: "Công an"}}
)

// BenchmarkIssuance measures cards into the database, 16 officers at
// once: "lifecycle" is each card's four steps (application, approval,
// personalisation with its signatures, issuance: four transactions, four
// events, four access-log entries); "issue" the last step alone, of
// cards personalised beforehand.
//
//	go test ./internal/card -run '^$' -bench Issuance -benchtime 3000x
func BenchmarkIssuance(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			p := pool(b, engine)
			ctx := context.Background()
			b.Run("lifecycle", func(b *testing.B) {
				b.SetParallelism(parallelism)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						c, err := p.svc.Apply(ctx, receiver, p.take(b), benchReq)
						for _, step := range []func(context.Context, auth.Actor, string, card.Request) (*card.Card, error){
							p.svc.Approve, p.svc.Personalise, p.svc.Issue} {
							if err != nil {
								b.Error(err)
								return
							}
							c, err = step(ctx, approver, c.ID, benchReq)
						}
						if err != nil {
							b.Error(err)
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cards/s")
			})
			b.Run("issue", func(b *testing.B) {
				ids := make([]string, b.N)
				for i := range ids {
					c, err := p.svc.Apply(ctx, receiver, p.take(b), benchReq)
					for _, step := range []func(context.Context, auth.Actor, string, card.Request) (*card.Card, error){p.svc.Approve, p.svc.Personalise} {
						if err != nil {
							b.Fatal(err)
						}
						c, err = step(ctx, approver, c.ID, benchReq)
					}
					if err != nil {
						b.Fatal(err)
					}
					ids[i] = c.ID
				}
				var next atomic.Int64
				b.SetParallelism(parallelism)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := p.svc.Issue(ctx, receiver, ids[next.Add(1)-1], benchReq); err != nil {
							b.Error(err)
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cards/s")
			})
		})
	}
}
