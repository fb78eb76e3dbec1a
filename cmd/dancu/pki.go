package main

import (
	"context"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/card"
	"github.com/dancu-vn/dancu/internal/pki"
	"github.com/dancu-vn/dancu/internal/store"
)

// pkiCommand manages the chip ID cards' country signing CA and signers
// (docs/cards.md).
func pkiCommand() *cli.Command {
	dirFlags := []cli.Flag{
		&cli.StringFlag{Name: "pki-dir", Usage: "folder of the CSCA's private key (default: DATA/pki); keep it offline", Sources: cli.EnvVars("DANCU_PKI_DIR")},
		&cli.StringFlag{Name: "pki-passphrase-file", Usage: "file holding the passphrase that encrypts the CSCA's key (scrypt, AES-256-GCM)", Sources: cli.EnvVars("DANCU_PKI_PASSPHRASE_FILE")},
	}
	signerFlags := []cli.Flag{
		&cli.StringFlag{Name: "role", Value: "document", Usage: "document (signs cards) or identity (signs identity QRs)"},
		&cli.IntFlag{Name: "days", Usage: "validity: the key's usage period (default: 90 for document, 30 for identity signers)"},
		&cli.StringFlag{Name: "curve", Value: "P-256", Usage: "P-256 or P-384"},
	}
	return &cli.Command{
		Name:  "pki",
		Usage: "the country signing CA (CSCA) and signers of chip ID cards and identity QRs",
		Flags: dirFlags,
		Commands: []*cli.Command{
			{
				Name:  "init",
				Usage: "create the CSCA (its key into --pki-dir) and a first document signer and identity signer",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "country", Value: "VN", Usage: "ISO 3166 country code of the CSCA"},
					&cli.StringFlag{Name: "org", Value: card.DefaultIssuer, Usage: "organisation of the certificates"},
					&cli.StringFlag{Name: "name", Value: "CSCA Việt Nam", Usage: "common name of the CSCA"},
					&cli.StringFlag{Name: "curve", Value: "P-384", Usage: "the CSCA's curve: P-384 or P-256"},
					&cli.IntFlag{Name: "years", Value: 15, Usage: "validity of the CSCA"},
					&cli.StringFlag{Name: "signer-curve", Value: "P-256", Usage: "the signers' curve"},
					&cli.IntFlag{Name: "signer-days", Value: 90, Usage: "validity of the document signer"},
					&cli.IntFlag{Name: "qr-signer-days", Value: 30, Usage: "validity of the identity signer"},
				},
				Action: withDB(func(ctx context.Context, c *cli.Command, db *store.DB) error {
					dir, err := keyDir(c)
					if err != nil {
						return err
					}
					ca, signers, err := pki.Init(ctx, db, dir, initOptions(c))
					if err != nil {
						return err
					}
					fmt.Fprintf(stdout, "CSCA %s (%s) until %s; key in %s\n", ca.Serial, ca.Subject, ca.NotAfter.Format(time.DateOnly), dir.Path)
					for _, s := range signers {
						fmt.Fprintf(stdout, "%s %s until %s\n", s.Role, s.Serial, s.NotAfter.Format(time.DateOnly))
					}
					return nil
				}),
			},
			{
				Name:  "issue-signer",
				Usage: "issue a new signer under the CSCA; being the newest, it signs from now on",
				Flags: signerFlags,
				Action: withDB(func(ctx context.Context, c *cli.Command, db *store.DB) error {
					dir, o, err := signerOptions(c)
					if err != nil {
						return err
					}
					s, err := pki.IssueSigner(ctx, db, dir, o)
					if err != nil {
						return err
					}
					fmt.Fprintf(stdout, "%s %s until %s\n", s.Role, s.Serial, s.NotAfter.Format(time.DateOnly))
					return nil
				}),
			},
			{
				Name:  "rotate",
				Usage: "issue a new signer and retire the others of its role (they stay published); --csca makes a new CSCA",
				Flags: append(append([]cli.Flag{}, signerFlags...), &cli.BoolFlag{Name: "csca", Usage: "rotate the CSCA itself (and start new signers under it)"},
					&cli.IntFlag{Name: "years", Value: 15, Usage: "validity of a new CSCA"}),
				Action: withDB(func(ctx context.Context, c *cli.Command, db *store.DB) error {
					if c.Bool("csca") {
						dir, err := keyDir(c)
						if err != nil {
							return err
						}
						o, err := rotateCSCAOptions(ctx, c, db)
						if err != nil {
							return err
						}
						ca, signers, err := pki.RotateCSCA(ctx, db, dir, o)
						if err != nil {
							return err
						}
						fmt.Fprintf(stdout, "new CSCA %s until %s; %d signers under it; the old signers are retired\n",
							ca.Serial, ca.NotAfter.Format(time.DateOnly), len(signers))
						return nil
					}
					dir, o, err := signerOptions(c)
					if err != nil {
						return err
					}
					s, retired, err := pki.Rotate(ctx, db, dir, o)
					if err != nil {
						return err
					}
					fmt.Fprintf(stdout, "%s %s signs from now on, until %s; retired: %v\n", s.Role, s.Serial, s.NotAfter.Format(time.DateOnly), retired)
					return nil
				}),
			},
			{
				Name:  "list",
				Usage: "list the certificates and what each is doing",
				Action: withDB(func(ctx context.Context, c *cli.Command, db *store.DB) error {
					svc := &pki.Service{Store: db}
					certs, current, err := svc.Certificates(ctx)
					if err != nil {
						return err
					}
					tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "SERIAL\tROLE\tSTATUS\tNOT BEFORE\tNOT AFTER\tSUBJECT")
					now := time.Now()
					for _, x := range certs {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", x.Serial, x.Role, x.Status(now, current[x.Serial]),
							x.NotBefore.Format(time.DateOnly), x.NotAfter.Format(time.DateOnly), x.Subject)
					}
					return tw.Flush()
				}),
			},
			{
				Name:  "crl",
				Usage: "issue the CSCA's next CRL (published at /api/v1/pki/crl); --revoke SERIAL revokes a signer first",
				Flags: []cli.Flag{
					&cli.IntFlag{Name: "days", Value: 30, Usage: "validity of the CRL (issue the next one before)"},
					&cli.StringFlag{Name: "revoke", Usage: "serial of a signer certificate to revoke"},
					&cli.StringFlag{Name: "reason", Value: "keyCompromise", Usage: "RFC 5280 reason: keyCompromise, superseded, cessationOfOperation, …"},
					&cli.StringFlag{Name: "out", Usage: "also write the CRL (DER) to this file"},
				},
				Action: withDB(func(ctx context.Context, c *cli.Command, db *store.DB) error {
					dir, err := keyDir(c)
					if err != nil {
						return err
					}
					validity := time.Duration(c.Int("days")) * 24 * time.Hour
					var crl *pki.CRL
					if s := c.String("revoke"); s != "" {
						crl, err = pki.Revoke(ctx, db, dir, s, c.String("reason"), validity, time.Now())
					} else {
						crl, err = pki.NewCRL(ctx, db, dir, validity, time.Now())
					}
					if err != nil {
						return err
					}
					if out := c.String("out"); out != "" {
						if err := os.WriteFile(out, crl.DER, 0o644); err != nil {
							return err
						}
					}
					fmt.Fprintf(stdout, "CRL %d issued, next update %s\n", crl.Number, crl.NextUpdate.Format(time.RFC3339))
					return nil
				}),
			},
			{
				Name:      "export",
				Usage:     "write what offline verifiers need into a folder: certificates, the latest CRL, the signed list of revoked cards",
				ArgsUsage: "DIR",
				Action: withDB(func(ctx context.Context, c *cli.Command, db *store.DB) error {
					if c.Args().Len() != 1 {
						return fmt.Errorf("usage: dancu pki export DIR")
					}
					return exportPKI(ctx, db, c.Args().First())
				}),
			},
		},
	}
}

// keyDir returns the CSCA's key folder from the flags.
func keyDir(c *cli.Command) (pki.KeyDir, error) {
	d := pki.KeyDir{Path: c.String("pki-dir")}
	if d.Path == "" {
		d.Path = filepath.Join(c.String("data"), "pki")
	}
	if f := c.String("pki-passphrase-file"); f != "" {
		p, err := readSecretFile(f)
		if err != nil {
			return d, err
		}
		if len(p) < 12 {
			return d, fmt.Errorf("the PKI passphrase must be at least 12 characters")
		}
		d.Passphrase = []byte(p)
	}
	return d, nil
}

func initOptions(c *cli.Command) pki.InitOptions {
	now := time.Now()
	return pki.InitOptions{
		CSCA: pki.CSCAOptions{Country: c.String("country"), Organisation: c.String("org"), CommonName: c.String("name"),
			Curve: c.String("curve"), Validity: time.Duration(c.Int("years")) * 365 * 24 * time.Hour, Now: now},
		SignerCurve: c.String("signer-curve"), SignerValidity: time.Duration(c.Int("signer-days")) * 24 * time.Hour,
		QRValidity: time.Duration(c.Int("qr-signer-days")) * 24 * time.Hour,
	}
}

func signerOptions(c *cli.Command) (pki.KeyDir, pki.SignerOptions, error) {
	dir, err := keyDir(c)
	if err != nil {
		return dir, pki.SignerOptions{}, err
	}
	o := pki.SignerOptions{Curve: c.String("curve"), Now: time.Now()}
	days := c.Int("days")
	switch c.String("role") {
	case "document":
		o.Role = pki.RoleDocumentSigner
		if days == 0 {
			days = 90
		}
	case "identity":
		o.Role = pki.RoleIdentitySigner
		if days == 0 {
			days = 30
		}
	default:
		return dir, o, fmt.Errorf("--role is document or identity")
	}
	o.Validity = time.Duration(days) * 24 * time.Hour
	return dir, o, nil
}

// exportPKI writes a verifier's folder: every certificate (one PEM file
// each, named by role and serial), the latest CRL, the revoked cards.
func exportPKI(ctx context.Context, db *store.DB, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	certs, err := db.Certificates(ctx)
	if err != nil {
		return err
	}
	if len(certs) == 0 {
		return fmt.Errorf("there is no certificate: run `dancu pki init`")
	}
	for _, c := range certs {
		b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.DER})
		if err := os.WriteFile(filepath.Join(dir, c.Role+"-"+c.Serial+".pem"), b, 0o644); err != nil {
			return err
		}
	}
	n := len(certs)
	if crl, err := db.LatestCRL(ctx); err == nil {
		if err := os.WriteFile(filepath.Join(dir, "csca.crl"), crl.DER, 0o644); err != nil {
			return err
		}
	}
	svc := &card.Service{Store: db, People: db, PKI: &pki.Service{Store: db}}
	list, err := svc.RevokedList(ctx)
	switch {
	case apperr.Is(err, pki.NotInitialised):
		// The list is signed by a document signer: without one, verifiers
		// get the certificates and the CRL, and check no revoked card.
		fmt.Fprintf(stdout, "wrote %d certificates and the CRL (if issued) to %s; no list of revoked cards: no document signer is valid\n", n, dir)
		return nil
	case err != nil:
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, card.RevokedListFile), list, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d certificates, the CRL (if issued) and %s to %s\n", n, card.RevokedListFile, dir)
	return nil
}

// rotateCSCAOptions makes a new CSCA's options from the current one's
// subject.
func rotateCSCAOptions(ctx context.Context, c *cli.Command, db *store.DB) (pki.InitOptions, error) {
	certs, err := db.Certificates(ctx)
	if err != nil {
		return pki.InitOptions{}, err
	}
	now := time.Now()
	old, err := pki.CurrentCSCA(certs, now)
	if err != nil {
		return pki.InitOptions{}, err
	}
	first := func(v []string) string {
		if len(v) == 0 {
			return ""
		}
		return v[0]
	}
	return pki.InitOptions{
		CSCA: pki.CSCAOptions{Country: first(old.Subject.Country), Organisation: first(old.Subject.Organization),
			CommonName: old.Subject.CommonName, Curve: "P-384", Validity: time.Duration(c.Int("years")) * 365 * 24 * time.Hour, Now: now},
		SignerCurve: c.String("curve"), SignerValidity: 90 * 24 * time.Hour, QRValidity: 30 * 24 * time.Hour,
	}, nil
}
