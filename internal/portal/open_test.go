package portal_test

import (
	"testing"

	"github.com/dancu-vn/dancu/internal/portal"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// TestOpen_NoSandbox: a portal opened without EnableSandbox has no
// payment provider, so the sandbox's self-signed callbacks are refused
// instead of confirming payments on a production node.
func TestOpen_NoSandbox(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	s, err := portal.Open(t.Context(), db, nil, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Payments) != 0 {
		t.Fatalf("providers without EnableSandbox: %v", s.Payments)
	}
	if _, err := s.Confirm(t.Context(), "sandbox", []byte(`{}`), nil); err == nil {
		t.Fatal("a sandbox callback was accepted")
	}
	if err := s.EnableSandbox(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Payments["sandbox"].(*portal.Sandbox); !ok {
		t.Fatalf("EnableSandbox: %v", s.Payments)
	}
}
