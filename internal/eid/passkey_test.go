package eid_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/eid/passkeytest"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

const (
	rpID   = "localhost"
	origin = "http://localhost:8080"
)

// passkeyEnv is env with passkeys on, the register at hand (to record a
// death) and a citizen's software passkey.
type passkeyEnv struct {
	*env
	people people
	key    *passkeytest.Authenticator
}

// newPasskeyEnv returns an env whose options tune may change, with An's
// account (passcode 824619, phone 0912000001).
func newPasskeyEnv(t *testing.T, db *store.DB, tune func(*eid.Options)) (*passkeyEnv, *eid.Account) {
	t.Helper()
	e := newEnv(t, db)
	ps := people{
		anID:   {IDNumber: anID, FullName: "Nguyễn Văn An", BirthDate: "1985-03-14", Status: register.Living},
		binhID: {IDNumber: binhID, FullName: "Trần Thị Bình", BirthDate: "1990", Status: register.Living},
	}
	opts := eid.Options{Now: e.clock.Now, Log: e.log, WebAuthnRPID: rpID, WebAuthnOrigins: []string{origin},
		Argon2: eid.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}
	if tune != nil {
		tune(&opts)
	}
	e.svc = eid.New(db, e.sms, ps, opts)
	a := e.register(t, anID, "Nguyễn Văn An", "1985-03-14", "0912000001", "824619")
	return &passkeyEnv{env: e, people: ps, key: passkeytest.New(origin)}, a
}

// addPasskey registers a passkey of key for the account.
func (e *passkeyEnv) addPasskey(t *testing.T, key *passkeytest.Authenticator, accountID, name string) *eid.Passkey {
	t.Helper()
	ctx := context.Background()
	opts, ceremony, err := e.svc.BeginPasskeyRegistration(ctx, accountID)
	if err != nil {
		t.Fatalf("BeginPasskeyRegistration: %v", err)
	}
	resp, err := key.Create(opts)
	if err != nil {
		t.Fatalf("authenticator: %v", err)
	}
	p, err := e.svc.FinishPasskeyRegistration(ctx, accountID, ceremony, name, resp)
	if err != nil {
		t.Fatalf("FinishPasskeyRegistration: %v", err)
	}
	return p
}

// passkeyLogin begins a passkey login, lets key answer and finishes it.
func (e *passkeyEnv) passkeyLogin(t *testing.T, key *passkeytest.Authenticator) (eid.LoginResult, error) {
	t.Helper()
	ctx := context.Background()
	e.clock.Add(time.Minute) // keeps clear of the login rate limits
	opts, ceremony, err := e.svc.BeginPasskeyLogin(ctx, e.client)
	if err != nil {
		t.Fatalf("BeginPasskeyLogin: %v", err)
	}
	resp, err := key.Get(opts)
	if err != nil {
		t.Fatalf("authenticator: %v", err)
	}
	return e.svc.FinishPasskeyLogin(ctx, ceremony, resp, e.client)
}

func TestService_PasskeyRegistration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, an := newPasskeyEnv(t, db, nil)
		binh := e.register(t, binhID, "Trần Thị Bình", "1990", "0912000002", "824619")

		t.Run("registered and listed", func(t *testing.T) {
			opts, _, err := e.svc.BeginPasskeyRegistration(ctx, an.ID)
			if err != nil {
				t.Fatal(err)
			}
			var o struct {
				PublicKey struct {
					RP   struct{ ID string }
					User struct {
						ID, Name, DisplayName string
					}
					AuthenticatorSelection struct{ ResidentKey, UserVerification string }
				}
			}
			if err := json.Unmarshal(opts, &o); err != nil {
				t.Fatal(err)
			}
			pk := o.PublicKey
			if pk.RP.ID != rpID || pk.User.DisplayName != "Nguyễn Văn An" || pk.User.Name != anID ||
				pk.AuthenticatorSelection.ResidentKey != "required" || pk.AuthenticatorSelection.UserVerification != "required" {
				t.Errorf("creation options = %s", opts)
			}
			p := e.addPasskey(t, e.key, an.ID, "  Điện thoại của An ")
			if p.Name != "Điện thoại của An" || p.AccountID != an.ID || len(p.CredentialID) != 16 ||
				!slices.Equal(p.Transports, []string{"internal", "hybrid"}) || p.AAGUID.String() != "da9c0006-0000-0000-0000-000000000000" {
				t.Errorf("passkey = %+v", p)
			}
			ps, err := e.svc.Passkeys(ctx, an.ID)
			if err != nil || len(ps) != 1 || ps[0].ID != p.ID || ps[0].Name != p.Name || string(ps[0].CredentialID) != string(p.CredentialID) {
				t.Fatalf("Passkeys = %+v, %v", ps, err)
			}
			if ps, _ := e.svc.Passkeys(ctx, binh.ID); len(ps) != 0 {
				t.Errorf("another account lists %d passkeys", len(ps))
			}
		})
		t.Run("a ceremony is used once", func(t *testing.T) {
			opts, ceremony, _ := e.svc.BeginPasskeyRegistration(ctx, an.ID)
			resp, err := passkeytest.New(origin).Create(opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.FinishPasskeyRegistration(ctx, an.ID, ceremony, "laptop", resp); err != nil {
				t.Fatal(err)
			}
			_, err = e.svc.FinishPasskeyRegistration(ctx, an.ID, ceremony, "laptop", resp)
			wantCode(t, err, apperr.PasskeyCeremonyNotFound)
		})
		t.Run("unknown ceremony", func(t *testing.T) {
			for _, id := range []string{"", "nosuchceremony", string(make([]byte, 65))} {
				_, err := e.svc.FinishPasskeyRegistration(ctx, an.ID, id, "x", []byte(`{}`))
				wantCode(t, err, apperr.PasskeyCeremonyNotFound)
			}
		})
		t.Run("another account's ceremony is not found, and stays usable", func(t *testing.T) {
			opts, ceremony, _ := e.svc.BeginPasskeyRegistration(ctx, an.ID)
			resp, _ := passkeytest.New(origin).Create(opts)
			_, err := e.svc.FinishPasskeyRegistration(ctx, binh.ID, ceremony, "stolen", resp)
			wantCode(t, err, apperr.PasskeyCeremonyNotFound)
			if _, err := e.svc.FinishPasskeyRegistration(ctx, an.ID, ceremony, "mine", resp); err != nil {
				t.Fatalf("the owner's finish after another's try: %v", err)
			}
		})
		t.Run("an expired ceremony is not found", func(t *testing.T) {
			opts, ceremony, _ := e.svc.BeginPasskeyRegistration(ctx, an.ID)
			resp, _ := passkeytest.New(origin).Create(opts)
			e.clock.Add(5*time.Minute + time.Second)
			_, err := e.svc.FinishPasskeyRegistration(ctx, an.ID, ceremony, "late", resp)
			wantCode(t, err, apperr.PasskeyCeremonyNotFound)
		})
		t.Run("responses that do not verify", func(t *testing.T) {
			otherCeremony := func() []byte {
				opts, _, _ := e.svc.BeginPasskeyRegistration(ctx, an.ID)
				resp, _ := passkeytest.New(origin).Create(opts)
				return resp
			}
			foreign := func(opts []byte) []byte {
				resp, _ := passkeytest.New("http://evil.example").Create(opts)
				return resp
			}
			for _, tc := range []struct {
				name string
				resp func(opts []byte) []byte
			}{
				{"not JSON", func([]byte) []byte { return []byte("garbage") }},
				{"another ceremony's challenge", func([]byte) []byte { return otherCeremony() }},
				{"another origin", foreign},
			} {
				opts, ceremony, _ := e.svc.BeginPasskeyRegistration(ctx, an.ID)
				_, err := e.svc.FinishPasskeyRegistration(ctx, an.ID, ceremony, "x", tc.resp(opts))
				if apperr.Code(err) != apperr.PasskeyInvalid {
					t.Errorf("%s: %v, want passkey_invalid", tc.name, err)
				}
			}
		})
		t.Run("removed", func(t *testing.T) {
			before, _ := e.svc.Passkeys(ctx, an.ID)
			wantCode(t, e.svc.RemovePasskey(ctx, binh.ID, before[0].ID), apperr.NotFound)
			if err := e.svc.RemovePasskey(ctx, an.ID, before[0].ID); err != nil {
				t.Fatal(err)
			}
			wantCode(t, e.svc.RemovePasskey(ctx, an.ID, before[0].ID), apperr.NotFound)
			after, _ := e.svc.Passkeys(ctx, an.ID)
			if len(after) != len(before)-1 || slices.ContainsFunc(after, func(p eid.Passkey) bool { return p.ID == before[0].ID }) {
				t.Errorf("after removal: %d passkeys, want %d without the removed one", len(after), len(before)-1)
			}
		})
	})
}

func TestService_PasskeyLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, an := newPasskeyEnv(t, db, nil)
		p := e.addPasskey(t, e.key, an.ID, "phone")

		t.Run("opens a session with hwk, user, mfa", func(t *testing.T) {
			res, err := e.passkeyLogin(t, e.key)
			if err != nil {
				t.Fatal(err)
			}
			s := res.Session
			if s.AccountID != an.ID || !slices.Equal(s.AMR, []string{"hwk", "user", "mfa"}) || s.Level != eid.Level1 || s.IP != e.client.IP {
				t.Errorf("session = %+v", s)
			}
			got, _, err := e.svc.Authenticate(ctx, res.Token)
			if err != nil || got.ID != s.ID {
				t.Fatalf("Authenticate(token) = %v, %v", got, err)
			}
			ps, _ := e.svc.Passkeys(ctx, an.ID)
			if ps[0].LastUsedAt == nil || !ps[0].LastUsedAt.Equal(e.clock.Now()) {
				t.Errorf("last used at = %v, want now", ps[0].LastUsedAt)
			}
		})
		t.Run("a ceremony is used once", func(t *testing.T) {
			opts, ceremony, _ := e.svc.BeginPasskeyLogin(ctx, e.client)
			resp, _ := e.key.Get(opts)
			if _, err := e.svc.FinishPasskeyLogin(ctx, ceremony, resp, e.client); err != nil {
				t.Fatal(err)
			}
			_, err := e.svc.FinishPasskeyLogin(ctx, ceremony, resp, e.client)
			wantCode(t, err, apperr.PasskeyCeremonyNotFound)
			// Nor does a registration ceremony serve a login.
			_, reg, _ := e.svc.BeginPasskeyRegistration(ctx, an.ID)
			_, err = e.svc.FinishPasskeyLogin(ctx, reg, resp, e.client)
			wantCode(t, err, apperr.PasskeyCeremonyNotFound)
		})
		t.Run("an assertion replayed in a new ceremony is refused", func(t *testing.T) {
			opts, ceremony, _ := e.svc.BeginPasskeyLogin(ctx, e.client)
			resp, _ := e.key.Get(opts)
			if _, err := e.svc.FinishPasskeyLogin(ctx, ceremony, resp, e.client); err != nil {
				t.Fatal(err)
			}
			_, again, _ := e.svc.BeginPasskeyLogin(ctx, e.client)
			_, err := e.svc.FinishPasskeyLogin(ctx, again, resp, e.client)
			wantCode(t, err, apperr.InvalidCredentials)
		})
		t.Run("unknown passkey", func(t *testing.T) {
			stranger := passkeytest.New(origin)
			// A passkey of this site that the server never registered.
			opts, _, _ := e.svc.BeginPasskeyRegistration(ctx, an.ID)
			if _, err := stranger.Create(opts); err != nil {
				t.Fatal(err)
			}
			_, err := e.passkeyLogin(t, stranger)
			wantCode(t, err, apperr.InvalidCredentials)
		})
		t.Run("a cloned key (counter going back) is refused", func(t *testing.T) {
			e.key.SetCounter(0)
			_, err := e.passkeyLogin(t, e.key)
			wantCode(t, err, apperr.InvalidCredentials)
			e.key.SetCounter(1000)
			if _, err := e.passkeyLogin(t, e.key); err != nil {
				t.Fatalf("a counter ahead again: %v", err)
			}
		})
		t.Run("bad signatures lock the account like wrong passcodes", func(t *testing.T) {
			e.key.BadSignature = true
			for i := 0; i < 4; i++ {
				_, err := e.passkeyLogin(t, e.key)
				wantCode(t, err, apperr.InvalidCredentials)
			}
			_, err := e.passkeyLogin(t, e.key)
			wantCode(t, err, apperr.AccountLocked)
			e.key.BadSignature = false
			_, err = e.passkeyLogin(t, e.key)
			wantCode(t, err, apperr.AccountLocked)
			e.clock.Add(16 * time.Minute)
			if _, err := e.passkeyLogin(t, e.key); err != nil {
				t.Fatalf("after the lock: %v", err)
			}
		})
		t.Run("the account of a dead person cannot log in", func(t *testing.T) {
			e.people[anID].Status = register.Dead
			defer func() { e.people[anID].Status = register.Living }()
			_, err := e.passkeyLogin(t, e.key)
			wantCode(t, err, apperr.Forbidden)
		})
		t.Run("a removed passkey logs in no more", func(t *testing.T) {
			if err := e.svc.RemovePasskey(ctx, an.ID, p.ID); err != nil {
				t.Fatal(err)
			}
			_, err := e.passkeyLogin(t, e.key)
			wantCode(t, err, apperr.InvalidCredentials)
		})
		t.Run("a passcode reset removes every passkey", func(t *testing.T) {
			e.addPasskey(t, e.key, an.ID, "new phone")
			ch, err := e.svc.StartPasscodeReset(ctx, anID, "0912000001", e.client)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.svc.CompletePasscodeReset(ctx, ch.ID, e.sms.code(t, "0912000001"), "593024", e.client); err != nil {
				t.Fatal(err)
			}
			if ps, _ := e.svc.Passkeys(ctx, an.ID); len(ps) != 0 {
				t.Errorf("%d passkeys after a passcode reset", len(ps))
			}
			_, err = e.passkeyLogin(t, e.key)
			wantCode(t, err, apperr.InvalidCredentials)
		})
	})
}

func TestService_PasskeyLimitsAndConfiguration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, an := newPasskeyEnv(t, db, func(o *eid.Options) { o.LoginPerIP = eid.Limit{Max: 3, Per: time.Minute} })
		t.Run("logins are rate-limited by client", func(t *testing.T) {
			for i := 0; i < 3; i++ {
				if _, _, err := e.svc.BeginPasskeyLogin(ctx, e.client); err != nil {
					t.Fatal(err)
				}
			}
			_, _, err := e.svc.BeginPasskeyLogin(ctx, e.client)
			wantCode(t, err, apperr.RateLimited)
			if apperr.RetryAfterOf(err) <= 0 {
				t.Errorf("no Retry-After on %v", err)
			}
		})
		t.Run("off without a relying party", func(t *testing.T) {
			if e.svc.PasskeyRPID() != rpID {
				t.Fatalf("PasskeyRPID = %q", e.svc.PasskeyRPID())
			}
			if err := e.svc.SetWebAuthn("", nil); err != nil {
				t.Fatal(err)
			}
			defer e.svc.SetWebAuthn(rpID, []string{origin})
			if e.svc.PasskeyRPID() != "" {
				t.Errorf("PasskeyRPID = %q after turning passkeys off", e.svc.PasskeyRPID())
			}
			_, _, err := e.svc.BeginPasskeyRegistration(ctx, an.ID)
			wantCode(t, err, apperr.Unavailable)
			_, _, err = e.svc.BeginPasskeyLogin(ctx, e.client)
			wantCode(t, err, apperr.Unavailable)
		})
		t.Run("an IP address is no relying-party ID", func(t *testing.T) {
			if err := e.svc.SetWebAuthn("127.0.0.1", []string{"http://127.0.0.1:8080"}); err == nil {
				t.Errorf("SetWebAuthn accepted an IP address")
			}
		})
	})
}
