package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/officer"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

func TestAPI_OfficerLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		svc := &officer.Service{Store: db, Argon2: eid.Argon2Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}
		ctx := context.Background()
		if _, _, err := svc.Enroll(ctx, "province", "short"); err == nil {
			t.Fatalf("a short password was accepted")
		}
		if _, _, err := svc.Enroll(ctx, "province", "my-province-password"); err == nil {
			t.Fatalf("a password containing the username was accepted")
		}
		secret, url, err := svc.Enroll(ctx, "province", "correct horse battery")
		if err != nil || url == "" {
			t.Fatalf("enroll: %v", err)
		}
		code := func(at time.Time) string {
			c, err := totp.GenerateCode(secret, at)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		login := func(user, pw, totp string) (int, map[string]any) {
			st, out, _ := f.call("POST", "/api/v1/officer/sessions", "", map[string]string{"username": user, "password": pw, "totp": totp})
			return st, out
		}
		// Wrong password, wrong code, unknown user: one answer for all.
		for _, tt := range [][3]string{
			{"province", "wrong password!!", code(time.Now())},
			{"province", "correct horse battery", "000000"},
			{"nobody", "correct horse battery", code(time.Now())},
		} {
			if st, out := login(tt[0], tt[1], tt[2]); st != http.StatusUnauthorized || errCode(out) != "invalid_credentials" {
				t.Errorf("login %v = %d %v", tt, st, out)
			}
		}
		if st, out := login("province", "", ""); st != http.StatusBadRequest {
			t.Errorf("empty login = %d %v", st, out)
		}
		st, out := login("province", "correct horse battery", code(time.Now().Add(-30*time.Second)))
		if st != http.StatusCreated {
			t.Fatalf("login = %d %v", st, out)
		}
		token := out["token"].(string)
		// The session works like an API token, within the officer's jurisdiction.
		req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := f.srv.Client().Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET /me with the session = %v %v", resp.StatusCode, err)
		}
		resp.Body.Close()
		// A TOTP code is accepted once.
		if st, out := login("province", "correct horse battery", code(time.Now().Add(-30*time.Second))); st != http.StatusUnauthorized {
			t.Errorf("replayed TOTP code = %d %v", st, out)
		}
		// Logout revokes the session.
		req, _ = http.NewRequest("DELETE", f.srv.URL+"/api/v1/officer/sessions/current", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if resp, err := f.srv.Client().Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
			t.Fatalf("logout = %v %v", resp.StatusCode, err)
		}
		req, _ = http.NewRequest("GET", f.srv.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if resp, _ := f.srv.Client().Do(req); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET /me after logout = %d", resp.StatusCode)
		}
		// Five failures lock the account, even against the right password.
		for i := 0; i < 5; i++ {
			login("province", "wrong password!!", code(time.Now()))
		}
		if st, out := login("province", "correct horse battery", code(time.Now())); st != http.StatusLocked || errCode(out) != "account_locked" {
			t.Errorf("login to a locked account = %d %v", st, out)
		}
	})
}
