package web

import (
	"html/template"
	"net/http"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/card"
	"github.com/dancu-vn/dancu/internal/register"
)

// cardPage is the citizen's own chip ID card.
type cardPage struct {
	Page
	Card     *card.Card // nil: none issued yet
	Status   string     // valid, expired or revoked
	SealQR   template.URL
	PrintQR  template.URL
	Birth    register.Date
	Renewals []string // the ages at which the card is replaced, still ahead
}

// renewalAges are the ages at which the Law on Identification (2023,
// art. 21) has the card replaced.
var renewalAges = []int{14, 25, 40, 60}

// handleCard answers GET /app/card: the citizen's card as the register
// holds it — number, serial, dates, issuer, status — with its signed seal
// (verifiable offline with the published certificates) and its printed
// QR. The subject reads his own card: not logged.
func (u *UI) handleCard(w http.ResponseWriter, r *http.Request) {
	c := citizenFrom(r)
	p := &cardPage{Page: u.page(w, r, "app", "title.card")}
	mine, err := u.svc.Cards.Mine(r.Context(), c.account.IDNumber)
	switch {
	case apperr.Is(err, apperr.NotFound):
	case err != nil:
		u.renderServiceError(w, r, err)
		return
	default:
		p.Card = mine
		p.SealQR, p.PrintQR = qrDataURL(mine.Seal), qrDataURL(mine.PrintedQR)
		switch {
		case mine.Status != card.Issued:
			p.Status = "revoked" // Mine returns only cards once issued
		case mine.Expired(register.Today(u.now())):
			p.Status = "expired"
		default:
			p.Status = "valid"
		}
	}
	if person, err := u.svc.Register.ForSubject(r.Context(), c.account.IDNumber); err == nil {
		p.Birth = person.BirthDate
		year, now := person.BirthDate.Year(), register.Date(register.Today(u.now())).Year()
		for _, age := range renewalAges {
			if year+age >= now {
				p.Renewals = append(p.Renewals, p.T("card.renew_at", age, year+age))
			}
		}
	}
	u.render(w, r, http.StatusOK, "card", p)
}
