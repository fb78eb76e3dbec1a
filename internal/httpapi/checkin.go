package httpapi

import (
	"net/http"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// handleMyCard answers GET /api/v1/eid/me/card: the citizen's own card
// (the latest issued), with its printed QR and seal.
func (s *Server) handleMyCard(w http.ResponseWriter, r *http.Request) {
	c, err := s.Cards.Mine(r.Context(), citizenOf(r).account.IDNumber)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, c)
}

// handleIdentityQR answers POST /api/v1/eid/me/identity-qr: a signed
// identity QR valid for two minutes, for level-2 accounts. The body may
// name the fields to carry: {"fields":["full_name","birth_date"]}.
func (s *Server) handleIdentityQR(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Fields []string `json:"fields"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &in); err != nil {
			writeError(w, r, err)
			return
		}
	}
	acct := citizenOf(r).account
	qr, err := s.Cards.IdentityQR(r.Context(), acct.IDNumber, int(acct.Level), in.Fields)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeSecret(w, http.StatusCreated, qr)
}

// handleCheckinVerify answers POST /api/v1/checkin/verify: a partner
// (scope checkin.verify) checks an identity QR under its declared purpose
// and receives the fields its policy allows.
func (s *Server) handleCheckinVerify(w http.ResponseWriter, r *http.Request) {
	var in struct {
		QR string `json:"qr"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if in.QR == "" {
		writeError(w, r, apperr.Field(apperr.Invalid, "qr", "qr is the scanned identity QR"))
		return
	}
	res, err := s.Checkin.Verify(r.Context(), actor(r), in.QR)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, res)
}
