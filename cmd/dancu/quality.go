package main

import (
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/urfave/cli/v3"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/quality"
)

// qualityCommand runs the data-quality scan that fills the officers'
// review queue; operators schedule it (cron, a systemd timer) after
// imports and nightly.
func qualityCommand() *cli.Command {
	return &cli.Command{
		Name:  "quality",
		Usage: "data quality: scan the register and fill the review queue (see docs/quality.md)",
		Commands: []*cli.Command{{
			Name:  "scan",
			Usage: "check every record of a province (or all) against the rules and for duplicates",
			Flags: []cli.Flag{&cli.StringFlag{Name: "province", Usage: "2-digit province code; empty scans the whole register"}},
			Action: func(ctx context.Context, c *cli.Command) error {
				cfg, db, err := openConfigured(ctx, c)
				if err != nil {
					return err
				}
				defer db.Close()
				signer, _, err := logSigner(ctx, cfg, db)
				if err != nil {
					return err
				}
				alog := accesslog.New(db, signer, accesslog.Options{Origin: cfg.LogOrigin})
				defer alog.Close()
				res, err := (&quality.Service{Store: db, Log: alog}).Scan(ctx, c.String("province"))
				if err != nil {
					return err
				}
				printScan(res)
				return nil
			},
		}},
	}
}

// printScan reports a scan: counts only, never a person.
func printScan(res *quality.Scan) {
	where := "the whole register"
	if res.Province != "" {
		where = "province " + res.Province
	}
	fmt.Fprintf(os.Stdout, "scanned %d persons of %s in %s: %d communes, completeness %.1f %%, %d flags opened, %d resolved\n",
		res.Persons, where, res.Finished.Sub(res.Started).Round(1e6), res.Communes, res.Completes, res.Opened, res.Resolved)
	for _, r := range quality.Rules {
		if n := res.Found[r]; n > 0 || slices.Contains([]string{quality.RulePossibleDuplicate}, r) {
			fmt.Fprintf(os.Stdout, "  %-24s %d\n", r, n)
		}
	}
}
