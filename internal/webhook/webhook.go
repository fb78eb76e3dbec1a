// Package webhook tells subscribed organisations of changes in the
// register: death, residence change, name change. The register writes a
// notice into an outbox in the same transaction as the change; a
// dispatcher fans each notice out to the subscriptions whose policy allows
// it; a sender posts each delivery, signed, until the receiver answers
// 2xx, with exponential backoff. Delivery is at least once: receivers
// deduplicate by the event id.
package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
)

// Subscription is an organisation's request to be told of kinds of change.
type Subscription struct {
	ID         string     `json:"id"`
	OrgID      string     `json:"organisation_id"`
	ClientID   string     `json:"client_id"`
	Purpose    string     `json:"purpose"`
	EventTypes []string   `json:"event_types"`
	URL        string     `json:"url"`
	CreatedAt  time.Time  `json:"created_at"`
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
}

// Event is one notice in the outbox.
type Event struct {
	Seq        int64     `json:"-"`
	ID         string    `json:"event_id"`
	Type       string    `json:"event_type"`
	PersonID   string    `json:"id_number"`
	OccurredAt time.Time `json:"occurred_at"`
}

// Delivery is one event for one subscription.
type Delivery struct {
	ID             string     `json:"id"`
	SubscriptionID string     `json:"subscription_id"`
	Event          Event      `json:"event"`
	Status         string     `json:"status"` // pending, delivered, abandoned
	Attempts       int        `json:"attempts"`
	NextAttemptAt  time.Time  `json:"next_attempt_at"`
	LastStatus     int        `json:"last_status,omitempty"`
	LastError      string     `json:"last_error,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	DeliveredAt    *time.Time `json:"delivered_at,omitempty"`
	URL            string     `json:"-"`
}

// Delivery statuses.
const (
	Pending   = "pending"
	Delivered = "delivered"
	Abandoned = "abandoned"
)

// Outcome is the result of one attempt.
type Outcome struct {
	ID          string
	Status      string
	Attempts    int
	NextAttempt time.Time
	LastStatus  int
	LastError   string
	At          time.Time
}

// Store keeps subscriptions, the outbox and deliveries.
type Store interface {
	CreateSubscription(ctx context.Context, s *Subscription) error
	Subscriptions(ctx context.Context, orgID string) ([]*Subscription, error) // "" for all live ones
	DisableSubscription(ctx context.Context, orgID, id string, at time.Time) error
	PendingEvents(ctx context.Context, limit int) ([]Event, error)
	// FanOut stores deliveries and marks the events fanned out, at once.
	FanOut(ctx context.Context, events []Event, deliveries []Delivery) error
	ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]Delivery, error)
	FinishDeliveries(ctx context.Context, outcomes []Outcome) error
	Deliveries(ctx context.Context, orgID, subscriptionID, status string, limit int) ([]Delivery, error)
}

// Policies tells whether an organisation may be told of an event type for
// a purpose (package sharing's policies).
type Policies interface {
	AllowsEvent(ctx context.Context, orgID, purpose, eventType string) (bool, error)
}

// Signer signs a body as a detached JWS (RFC 7515 Appendix F).
type Signer func(ctx context.Context, body []byte) (string, error)

// Backoff: 1 s doubling to 1 h; after abandonAfter the delivery is given
// up (and shown as such to the organisation and the operator).
const (
	firstRetry   = time.Second
	maxRetry     = time.Hour
	abandonAfter = 7 * 24 * time.Hour
)

// NextAttempt returns when to retry after n failed attempts.
func NextAttempt(now time.Time, n int) time.Time {
	d := firstRetry
	for i := 1; i < n && d < maxRetry; i++ {
		d *= 2
	}
	return now.Add(min(d, maxRetry))
}

// Service runs subscriptions and deliveries.
type Service struct {
	Store    Store
	Policies Policies
	Sign     Signer
	HTTP     *http.Client
	Logger   *slog.Logger
	Now      func() time.Time
	// Workers is how many deliveries are sent at once (default 64).
	Workers int
	// AllowHTTP lets subscriptions use plain http URLs (tests, loopback).
	AllowHTTP bool

	once sync.Once
	wake chan struct{}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func newID(prefix string) string {
	b := make([]byte, 10)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// Subscribe stores a subscription after checking the URL and that the
// organisation's policy for the purpose allows every event type.
func (s *Service) Subscribe(ctx context.Context, sub *Subscription) error {
	u, err := url.Parse(sub.URL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(s.AllowHTTP && u.Scheme == "http")) {
		return apperr.Field(apperr.Invalid, "url", "a subscription URL is an absolute https URL")
	}
	if len(sub.EventTypes) == 0 {
		return apperr.Field(apperr.Invalid, "event_types", "name at least one event type")
	}
	for _, t := range sub.EventTypes {
		ok, err := s.Policies.AllowsEvent(ctx, sub.OrgID, sub.Purpose, t)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.E(apperr.PurposeNotAllowed, "no policy lets the organisation be told of %s for purpose %q", t, sub.Purpose)
		}
	}
	sub.ID, sub.CreatedAt, sub.DisabledAt = newID("sub_"), s.now(), nil
	return s.Store.CreateSubscription(ctx, sub)
}

// FanOutOnce turns pending outbox events into deliveries; it returns how
// many events it handled.
func (s *Service) FanOutOnce(ctx context.Context) (int, error) {
	events, err := s.Store.PendingEvents(ctx, 1000)
	if err != nil || len(events) == 0 {
		return 0, err
	}
	subs, err := s.Store.Subscriptions(ctx, "")
	if err != nil {
		return 0, err
	}
	now := s.now()
	var ds []Delivery
	for _, ev := range events {
		for _, sub := range subs {
			if !slices.Contains(sub.EventTypes, ev.Type) {
				continue
			}
			// The policy is checked again at each event: a revoked policy
			// stops the notices at once.
			ok, err := s.Policies.AllowsEvent(ctx, sub.OrgID, sub.Purpose, ev.Type)
			if err != nil {
				return 0, err
			}
			if ok {
				ds = append(ds, Delivery{ID: newID("dlv_"), SubscriptionID: sub.ID, Event: ev, Status: Pending,
					NextAttemptAt: now, CreatedAt: now})
			}
		}
	}
	if err := s.Store.FanOut(ctx, events, ds); err != nil {
		return 0, err
	}
	return len(events), nil
}

// payload is the body of a delivery: the notice, not the data; the
// organisation reads what its policy allows with GET /api/v1/persons/{id}.
type payload struct {
	Event
	SubscriptionID string `json:"subscription_id"`
	DeliveryID     string `json:"delivery_id"`
}

// SendOnce claims due deliveries and sends them; it returns how many.
func (s *Service) SendOnce(ctx context.Context, lease time.Duration) (int, error) {
	now := s.now()
	ds, err := s.Store.ClaimDeliveries(ctx, now, now.Add(lease), 512)
	if err != nil || len(ds) == 0 {
		return 0, err
	}
	workers := s.Workers
	if workers <= 0 {
		workers = 64
	}
	outcomes := make([]Outcome, len(ds))
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i := range ds {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			outcomes[i] = s.send(ctx, ds[i])
		}(i)
	}
	wg.Wait()
	if ctx.Err() != nil {
		return 0, ctx.Err() // the leases expire and the deliveries are retried
	}
	return len(ds), s.Store.FinishDeliveries(ctx, outcomes)
}

// send makes one attempt.
func (s *Service) send(ctx context.Context, d Delivery) Outcome {
	body, _ := json.Marshal(payload{Event: d.Event, SubscriptionID: d.SubscriptionID, DeliveryID: d.ID})
	out := Outcome{ID: d.ID, Attempts: d.Attempts + 1}
	fail := func(status int, msg string) Outcome {
		out.At = s.now()
		out.LastStatus, out.LastError = status, msg
		out.Status, out.NextAttempt = Pending, NextAttempt(out.At, out.Attempts)
		if out.At.Sub(d.CreatedAt) > abandonAfter {
			out.Status = Abandoned
		}
		return out
	}
	sig, err := s.Sign(ctx, body)
	if err != nil {
		return fail(0, "sign: "+err.Error())
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(rctx, http.MethodPost, d.URL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Dancu-Event-Id", d.Event.ID)
	req.Header.Set("X-Dancu-Delivery-Id", d.ID)
	req.Header.Set("X-Dancu-Signature", sig)
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return fail(0, "post: "+err.Error())
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fail(resp.StatusCode, fmt.Sprintf("receiver answered %d", resp.StatusCode))
	}
	out.At = s.now()
	out.Status, out.LastStatus = Delivered, resp.StatusCode
	return out
}

// Wake makes Run look for work now (after a change was committed).
func (s *Service) Wake() {
	select {
	case s.wakeup() <- struct{}{}:
	default:
	}
}

func (s *Service) wakeup() chan struct{} {
	s.once.Do(func() { s.wake = make(chan struct{}, 1) })
	return s.wake
}

// Run fans out and sends until ctx ends, looking for work every 200 ms or
// when woken.
func (s *Service) Run(ctx context.Context) {
	wake := s.wakeup()
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		for ctx.Err() == nil {
			n, err := s.FanOutOnce(ctx)
			if err != nil && s.Logger != nil && ctx.Err() == nil {
				s.Logger.Warn("webhook fan-out", "err", err)
			}
			m, err := s.SendOnce(ctx, time.Minute)
			if err != nil && s.Logger != nil && ctx.Err() == nil {
				s.Logger.Warn("webhook send", "err", err)
			}
			if n == 0 && m == 0 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
	}
}
