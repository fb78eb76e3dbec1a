package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/residence"
	"github.com/dancu-vn/dancu/internal/units"
	"github.com/dancu-vn/dancu/internal/web"
)

// demoHotelNumber is the demo hotel's enterprise code.
const demoHotelNumber = "0109999001"

// setupDemoBusiness gives the level-2 demo citizen (once) a demo hotel
// to represent, with one establishment in the demo commune (the demo
// commune officer's), so that the web's business pages have something to
// declare stays for and the police's view something to show. It acts as
// the web pages do, through the e-ID and residence services. A failure
// is reported and the demo goes on: the hotel is an extra.
func setupDemoBusiness(ctx context.Context, a *app, province string, citizens []demoCitizen) {
	if err := demoBusiness(ctx, a, province, citizens); err != nil {
		fmt.Fprintf(os.Stderr, "demo hotel not set up: %v\n", err)
	}
}

func demoBusiness(ctx context.Context, a *app, province string, citizens []demoCitizen) error {
	if a.server.Residence == nil {
		return nil
	}
	var rep *eid.Account
	for _, c := range citizens {
		if c.Level == eid.Level2 {
			acct, err := a.eid.AccountByIDNumber(ctx, c.IDNumber)
			if err != nil {
				return fmt.Errorf("demo hotel: %w", err)
			}
			rep = acct
		}
	}
	if rep == nil {
		return nil
	}
	org, err := demoHotel(ctx, a.eid, rep.ID)
	if err != nil {
		return fmt.Errorf("demo hotel: %w", err)
	}
	actor := web.BusinessActor(rep.ID, org.ID)
	actor.Purpose = "demo_setup"
	es, err := a.server.Residence.Establishments(ctx, actor)
	if err != nil || len(es) > 0 {
		return err
	}
	communes := units.CommunesOf(province, time.Now().Format(time.DateOnly))
	if len(communes) == 0 {
		return fmt.Errorf("demo hotel: province %q has no communes", province)
	}
	_, err = a.server.Residence.CreateEstablishment(ctx, actor, residence.Establishment{Name: "Khách sạn Demo Sông Hương",
		Kind: "hotel", Commune: communes[0].Code, Address: "12 đường Lê Lợi"})
	return err
}

// demoHotel returns the demo hotel the account represents, creating it
// the first time.
func demoHotel(ctx context.Context, s *eid.Service, accountID string) (*eid.Organisation, error) {
	orgs, err := s.Organisations(ctx, accountID)
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		if o.RegistrationNumber == demoHotelNumber {
			return &o, nil
		}
	}
	return s.CreateOrganisation(ctx, accountID, eid.Organisation{RegistrationNumber: demoHotelNumber,
		Name: "Công ty TNHH Khách sạn Demo (thử nghiệm)", Kind: eid.OrgBusiness})
}
