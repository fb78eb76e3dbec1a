package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/card"
	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/pki"
)

// cardRoutes mounts the chip ID cards: the published certificates and
// verification (public), officers' lifecycle steps and due renewals, the
// citizen's card and identity QR, and partners' check-in verification.
// See docs/cards.md.
func (s *Server) cardRoutes(mux *http.ServeMux) {
	if s.Cards == nil {
		return
	}
	// Public: what offline verifiers download, and verification.
	mux.HandleFunc("GET /api/v1/pki/certificates", s.handlePKICertificates)
	mux.HandleFunc("GET /api/v1/pki/certificates.pem", s.handlePKIBundle)
	mux.HandleFunc("GET /api/v1/pki/crl", s.handlePKICRL)
	mux.HandleFunc("GET /api/v1/pki/revoked-cards", s.handleRevokedCards)
	mux.HandleFunc("POST /api/v1/cards/verify", s.handleCardVerify)

	// Officers.
	mux.Handle("POST /api/v1/persons/{id}/cards", s.authed(s.idempotent(s.handleCardApply)))
	mux.Handle("GET /api/v1/persons/{id}/cards", s.authed(s.handleCardList))
	mux.Handle("GET /api/v1/cards/due", s.authed(s.handleCardsDue))
	mux.Handle("GET /api/v1/cards/due/summary", s.authed(s.handleCardsDueSummary))
	mux.Handle("GET /api/v1/cards/{card}", s.authed(s.handleCardGet))
	mux.Handle("GET /api/v1/cards/{card}/chip", s.authed(s.handleCardChip))
	mux.Handle("POST /api/v1/cards/{card}/{step}", s.authed(s.idempotent(s.handleCardStep)))

	// Citizens and partners: check-in with an identity QR (checkin.go).
	mux.Handle("GET /api/v1/eid/me/card", s.citizen(s.handleMyCard))
	mux.Handle("POST /api/v1/eid/me/identity-qr", s.citizen(s.handleIdentityQR))
	if s.Checkin != nil {
		mux.Handle("POST /api/v1/checkin/verify", s.partnerAuth(oidc.ScopeCheckin, s.handleCheckinVerify))
	}
}

// handleCardApply answers POST /api/v1/persons/{id}/cards: an application.
func (s *Server) handleCardApply(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := idnum.Parse(id); err != nil {
		writeError(w, r, err)
		return
	}
	var req card.Request
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	c, err := s.Cards.Apply(r.Context(), actor(r), id, req)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/cards/"+c.ID)
	writeJSON(w, http.StatusCreated, c)
}

// handleCardList answers GET /api/v1/persons/{id}/cards.
func (s *Server) handleCardList(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := idnum.Parse(id); err != nil {
		writeError(w, r, err)
		return
	}
	cs, err := s.Cards.List(r.Context(), actor(r), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if cs == nil {
		cs = []*card.Card{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"cards": cs})
}

// handleCardGet answers GET /api/v1/cards/{card}.
func (s *Server) handleCardGet(w http.ResponseWriter, r *http.Request) {
	c, err := s.Cards.Get(r.Context(), actor(r), r.PathValue("card"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// handleCardChip answers GET /api/v1/cards/{card}/chip: the chip file
// (dancu-chip/1) to write to the chip, or to verify.
func (s *Server) handleCardChip(w http.ResponseWriter, r *http.Request) {
	c, err := s.Cards.Get(r.Context(), actor(r), r.PathValue("card"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	if c.Chip == nil {
		writeError(w, r, apperr.E(apperr.NotFound, "the card is not personalised yet"))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, c.Chip)
}

// handleCardStep answers POST /api/v1/cards/{card}/{step}: approve,
// reject, personalise, issue, loss or revoke.
func (s *Server) handleCardStep(w http.ResponseWriter, r *http.Request) {
	var step func(context.Context, auth.Actor, string, card.Request) (*card.Card, error)
	switch r.PathValue("step") {
	case "approve":
		step = s.Cards.Approve
	case "reject":
		step = s.Cards.Reject
	case "personalise":
		step = s.Cards.Personalise
	case "issue":
		step = s.Cards.Issue
	case "loss":
		step = s.Cards.ReportLost
	case "revoke":
		step = s.Cards.Revoke
	default:
		writeError(w, r, notFoundRoute)
		return
	}
	var req card.Request
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	c, err := step(r.Context(), actor(r), r.PathValue("card"), req)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// dueFilter reads ?commune=&province=&before=&limit=&cursor=.
func dueFilter(r *http.Request) (card.DueFilter, error) {
	q := r.URL.Query()
	f := card.DueFilter{Commune: q.Get("commune"), Province: q.Get("province"), Before: q.Get("before"), After: q.Get("cursor")}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return f, apperr.Field(apperr.Invalid, "limit", "limit is a positive number")
		}
		f.Limit = n
	}
	return f, nil
}

// handleCardsDue answers GET /api/v1/cards/due: valid cards of a commune
// or province expiring on or before a date, with a cursor.
func (s *Server) handleCardsDue(w http.ResponseWriter, r *http.Request) {
	f, err := dueFilter(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	due, err := s.Cards.Due(r.Context(), actor(r), f)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := map[string]any{"cards": due}
	if f.Limit == 0 {
		f.Limit = 100
	}
	if len(due) == f.Limit {
		last := due[len(due)-1]
		out["next_cursor"] = string(last.ExpiryDate) + "," + last.IDNumber
	}
	writeJSON(w, http.StatusOK, out)
}

// handleCardsDueSummary answers GET /api/v1/cards/due/summary: counts by
// commune, no personal data.
func (s *Server) handleCardsDueSummary(w http.ResponseWriter, r *http.Request) {
	f, err := dueFilter(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	counts, err := s.Cards.DueSummary(r.Context(), actor(r), f)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"communes": counts})
}

// verifyRequest is what a verifier sends: a scanned QR (seal or identity
// QR), optionally the printed QR beside it, or a chip file.
type verifyRequest struct {
	QR        string          `json:"qr,omitempty"`
	PrintedQR string          `json:"printed_qr,omitempty"`
	Chip      json.RawMessage `json:"chip,omitempty"`
}

// handleCardVerify answers POST /api/v1/cards/verify (public): the
// verification result, as offline, with the register's revocations.
func (s *Server) handleCardVerify(w http.ResponseWriter, r *http.Request) {
	var req verifyRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	input := strings.TrimSpace(req.PrintedQR + "\n" + req.QR)
	if len(req.Chip) > 0 {
		input = string(req.Chip)
	}
	if input == "" {
		writeError(w, r, apperr.Field(apperr.Invalid, "qr", "send qr (and printed_qr), or chip"))
		return
	}
	a := auth.Actor{ID: "anonymous", Role: "public", Purpose: auth.Declared(r.Header.Get("X-Purpose"))}
	a.RequestID, _ = r.Context().Value(requestIDKey{}).(string)
	res, err := s.Cards.VerifyOnline(r.Context(), a, input)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, res)
}

// handlePKICertificates answers GET /api/v1/pki/certificates: the
// published certificates with their status, PEM included.
func (s *Server) handlePKICertificates(w http.ResponseWriter, r *http.Request) {
	certs, current, err := s.PKI.Certificates(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	type published struct {
		*pki.Certificate
		Status string `json:"status"`
		PEM    string `json:"pem"`
	}
	out := []published{}
	now := s.Now()
	for _, c := range certs {
		out = append(out, published{c, c.Status(now, current[c.Serial]), string(pki.PEMBundle([]*pki.Certificate{c}))})
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	writeJSON(w, http.StatusOK, map[string]any{"certificates": out})
}

// handlePKIBundle answers GET /api/v1/pki/certificates.pem.
func (s *Server) handlePKIBundle(w http.ResponseWriter, r *http.Request) {
	certs, _, err := s.PKI.Certificates(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Write(pki.PEMBundle(certs))
}

// handlePKICRL answers GET /api/v1/pki/crl: the CSCA's latest CRL (DER).
func (s *Server) handlePKICRL(w http.ResponseWriter, r *http.Request) {
	crl, err := s.PKI.Store.LatestCRL(r.Context())
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			err = apperr.E(apperr.NotFound, "no CRL issued yet: an operator runs `dancu pki crl`")
		}
		writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Write(crl.DER)
}

// revokedCache keeps the signed list of revoked cards for a few seconds:
// it is signed on demand, and verifiers poll it.
type revokedCache struct {
	mu  sync.Mutex
	at  time.Time
	der []byte
}

const revokedCacheTTL = 10 * time.Second

// handleRevokedCards answers GET /api/v1/pki/revoked-cards: the signed
// list of revoked cards (CMS, DER).
func (s *Server) handleRevokedCards(w http.ResponseWriter, r *http.Request) {
	s.revoked.mu.Lock()
	defer s.revoked.mu.Unlock()
	if now := s.Now(); s.revoked.der == nil || now.Sub(s.revoked.at) > revokedCacheTTL || now.Before(s.revoked.at) {
		der, err := s.Cards.RevokedList(r.Context())
		if err != nil {
			writeError(w, r, err)
			return
		}
		s.revoked.der, s.revoked.at = der, now
	}
	w.Header().Set("Content-Type", "application/pkcs7-mime")
	w.Header().Set("Cache-Control", "public, max-age=10")
	w.Write(s.revoked.der)
}
