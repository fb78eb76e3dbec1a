package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v3"

	"github.com/dancu-vn/dancu/internal/accesslog"
)

func auditCommand() *cli.Command {
	return &cli.Command{
		Name:  "audit",
		Usage: "audit the access log",
		Commands: []*cli.Command{{
			Name:  "verify",
			Usage: "recompute the access log's Merkle tree from storage and check every signed checkpoint; exits 2 naming the first tampered entry",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "key", Usage: "verifier key (note vkey) to check checkpoints against; default: the key of this database's signer"},
			},
			Action: func(ctx context.Context, c *cli.Command) error {
				cfg, db, err := openConfigured(ctx, c)
				if err != nil {
					return err
				}
				defer db.Close()
				vkey := c.String("key")
				if vkey == "" {
					_, key, err := logSigner(ctx, cfg, db)
					if err != nil {
						return err
					}
					vkey = key
				}
				rep, err := accesslog.Verify(ctx, db, vkey)
				if err != nil {
					return err
				}
				if !rep.OK {
					return &exitError{code: 2, msg: "access log verification FAILED: " + rep.Problem.String()}
				}
				fmt.Printf("access log OK: %d entries, %d checkpoints verified, latest signed size %d\n", rep.Size, rep.Checkpoints, rep.Signed)
				return nil
			},
		}},
	}
}
