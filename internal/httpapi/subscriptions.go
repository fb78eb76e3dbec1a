package httpapi

import (
	"net/http"

	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/webhook"
)

// subscriptionRoutes mounts change notifications: partners subscribe and
// read their delivery history; operators read every delivery.
func (s *Server) subscriptionRoutes(mux *http.ServeMux) {
	if s.Webhooks == nil {
		return
	}
	mux.Handle("POST /api/v1/subscriptions", s.partnerAuth(oidc.ScopeSubscribe, s.idempotent(s.handleSubscriptionCreate)))
	mux.Handle("GET /api/v1/subscriptions", s.partnerAuth(oidc.ScopeSubscribe, s.handleSubscriptionList))
	mux.Handle("DELETE /api/v1/subscriptions/{id}", s.partnerAuth(oidc.ScopeSubscribe, s.handleSubscriptionDelete))
	mux.Handle("GET /api/v1/subscriptions/deliveries", s.partnerAuth(oidc.ScopeSubscribe, s.handleDeliveryList(false)))
	mux.Handle("GET /api/v1/deliveries", s.authed(s.admin(s.handleDeliveryList(true))))
}

// orgOf is the organisation a partner acts for (its client when none).
func orgOf(r *http.Request) string {
	c := partnerOf(r).Client
	if c.OrgID != "" {
		return c.OrgID
	}
	return "client:" + c.ID
}

func (s *Server) handleSubscriptionCreate(w http.ResponseWriter, r *http.Request) {
	var in webhook.Subscription
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	sub := &webhook.Subscription{OrgID: orgOf(r), ClientID: partnerOf(r).Client.ID, Purpose: in.Purpose,
		EventTypes: in.EventTypes, URL: in.URL}
	if err := s.Webhooks.Subscribe(r.Context(), sub); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, sub)
}

func (s *Server) handleSubscriptionList(w http.ResponseWriter, r *http.Request) {
	subs, err := s.Webhooks.Store.Subscriptions(r.Context(), orgOf(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	if subs == nil {
		subs = []*webhook.Subscription{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"subscriptions": subs})
}

func (s *Server) handleSubscriptionDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.Webhooks.Store.DisableSubscription(r.Context(), orgOf(r), r.PathValue("id"), s.Now().UTC()); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleDeliveryList lists deliveries: the partner's own, or all of them
// for operators.
func (s *Server) handleDeliveryList(all bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		org := ""
		if !all {
			org = orgOf(r)
		}
		q := r.URL.Query()
		ds, err := s.Webhooks.Store.Deliveries(r.Context(), org, q.Get("subscription_id"), q.Get("status"), 200)
		if err != nil {
			writeError(w, r, err)
			return
		}
		if ds == nil {
			ds = []webhook.Delivery{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"deliveries": ds})
	}
}
