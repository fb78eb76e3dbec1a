package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v3"

	"github.com/dancu-vn/dancu/internal/store"
)

// sealCommand manages the key that seals secrets at rest (TOTP seeds,
// private keys): see docs/eid.md.
func sealCommand() *cli.Command {
	return &cli.Command{
		Name:  "seal",
		Usage: "the key that seals TOTP seeds and private keys at rest (see docs/eid.md)",
		Commands: []*cli.Command{{
			Name: "rotate",
			Usage: "seal every secret again under the key of --new-key-file (opening them with the current key: " +
				"--seal-key-file, or the one kept in the database, which is then deleted); afterwards every node and command needs --seal-key-file NEW",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "new-key-file", Required: true, Usage: "file holding the new 32-byte key (hex or base64), e.g. from openssl rand -hex 32"},
			},
			Action: withDB(func(ctx context.Context, c *cli.Command, db *store.DB) error {
				key, err := readKeyFile(c.String("new-key-file"))
				if err != nil {
					return fmt.Errorf("--new-key-file: %w", err)
				}
				n, err := db.Reseal(ctx, key)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "resealed %d secrets; from now on start every node and command with --seal-key-file %s\n",
					n, c.String("new-key-file"))
				return nil
			}),
		}},
	}
}
