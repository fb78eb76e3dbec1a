package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/officer"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/units"
)

// withDB opens the configured database for a management command.
func withDB(fn func(ctx context.Context, c *cli.Command, db *store.DB) error) cli.ActionFunc {
	return func(ctx context.Context, c *cli.Command) error {
		_, db, err := openConfigured(ctx, c)
		if err != nil {
			return err
		}
		defer db.Close()
		return fn(ctx, c, db)
	}
}

// openConfigured reads the command's configuration and opens (and
// migrates) its database; the caller closes it.
func openConfigured(ctx context.Context, c *cli.Command) (Config, *store.DB, error) {
	cfg, err := configFrom(c)
	if err != nil {
		return cfg, nil, err
	}
	db, err := openDB(ctx, cfg)
	return cfg, db, err
}

func officerCommand() *cli.Command {
	return &cli.Command{
		Name:  "officer",
		Usage: "manage officer accounts",
		Commands: []*cli.Command{
			{
				Name:  "create",
				Usage: "create an officer: --username, --name, --role, and --commune or --province (or --central)",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "username", Required: true},
					&cli.StringFlag{Name: "name", Required: true, Usage: "full name"},
					&cli.StringFlag{Name: "role", Value: auth.RoleRegistrar, Usage: "registrar, reader, auditor or admin"},
					&cli.StringFlag{Name: "commune", Usage: "commune code (2025 structure) of a commune officer"},
					&cli.StringFlag{Name: "province", Usage: "province code (2025 structure) of a province officer"},
					&cli.BoolFlag{Name: "central", Usage: "a central (ministry) officer"},
				},
				Action: withDB(func(ctx context.Context, c *cli.Command, db *store.DB) error {
					o, err := officerFromFlags(c)
					if err != nil {
						return err
					}
					if err := db.CreateOfficer(ctx, o); err != nil {
						return err
					}
					fmt.Printf("created officer %s (%s, %s %s)\n", o.Username, o.Role, o.UnitLevel, o.UnitCode)
					return nil
				}),
			},
			{
				Name:  "list",
				Usage: "list officers",
				Action: withDB(func(ctx context.Context, c *cli.Command, db *store.DB) error {
					os, err := db.Officers(ctx)
					if err != nil {
						return err
					}
					tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "USERNAME\tROLE\tLEVEL\tUNIT\tDISABLED\tNAME")
					for _, o := range os {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\n", o.Username, o.Role, o.UnitLevel, o.UnitCode, o.Disabled, o.FullName)
					}
					return tw.Flush()
				}),
			},
			{
				Name:      "disable",
				Usage:     "disable an officer account (its tokens stop working)",
				ArgsUsage: "USERNAME",
				Action: withDB(func(ctx context.Context, c *cli.Command, db *store.DB) error {
					if c.Args().Len() != 1 {
						return fmt.Errorf("usage: dancu officer disable USERNAME")
					}
					return db.SetOfficerDisabled(ctx, c.Args().First(), true)
				}),
			},
			{
				Name: "credentials",
				Usage: "set an officer's password and a new TOTP secret for logging in (POST /api/v1/officer/sessions); " +
					"prints the secret and its otpauth:// URL for the officer's authenticator app",
				ArgsUsage: "USERNAME",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "password-file", Required: true, Usage: "file holding the password (- for standard input)"},
				},
				Action: withDB(func(ctx context.Context, c *cli.Command, db *store.DB) error {
					if c.Args().Len() != 1 {
						return fmt.Errorf("usage: dancu officer credentials USERNAME --password-file FILE")
					}
					pw, err := readSecretFile(c.String("password-file"))
					if err != nil {
						return err
					}
					secret, url, err := (&officer.Service{Store: db}).Enroll(ctx, c.Args().First(), pw)
					if err != nil {
						return err
					}
					fmt.Fprintf(stdout, "totp_secret: %s\notpauth_url: %s\n", secret, url)
					return nil
				}),
			},
		},
	}
}

// readSecretFile reads a secret from a file, or standard input for "-",
// without its trailing newline.
func readSecretFile(name string) (string, error) {
	var b []byte
	var err error
	if name == "-" {
		b, err = io.ReadAll(io.LimitReader(os.Stdin, 4096))
	} else {
		b, err = os.ReadFile(name)
	}
	if err != nil {
		return "", fmt.Errorf("read secret: %w", err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

var stdout = os.Stdout

// officerFromFlags builds an officer and checks its unit exists today.
func officerFromFlags(c *cli.Command) (*auth.Officer, error) {
	o := &auth.Officer{Username: c.String("username"), FullName: c.String("name"), Role: c.String("role")}
	today := time.Now().Format(time.DateOnly)
	switch {
	case c.String("commune") != "":
		o.UnitLevel, o.UnitCode = auth.LevelCommune, c.String("commune")
		if _, ok := units.Find(o.UnitCode, units.Commune, today); !ok {
			return nil, fmt.Errorf("%q is not a commune code valid today", o.UnitCode)
		}
	case c.String("province") != "":
		o.UnitLevel, o.UnitCode = auth.LevelProvince, c.String("province")
		if _, ok := units.Find(o.UnitCode, units.Province, today); !ok {
			return nil, fmt.Errorf("%q is not a province code valid today", o.UnitCode)
		}
	case c.Bool("central"):
		o.UnitLevel = auth.LevelCentral
	default:
		return nil, fmt.Errorf("give --commune, --province or --central")
	}
	return o, o.Validate()
}

func tokenCommand() *cli.Command {
	return &cli.Command{
		Name:  "token",
		Usage: "manage API bearer tokens of officers",
		Commands: []*cli.Command{
			{
				Name:      "create",
				Usage:     "issue a token for an officer; it is printed once",
				ArgsUsage: "USERNAME",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "name", Usage: "what the token is for"},
					&cli.DurationFlag{Name: "ttl", Value: 90 * 24 * time.Hour, Usage: "lifetime"},
				},
				Action: withDB(func(ctx context.Context, c *cli.Command, db *store.DB) error {
					if c.Args().Len() != 1 {
						return fmt.Errorf("usage: dancu token create USERNAME")
					}
					t, clear, err := db.IssueToken(ctx, c.Args().First(), c.String("name"), c.Duration("ttl"))
					if err != nil {
						return err
					}
					fmt.Fprintf(os.Stderr, "token %s for %s, expires %s\n", t.ID, t.Officer, t.ExpiresAt.Format(time.RFC3339))
					fmt.Println(clear)
					return nil
				}),
			},
			{
				Name:      "list",
				Usage:     "list an officer's tokens (ids only)",
				ArgsUsage: "USERNAME",
				Action: withDB(func(ctx context.Context, c *cli.Command, db *store.DB) error {
					ts, err := db.Tokens(ctx, c.Args().First())
					if err != nil {
						return err
					}
					tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "ID\tNAME\tCREATED\tEXPIRES\tREVOKED")
					for _, t := range ts {
						rev := ""
						if t.RevokedAt != nil {
							rev = t.RevokedAt.Format(time.RFC3339)
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.CreatedAt.Format(time.RFC3339), t.ExpiresAt.Format(time.RFC3339), rev)
					}
					return tw.Flush()
				}),
			},
			{
				Name:      "revoke",
				Usage:     "revoke a token by id",
				ArgsUsage: "TOKEN-ID",
				Action: withDB(func(ctx context.Context, c *cli.Command, db *store.DB) error {
					if c.Args().Len() != 1 {
						return fmt.Errorf("usage: dancu token revoke TOKEN-ID")
					}
					return db.RevokeToken(ctx, c.Args().First())
				}),
			},
		},
	}
}
