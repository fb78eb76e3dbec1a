package portal

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/dancu-vn/dancu/internal/register"
)

// sandboxKeySecret names the sandbox payment provider's callback key in
// the database.
const sandboxKeySecret = "portal-sandbox-payment-key"

// Open wires the portal with the built-in procedures loaded (newer
// versions only, so that an operator's own loads are kept). It has no
// payment provider: EnableSandbox adds the sandbox one where it is wanted
// (`dancu demo`, `dancu serve --payment-sandbox`, tests), so that a
// production node never accepts the sandbox's self-signed payments.
func Open(ctx context.Context, st Store, reg *register.Service, log Recorder, baseURL func() string, now func() time.Time) (*Service, error) {
	s := &Service{Store: st, Register: reg, Log: log, BaseURL: baseURL, Now: now}
	ps, err := Builtin()
	if err != nil {
		return nil, err
	}
	if _, err := s.LoadProcedures(ctx, ps); err != nil {
		return nil, err
	}
	return s, nil
}

// EnableSandbox adds the sandbox payment provider, whose callback key is
// kept in the database for every node.
func (s *Service) EnableSandbox(ctx context.Context) error {
	key, err := s.Store.LoadOrCreateSecret(ctx, sandboxKeySecret, func() ([]byte, error) {
		b := make([]byte, 32)
		_, err := rand.Read(b)
		return b, err
	})
	if err != nil {
		return err
	}
	if s.Payments == nil {
		s.Payments = map[string]Provider{}
	}
	s.Payments["sandbox"] = &Sandbox{Secret: key, BankBIN: "970436", Account: "0011000000006",
		MerchantName: "DANCU SANDBOX", City: "HUE"}
	return nil
}
