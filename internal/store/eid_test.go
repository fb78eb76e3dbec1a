package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// TestEIDRateHit_Concurrent: concurrent callers on one key never pass the
// limit, on either engine (PostgreSQL through its advisory lock).
func TestEIDRateHit_Concurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		var mu sync.Mutex
		allowed := 0
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				wait, err := db.EIDRateHit(ctx, "test:key", now, time.Minute, 5)
				if err != nil {
					t.Error(err)
					return
				}
				if wait == 0 {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if allowed != 5 {
			t.Errorf("%d of 20 concurrent hits allowed, want 5", allowed)
		}
		wait, _ := db.EIDRateHit(ctx, "test:key", now.Add(20*time.Second), time.Minute, 5)
		if wait != 40*time.Second {
			t.Errorf("wait %v, want 40s", wait)
		}
		if wait, _ := db.EIDRateHit(ctx, "test:key", now.Add(time.Minute), time.Minute, 5); wait != 0 {
			t.Errorf("after the window: wait %v", wait)
		}
		if wait, _ := db.EIDRateHit(ctx, "test:other", now, time.Minute, 5); wait != 0 {
			t.Errorf("another key is limited: wait %v", wait)
		}
	})
}

// TestRecordEIDFailure_Concurrent: concurrent failures are all counted,
// and each fifth locks the account once.
func TestRecordEIDFailure_Concurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		ch := &eid.Challenge{ID: "ch1", Purpose: eid.PurposeRegistration, Methods: []string{"sms"}, IDNumber: "046085000001",
			Phone: "0912000001", OTPHash: []byte{1}, ExpiresAt: now.Add(time.Minute), CreatedAt: now}
		if err := db.CreateEIDChallenge(ctx, ch); err != nil {
			t.Fatal(err)
		}
		a := &eid.Account{ID: "acc1", IDNumber: "046085000001", Phone: "0912000001", Level: eid.Level1,
			PasscodeHash: "x", CreatedAt: now, UpdatedAt: now}
		if err := db.CreateEIDAccount(ctx, a, ch.ID, 5); err != nil {
			t.Fatal(err)
		}
		again := &eid.Account{ID: "acc2", IDNumber: "046085000001", Phone: "0912000001", Level: eid.Level1, PasscodeHash: "x", CreatedAt: now, UpdatedAt: now}
		if err := db.CreateEIDAccount(ctx, again, ch.ID, 5); !apperr.Is(err, apperr.ChallengeNotFound) {
			t.Errorf("a used challenge created an account: %v", err)
		}
		p := eid.LockPolicy{MaxFailures: 5, Base: 15 * time.Minute, Max: 24 * time.Hour}
		var mu sync.Mutex
		var locks []time.Time
		var wg sync.WaitGroup
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				until, _, err := db.RecordEIDFailure(ctx, a.ID, now, p)
				if err != nil {
					t.Error(err)
				}
				if !until.IsZero() {
					mu.Lock()
					locks = append(locks, until)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(locks) != 2 {
			t.Fatalf("%d locks from 10 failures, want 2", len(locks))
		}
		got, err := db.EIDAccount(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.LockCount != 2 || got.FailedAttempts != 0 || !got.LockedUntil.Equal(now.Add(30*time.Minute)) && !got.LockedUntil.Equal(now.Add(15*time.Minute)) {
			t.Errorf("account after 10 failures: locks %d, failures %d, locked until %v", got.LockCount, got.FailedAttempts, got.LockedUntil)
		}
		if err := db.ClearEIDFailures(ctx, a.ID, now); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.EIDAccount(ctx, a.ID); got.LockCount != 0 || got.LockedUntil != nil {
			t.Errorf("after clearing: %+v", got)
		}
	})
}
