package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/card"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

// TestWeb_Card: a citizen without a card is told how to get one; once one
// is issued (through the officers' four-eyes lifecycle) the page shows it
// valid with its serial and both QR codes, then revoked after a loss.
func TestWeb_Card(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 100)
		e.InitPKI()
		p := e.Living(0)
		e.Citizen(p, "0912000092")
		b := newBrowser(t, e)
		b.loginCitizen(e, p, "0912000092")
		if st, body := b.get("/app/card"); st != 200 || !strings.Contains(body, "chưa được cấp thẻ căn cước") {
			t.Fatalf("no card = %d\n%s", st, excerpt(body))
		}

		cards := e.API.Cards
		receiver := auth.Actor{ID: "card-recv", Role: auth.RoleRegistrar, UnitLevel: auth.LevelProvince, UnitCode: "46"}
		approver := auth.Actor{ID: "card-appr", Role: auth.RoleRegistrar, UnitLevel: auth.LevelProvince, UnitCode: "46"}
		req := card.Request{Type: card.First, Legal: register.LegalBasis{DocumentNo: "CC01", DocumentDate: "2026-01-05", Issuer: "Công an tỉnh"}}
		ctx := context.Background()
		c, err := cards.Apply(ctx, receiver, p.IDNumber, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, step := range []func(context.Context, auth.Actor, string, card.Request) (*card.Card, error){cards.Approve, cards.Personalise} {
			if _, err := step(ctx, approver, c.ID, req); err != nil {
				t.Fatal(err)
			}
		}
		if c, err = cards.Issue(ctx, receiver, c.ID, req); err != nil {
			t.Fatal(err)
		}
		st, body := b.get("/app/card")
		if st != 200 || !strings.Contains(body, "Còn hiệu lực") || !strings.Contains(body, c.Serial) ||
			strings.Count(body, `src="data:image/png;base64,`) != 2 {
			t.Fatalf("issued card = %d\n%s", st, excerpt(body))
		}
		if _, err := cards.ReportLost(ctx, receiver, c.ID, card.Request{Reason: "lost", Legal: req.Legal}); err != nil {
			t.Fatal(err)
		}
		if _, body = b.get("/app/card?lang=en"); !strings.Contains(body, "Revoked or cancelled") {
			t.Fatalf("after the loss:\n%s", excerpt(body))
		}
	})
}
