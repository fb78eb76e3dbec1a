package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"time"

	"github.com/urfave/cli/v3"
)

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "serve the API on the configured database",
		Flags: []cli.Flag{addrFlag(),
			&cli.BoolFlag{Name: "payment-sandbox", Usage: "accept the sandbox payment provider's self-signed payments (development and training only; `demo` always does)", Sources: cli.EnvVars("DANCU_PAYMENT_SANDBOX")}},
		Action: withApp(func(ctx context.Context, c *cli.Command, a *app) error {
			if c.Bool("payment-sandbox") {
				if err := a.server.Portal.EnableSandbox(ctx); err != nil {
					return err
				}
				a.logger.Warn("the sandbox payment provider is on: fees can be paid without money")
			}
			ln, err := a.listen()
			if err != nil {
				return err
			}
			a.logger.Info("serving", "addr", ln.Addr().String(), "engine", string(a.db.Engine))
			return a.serve(ctx, ln)
		}),
	}
}

// addrFlag is the listen address of serve and demo.
func addrFlag() cli.Flag {
	return &cli.StringFlag{Name: "addr", Value: "127.0.0.1:8080", Usage: "listen address HOST:PORT (port 0 picks a free one)", Sources: cli.EnvVars("DANCU_ADDR")}
}

// withApp runs fn with the wired application, closed afterwards.
func withApp(fn func(ctx context.Context, c *cli.Command, a *app) error) cli.ActionFunc {
	return func(ctx context.Context, c *cli.Command) error {
		cfg, err := configFrom(c)
		if err != nil {
			return err
		}
		a, err := openApp(ctx, cfg)
		if err != nil {
			return err
		}
		defer a.Close()
		return fn(ctx, c, a)
	}
}

// shutdownGrace is how long in-flight requests get at shutdown.
const shutdownGrace = 10 * time.Second

// serve runs the HTTP server until ctx ends, then shuts down gracefully.
func (a *app) serve(ctx context.Context, ln net.Listener) error {
	tuneGC()
	srv := &http.Server{
		Handler:           a.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if a.cfg.DebugAddr != "" {
		if err := a.serveDebug(ctx); err != nil {
			srv.Close()
			return err
		}
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	a.logger.Info("stopped")
	return err
}

// serverGOGC is the collector's setting while serving, unless GOGC is in
// the environment. The server keeps a small live heap (20-40 MB) and
// allocates a few kilobytes per request, so at Go's default of 100 it
// collected dozens of times a second under load, for about a tenth of its
// CPU; at 400 the heap may grow to five times what is live, about 200 MB.
const serverGOGC = 400

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serverGOGC)
	}
}

// serveDebug serves Go's profiler on the debug address until ctx ends. It
// refuses anything but a loopback address: profiles show the program's
// memory, which holds personal data.
func (a *app) serveDebug(ctx context.Context) error {
	host, _, err := net.SplitHostPort(a.cfg.DebugAddr)
	if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		return fmt.Errorf("--debug-addr %q: only a loopback address (127.0.0.1:PORT) is allowed", a.cfg.DebugAddr)
	}
	ln, err := net.Listen("tcp", a.cfg.DebugAddr)
	if err != nil {
		return fmt.Errorf("debug listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	dbg := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go dbg.Serve(ln)
	go func() {
		<-ctx.Done()
		dbg.Close()
	}()
	a.logger.Info("profiler", "addr", ln.Addr().String())
	return nil
}
