package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/httpapi"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
)

// app is a wired dancu: database, access log, services, HTTP server.
type app struct {
	cfg    Config
	db     *store.DB
	log    *accesslog.Log
	reg    *register.Service
	server *httpapi.Server
	logger *slog.Logger
}

// openDB opens and migrates the configured database and loads the
// administrative units.
func openDB(ctx context.Context, cfg Config) (*store.DB, error) {
	db, err := store.Open(ctx, cfg.DSN())
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if _, err := db.SyncUnits(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// openApp wires everything the server needs.
func openApp(ctx context.Context, cfg Config) (*app, error) {
	db, err := openDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	signer, vkey, err := logSigner(ctx, cfg, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	alog := accesslog.New(db, signer, accesslog.Options{Origin: cfg.LogOrigin})
	logger := newLogger(cfg.LogLevel)
	reg := &register.Service{Store: db, Log: alog, Now: time.Now, Rand: rand.IntN}
	srv := httpapi.New(db, reg, alog, vkey, logger, version)
	return &app{cfg: cfg, db: db, log: alog, reg: reg, server: srv, logger: logger}, nil
}

// logSigner returns the access log's checkpoint signer: from the key file
// if one is configured, else the key kept in the database.
func logSigner(ctx context.Context, cfg Config, db *store.DB) (note.Signer, string, error) {
	if cfg.LogKeyFile != "" {
		b, err := os.ReadFile(cfg.LogKeyFile)
		if err != nil {
			return nil, "", fmt.Errorf("read access log key: %w", err)
		}
		return accesslog.SignerFromKey(strings.TrimSpace(string(b)))
	}
	return accesslog.LoadOrCreateSigner(ctx, db, "accesslog-signer")
}

func (a *app) Close() {
	a.log.Close()
	a.db.Close()
}
