package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/sharing"
)

// sharingRoutes mounts the policies (operators), the citizens' consents
// and the partners' policy-bound reads of persons.
func (s *Server) sharingRoutes(mux *http.ServeMux) {
	if s.Sharing == nil {
		return
	}
	mux.Handle("POST /api/v1/sharing/policies", s.authed(s.admin(s.idempotent(s.handlePolicyCreate))))
	mux.Handle("GET /api/v1/sharing/policies", s.authed(s.admin(s.handlePolicyList)))
	mux.Handle("DELETE /api/v1/sharing/policies/{id}", s.authed(s.admin(s.handlePolicyRevoke)))
	mux.Handle("GET /api/v1/eid/me/sharing/consents", s.citizen(s.handleSharingConsentList))
	mux.Handle("POST /api/v1/eid/me/sharing/consents", s.citizen(s.handleSharingConsentGrant))
	mux.Handle("DELETE /api/v1/eid/me/sharing/consents/{id}", s.citizen(s.handleSharingConsentRevoke))
}

// isPartnerRequest tells a partner's access token (dat_…, Bearer or DPoP)
// from an officer's token on routes both use.
func isPartnerRequest(r *http.Request) bool {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	return strings.HasPrefix(strings.TrimSpace(tok), "dat_") || strings.EqualFold(scheme, "DPoP")
}

// personGet serves GET /api/v1/persons/{id} to officers (jurisdiction)
// and to partners (purpose and policy).
func (s *Server) personGet() http.Handler {
	officer := s.authed(s.handlePersonGet)
	var partner http.Handler
	if s.Sharing != nil {
		partner = s.partnerAuth(oidc.ScopePersons, s.handlePartnerPersonGet)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if partner != nil && isPartnerRequest(r) {
			partner.ServeHTTP(w, r)
			return
		}
		officer.ServeHTTP(w, r)
	})
}

func (s *Server) handlePartnerPersonGet(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := idnum.Parse(id); err != nil {
		writeError(w, r, err)
		return
	}
	out, err := s.Sharing.ReadPerson(r.Context(), actor(r), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handlePolicyCreate(w http.ResponseWriter, r *http.Request) {
	var p sharing.Policy
	if err := decodeJSON(w, r, &p); err != nil {
		writeError(w, r, err)
		return
	}
	if err := p.Validate(); err != nil {
		writeError(w, r, err)
		return
	}
	p.ID, p.CreatedAt, p.RevokedAt = "pol_"+randomHex(8), s.Now().UTC(), nil
	if err := s.Sharing.Store.CreateSharingPolicy(r.Context(), &p); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

func (s *Server) handlePolicyList(w http.ResponseWriter, r *http.Request) {
	ps, err := s.Sharing.Store.SharingPolicies(r.Context(), r.URL.Query().Get("organisation_id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	if ps == nil {
		ps = []*sharing.Policy{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"policies": ps})
}

func (s *Server) handlePolicyRevoke(w http.ResponseWriter, r *http.Request) {
	if err := s.Sharing.Store.RevokeSharingPolicy(r.Context(), r.PathValue("id"), s.Now().UTC()); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleSharingConsentList(w http.ResponseWriter, r *http.Request) {
	cs, err := s.Sharing.Store.SharingConsents(r.Context(), citizenOf(r).account.IDNumber)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if cs == nil {
		cs = []*sharing.Consent{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"consents": cs})
}

func (s *Server) handleSharingConsentGrant(w http.ResponseWriter, r *http.Request) {
	var in struct {
		OrgID     string    `json:"organisation_id"`
		Purpose   string    `json:"purpose"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	c, err := s.Sharing.GrantConsent(r.Context(), citizenOf(r).account.IDNumber, in.OrgID, in.Purpose, in.ExpiresAt)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) handleSharingConsentRevoke(w http.ResponseWriter, r *http.Request) {
	err := s.Sharing.Store.RevokeSharingConsent(r.Context(), citizenOf(r).account.IDNumber, r.PathValue("id"), s.Now().UTC())
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// randomHex returns n random bytes in hex, for ids.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
