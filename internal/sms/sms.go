// Package sms sends short text messages: one-time codes for e-ID accounts.
// A Sender is either the HTTP adapter of a real SMS gateway (HTTPProvider)
// or, for development and demos, the Outbox, which keeps messages in the
// database for an operator to read. Messages carry one-time codes and
// phone numbers, so nothing here ever writes them to a process log, and
// errors never quote them.
package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Sender sends one text message to a phone number.
type Sender interface {
	Send(ctx context.Context, to, text string) error
}

// HTTPProvider posts each message to an SMS gateway:
//
//	POST URL
//	Authorization: Bearer TOKEN
//	Content-Type: application/json
//	{"to": "0912345678", "text": "…"}
//
// Any 2xx answer means the gateway accepted the message; anything else is
// an error naming the status (never the body, which may echo the message).
type HTTPProvider struct {
	URL   string
	Token string
	// Client is the HTTP client; nil means one with a 10-second timeout.
	Client *http.Client
}

// defaultClient bounds a gateway call so that a hung gateway cannot hold a
// login request open.
var defaultClient = &http.Client{Timeout: 10 * time.Second}

// Send implements Sender.
func (p *HTTPProvider) Send(ctx context.Context, to, text string) error {
	body, err := json.Marshal(struct {
		To   string `json:"to"`
		Text string `json:"text"`
	}{to, text})
	if err != nil {
		return fmt.Errorf("sms: encode message: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sms: build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+p.Token)
	client := p.Client
	if client == nil {
		client = defaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		// The error names the gateway URL, which carries no personal data.
		return fmt.Errorf("sms: gateway unreachable: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("sms: gateway answered %s", resp.Status)
	}
	return nil
}

// Message is one message kept by the Outbox.
type Message struct {
	ID   int64     `json:"id"`
	To   string    `json:"to"`
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// OutboxStore keeps the Outbox's messages.
type OutboxStore interface {
	// AddSMS stores a message, setting its ID.
	AddSMS(ctx context.Context, m *Message) error
	// SMSMessages returns the newest messages to a phone number, newest first.
	SMSMessages(ctx context.Context, to string, limit int) ([]Message, error)
}

// Outbox is the development provider: it sends nothing and stores every
// message, so that on a demo an operator can read one-time codes through
// the API instead of a phone. Never use it in production.
type Outbox struct {
	Store OutboxStore
	Now   func() time.Time
}

// Send implements Sender by storing the message.
func (o *Outbox) Send(ctx context.Context, to, text string) error {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	return o.Store.AddSMS(ctx, &Message{To: to, Text: text, At: now().UTC()})
}

// Messages returns the newest messages sent to a phone number.
func (o *Outbox) Messages(ctx context.Context, to string, limit int) ([]Message, error) {
	return o.Store.SMSMessages(ctx, to, limit)
}
