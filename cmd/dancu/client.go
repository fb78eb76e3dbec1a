package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/store"
)

// clientCommand manages the OpenID Connect provider's relying parties.
func clientCommand() *cli.Command {
	return &cli.Command{
		Name:  "client",
		Usage: "manage OpenID Connect clients (relying parties)",
		Commands: []*cli.Command{
			{
				Name:  "create",
				Usage: "register a client; prints its id and, for client_secret_basic, its secret (shown once)",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "id", Usage: "client id (default: generated)"},
					&cli.StringFlag{Name: "name", Required: true, Usage: "name shown to citizens on the consent screen"},
					&cli.StringSliceFlag{Name: "redirect-uri", Usage: "redirect URI, exactly as the client sends it (repeatable)"},
					&cli.StringSliceFlag{Name: "post-logout-redirect-uri", Usage: "post-logout redirect URI (repeatable)"},
					&cli.StringFlag{Name: "backchannel-logout-uri", Usage: "back-channel logout URI"},
					&cli.StringSliceFlag{Name: "grant", Usage: "authorization_code, refresh_token, client_credentials (default: the first two)"},
					&cli.StringFlag{Name: "scopes", Value: "openid profile", Usage: "space-separated scopes the client may ask for"},
					&cli.StringFlag{Name: "auth", Value: oidc.AuthSecretBasic, Usage: "client_secret_basic or private_key_jwt"},
					&cli.StringFlag{Name: "jwks-file", Usage: "the client's public JSON Web Key Set (private_key_jwt)"},
					&cli.StringFlag{Name: "subject-type", Value: oidc.SubjectPairwise, Usage: "pairwise or public"},
					&cli.StringFlag{Name: "profile", Usage: `"fapi2" for the bank-grade profile (PAR, private_key_jwt, DPoP)`},
					&cli.BoolFlag{Name: "dpop", Usage: "require DPoP-bound tokens"},
					&cli.StringFlag{Name: "org", Usage: "organisation id that holds the client"},
					&cli.FloatFlag{Name: "rate", Usage: "partner APIs: requests (or bulk rows) a second per node (default 200)"},
					&cli.Int64Flag{Name: "daily-quota", Usage: "partner APIs: requests (or bulk rows) a day, all nodes (default 2,000,000)"},
				},
				Action: withDB(func(ctx context.Context, c *cli.Command, db *store.DB) error {
					cl := &oidc.Client{ID: c.String("id"), Name: c.String("name"), RedirectURIs: c.StringSlice("redirect-uri"),
						PostLogoutRedirectURIs: c.StringSlice("post-logout-redirect-uri"), BackchannelLogoutURI: c.String("backchannel-logout-uri"),
						GrantTypes: c.StringSlice("grant"), Scopes: strings.Fields(c.String("scopes")), AuthMethod: c.String("auth"),
						SubjectType: c.String("subject-type"), Profile: c.String("profile"), RequireDPoP: c.Bool("dpop"), OrgID: c.String("org"),
						RatePerSecond: c.Float("rate"), DailyQuota: c.Int64("daily-quota")}
					if f := c.String("jwks-file"); f != "" {
						b, err := os.ReadFile(f)
						if err != nil {
							return fmt.Errorf("read JWKS: %w", err)
						}
						cl.JWKS = string(b)
					}
					secret, err := oidc.RegisterClient(ctx, db, cl, time.Now())
					if err != nil {
						return err
					}
					fmt.Fprintf(stdout, "client_id: %s\n", cl.ID)
					if secret != "" {
						fmt.Fprintf(stdout, "client_secret: %s\n", secret)
					}
					return nil
				}),
			},
			{
				Name:  "list",
				Usage: "list clients",
				Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print JSON"}},
				Action: withDB(func(ctx context.Context, c *cli.Command, db *store.DB) error {
					cs, err := db.OIDCClients(ctx)
					if err != nil {
						return err
					}
					if c.Bool("json") {
						enc := json.NewEncoder(stdout)
						enc.SetIndent("", "  ")
						return enc.Encode(cs)
					}
					tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "CLIENT_ID\tAUTH\tPROFILE\tSUBJECT\tDISABLED\tNAME")
					for _, cl := range cs {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\n", cl.ID, cl.AuthMethod, cl.Profile, cl.SubjectType, cl.Disabled, cl.Name)
					}
					return tw.Flush()
				}),
			},
			{
				Name:      "rotate-secret",
				Usage:     "replace a client's secret (the old one stops working at once)",
				ArgsUsage: "CLIENT_ID",
				Action: withDB(func(ctx context.Context, c *cli.Command, db *store.DB) error {
					secret, err := oidc.RotateClientSecret(ctx, db, c.Args().First())
					if err != nil {
						return err
					}
					fmt.Fprintf(stdout, "client_secret: %s\n", secret)
					return nil
				}),
			},
			{
				Name:      "disable",
				Usage:     "disable a client: no logins, no tokens, its tokens stop working",
				ArgsUsage: "CLIENT_ID",
				Flags:     []cli.Flag{&cli.BoolFlag{Name: "enable", Usage: "re-enable instead"}},
				Action: withDB(func(ctx context.Context, c *cli.Command, db *store.DB) error {
					cl, err := oidc.SetClientDisabled(ctx, db, c.Args().First(), !c.Bool("enable"))
					if err != nil {
						return err
					}
					fmt.Fprintf(stdout, "client %s disabled: %v\n", cl.ID, cl.Disabled)
					return nil
				}),
			},
		},
	}
}

// keysCommand manages the provider's token signing keys.
func keysCommand() *cli.Command {
	return &cli.Command{
		Name:  "keys",
		Usage: "manage the OpenID Connect provider's signing keys",
		Commands: []*cli.Command{
			{
				Name: "rotate",
				Usage: "add a signing key: published at once, signing after --publish; " +
					"the current key keeps being published for --keep after that",
				Flags: []cli.Flag{
					&cli.DurationFlag{Name: "publish", Value: 24 * time.Hour, Usage: "how long the new key is published before it signs (caches of relying parties must see it first)"},
					&cli.DurationFlag{Name: "keep", Value: 48 * time.Hour, Usage: "how long the old key stays published after it stops signing (the longest token lifetime, with margin)"},
				},
				Action: withDB(func(ctx context.Context, c *cli.Command, db *store.DB) error {
					k, err := oidc.RotateKeys(ctx, db, time.Now(), c.Duration("publish"), c.Duration("keep"))
					if err != nil {
						return err
					}
					fmt.Fprintf(stdout, "new key %s (%s) published now, signs from %s\n", k.ID, k.Algorithm, k.UseFrom.Format(time.RFC3339))
					return nil
				}),
			},
			{
				Name:  "list",
				Usage: "list the signing keys still published",
				Action: withDB(func(ctx context.Context, c *cli.Command, db *store.DB) error {
					ks, err := db.OIDCSigningKeys(ctx, time.Now())
					if err != nil {
						return err
					}
					tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "KID\tALG\tSIGNS_FROM\tRETIRES\tUNPUBLISHED")
					for _, k := range ks {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Algorithm, k.UseFrom.Format(time.RFC3339), optTime(k.RetireAt), optTime(k.ExpiresAt))
					}
					return tw.Flush()
				}),
			},
		},
	}
}

func optTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}
