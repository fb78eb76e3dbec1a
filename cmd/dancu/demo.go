package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/seed"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/units"
)

// demoFile is what `dancu demo` writes to DATA/demo.json so that scripts
// and tests can find the server and its demo accounts.
type demoFile struct {
	BaseURL  string        `json:"base_url"`
	Engine   string        `json:"engine"`
	Province string        `json:"province"`
	Persons  int64         `json:"persons"`
	Officers []demoOfficer `json:"officers"`
}

type demoOfficer struct {
	Username  string     `json:"username"`
	FullName  string     `json:"full_name"`
	Role      string     `json:"role"`
	UnitLevel auth.Level `json:"unit_level"`
	UnitCode  string     `json:"unit_code"`
	UnitName  string     `json:"unit_name"`
	Token     string     `json:"token"`
}

func demoCommand() *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "serve an embedded database seeded with a synthetic province and demo accounts",
		Flags: []cli.Flag{
			addrFlag(),
			&cli.StringFlag{Name: "province", Value: "46", Usage: "province to seed (2025 code; 46 = Huế)"},
			&cli.IntFlag{Name: "people", Value: 20000, Usage: "persons to seed on first start"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed of the synthetic population"},
		},
		Action: withApp(func(ctx context.Context, c *cli.Command, a *app) error {
			cfg := a.cfg
			province := c.String("province")
			n, err := a.db.CountPersons(ctx)
			if err != nil {
				return err
			}
			if n == 0 {
				fmt.Fprintf(os.Stderr, "seeding %d synthetic persons of province %s…\n", c.Int("people"), province)
				res, err := seed.Run(ctx, a.db, seed.Options{Province: province, People: int(c.Int("people")), Seed: c.Uint64("seed"), Today: "2026-01-01"})
				if err != nil {
					return err
				}
				n = int64(res.Persons)
			}
			officers, err := demoOfficers(ctx, a.db, province)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", cfg.Addr)
			if err != nil {
				return fmt.Errorf("listen: %w", err)
			}
			df := demoFile{BaseURL: "http://" + ln.Addr().String(), Engine: string(a.db.Engine), Province: province, Persons: n, Officers: officers}
			if err := writeDemoFile(cfg.DataDir, df); err != nil {
				return err
			}
			printDemo(df, filepath.Join(cfg.DataDir, "demo.json"))
			return a.serve(ctx, ln)
		}),
	}
}

// demoOfficers creates (once) the demo accounts of a commune, the province
// and the centre, and issues each a fresh token.
func demoOfficers(ctx context.Context, db *store.DB, province string) ([]demoOfficer, error) {
	today := time.Now().Format(time.DateOnly)
	prov, ok := units.Find(province, units.Province, today)
	if !ok {
		return nil, fmt.Errorf("province %q is not valid today", province)
	}
	communes := units.CommunesOf(province, today)
	if len(communes) == 0 {
		return nil, fmt.Errorf("province %q has no communes", province)
	}
	commune := communes[0]
	accounts := []auth.Officer{
		{Username: "demo-commune", FullName: "Cán bộ Công an " + commune.FullName(), Role: auth.RoleRegistrar, UnitLevel: auth.LevelCommune, UnitCode: commune.Code},
		{Username: "demo-province", FullName: "Cán bộ Công an " + prov.FullName(), Role: auth.RoleRegistrar, UnitLevel: auth.LevelProvince, UnitCode: prov.Code},
		{Username: "demo-central", FullName: "Cán bộ Cục C06, Bộ Công an", Role: auth.RoleReader, UnitLevel: auth.LevelCentral},
		{Username: "demo-auditor", FullName: "Kiểm toán viên nhật ký truy cập", Role: auth.RoleAuditor, UnitLevel: auth.LevelCentral},
	}
	unitName := map[string]string{commune.Code: commune.FullName(), prov.Code: prov.FullName(), "": "Trung ương"}
	var out []demoOfficer
	for _, o := range accounts {
		o := o
		if err := db.CreateOfficer(ctx, &o); err != nil && !apperr.Is(err, apperr.Conflict) {
			return nil, err
		}
		_, clear, err := db.IssueToken(ctx, o.Username, "demo", 30*24*time.Hour)
		if err != nil {
			return nil, err
		}
		out = append(out, demoOfficer{Username: o.Username, FullName: o.FullName, Role: o.Role, UnitLevel: o.UnitLevel,
			UnitCode: o.UnitCode, UnitName: unitName[o.UnitCode], Token: clear})
	}
	return out, nil
}

func writeDemoFile(dir string, df demoFile) error {
	b, err := json.MarshalIndent(df, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	// The file holds bearer tokens: readable by its owner only.
	return os.WriteFile(filepath.Join(dir, "demo.json"), append(b, '\n'), 0o600)
}

func printDemo(df demoFile, path string) {
	fmt.Printf("\ndancu demo — %d synthetic persons of province %s on %s\n\n", df.Persons, df.Province, df.Engine)
	fmt.Printf("  API:      %s/api/v1/\n  Health:   %s/healthz\n  Metrics:  %s/metrics\n\n", df.BaseURL, df.BaseURL, df.BaseURL)
	fmt.Println("  Demo officers (bearer tokens valid 30 days):")
	for _, o := range df.Officers {
		fmt.Printf("    %-14s %-10s %-8s %s\n      token: %s\n", o.Username, o.Role, o.UnitLevel, o.UnitName, o.Token)
	}
	fmt.Printf("\n  Try:\n    curl -H 'Authorization: Bearer %s' '%s/api/v1/persons?name=Nguyen%%20Van&limit=5'\n\n",
		df.Officers[1].Token, df.BaseURL)
	fmt.Printf("  Everything above is also in %s. Stop with Ctrl-C.\n\n", path)
}
