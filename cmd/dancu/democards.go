package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/card"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/pki"
	"github.com/dancu-vn/dancu/internal/register"
)

// setupDemoCards makes the demo's card PKI once, as `dancu pki init`
// does (the CSCA's key in DATA/pki), and issues a chip ID card to the
// level-2 demo citizen, through the lifecycle officers use: a province
// officer receives the application, a second one approves, personalises
// and issues it. It returns the card's number, or "" when the citizen has
// one already.
func setupDemoCards(ctx context.Context, a *app, dataDir string, citizens []demoCitizen) (string, error) {
	now := time.Now()
	_, _, err := pki.Init(ctx, a.db, pki.KeyDir{Path: filepath.Join(dataDir, "pki")}, pki.InitOptions{
		CSCA: pki.CSCAOptions{Country: "VN", Organisation: card.DefaultIssuer, CommonName: "CSCA Việt Nam (demo)",
			Curve: "P-384", Validity: 15 * 365 * 24 * time.Hour, Now: now},
		SignerCurve: "P-256", SignerValidity: 90 * 24 * time.Hour, QRValidity: 30 * 24 * time.Hour,
	})
	if err != nil && !apperr.Is(err, apperr.Conflict) { // Conflict: made on an earlier start
		return "", fmt.Errorf("demo PKI: %w", err)
	}
	a.server.PKI.Forget()
	var holder string
	for _, c := range citizens {
		if c.Level == eid.Level2 {
			holder = c.IDNumber
		}
	}
	if holder == "" {
		return "", nil
	}
	p, err := a.db.Person(ctx, holder)
	if err != nil {
		return "", err
	}
	if p.IDCard != nil {
		return "", nil
	}
	approver := auth.Officer{Username: "demo-card-approver", FullName: "Lãnh đạo Phòng Cảnh sát QLHC về TTXH (demo)",
		Role: auth.RoleRegistrar, UnitLevel: auth.LevelProvince, UnitCode: p.Permanent.Province}
	if err := a.db.CreateOfficer(ctx, &approver); err != nil && !apperr.Is(err, apperr.Conflict) {
		return "", err
	}
	clerk := auth.Actor{ID: "demo-province", Role: auth.RoleRegistrar, UnitLevel: auth.LevelProvince,
		UnitCode: p.Permanent.Province, Purpose: "demo_setup"}
	boss := auth.ActorFor(&approver)
	boss.Purpose = "demo_setup"
	legal := register.LegalBasis{DocumentNo: "DEMO-CCCD", DocumentDate: register.Date(time.Now().Format(time.DateOnly)),
		Issuer: "Công an tỉnh (demo)"}
	c, err := a.server.Cards.Apply(ctx, clerk, holder, card.Request{Type: card.First, Legal: legal})
	if err != nil {
		return "", fmt.Errorf("demo card: %w", err)
	}
	for _, step := range []func(context.Context, auth.Actor, string, card.Request) (*card.Card, error){
		a.server.Cards.Approve, a.server.Cards.Personalise, a.server.Cards.Issue} {
		if c, err = step(ctx, boss, c.ID, card.Request{Legal: legal}); err != nil {
			return "", fmt.Errorf("demo card: %w", err)
		}
	}
	return c.ID, nil
}
