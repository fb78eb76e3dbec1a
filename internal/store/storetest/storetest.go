// Package storetest hands storage and API tests real databases: embedded
// SQLite and a real PostgreSQL server that the harness starts itself (never
// a mock, never Docker), each fresh and fully migrated, holding only the
// reference data `dancu migrate` loads (administrative units).
//
// Every package that uses it must route its TestMain through Main, so that
// the server it may start is stopped when the tests end:
//
//	func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }
//
// Fresh databases are cheap because each engine is migrated once per test
// binary into a template: PostgreSQL copies it with CREATE DATABASE ...
// TEMPLATE, SQLite by copying the file.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dancu-vn/dancu/internal/store"
)

// Environment variables that steer the harness.
const (
	// EnvEngines narrows the engines tested: "sqlite", "postgres", or a
	// comma-separated list. Unset or empty means both.
	EnvEngines = "DANCU_TEST_ENGINES"
	// EnvPostgresURL names an existing PostgreSQL server (a postgres:// URL
	// whose user may CREATE DATABASE) to use instead of starting one.
	EnvPostgresURL = "DANCU_TEST_POSTGRES_URL"
)

const (
	// pgBinFallback is where Debian's postgresql-15 package puts its
	// binaries, which are not on PATH by default.
	pgBinFallback = "/usr/lib/postgresql/15/bin"
	// pgSystemUser runs the server when the tests run as root, because
	// initdb and postgres refuse to run as root.
	pgSystemUser = "postgres"
	// opTimeout bounds each administrative step so that a wedged server
	// fails the test instead of hanging it until the global timeout.
	opTimeout = 2 * time.Minute
)

// errNoBinaries is returned when no PostgreSQL installation can be found;
// outside CI it skips the PostgreSQL subtests rather than failing them.
var errNoBinaries = errors.New("PostgreSQL binaries not found: run scripts/setup.sh")

var (
	// mainCalled guards against packages that forget TestMain, which would
	// otherwise leave template files behind and stop the server only via
	// the watchdog.
	mainCalled atomic.Bool
	// runID makes database names unique across test binaries sharing one
	// server through EnvPostgresURL.
	runID = newRunID()
	// dbSeq numbers the databases of this binary.
	dbSeq atomic.Int64

	sqliteOnce sync.Once
	sqliteDir  string // folder holding the SQLite template, removed by Main
	sqliteTmpl string // path of the migrated SQLite template
	sqliteErr  error

	pgOnce sync.Once
	pg     *pgServer
	pgErr  error
)

// Main is called from a package's TestMain: os.Exit(storetest.Main(m)). It
// runs the tests and stops any PostgreSQL server it started.
func Main(m *testing.M) int {
	mainCalled.Store(true)
	code := m.Run()
	if pg != nil {
		if err := pg.close(); err != nil {
			fmt.Fprintf(os.Stderr, "storetest: %v\n", err)
		}
	}
	if sqliteDir != "" {
		if err := os.RemoveAll(sqliteDir); err != nil {
			fmt.Fprintf(os.Stderr, "storetest: remove SQLite template: %v\n", err)
		}
	}
	return code
}

// Engines returns the engines to test: both, unless DANCU_TEST_ENGINES=sqlite
// (or postgres) narrows them. It panics on an unknown engine name, because a
// typo there would silently test less than intended.
func Engines() []store.Engine {
	engines, err := parseEngines(os.Getenv(EnvEngines))
	if err != nil {
		panic("storetest: " + err.Error())
	}
	return engines
}

// parseEngines parses the value of EnvEngines.
func parseEngines(s string) ([]store.Engine, error) {
	if strings.TrimSpace(s) == "" {
		return []store.Engine{store.SQLite, store.Postgres}, nil
	}
	var engines []store.Engine
	seen := map[store.Engine]bool{}
	for _, name := range strings.Split(s, ",") {
		e := store.Engine(strings.ToLower(strings.TrimSpace(name)))
		if e != store.SQLite && e != store.Postgres {
			return nil, fmt.Errorf("%s: unknown engine %q (want sqlite or postgres)", EnvEngines, name)
		}
		if !seen[e] {
			seen[e] = true
			engines = append(engines, e)
		}
	}
	return engines, nil
}

// Each runs fn as a subtest per engine ("sqlite", "postgres") with a fresh,
// fully migrated, empty database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			fn(t, Open(t, e))
		})
	}
}

// Open returns a fresh migrated database of that engine, closed at test
// cleanup.
func Open(t testing.TB, engine store.Engine) *store.DB {
	t.Helper()
	dsn := DSN(t, engine)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("storetest: open %s test database: %v", engine, err)
	}
	// Registered after DSN's cleanup, so it runs first: PostgreSQL's
	// database is dropped only once the pool is closed.
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("storetest: close %s test database: %v", engine, err)
		}
	})
	return db
}

// DSN returns a fresh migrated database's DSN (file path or postgres URL)
// without opening it — for CLI tests that run the binary with --db. The
// database is removed at test cleanup.
func DSN(t testing.TB, engine store.Engine) string {
	t.Helper()
	if !mainCalled.Load() {
		t.Fatal("storetest: the package's TestMain must call os.Exit(storetest.Main(m))")
	}
	switch engine {
	case store.SQLite:
		return sqliteDSN(t)
	case store.Postgres:
		return postgresDSN(t)
	default:
		t.Fatalf("storetest: unknown engine %q", engine)
		return ""
	}
}

// sqliteDSN copies the migrated template into the test's temporary folder.
func sqliteDSN(t testing.TB) string {
	t.Helper()
	sqliteOnce.Do(func() { sqliteTmpl, sqliteErr = buildSQLiteTemplate() })
	if sqliteErr != nil {
		t.Fatalf("storetest: %v", sqliteErr)
	}
	dst := filepath.Join(t.TempDir(), "dancu.db")
	// The register and its access log are two files (store.AccessLogFile).
	for src, to := range map[string]string{sqliteTmpl: dst, store.AccessLogFile(sqliteTmpl): store.AccessLogFile(dst)} {
		if err := copyFile(src, to); err != nil {
			t.Fatalf("storetest: copy SQLite template: %v", err)
		}
		// The checkpoint in buildSQLiteTemplate normally leaves no WAL; copy
		// one if it exists anyway, since the file alone would then lack data.
		if fi, err := os.Stat(src + "-wal"); err == nil && fi.Size() > 0 {
			if err := copyFile(src+"-wal", to+"-wal"); err != nil {
				t.Fatalf("storetest: copy SQLite template WAL: %v", err)
			}
		}
	}
	return dst
}

// buildSQLiteTemplate migrates one SQLite file and folds its WAL into the
// main file, so that a test database is a plain copy of one file.
func buildSQLiteTemplate() (string, error) {
	dir, err := os.MkdirTemp("", "dancu-sqlite-tmpl-")
	if err != nil {
		return "", fmt.Errorf("create SQLite template folder: %w", err)
	}
	sqliteDir = dir
	path := filepath.Join(dir, "template.db")
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := migrate(ctx, path); err != nil {
		return "", fmt.Errorf("SQLite template: %w", err)
	}
	for _, file := range []string{path, store.AccessLogFile(path)} {
		if err := checkpointWAL(ctx, file); err != nil {
			return "", err
		}
	}
	return path, nil
}

// checkpointWAL folds the WAL of the SQLite file at path into the file.
func checkpointWAL(ctx context.Context, path string) error {
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return fmt.Errorf("reopen SQLite template: %w", err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("checkpoint SQLite template %s: %w", filepath.Base(path), err)
	}
	if err := raw.Close(); err != nil {
		return fmt.Errorf("close SQLite template: %w", err)
	}
	return nil
}

// migrate opens the database at dsn, applies every migration and closes it.
func migrate(ctx context.Context, dsn string) error {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return fmt.Errorf("migrate: %w", err)
	}
	// The administrative units are reference data every test needs, as
	// `dancu migrate` loads them: load them once into the template.
	if _, err := db.SyncUnits(ctx); err != nil {
		db.Close()
		return fmt.Errorf("load units: %w", err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("close after migrating: %w", err)
	}
	return nil
}

// copyFile copies src to a new file dst.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// postgresDSN creates a database from the template and drops it at cleanup.
func postgresDSN(t testing.TB) string {
	t.Helper()
	s := postgresServer(t)
	name := fmt.Sprintf("t_%s_%d", runID, dbSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	q := "CREATE DATABASE " + ident(name) + " TEMPLATE " + ident(s.template)
	if _, err := s.admin.ExecContext(ctx, q); err != nil {
		t.Fatalf("storetest: create PostgreSQL test database: %v", err)
	}
	t.Cleanup(func() {
		// A fresh context: the test's own is already cancelled by now.
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		if err := s.drop(ctx, name); err != nil {
			t.Errorf("storetest: %v", err)
		}
	})
	return s.urlFor(name)
}

// drop drops database name, ending any connection a test or a CLI child
// left open.
func (s *pgServer) drop(ctx context.Context, name string) error {
	s.awaitDisconnect(ctx, name)
	if _, err := s.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+ident(name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop PostgreSQL test database %s: %w", name, err)
	}
	return nil
}

// awaitDisconnect waits briefly for the backends of a just-closed pool to
// exit. DROP DATABASE would wait for them too, but by sleeping 100 ms at a
// time, which roughly doubled the cost of every test database.
func (s *pgServer) awaitDisconnect(ctx context.Context, name string) {
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		var n int
		err := s.admin.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = $1`, name).Scan(&n)
		if err != nil || n == 0 {
			return // on error DROP reports what is wrong
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// postgresServer returns the shared server, starting it on first use. With
// no PostgreSQL installed it skips the test, except under CI, where testing
// one engine fewer than intended must not pass unnoticed.
func postgresServer(t testing.TB) *pgServer {
	t.Helper()
	pgOnce.Do(func() { pg, pgErr = setUpPostgres() })
	if errors.Is(pgErr, errNoBinaries) && os.Getenv("CI") == "" {
		t.Skip(pgErr.Error())
	}
	if pgErr != nil {
		t.Fatalf("storetest: PostgreSQL: %v", pgErr)
	}
	return pg
}

// pgServer is the PostgreSQL server the tests use, with an administrative
// connection and the migrated template database.
type pgServer struct {
	base     *url.URL // server URL; urlFor swaps in the database name
	admin    *sql.DB  // connection to the maintenance database
	template string   // name of the migrated template database

	// Set only when this binary started the server itself.
	watchdog   *exec.Cmd
	watchdogIn io.WriteCloser
}

// setUpPostgres connects to EnvPostgresURL or starts a private server, then
// creates and migrates the template.
func setUpPostgres() (*pgServer, error) {
	s := &pgServer{}
	var err error
	if raw := os.Getenv(EnvPostgresURL); raw != "" {
		s.base, err = url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", EnvPostgresURL, err)
		}
	} else if err := s.start(); err != nil {
		s.close()
		return nil, err
	}
	if err := s.prepare(); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// prepare opens the administrative connection and builds the template.
func (s *pgServer) prepare() error {
	admin, err := sql.Open("pgx", s.base.String())
	if err != nil {
		return fmt.Errorf("open admin connection: %w", err)
	}
	s.admin = admin
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		return fmt.Errorf("connect to %s: %w", s.base.Redacted(), err)
	}
	name := "dancu_tmpl_" + runID
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+ident(name)); err != nil {
		return fmt.Errorf("create template database: %w", err)
	}
	s.template = name
	if err := migrate(ctx, s.urlFor(name)); err != nil {
		return fmt.Errorf("template database: %w", err)
	}
	return nil
}

// urlFor returns the URL of database name on the server.
func (s *pgServer) urlFor(name string) string {
	u := *s.base
	u.Path = "/" + name
	u.RawPath = ""
	return u.String()
}

// close releases the server: a private one is stopped and its folder
// removed (by the watchdog, which does the same if the binary dies); on a
// shared one only the template is dropped.
func (s *pgServer) close() error {
	var errs []error
	if s.admin != nil {
		if s.watchdog == nil && s.template != "" {
			ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
			_, err := s.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+ident(s.template)+" WITH (FORCE)")
			cancel()
			if err != nil {
				errs = append(errs, fmt.Errorf("drop template database: %w", err))
			}
		}
		errs = append(errs, s.admin.Close())
	}
	if s.watchdog != nil {
		// End of input tells the watchdog to stop the server and clean up.
		s.watchdogIn.Close()
		if err := s.watchdog.Wait(); err != nil {
			errs = append(errs, fmt.Errorf("stop PostgreSQL: %w", err))
		}
		s.watchdog = nil
	}
	return errors.Join(errs...)
}

// pgInstall is a located PostgreSQL installation and the user to run it as.
type pgInstall struct {
	bin    string   // folder holding initdb, pg_ctl and postgres
	prefix []string // command prefix that switches user, or empty
	uid    int      // owner for the server's folder; -1 keeps ours
	gid    int
}

// start initialises a throwaway cluster in a temporary folder and starts it
// on a free local port.
func (s *pgServer) start() error {
	inst, err := locatePostgres()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp(clusterParent(), "dancu-pg-")
	if err != nil {
		return fmt.Errorf("create PostgreSQL folder: %w", err)
	}
	if inst.uid >= 0 {
		if err := os.Chown(dir, inst.uid, inst.gid); err != nil {
			os.RemoveAll(dir)
			return fmt.Errorf("hand PostgreSQL folder to %s: %w", pgSystemUser, err)
		}
	}
	data := filepath.Join(dir, "data")
	// Started before initdb so that even a crash mid-setup leaves no
	// server or folder behind.
	stop := inst.command("pg_ctl", "-D", data, "stop", "-m", "immediate", "-w")
	if err := s.startWatchdog(dir, stop); err != nil {
		os.RemoveAll(dir)
		return err
	}
	if out, err := inst.run(dir, "initdb", "-D", data, "-U", "postgres", "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	port, err := startOnFreePort(inst, dir, data)
	if err != nil {
		return err
	}
	s.base = &url.URL{
		Scheme:   "postgres",
		User:     url.User("postgres"),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		Path:     "/postgres",
		RawQuery: "sslmode=disable",
	}
	return nil
}

// clusterParent returns the folder to create the throwaway cluster in:
// RAM-backed /dev/shm when it has room, because copying the template on a
// disk costs several times more even with fsync off (about 100 ms against
// 15 ms per test database here), else the usual temporary folder.
func clusterParent() string {
	const shm, need = "/dev/shm", 1 << 30
	var st syscall.Statfs_t
	if err := syscall.Statfs(shm, &st); err != nil || uint64(st.Bavail)*uint64(st.Bsize) < need {
		return os.TempDir()
	}
	if syscall.Access(shm, 0o2 /* W_OK */) != nil {
		return os.TempDir()
	}
	return shm
}

// locatePostgres finds initdb and pg_ctl, and when running as root the
// unprivileged user that has to run them.
func locatePostgres() (pgInstall, error) {
	inst := pgInstall{uid: -1, gid: -1}
	bin, err := findPostgresBin()
	if err != nil {
		return inst, err
	}
	inst.bin = bin
	if os.Geteuid() != 0 {
		return inst, nil
	}
	u, err := user.Lookup(pgSystemUser)
	if err != nil {
		return inst, fmt.Errorf("PostgreSQL refuses to run as root and there is no %q system user to run it as (%v): run scripts/setup.sh", pgSystemUser, err)
	}
	runuser, err := exec.LookPath("runuser")
	if err != nil {
		return inst, fmt.Errorf("running PostgreSQL as %s needs runuser (util-linux): %w", pgSystemUser, err)
	}
	inst.prefix = []string{runuser, "-u", pgSystemUser, "--"}
	if inst.uid, err = strconv.Atoi(u.Uid); err != nil {
		return inst, fmt.Errorf("uid of %s: %w", pgSystemUser, err)
	}
	if inst.gid, err = strconv.Atoi(u.Gid); err != nil {
		return inst, fmt.Errorf("gid of %s: %w", pgSystemUser, err)
	}
	return inst, nil
}

// findPostgresBin returns the first folder, from PATH's initdb then
// Debian's location, that holds both initdb and pg_ctl. Symlinks are
// resolved so that pg_ctl finds the postgres binary beside it.
func findPostgresBin() (string, error) {
	var dirs []string
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dirs = append(dirs, filepath.Dir(p))
	}
	dirs = append(dirs, pgBinFallback)
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	return "", errNoBinaries
}

// isExecutable reports whether path is a regular file with an execute bit.
func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// command returns the argv that runs PostgreSQL tool name as the right user.
func (inst pgInstall) command(name string, args ...string) []string {
	argv := append([]string{}, inst.prefix...)
	argv = append(argv, filepath.Join(inst.bin, name))
	return append(argv, args...)
}

// run runs tool name in dir, which the server's user can enter (the
// tests' working folder may not be), and returns its combined output.
func (inst pgInstall) run(dir, name string, args ...string) ([]byte, error) {
	argv := inst.command(name, args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	return cmd.CombinedOutput()
}

// startOnFreePort starts the server on a port that was free a moment ago,
// retrying when another process takes it in between.
func startOnFreePort(inst pgInstall, dir, data string) (int, error) {
	logPath := filepath.Join(dir, "server.log")
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return 0, err
		}
		os.Remove(logPath) // so the log read on failure is this attempt's
		opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off"+
			" -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
			port, shellQuote(dir))
		// -l matters beyond logging: without it the server would inherit
		// our output pipe and CombinedOutput would never return.
		out, err := inst.run(dir, "pg_ctl", "-D", data, "-l", logPath, "-o", opts, "-w", "-t", "60", "start")
		if err == nil {
			return port, nil
		}
		log := readTail(logPath, 4096)
		lastErr = fmt.Errorf("pg_ctl start on port %d: %w\n%s\n%s", port, err, out, log)
		if !strings.Contains(log, "already in use") {
			return 0, lastErr
		}
	}
	return 0, lastErr
}

// freePort asks the kernel for a free local TCP port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// watchdogScript waits for end of input, which comes when Main closes the
// pipe or when the test binary dies in any way (panic, timeout, kill), then
// stops the server and removes its folder. It keeps a crashed run from
// leaking a running server and tens of megabytes of cluster files.
const watchdogScript = `cat >/dev/null; dir=$1; shift; "$@" >/dev/null 2>&1; rm -rf -- "$dir"`

// startWatchdog starts the watchdog for the server in dir; stop is the
// argv that stops it.
func (s *pgServer) startWatchdog(dir string, stop []string) error {
	args := append([]string{"-c", watchdogScript, "storetest-watchdog", dir}, stop...)
	cmd := exec.Command("/bin/sh", args...)
	cmd.Dir = dir
	// Its own session, so that a Ctrl-C aimed at the tests does not kill it
	// before it has cleaned up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	in, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("watchdog pipe: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start watchdog: %w", err)
	}
	s.watchdog, s.watchdogIn = cmd, in
	return nil
}

// readTail returns up to the last n bytes of the file at path, or a note
// saying why it could not be read.
func readTail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(no server log: %v)", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > n {
		f.Seek(fi.Size()-n, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	return string(b)
}

// shellQuote quotes s for the shell that pg_ctl passes its -o options to.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ident quotes a PostgreSQL identifier.
func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

// newRunID returns a short random hex string.
func newRunID() string {
	b := make([]byte, 4)
	rand.Read(b) // never fails since Go 1.24
	return hex.EncodeToString(b)
}
