package importer

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

var errSimulatedCrash = errors.New("simulated crash")

// failingStore commits the first ok batches, then fails as a writer that
// dies would.
type failingStore struct {
	storage
	ok, calls int
}

func (f *failingStore) InsertBatch(ctx context.Context, b *store.Batch) error {
	f.calls++
	if f.calls > f.ok {
		return errSimulatedCrash
	}
	return f.storage.InsertBatch(ctx, b)
}

// crashFile writes 95 generated rows with every tenth one invalid and
// returns the path and the record_ids of the valid rows.
func crashFile(t *testing.T) (string, []string) {
	rows := genRows(95, 11)
	var valid []string
	for i, r := range rows[1:] {
		if i%10 == 9 {
			r[ColGender] = "?"
			continue
		}
		valid = append(valid, r[ColRecordID])
	}
	return writeFile(t, "household-book.csv", encodeCSV(t, rows)), valid
}

func TestRun_CrashThenRerun(t *testing.T) {
	tests := []struct {
		name string
		// crash runs the first, interrupted import and returns its error.
		crash func(t *testing.T, db *store.DB, opt Options) error
		want  error
		// concurrent: a second writer may commit the next batch before the
		// interruption; it is then unreported, and found by the re-run.
		concurrent bool
	}{
		{"writer fails after the first batch", func(t *testing.T, db *store.DB, opt Options) error {
			_, err := run(context.Background(), &failingStore{storage: db, ok: 1}, opt)
			return err
		}, errSimulatedCrash, false},
		{"cancelled after the first batch", func(t *testing.T, db *store.DB, opt Options) error {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			opt.Progress = func(int) { cancel() }
			opt.Writers = 1
			_, err := Run(ctx, db, opt)
			return err
		}, context.Canceled, false},
		{"cancelled after the first batch, two writers", func(t *testing.T, db *store.DB, opt Options) error {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			opt.Progress = func(int) { cancel() }
			opt.Writers = 2
			_, err := Run(ctx, db, opt)
			return err
		}, context.Canceled, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				path, valid := crashFile(t)
				report := filepath.Join(t.TempDir(), "report.csv")
				opt := testOptions(path, report, 10)
				if err := tt.crash(t, db, opt); !errors.Is(err, tt.want) {
					t.Fatalf("interrupted run error = %v, want %v", err, tt.want)
				}
				if _, err := os.Stat(report); !os.IsNotExist(err) {
					t.Fatalf("an interrupted run left a final report (%v)", err)
				}
				partial := readReport(t, partialPath(report))
				before, _ := db.CountPersons(ctx)
				if len(partial) != 10 || before < 9 || (before != 9 && !tt.concurrent) {
					t.Fatalf("after the interruption: %d report lines, %d persons; want the first batch: 10 and 9", len(partial), before)
				}

				sum, err := Run(ctx, db, testOptions(path, report, 10))
				if err != nil {
					t.Fatalf("re-run error = %v", err)
				}
				checkExactlyOnce(t, db, report, valid, 95)
				if sum.AlreadyPresent != int(before) || sum.Created != len(valid)-int(before) {
					t.Errorf("re-run summary = %+v; want %d already present and the rest created", sum, before)
				}
			})
		})
	}
}

// checkExactlyOnce checks that after an interrupted run and a complete
// one, every valid row is in the register once and the report accounts
// for every row.
func checkExactlyOnce(t *testing.T, db *store.DB, report string, valid []string, rows int) {
	t.Helper()
	ctx := context.Background()
	lines := readReport(t, report)
	if len(lines) != rows {
		t.Errorf("report has %d lines, want %d", len(lines), rows)
	}
	accepted := 0
	for _, l := range lines {
		if l.outcome == string(Created) || l.outcome == string(AlreadyPresent) {
			accepted++
		}
	}
	if accepted != len(valid) {
		t.Errorf("report accepts %d rows, want %d", accepted, len(valid))
	}
	if n, err := db.CountPersons(ctx); err != nil || n != int64(len(valid)) {
		t.Errorf("CountPersons() = %d, %v; want each valid row once: %d", n, err, len(valid))
	}
}

// TestCLI_KillThenRerun runs the real command, kills it with SIGKILL once
// a few batches are committed, runs it again and checks that every row is
// in the register exactly once.
func TestCLI_KillThenRerun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the dancu binary and imports 60,000 rows")
	}
	bin := filepath.Join(t.TempDir(), "dancu")
	build := exec.Command("go", "build", "-o", bin, "github.com/dancu-vn/dancu/cmd/dancu")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const n = 60000
	rows := genRows(n, 5)
	path := writeFile(t, "big.csv", encodeCSV(t, rows))
	valid := make([]string, n)
	for i, r := range rows[1:] {
		valid[i] = r[ColRecordID]
	}
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			report := filepath.Join(t.TempDir(), "report.csv")
			args := []string{"--db", dsn, "import", "persons", path, "--report", report, "--batch", "1000"}
			const killedAfter = 3000
			killAfter(t, exec.Command(bin, args...), partialPath(report), killedAfter)
			out, err := exec.Command(bin, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("re-run: %v\n%s", err, out)
			}
			present := 0
			for _, l := range readReport(t, report) {
				if l.outcome == string(AlreadyPresent) {
					present++
				}
			}
			if present < killedAfter {
				t.Errorf("re-run found %d rows already present; the killed run had reported at least %d", present, killedAfter)
			}
			db, err := store.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			checkExactlyOnce(t, db, report, valid, n)
		})
	}
}

// killAfter starts cmd and kills it with SIGKILL once its partial report
// holds at least lines rows.
func killAfter(t *testing.T, cmd *exec.Cmd, partial string, lines int) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(2 * time.Minute)
	for {
		select {
		case err := <-done:
			t.Fatalf("the import ended (%v) before it could be killed: make the file bigger", err)
		case <-deadline:
			cmd.Process.Kill()
			t.Fatal("the import wrote no batches within 2 minutes")
		case <-time.After(5 * time.Millisecond):
		}
		b, _ := os.ReadFile(partial)
		if strings.Count(string(b), "\n") > lines {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			<-done
			return
		}
	}
}
