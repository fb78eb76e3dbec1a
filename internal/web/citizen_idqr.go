package web

import (
	"html/template"
	"net/http"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/card"
)

// idQRPage is the identity QR for check-in (a domestic flight, a hotel):
// the fields to carry, then the signed QR.
type idQRPage struct {
	Page
	Fields     []string // what a QR may carry
	QR         template.URL
	Text       string
	ValidUntil time.Time
	Level2     bool
}

// handleIdentityQRPage answers GET /app/identity-qr.
func (u *UI) handleIdentityQRPage(w http.ResponseWriter, r *http.Request) {
	if u.svc.Cards == nil {
		u.handleNotFound(w, r)
		return
	}
	p := &idQRPage{Page: u.page(w, r, "app", "title.identity_qr"), Fields: card.IdentityFields,
		Level2: citizenFrom(r).account.Level >= 2}
	u.render(w, r, http.StatusOK, "identity_qr", p)
}

// handleIdentityQRSubmit answers POST /app/identity-qr: signs a
// short-lived QR with the ticked fields (card.Service.IdentityQR, level 2
// only) and shows it once, not cached.
func (u *UI) handleIdentityQRSubmit(w http.ResponseWriter, r *http.Request) {
	if u.svc.Cards == nil {
		u.handleNotFound(w, r)
		return
	}
	c := citizenFrom(r)
	p := &idQRPage{Page: u.page(w, r, "app", "title.identity_qr"), Fields: card.IdentityFields, Level2: c.account.Level >= 2}
	qr, err := u.svc.Cards.IdentityQR(r.Context(), c.account.IDNumber, int(c.account.Level), r.PostForm["field"])
	if err != nil {
		if apperr.Code(err) == apperr.Invalid {
			p.fail("", p.T("err.invalid"))
		} else {
			p.failErr(err)
		}
		u.render(w, r, http.StatusUnprocessableEntity, "identity_qr", p)
		return
	}
	p.Text, p.ValidUntil, p.QR = qr.QR, qr.ValidUntil, qrDataURL(qr.QR)
	u.render(w, r, http.StatusOK, "identity_qr", p)
}
