package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// openAccessLog returns a log on db signing with the key kept in db's
// secrets table, and the verifier key; the log is closed at cleanup.
func openAccessLog(t testing.TB, db *store.DB, opts accesslog.Options) (*accesslog.Log, string) {
	t.Helper()
	signer, vkey, err := accesslog.LoadOrCreateSigner(context.Background(), db, "dancu.accesslog")
	if err != nil {
		t.Fatalf("LoadOrCreateSigner() = %v", err)
	}
	l := accesslog.New(db, signer, opts)
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return l, vkey
}

// testEntry returns a valid entry by actor about subject.
func testEntry(actor, subject string) accesslog.Entry {
	return accesslog.Entry{
		Actor: actor, ActorRole: "officer", Org: "CA-HN", Unit: "01", Purpose: "residence check",
		LegalBasis: "Luật Cư trú 2020", Subject: subject, Action: accesslog.ActionRead,
		Fields: "*", Outcome: accesslog.OutcomeOK, RequestID: "req-" + subject,
	}
}

// allEntries pages through the whole log, oldest first.
func allEntries(t *testing.T, l *accesslog.Log) []accesslog.Entry {
	t.Helper()
	var all []accesslog.Entry
	var after *int64
	for {
		page, err := l.Entries(context.Background(), accesslog.Filter{AfterSeq: after, Limit: 700})
		if err != nil {
			t.Fatalf("Entries() = %v", err)
		}
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
		last := page[len(page)-1].Seq
		after = &last
	}
}

// hashBytes converts tlog hashes to the byte slices package merkle takes.
func hashBytes(hs []tlog.Hash) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}

func TestAccessLog_ConcurrentRecord(t *testing.T) {
	const callers, perCaller = 50, 100
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l, vkey := openAccessLog(t, db, accesslog.Options{CheckpointEvery: 20 * time.Millisecond})
		var wg sync.WaitGroup
		errs := make(chan error, callers*perCaller)
		for c := range callers {
			wg.Go(func() {
				for i := range perCaller {
					errs <- l.Record(ctx, testEntry(fmt.Sprintf("actor%02d", c), fmt.Sprintf("%03d%09d", c, i)))
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("Record() = %v", err)
			}
		}
		st := l.Stats()
		t.Logf("%+v, %.1f entries per batch", st, float64(st.Entries)/float64(st.Batches))
		if st.Entries != callers*perCaller || st.Batches >= st.Entries {
			t.Errorf("Stats() = %+v, want %d entries in fewer batches", st, callers*perCaller)
		}

		latest, err := l.Checkpoint(ctx)
		if err != nil {
			t.Fatalf("Checkpoint() = %v", err)
		}
		if latest, err = accesslog.OpenCheckpoint(latest.Note, vkey); err != nil || latest.Size != callers*perCaller {
			t.Fatalf("latest checkpoint: size %d, %v; want %d", latest.Size, err, callers*perCaller)
		}
		checkEntries(t, l, latest, callers, perCaller)
		checkConsistency(t, db, l, vkey, latest)

		rep, err := accesslog.Verify(ctx, db, vkey)
		if err != nil || !rep.OK || rep.Size != latest.Size || rep.Signed != latest.Size {
			t.Fatalf("Verify() = %+v, %v; want OK up to %d", rep, err, latest.Size)
		}
	})
}

// checkEntries checks that Seq runs from 0 without gaps, that each caller's
// entries are all there, and that every entry's inclusion proof verifies
// with package merkle, an implementation independent of tlog.
func checkEntries(t *testing.T, l *accesslog.Log, cp accesslog.Checkpoint, callers, perCaller int) {
	t.Helper()
	all := allEntries(t, l)
	if len(all) != callers*perCaller {
		t.Fatalf("%d entries, want %d", len(all), callers*perCaller)
	}
	perActor := map[string]int{}
	for i, e := range all {
		if e.Seq != int64(i) {
			t.Fatalf("entry %d has Seq %d: not contiguous", i, e.Seq)
		}
		perActor[e.Actor]++
		p, err := l.InclusionProof(context.Background(), e.Seq, cp.Size)
		if err != nil {
			t.Fatalf("InclusionProof(%d, %d) = %v", e.Seq, cp.Size, err)
		}
		leaf := rfc6962.DefaultHasher.HashLeaf(accesslog.LeafData(e))
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(e.Seq), uint64(cp.Size), leaf, hashBytes(p), cp.Root[:]); err != nil {
			t.Fatalf("entry %d: merkle VerifyInclusion = %v", e.Seq, err)
		}
	}
	for actor, n := range perActor {
		if n != perCaller {
			t.Errorf("%s has %d entries, want %d", actor, n, perCaller)
		}
	}
}

// checkConsistency checks with package merkle that every checkpoint is
// consistent with the next and with the latest.
func checkConsistency(t *testing.T, db *store.DB, l *accesslog.Log, vkey string, latest accesslog.Checkpoint) {
	t.Helper()
	ctx := context.Background()
	stored, err := db.AccessLogCheckpointPage(ctx, 0, 100000)
	if err != nil {
		t.Fatalf("AccessLogCheckpointPage() = %v", err)
	}
	if len(stored) < 2 {
		t.Fatalf("%d checkpoints stored, want several", len(stored))
	}
	verify := func(a, b accesslog.Checkpoint) {
		p, err := l.ConsistencyProof(ctx, a.Size, b.Size)
		if err != nil {
			t.Fatalf("ConsistencyProof(%d, %d) = %v", a.Size, b.Size, err)
		}
		if err := proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(a.Size), uint64(b.Size), hashBytes(p), a.Root[:], b.Root[:]); err != nil {
			t.Fatalf("checkpoints %d → %d: merkle VerifyConsistency = %v", a.Size, b.Size, err)
		}
	}
	for i, cp := range stored {
		if _, err := accesslog.OpenCheckpoint(cp.Note, vkey); err != nil {
			t.Fatalf("checkpoint of size %d: %v", cp.Size, err)
		}
		if i+1 < len(stored) {
			verify(cp, stored[i+1])
		}
		verify(cp, latest)
	}
}

// rawDB opens a second, plain connection to db's access log, standing for
// someone with direct database access.
func rawDB(t *testing.T, db *store.DB) *sql.DB {
	return openRaw(t, db, store.AccessLogFile(db.DSN))
}

// openRaw opens db's PostgreSQL database, or the SQLite file at path,
// directly, around the store.
func openRaw(t *testing.T, db *store.DB, path string) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", db.DSN
	if db.Engine == store.SQLite {
		driver, dsn = "sqlite", "file:"+path+"?_pragma=busy_timeout(10000)"
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

// fillAccessLog records 100 entries in rounds of 10 concurrent callers,
// with a checkpoint after each round.
func fillAccessLog(t *testing.T, l *accesslog.Log) {
	t.Helper()
	ctx := context.Background()
	for round := range 10 {
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Go(func() {
				if err := l.Record(ctx, testEntry(fmt.Sprint("actor", i), fmt.Sprintf("%012d", round*10+i))); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if _, err := l.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAccessLog_VerifyTampering(t *testing.T) {
	tests := []struct {
		name       string
		sql        []string
		wantSeq    int64
		wantKind   string
		wantDetail string
	}{
		{"intact", nil, 0, "", ""},
		{"column edited", []string{`UPDATE accesslog_entries SET purpose = 'curiosity' WHERE seq = 41`},
			41, accesslog.ProblemEdited, "entry 41 edited: its columns do not match its leaf hash"},
		{"time edited", []string{`UPDATE accesslog_entries SET at = at + 1 WHERE seq = 63`},
			63, accesslog.ProblemEdited, "entry 63 edited: its columns do not match its leaf hash"},
		{"row deleted in the middle", []string{`DELETE FROM accesslog_entries WHERE seq = 41`},
			41, accesslog.ProblemDeleted, "entry 41 deleted"},
		{"last rows deleted", []string{`DELETE FROM accesslog_entries WHERE seq >= 97`},
			97, accesslog.ProblemDeleted, "entries from 97 deleted (checkpoint of size 100 covers them)"},
		{"last rows deleted with their hashes", []string{`DELETE FROM accesslog_entries WHERE seq >= 97`,
			fmt.Sprintf(`DELETE FROM accesslog_hashes WHERE idx >= %d`, tlog.StoredHashIndex(0, 97))},
			97, accesslog.ProblemDeleted, "entries from 97 deleted (checkpoint of size 100 covers them)"},
		{"row inserted", []string{`INSERT INTO accesslog_entries (seq, at, actor, actor_role, action, outcome)
			VALUES (100, 0, 'intruder', 'officer', 'read', 'ok')`},
			100, accesslog.ProblemInserted, "entry 100 inserted (not in the tree)"},
		{"two rows swapped", []string{
			`UPDATE accesslog_entries SET seq = -12 WHERE seq = 12`,
			`UPDATE accesslog_entries SET seq = 12 WHERE seq = 30`,
			`UPDATE accesslog_entries SET seq = 30 WHERE seq = -12`},
			12, accesslog.ProblemReordered, "entry 12 reordered: it holds the data of entry 30"},
		{"checkpoint note corrupted", []string{`UPDATE accesslog_checkpoints SET note = REPLACE(note, 'dancu', 'danku') WHERE size = 50`},
			50, accesslog.ProblemBadSignature, ""},
		{"checkpoint root corrupted", []string{`UPDATE accesslog_checkpoints SET root = hash FROM accesslog_hashes WHERE idx = 0 AND size = 50`},
			50, accesslog.ProblemBadCheckpoint, "checkpoint of size 50: stored size or root differs from the signed note (size 50)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				l, vkey := openAccessLog(t, db, accesslog.Options{CheckpointEvery: time.Hour})
				fillAccessLog(t, l)
				raw := rawDB(t, db)
				for _, q := range tt.sql {
					if _, err := raw.ExecContext(context.Background(), q); err != nil {
						t.Fatalf("tamper %q: %v", q, err)
					}
				}
				rep, err := accesslog.Verify(context.Background(), db, vkey)
				if err != nil {
					t.Fatalf("Verify() error = %v", err)
				}
				checkReport(t, rep, tt.wantSeq, tt.wantKind, tt.wantDetail)
			})
		})
	}
}

// checkReport compares Verify's report with the problem wanted, none when
// wantKind is "".
func checkReport(t *testing.T, rep accesslog.Report, wantSeq int64, wantKind, wantDetail string) {
	t.Helper()
	if wantKind == "" {
		if !rep.OK || rep.Size != 100 || rep.Signed != 100 {
			t.Fatalf("Verify() = %+v, want OK over 100 entries", rep)
		}
		return
	}
	if rep.OK || rep.Problem == nil {
		t.Fatalf("Verify() = %+v, want %s at %d", rep, wantKind, wantSeq)
	}
	p := *rep.Problem
	if p.Seq != wantSeq || p.Kind != wantKind || wantDetail != "" && p.Detail != wantDetail {
		t.Errorf("Verify() problem = %+v, want seq %d, kind %s, detail %q", p, wantSeq, wantKind, wantDetail)
	}
	t.Logf("problem: %s", p.Detail)
}

func TestAccessLog_Secret(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		keys := make([]string, 8)
		for i := range keys {
			wg.Go(func() {
				_, vkey, err := accesslog.LoadOrCreateSigner(ctx, db, "dancu.accesslog")
				if err != nil {
					t.Error(err)
				}
				keys[i] = vkey
			})
		}
		wg.Wait()
		for i, k := range keys {
			if k != keys[0] {
				t.Errorf("caller %d got verifier key %q, caller 0 %q: racing callers disagree", i, k, keys[0])
			}
		}
	})
}

func BenchmarkLog_Record(b *testing.B) {
	delays := []struct {
		name  string
		delay time.Duration
	}{
		{"delay=2ms", 0}, // the default
		{"delay=none", -1},
	}
	for _, engine := range storetest.Engines() {
		for _, d := range delays {
			b.Run(string(engine)+"/"+d.name, func(b *testing.B) {
				benchmarkRecord(b, engine, accesslog.Options{MaxDelay: d.delay})
			})
		}
	}
}

// benchmarkRecord records from many parallel callers, one entry per call,
// and reports entries per second and per batch.
func benchmarkRecord(b *testing.B, engine store.Engine, opts accesslog.Options) {
	db := storetest.Open(b, engine)
	l, _ := openAccessLog(b, db, opts)
	ctx := context.Background()
	b.SetParallelism(16) // many concurrent readers, as in production
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			if err := l.Record(ctx, testEntry("bench", fmt.Sprintf("%012d", i))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	st := l.Stats()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	b.ReportMetric(float64(st.Entries)/float64(max(st.Batches, 1)), "entries/batch")
}
