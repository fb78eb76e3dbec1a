package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v3"

	"github.com/dancu-vn/dancu/internal/importer"
	"github.com/dancu-vn/dancu/internal/register"
)

// exitRejected is the exit status of an import that completed but
// rejected some rows (see the report): scripts can tell it from a failure.
const exitRejected = 3

func importCommand() *cli.Command {
	return &cli.Command{
		Name:  "import",
		Usage: "import legacy records into the register",
		Commands: []*cli.Command{{
			Name: "persons",
			Usage: "import persons from a CSV or Excel (.xlsx) file of legacy records, with a row-by-row report; " +
				"exits 0 if every row was created or already present, 3 if some were rejected (docs/import.md)",
			ArgsUsage: "FILE.csv|FILE.xlsx",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "report", Required: true, Usage: "report file (CSV): one line per input row"},
				&cli.StringFlag{Name: "source", Usage: "name of the legacy source, which namespaces record_id (default: the file's base name)"},
				&cli.StringFlag{Name: "legal-doc", Usage: `document number of the legal basis (default: "IMPORT <source>")`},
				&cli.StringFlag{Name: "legal-date", Usage: "date of that document, YYYY-MM-DD (default: today)"},
				&cli.StringFlag{Name: "legal-issuer", Usage: `office that issued it (default: "dancu import")`},
				&cli.IntFlag{Name: "batch", Value: importer.DefaultBatchSize, Usage: "rows per transaction"},
				&cli.StringFlag{Name: "commune-codes", Value: string(importer.CommuneCodesAuto),
					Usage: "how permanent_commune codes are read: auto (a 2025 code, else a legacy one), 2025, or legacy"},
			},
			Action: importPersons,
		}},
	}
}

func importPersons(ctx context.Context, c *cli.Command) error {
	if c.Args().Len() != 1 {
		return fmt.Errorf("import persons: give exactly one FILE.csv or FILE.xlsx")
	}
	opt := importer.Options{
		Path: c.Args().First(), ReportPath: c.String("report"), Source: c.String("source"),
		Legal: register.LegalBasis{DocumentNo: c.String("legal-doc"), DocumentDate: register.Date(c.String("legal-date")),
			Issuer: c.String("legal-issuer")},
		BatchSize: int(c.Int("batch")), Communes: importer.CommuneCodes(c.String("commune-codes")),
	}
	if opt.BatchSize < 1 {
		return fmt.Errorf("--batch must be at least 1")
	}
	if _, err := os.Stat(opt.Path); err != nil {
		return fmt.Errorf("import persons: %w", err)
	}
	_, db, err := openConfigured(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	bar := newProgress(-1, "importing rows")
	opt.Progress = func(rows int) { bar.Set(rows) }
	sum, err := importer.Run(ctx, db, opt)
	bar.Finish()
	if err != nil {
		var he *importer.HeaderError
		if _, statErr := os.Stat(opt.ReportPath + ".partial"); statErr == nil && !errors.As(err, &he) {
			return fmt.Errorf("import persons: %w (the rows of committed batches are in %s.partial; run again to complete the import)", err, opt.ReportPath)
		}
		return fmt.Errorf("import persons: %w", err)
	}
	fmt.Fprintf(stdout, "%s: %d rows: %d created (%d with warnings), %d already present, %d rejected in %s (%.0f rows/s)\nreport: %s\n",
		opt.Path, sum.Rows, sum.Created, sum.Warnings, sum.AlreadyPresent, sum.Rejected, sum.Elapsed.Round(1e6),
		float64(sum.Rows)/sum.Elapsed.Seconds(), opt.ReportPath)
	if sum.Rejected > 0 {
		return &exitError{code: exitRejected, msg: fmt.Sprintf("%d row(s) rejected: see the report %s", sum.Rejected, opt.ReportPath)}
	}
	return nil
}
