package main

import (
	"context"
	"fmt"
	"os"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v3"
	"golang.org/x/term"

	"github.com/dancu-vn/dancu/internal/seed"
)

func seedCommand() *cli.Command {
	return &cli.Command{
		Name:  "seed",
		Usage: "generate a deterministic synthetic population of one province",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "province", Value: "46", Usage: "province code of the 2025 structure (46 = Huế)"},
			&cli.IntFlag{Name: "people", Value: 10000, Usage: "number of persons"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed: the same seed gives the same population"},
			&cli.StringFlag{Name: "today", Value: "2026-01-01", Usage: "reference date of the population (YYYY-MM-DD)"},
			&cli.IntFlag{Name: "batch", Value: 5000, Usage: "persons per transaction"},
		},
		Action: func(ctx context.Context, c *cli.Command) error {
			cfg, err := configFrom(c)
			if err != nil {
				return err
			}
			if c.Int("people") < 1 {
				return fmt.Errorf("--people must be at least 1")
			}
			db, err := openDB(ctx, cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			opt := seed.Options{Province: c.String("province"), People: int(c.Int("people")), Seed: c.Uint64("seed"),
				Today: c.String("today"), BatchSize: int(c.Int("batch"))}
			bar := newProgress(opt.People, "seeding")
			opt.Progress = func(done int) { bar.Set(done) }
			res, err := seed.Run(ctx, db, opt)
			bar.Finish()
			if err != nil {
				return err
			}
			fmt.Printf("seeded %d persons in %d households of province %s in %s (%.0f persons/s)\n",
				res.Persons, res.Households, opt.Province, res.Elapsed.Round(1e6), float64(res.Persons)/res.Elapsed.Seconds())
			return nil
		},
	}
}

// newProgress returns a progress bar on a terminal and a silent one
// elsewhere (CI, pipes).
func newProgress(max int, what string) *progressbar.ProgressBar {
	if !term.IsTerminal(int(os.Stderr.Fd())) {
		return progressbar.DefaultSilent(int64(max), what)
	}
	return progressbar.NewOptions(max, progressbar.OptionSetWriter(os.Stderr), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionThrottle(200e6))
}
