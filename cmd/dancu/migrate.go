package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v3"

	"github.com/dancu-vn/dancu/internal/portal"
	"github.com/dancu-vn/dancu/internal/store"
)

func migrateCommand() *cli.Command {
	return &cli.Command{
		Name:  "migrate",
		Usage: "apply pending database migrations and load administrative units",
		Action: func(ctx context.Context, c *cli.Command) error {
			cfg, err := configFrom(c)
			if err != nil {
				return err
			}
			db, err := store.Open(ctx, cfg.DSN())
			if err != nil {
				return err
			}
			defer db.Close()
			applied, err := db.Migrate(ctx)
			if err != nil {
				return err
			}
			added, err := db.SyncUnits(ctx)
			if err != nil {
				return err
			}
			// The portal's built-in procedures (newer versions only).
			if _, err := portal.Open(ctx, db, nil, nil, nil, nil); err != nil {
				return err
			}
			fmt.Printf("%s: applied %d migration(s) %v, added %d administrative unit(s)\n", db.Engine, len(applied), applied, added)
			return nil
		},
	}
}
