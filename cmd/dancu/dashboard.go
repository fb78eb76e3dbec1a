package main

import (
	"context"
	"fmt"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/dancu-vn/dancu/internal/dashboard"
	"github.com/dancu-vn/dancu/internal/store"
)

// dashboardCommand counts today's indicators now; serving nodes also do
// it every hour.
func dashboardCommand() *cli.Command {
	return &cli.Command{
		Name:  "dashboard",
		Usage: "the programme's indicators (see docs/dashboard.md)",
		Commands: []*cli.Command{{
			Name:  "snapshot",
			Usage: "count today's indicators for every commune, province and the country",
			Action: withDB(func(ctx context.Context, _ *cli.Command, db *store.DB) error {
				n, err := (&dashboard.Service{Store: db}).Snapshot(ctx)
				if err != nil {
					return err
				}
				fmt.Printf("indicators of %s counted for %d units\n", dashboard.PeriodOf(time.Now()).Day, n)
				return nil
			}),
		}},
	}
}
