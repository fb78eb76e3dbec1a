package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/dancu-vn/dancu/internal/portal"
)

// proceduresCommand manages the portal's procedures: files in a folder
// loaded into the database, so that an operator adds one without code.
func proceduresCommand() *cli.Command {
	return &cli.Command{
		Name:  "procedures",
		Usage: "the public-service portal's procedures (see docs/portal.md)",
		Commands: []*cli.Command{
			{
				Name:      "load",
				Usage:     "validate and load every *.json procedure of a folder (newer versions replace older ones)",
				ArgsUsage: "DIR",
				Action: func(ctx context.Context, c *cli.Command) error {
					if c.Args().Len() != 1 {
						return fmt.Errorf("usage: dancu procedures load DIR")
					}
					ps, err := portal.LoadDir(c.Args().First())
					if err != nil {
						return err
					}
					return withPortal(ctx, c, func(s *portal.Service) error {
						saved, err := s.LoadProcedures(ctx, ps)
						if err != nil {
							return err
						}
						fmt.Printf("read %d procedure(s), loaded %d: %s\n", len(ps), len(saved), strings.Join(saved, " "))
						return nil
					})
				},
			},
			{
				Name:  "list",
				Usage: "list the procedures in the database",
				Action: func(ctx context.Context, c *cli.Command) error {
					return withPortal(ctx, c, func(s *portal.Service) error {
						ps, err := s.Procedures(ctx)
						if err != nil {
							return err
						}
						for _, p := range ps {
							kind := fmt.Sprintf("%s, %d working day(s), fee %d VND", p.Handling.Level, p.TimeLimitDays, p.Fee)
							if p.Linked() {
								kind = "linked: " + fmt.Sprint(len(p.Parts)) + " parts"
							}
							fmt.Printf("%-36s v%d  %s (%s)\n", p.Code, p.Version, p.Name.VI, kind)
						}
						return nil
					})
				},
			},
		},
	}
}

// withPortal opens the database (migrated, with the built-in procedures)
// and runs fn with a portal service on it.
func withPortal(ctx context.Context, c *cli.Command, fn func(*portal.Service) error) error {
	_, db, err := openConfigured(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := portal.Open(ctx, db, nil, nil, nil, nil)
	if err != nil {
		return err
	}
	return fn(s)
}
