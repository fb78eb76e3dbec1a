package card

import (
	"context"
	"testing"
	"time"
)

// Offline verification: what a gate, a counter or a phone does with the
// published certificates only. Run on one core:
//
//	go test ./internal/card -run '^$' -bench Verify -cpu 1
func BenchmarkVerifySeal(b *testing.B) {
	now := time.Now()
	p := newTestPKI(b, now)
	c, _ := testCard(b, p, now)
	v := &Verifier{Trust: p.trust, Revocations: revokedSerials{"ZZZZZZZZZ": ReasonLost}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if r := v.VerifySeal(ctx, c.Seal); r.Result != ResultValid {
			b.Fatal(r.Message)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}

func BenchmarkVerifyIdentityQR(b *testing.B) {
	now := time.Now()
	p := newTestPKI(b, now)
	qr, err := (&Service{}).identitySealForTest(p, now)
	if err != nil {
		b.Fatal(err)
	}
	v := &Verifier{Trust: p.trust}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if r := v.VerifySeal(ctx, qr); r.Result != ResultValid {
			b.Fatal(r.Message)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}

func BenchmarkVerifyChip(b *testing.B) {
	now := time.Now()
	p := newTestPKI(b, now)
	c, _ := testCard(b, p, now)
	v := &Verifier{Trust: p.trust}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if r := v.VerifyChip(ctx, c.Chip); r.Result != ResultValid {
			b.Fatal(r.Message)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}

// BenchmarkPersonalise is the signing of one card: chip data, SOD, seal.
func BenchmarkPersonalise(b *testing.B) {
	now := time.Now()
	p := newTestPKI(b, now)
	h := testHolder()
	b.ReportAllocs()
	for b.Loop() {
		if err := (&Service{}).sign(&Card{}, h, p.doc, now); err != nil {
			b.Fatal(err)
		}
	}
}
