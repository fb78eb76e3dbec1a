package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/seed"
	"github.com/dancu-vn/dancu/internal/sharing"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/units"
	"github.com/dancu-vn/dancu/internal/web"
)

// demoFile is what `dancu demo` writes to DATA/demo.json so that scripts
// and tests can find the server and its demo accounts.
type demoFile struct {
	BaseURL  string        `json:"base_url"`
	Engine   string        `json:"engine"`
	Province string        `json:"province"`
	Persons  int64         `json:"persons"`
	Officers []demoOfficer `json:"officers"`
	// Operator is an admin: it reads the development SMS outbox.
	Operator demoOfficer   `json:"operator"`
	Citizens []demoCitizen `json:"citizens"`
	// Partner is a demo organisation's client of the partner APIs.
	Partner demoPartner `json:"partner"`
}

// demoPartner is a client-credentials client of a demo telco, with a
// sharing policy for one purpose.
type demoPartner struct {
	Organisation string   `json:"organisation_id"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	Scopes       []string `json:"scopes"`
	Purpose      string   `json:"purpose"`
}

// setupDemoPartner registers (once) the demo telco's client and policy, and
// gives the client a fresh secret.
func setupDemoPartner(ctx context.Context, a *app) (demoPartner, error) {
	p := demoPartner{Organisation: "demo-telco", ClientID: "demo-telco-api", Purpose: "subscriber_registration",
		Scopes: []string{oidc.ScopeVerify, oidc.ScopeVerifyBulk, oidc.ScopePersons, oidc.ScopeSubscribe}}
	s := a.server.OIDC.Store()
	if _, err := s.OIDCClient(ctx, p.ClientID); apperr.Is(err, apperr.NotFound) {
		c := &oidc.Client{ID: p.ClientID, Name: "Nhà mạng thử nghiệm (demo)", OrgID: p.Organisation,
			GrantTypes: []string{oidc.GrantClientCredentials}, Scopes: p.Scopes}
		if _, err := oidc.RegisterClient(ctx, s, c, time.Now()); err != nil {
			return p, err
		}
	} else if err != nil {
		return p, err
	}
	secret, err := oidc.RotateClientSecret(ctx, s, p.ClientID)
	if err != nil {
		return p, err
	}
	p.ClientSecret = secret
	if _, err := a.db.SharingPolicy(ctx, p.Organisation, p.Purpose); apperr.Is(err, apperr.NotFound) {
		pol := &sharing.Policy{ID: "pol_demo_telco", OrgID: p.Organisation, Purpose: p.Purpose,
			Description: "Đối chiếu thông tin thuê bao di động",
			Legal:       sharing.LegalBasis{DocumentNo: "163/2024/NĐ-CP", DocumentDate: "2024-12-24", Issuer: "Chính phủ"},
			Fields:      []string{"full_name", "birth_date", "status"}, EventTypes: []string{"death"}, CreatedAt: time.Now()}
		if err := a.db.CreateSharingPolicy(ctx, pol); err != nil {
			return p, err
		}
	} else if err != nil {
		return p, err
	}
	return p, nil
}

// demoCitizen is a demo e-ID account of a seeded living adult.
type demoCitizen struct {
	IDNumber string    `json:"id_number"`
	FullName string    `json:"full_name"`
	Phone    string    `json:"phone"`
	Passcode string    `json:"passcode"`
	Level    eid.Level `json:"level"`
}

type demoOfficer struct {
	Username  string     `json:"username"`
	FullName  string     `json:"full_name"`
	Role      string     `json:"role"`
	UnitLevel auth.Level `json:"unit_level"`
	UnitCode  string     `json:"unit_code"`
	UnitName  string     `json:"unit_name"`
	Token     string     `json:"token"`
	// Password and TOTPSecret log the officer in at POST
	// /api/v1/officer/sessions (with a TOTP code of the secret).
	Password   string `json:"password,omitempty"`
	TOTPSecret string `json:"totp_secret,omitempty"`
}

// demoOfficerPassword is every demo officer's password.
const demoOfficerPassword = "Dancu-Demo-2026!"

// enrollDemoOfficers gives the demo officers a password and a fresh TOTP
// secret each start.
func enrollDemoOfficers(ctx context.Context, a *app, os ...*demoOfficer) error {
	for _, o := range os {
		secret, _, err := a.server.Officers.Enroll(ctx, o.Username, demoOfficerPassword)
		if err != nil {
			return err
		}
		o.Password, o.TOTPSecret = demoOfficerPassword, secret
	}
	return nil
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
			// A demo's fees are paid through the sandbox bank.
			if err := a.server.Portal.EnableSandbox(ctx); err != nil {
				return err
			}
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
			// The data-quality queue the demo officers review: scanned once,
			// on the first start (`dancu quality scan` scans again).
			if sums, err := a.db.Summaries(ctx, province); err != nil {
				return err
			} else if len(sums) == 0 {
				if _, err := a.server.Quality.Scan(ctx, province); err != nil {
					return err
				}
			}
			officers, err := demoOfficers(ctx, a.db, province)
			if err != nil {
				return err
			}
			operator, err := demoOperator(ctx, a.db)
			if err != nil {
				return err
			}
			citizens, err := demoCitizens(ctx, a, province, officers[1])
			if err != nil {
				return err
			}
			if err := enrollDemoOfficers(ctx, a, &officers[0], &officers[1], &officers[2], &officers[3], &operator); err != nil {
				return err
			}
			ln, err := a.listen()
			if err != nil {
				return err
			}
			rp, err := setupDemoRP(ctx, a, "http://"+ln.Addr().String())
			if err != nil {
				return err
			}
			a.extra = map[string]http.Handler{demoRPPath: rp.Handler(), demoRPPath + "/": rp.Handler()}
			partner, err := setupDemoPartner(ctx, a)
			if err != nil {
				return err
			}
			if _, err := setupDemoCards(ctx, a, cfg.DataDir, citizens); err != nil {
				return err
			}
			setupDemoBusiness(ctx, a, province, citizens) // the demo hotel: demo_business.go
			// The dashboard's figures, counted once the demo's people, accounts
			// and cards exist (the server's own snapshot at start came first).
			if _, err := a.server.Dashboard.Snapshot(ctx); err != nil {
				return err
			}
			df := demoFile{BaseURL: "http://" + ln.Addr().String(), Engine: string(a.db.Engine), Province: province, Persons: n,
				Officers: officers, Operator: operator, Citizens: citizens, Partner: partner}
			if err := writeDemoFile(cfg.DataDir, df); err != nil {
				return err
			}
			if ui := a.server.WebUI(); ui != nil {
				ui.SetDemo(webDemo(df)) // the home page lists the demo accounts
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

// demoOperator creates (once) the demo admin, who manages officers and,
// on a demo, reads the one-time codes in the development SMS outbox.
func demoOperator(ctx context.Context, db *store.DB) (demoOfficer, error) {
	o := auth.Officer{Username: "demo-operator", FullName: "Quản trị viên hệ thống", Role: auth.RoleAdmin, UnitLevel: auth.LevelCentral}
	if err := db.CreateOfficer(ctx, &o); err != nil && !apperr.Is(err, apperr.Conflict) {
		return demoOfficer{}, err
	}
	_, clear, err := db.IssueToken(ctx, o.Username, "demo", 30*24*time.Hour)
	if err != nil {
		return demoOfficer{}, err
	}
	return demoOfficer{Username: o.Username, FullName: o.FullName, Role: o.Role, UnitLevel: o.UnitLevel,
		UnitName: "Trung ương", Token: clear}, nil
}

// demoPasscodes are the demo accounts' passcodes, tried in turn until one
// is not weak for the person (not his birth date, say).
var demoPasscodes = []string{"246813", "357924", "468035", "579146"}

// demoCitizens creates (once) two e-ID accounts of seeded living adults of
// the province, the way citizens and officers do: a level-1 account
// registered with its SMS code, and a level-2 account attested by the
// province officer. The codes go to a sender of this function's own, so
// they never reach the outbox or the gateway.
func demoCitizens(ctx context.Context, a *app, province string, officer demoOfficer) ([]demoCitizen, error) {
	ps, err := a.db.SearchPersons(ctx, register.Filter{Province: province, Status: register.Living, Limit: 200})
	if err != nil {
		return nil, err
	}
	codes := &capturedSMS{}
	provision := eid.New(a.db, codes, a.reg, eid.Options{Log: a.log})
	actor := auth.Actor{ID: officer.Username, Role: officer.Role, UnitLevel: officer.UnitLevel, UnitCode: officer.UnitCode,
		Purpose: "demo_setup"}
	var out []demoCitizen
	for _, p := range ps {
		if len(out) == 2 {
			break
		}
		age := time.Now().Year() - p.BirthDate.Year()
		if p.BirthDate.Partial() || age < 18 || age > 80 {
			continue
		}
		c := demoCitizen{IDNumber: p.IDNumber, FullName: p.FullName, Phone: fmt.Sprintf("09110000%02d", len(out)+1), Level: eid.Level(len(out) + 1)}
		for _, pc := range demoPasscodes {
			if eid.CheckPasscode(pc, p.BirthDate, p.IDNumber, c.Phone) == nil {
				c.Passcode = pc
				break
			}
		}
		acct, err := provision.AccountByIDNumber(ctx, p.IDNumber)
		if apperr.Is(err, apperr.NotFound) {
			acct, err = demoRegister(ctx, provision, codes, p, c)
		}
		if err != nil {
			return nil, fmt.Errorf("demo e-ID account: %w", err)
		}
		c.Phone = acct.Phone
		if c.Level == eid.Level2 && acct.Level < eid.Level2 {
			_, err := provision.UpgradeLevel2(ctx, actor, p.IDNumber, eid.Attestation{ChipRead: true, FaceMatch: true,
				Document: p.IDNumber, Note: "demo account"})
			if err != nil {
				return nil, fmt.Errorf("demo level 2: %w", err)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// demoRegister registers a level-1 account through the e-ID service.
func demoRegister(ctx context.Context, s *eid.Service, codes *capturedSMS, p *register.Person, c demoCitizen) (*eid.Account, error) {
	ch, err := s.StartRegistration(ctx, eid.RegistrationRequest{IDNumber: p.IDNumber, FullName: p.FullName,
		BirthDate: string(p.BirthDate), Phone: c.Phone}, eid.Client{})
	if err != nil {
		return nil, err
	}
	return s.CompleteRegistration(ctx, ch.ID, codes.last, c.Passcode, eid.Client{})
}

// capturedSMS keeps the last code sent, for demoCitizens only.
type capturedSMS struct{ last string }

// Send implements sms.Sender.
func (c *capturedSMS) Send(_ context.Context, _, text string) error {
	c.last = demoCode.FindString(text)
	return nil
}

var demoCode = regexp.MustCompile(`\b[0-9]{6}\b`)

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

// webDemo is what the web UI's home page shows of the demo accounts.
func webDemo(df demoFile) *web.Demo {
	d := &web.Demo{}
	for _, o := range append(slices.Clone(df.Officers), df.Operator) {
		d.Officers = append(d.Officers, web.DemoOfficer{Username: o.Username, FullName: o.FullName, Role: o.Role,
			UnitName: o.UnitName, Password: o.Password, TOTPSecret: o.TOTPSecret})
	}
	for _, c := range df.Citizens {
		d.Citizens = append(d.Citizens, web.DemoCitizen{IDNumber: c.IDNumber, FullName: c.FullName, Phone: c.Phone,
			Passcode: c.Passcode, Level: int(c.Level)})
	}
	return d
}

func printDemo(df demoFile, path string) {
	fmt.Printf("\ndancu demo — %d synthetic persons of province %s on %s\n\n", df.Persons, df.Province, df.Engine)
	fmt.Printf("  Open in a browser: %s/   (every area and the demo accounts)\n", df.BaseURL)
	fmt.Printf("    citizen app %s/app/  ·  public services %s/app/services  ·  officer console %s/officer/\n", df.BaseURL, df.BaseURL, df.BaseURL)
	fmt.Printf("    accommodation %s/business/ (the level-2 citizen represents the demo hotel; fees are paid through the sandbox bank)\n\n", df.BaseURL)
	fmt.Printf("  API:      %s/api/v1/\n  Health:   %s/healthz\n  Metrics:  %s/metrics\n", df.BaseURL, df.BaseURL, df.BaseURL)
	fmt.Printf("  OpenID:   %s/.well-known/openid-configuration\n", df.BaseURL)
	fmt.Printf("  Log in to a demo service with a demo citizen below: %s/demo/rp\n\n", df.BaseURL)
	fmt.Println("  Demo officers (bearer tokens valid 30 days):")
	for _, o := range df.Officers {
		fmt.Printf("    %-14s %-10s %-8s %s\n      token: %s\n", o.Username, o.Role, o.UnitLevel, o.UnitName, o.Token)
	}
	fmt.Printf("    %-14s %-10s %-8s reads one-time codes: GET /api/v1/dev/sms?phone=…\n      token: %s\n",
		df.Operator.Username, df.Operator.Role, df.Operator.UnitLevel, df.Operator.Token)
	fmt.Println("\n  Demo citizens (e-ID accounts; log in at POST /api/v1/eid/login, see docs/eid.md):")
	for _, c := range df.Citizens {
		fmt.Printf("    level %d  %s  %-28s phone %s  passcode %s\n", c.Level, c.IDNumber, c.FullName, c.Phone, c.Passcode)
	}
	fmt.Printf("\n  Try:\n    curl -H 'Authorization: Bearer %s' '%s/api/v1/persons?name=Nguyen%%20Van&limit=5'\n\n",
		df.Officers[1].Token, df.BaseURL)
	fmt.Printf("  Demo partner (a telco; eKYC, bulk jobs, policy-bound reads, notifications):\n    client %s  secret %s\n\n",
		df.Partner.ClientID, df.Partner.ClientSecret)
	fmt.Printf("  Chip ID cards: the level-2 demo citizen holds one, signed by the demo CSCA (key in DATA/pki);\n" +
		"    see GET /api/v1/persons/{id}/cards, verify with POST /api/v1/cards/verify or `dancu card verify` (docs/cards.md)\n\n")
	fmt.Printf("  Everything above is also in %s. Stop with Ctrl-C.\n\n", path)
}
