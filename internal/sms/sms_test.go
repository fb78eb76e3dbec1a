package sms

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHTTPProvider_Send(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		wantErr string
	}{
		{"accepted", http.StatusOK, ""},
		{"accepted without content", http.StatusNoContent, ""},
		{"refused", http.StatusUnauthorized, "gateway answered 401"},
		{"gateway failure", http.StatusBadGateway, "gateway answered 502"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got struct{ To, Text string }
			var auth, ctype string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				auth, ctype = r.Header.Get("Authorization"), r.Header.Get("Content-Type")
				json.NewDecoder(r.Body).Decode(&got)
				w.WriteHeader(tc.status)
				w.Write([]byte(`{"echo":"123456"}`))
			}))
			defer srv.Close()
			p := &HTTPProvider{URL: srv.URL, Token: "secret-token"}
			err := p.Send(context.Background(), "0912345678", "code 123456")
			if tc.wantErr == "" && err != nil {
				t.Fatalf("Send() = %v, want nil", err)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Send() = %v, want an error containing %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "123456") || strings.Contains(err.Error(), "0912345678") {
					t.Errorf("the error quotes the message or the phone: %v", err)
				}
			}
			if got.To != "0912345678" || got.Text != "code 123456" {
				t.Errorf("gateway got %+v", got)
			}
			if auth != "Bearer secret-token" || ctype != "application/json" {
				t.Errorf("headers: Authorization %q, Content-Type %q", auth, ctype)
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		p := &HTTPProvider{URL: srv.URL, Token: "t"}
		if err := p.Send(context.Background(), "0912345678", "x"); err == nil {
			t.Error("Send to a closed gateway succeeded")
		}
	})
}

type memStore struct{ msgs []Message }

func (m *memStore) AddSMS(_ context.Context, msg *Message) error {
	msg.ID = int64(len(m.msgs) + 1)
	m.msgs = append(m.msgs, *msg)
	return nil
}

func (m *memStore) SMSMessages(_ context.Context, to string, limit int) ([]Message, error) {
	var out []Message
	for i := len(m.msgs) - 1; i >= 0 && len(out) < limit; i-- {
		if m.msgs[i].To == to {
			out = append(out, m.msgs[i])
		}
	}
	return out, nil
}

func TestOutbox(t *testing.T) {
	ctx := context.Background()
	o := &Outbox{Store: &memStore{}}
	for _, m := range []struct{ to, text string }{{"0911111111", "a"}, {"0922222222", "b"}, {"0911111111", "c"}} {
		if err := o.Send(ctx, m.to, m.text); err != nil {
			t.Fatal(err)
		}
	}
	got, err := o.Messages(ctx, "0911111111", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Text != "c" || got[1].Text != "a" || got[0].At.IsZero() {
		t.Errorf("Messages() = %+v, want c then a with times", got)
	}
}
