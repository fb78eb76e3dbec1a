package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/dancu-vn/dancu/internal/card"
	"github.com/dancu-vn/dancu/internal/pki"
)

// Exit statuses of `dancu card verify`, one per result.
var verifyExit = map[string]int{
	card.ResultValid: 0, card.ResultTampered: 2, card.ResultUnknownSigner: 3, card.ResultSignerRevoked: 4,
	card.ResultExpired: 5, card.ResultRevoked: 6, card.ResultMalformed: 7, card.ResultUnsigned: 8,
}

// cardCommand verifies chip ID cards and QR codes offline.
func cardCommand() *cli.Command {
	return &cli.Command{
		Name:  "card",
		Usage: "chip ID cards: verify a card's chip data or QR codes offline",
		Commands: []*cli.Command{
			{
				Name: "verify",
				Usage: "verify a chip file (dancu-chip/1 JSON), a seal or identity QR (DCS1:…), or a printed QR and its seal, " +
					"with only the published certificates; exit 0 valid, 2 tampered, 3 unknown signer, 4 signer revoked, " +
					"5 expired, 6 revoked, 7 malformed, 8 unsigned",
				ArgsUsage: "FILE|QR-TEXT [QR-TEXT]",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "certs", Required: true, Usage: "folder of published certificates, CRLs and revoked-cards.p7s (`dancu pki export`)"},
					&cli.StringFlag{Name: "at", Usage: "verify as of this instant (RFC 3339) or date (YYYY-MM-DD) instead of now"},
					&cli.BoolFlag{Name: "json", Usage: "print the result as JSON"},
				},
				Action: func(ctx context.Context, c *cli.Command) error {
					if c.Args().Len() == 0 {
						return fmt.Errorf("usage: dancu card verify FILE|QR-TEXT [QR-TEXT] --certs DIR")
					}
					v, err := offlineVerifier(c.String("certs"), c.String("at"))
					if err != nil {
						return err
					}
					var parts []string
					for _, a := range c.Args().Slice() {
						if st, err := os.Stat(a); err == nil && st.Mode().IsRegular() {
							b, err := os.ReadFile(a)
							if err != nil {
								return err
							}
							a = string(b)
						}
						parts = append(parts, a)
					}
					res := v.Verify(ctx, strings.Join(parts, "\n"))
					printResult(res, c.Bool("json"))
					if code := verifyExit[res.Result]; code != 0 {
						return &exitError{code: code, msg: res.Result}
					}
					return nil
				},
			},
		},
	}
}

// offlineVerifier reads a certificates folder, with its list of revoked
// cards when it has one.
func offlineVerifier(dir, at string) (*card.Verifier, error) {
	trust, err := pki.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	v := &card.Verifier{Trust: trust}
	if at != "" {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			if t, err = time.Parse(time.DateOnly, at); err != nil {
				return nil, fmt.Errorf("--at is an RFC 3339 instant or a YYYY-MM-DD date")
			}
			t = t.Add(12 * time.Hour) // midday: the same date in Vietnam
		}
		v.Now = func() time.Time { return t }
	}
	if raw, ok := trust.Files[card.RevokedListFile]; ok {
		list, err := card.ParseRevokedList(raw, trust)
		if err != nil {
			return nil, err
		}
		v.Revocations = list
	}
	return v, nil
}

func printResult(r card.Result, asJSON bool) {
	if asJSON {
		b, _ := json.MarshalIndent(r, "", "  ")
		fmt.Fprintln(stdout, string(b))
		return
	}
	fmt.Fprintf(stdout, "result: %s\n%s\n", r.Result, r.Message)
	if r.Field != "" {
		fmt.Fprintf(stdout, "field: %s\n", r.Field)
	}
	if r.Document != "" {
		fmt.Fprintf(stdout, "document: %s (%s)\n", r.Document, r.Source)
	}
	if r.Signer != "" {
		fmt.Fprintf(stdout, "signer: %s\n", r.Signer)
	}
	if h := r.Holder; h != nil {
		fmt.Fprintf(stdout, "id_number: %s\nfull_name: %s\nbirth_date: %s\n", h.IDNumber, h.FullName, h.BirthDate)
		if h.Serial != "" {
			fmt.Fprintf(stdout, "serial: %s\nissue_date: %s\nexpiry_date: %s\n", h.Serial, h.IssueDate, orLife(string(h.ExpiryDate)))
		}
	}
	if r.ValidUntil != nil {
		fmt.Fprintf(stdout, "valid_until: %s\n", r.ValidUntil.Format(time.RFC3339))
	}
	fmt.Fprintf(stdout, "revocation_checked: %v\n", r.RevocationChecked)
}

func orLife(d string) string {
	if d == "" {
		return "none (valid for life)"
	}
	return d
}
