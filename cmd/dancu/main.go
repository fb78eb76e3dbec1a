// Command dancu runs the population register, e-ID and e-authentication
// platform: its server, demo, migrations, seeding, imports and audits.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/dancu-vn/dancu/internal/anomaly"
	"github.com/dancu-vn/dancu/internal/proxy"
	"github.com/dancu-vn/dancu/internal/store"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := rootCommand().Run(ctx, os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "dancu:", err)
		os.Exit(exitCode(err))
	}
}

// exitError carries a specific exit status.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func exitCode(err error) int {
	if e, ok := err.(*exitError); ok {
		return e.code
	}
	return 1
}

// Config is everything dancu is configured with. Each field comes from a
// flag or its DANCU_* environment variable (secrets also from *_FILE).
type Config struct {
	DB         string // postgres:// URL, or empty for SQLite under DataDir
	DataDir    string
	Addr       string
	LogLevel   string
	LogKeyFile string // note signer key of the access log; generated and kept in the database if empty
	LogOrigin  string
	// SMSURL is the SMS gateway that sends one-time codes (sms.HTTPProvider);
	// empty selects the development outbox, read through the API.
	SMSURL       string
	SMSTokenFile string // file holding the gateway's bearer token
	// Issuer is the OpenID provider's public base URL; empty: http://ADDR.
	Issuer string
	// Alerts are the anomaly detector's thresholds (alerts.go).
	Alerts anomaly.Config
	// DebugAddr, when set, serves Go's profiler (/debug/pprof/) there, on
	// a listener of its own: for measuring, never on the public address.
	DebugAddr string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (package proxy); none by default.
	TrustedProxies []netip.Prefix
	// SealKeyFile holds the key that seals TOTP seeds and private keys at
	// rest; empty: a key generated once and kept in the database.
	SealKeyFile string
	// DashboardEvery is how often a serving node counts today's
	// indicators; 0: never (another node or a scheduler does).
	DashboardEvery time.Duration
}

// IssuerURL returns the configured issuer, or one made of the listen
// address for a local server.
func (c Config) IssuerURL() string {
	if c.Issuer != "" {
		return strings.TrimRight(c.Issuer, "/")
	}
	return "http://" + c.Addr
}

// DSN returns the database to open: the PostgreSQL URL, or the SQLite file.
func (c Config) DSN() string {
	if c.DB != "" {
		return c.DB
	}
	return filepath.Join(c.DataDir, "dancu.db")
}

func globalFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringFlag{Name: "db", Usage: "database: a postgres:// URL, or a SQLite file path (default: DATA/dancu.db)", Sources: cli.EnvVars("DANCU_DB")},
		&cli.StringFlag{Name: "data", Value: "./dancu-data", Usage: "data folder for the embedded SQLite database and demo files", Sources: cli.EnvVars("DANCU_DATA")},
		&cli.StringFlag{Name: "log-level", Value: "info", Usage: "process log level: debug, info, warn, error", Sources: cli.EnvVars("DANCU_LOG_LEVEL")},
		&cli.StringFlag{Name: "accesslog-key-file", Usage: "file holding the access log's note signing key (default: generated, kept in the database)", Sources: cli.EnvVars("DANCU_ACCESSLOG_KEY_FILE")},
		&cli.StringFlag{Name: "accesslog-origin", Value: "dancu.accesslog/v1", Usage: "origin line of the access log's checkpoints", Sources: cli.EnvVars("DANCU_ACCESSLOG_ORIGIN")},
		&cli.StringFlag{Name: "sms-url", Usage: "SMS gateway URL for one-time codes (default: the development outbox, readable by admins at /api/v1/dev/sms)", Sources: cli.EnvVars("DANCU_SMS_URL")},
		&cli.StringFlag{Name: "sms-token-file", Usage: "file holding the SMS gateway's bearer token", Sources: cli.EnvVars("DANCU_SMS_TOKEN_FILE")},
		&cli.StringFlag{Name: "debug-addr", Usage: "serve Go's profiler (/debug/pprof/) on this loopback address, e.g. 127.0.0.1:6060 (off by default)", Sources: cli.EnvVars("DANCU_DEBUG_ADDR")},
		&cli.StringFlag{Name: "issuer", Usage: "public base URL of the OpenID provider, as relying parties reach it (default: http://ADDR)", Sources: cli.EnvVars("DANCU_ISSUER")},
		&cli.StringFlag{Name: "seal-key-file", Usage: "file holding the 32-byte key (hex or base64) that seals TOTP seeds and private keys at rest (default: generated, kept in the database)", Sources: cli.EnvVars("DANCU_SEAL_KEY_FILE")},
		&cli.DurationFlag{Name: "dashboard-every", Value: time.Hour, Usage: "how often serve counts today's dashboard indicators (a scan of the register); 0: never, for nodes that leave it to one node or a scheduler", Sources: cli.EnvVars("DANCU_DASHBOARD_EVERY")},
		&cli.StringFlag{Name: "trusted-proxies", Usage: "comma-separated addresses or networks of the reverse proxies in front (e.g. 10.0.0.0/8): from them, the client address is taken from X-Forwarded-For (default: none)", Sources: cli.EnvVars("DANCU_TRUSTED_PROXIES")},
	}, alertFlags()...)
}

func configFrom(c *cli.Command) (Config, error) {
	cfg := Config{
		DB: c.String("db"), DataDir: c.String("data"), LogLevel: c.String("log-level"),
		LogKeyFile: c.String("accesslog-key-file"), LogOrigin: c.String("accesslog-origin"),
		SMSURL: c.String("sms-url"), SMSTokenFile: c.String("sms-token-file"), Issuer: c.String("issuer"),
		DebugAddr: c.String("debug-addr"), SealKeyFile: c.String("seal-key-file"), DashboardEvery: c.Duration("dashboard-every"),
	}
	if cfg.DashboardEvery < 0 {
		return cfg, fmt.Errorf("--dashboard-every must not be negative")
	}
	if c.IsSet("addr") || c.String("addr") != "" {
		cfg.Addr = c.String("addr")
	}
	switch cfg.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return cfg, fmt.Errorf("--log-level must be debug, info, warn or error, not %q", cfg.LogLevel)
	}
	if cfg.SMSURL != "" && (!strings.HasPrefix(cfg.SMSURL, "https://") && !strings.HasPrefix(cfg.SMSURL, "http://") || cfg.SMSTokenFile == "") {
		return cfg, fmt.Errorf("--sms-url must be an http(s) URL and needs --sms-token-file")
	}
	if cfg.Issuer != "" {
		if u, err := url.Parse(cfg.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return cfg, fmt.Errorf("--issuer must be an absolute http(s) URL without query or fragment")
		}
	}
	trusted, err := proxy.ParseTrusted(c.String("trusted-proxies"))
	if err != nil {
		return cfg, fmt.Errorf("--trusted-proxies: %w", err)
	}
	cfg.TrustedProxies = trusted
	if cfg.Alerts, err = alertConfig(c); err != nil {
		return cfg, err
	}
	if cfg.DB != "" && !store.IsPostgresURL(cfg.DB) && filepath.Ext(cfg.DB) == "" {
		return cfg, fmt.Errorf("--db must be a postgres:// URL or a SQLite file path ending in .db")
	}
	return cfg, nil
}

// newLogger returns the process logger: JSON lines on stderr. Nothing
// personal is ever logged (see internal/httpapi.observe).
func newLogger(level string) *slog.Logger {
	var l slog.Level
	l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

func rootCommand() *cli.Command {
	return &cli.Command{
		Name:    "dancu",
		Usage:   "population register, e-ID and e-authentication platform",
		Version: version,
		Flags:   globalFlags(),
		Commands: []*cli.Command{
			serveCommand(), demoCommand(), migrateCommand(), seedCommand(), importCommand(),
			auditCommand(), officerCommand(), tokenCommand(), clientCommand(), keysCommand(), versionCommand(),
			proceduresCommand(), qualityCommand(), dashboardCommand(),
			pkiCommand(), cardCommand(), // chip ID cards: pki.go, card.go
			sealCommand(),
		},
	}
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version",
		Action: func(ctx context.Context, c *cli.Command) error {
			fmt.Println("dancu", version)
			return nil
		},
	}
}
