package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dancu-vn/dancu/internal/eid/passkeytest"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// The relying party of the e-ID fixture's passkeys.
const (
	passkeyRPID   = "localhost"
	passkeyOrigin = "http://localhost:8080"
)

// passkeyBegin starts a registration as the citizen and returns the
// ceremony and the options for the authenticator.
func (e *eidFixture) passkeyBegin(who string) (ceremony string, options []byte) {
	e.t.Helper()
	status, m, raw := e.call("POST", "/api/v1/eid/me/passkeys/begin", who, nil)
	if status != 200 {
		e.t.Fatalf("begin: %d %s", status, raw)
	}
	options, _ = json.Marshal(m["options"])
	return m["ceremony_id"].(string), options
}

func TestPasskeyAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEIDFixture(t, db)
		alicePerson, bobPerson := e.personIn(e.commune, ""), e.personIn(e.commune, "")
		alicePhone, bobPhone := e.newPhone(), e.newPhone()
		e.register(alicePerson, alicePhone, "824619")
		e.register(bobPerson, bobPhone, "824619")
		alice, _ := e.login(alicePerson.IDNumber, "824619", alicePhone, false)
		bob, _ := e.login(bobPerson.IDNumber, "824619", bobPhone, false)
		key := passkeytest.New(passkeyOrigin)
		finish := func(who, ceremony string, response []byte) (int, map[string]any, []byte) {
			return e.call("POST", "/api/v1/eid/me/passkeys", who, map[string]any{
				"ceremony_id": ceremony, "name": "Điện thoại", "response": json.RawMessage(response)})
		}
		var passkeyID string

		t.Run("registered", func(t *testing.T) {
			ceremony, options := e.passkeyBegin(alice)
			var o struct {
				PublicKey struct {
					Challenge string
					RP        struct{ ID string }
				}
			}
			json.Unmarshal(options, &o)
			if o.PublicKey.Challenge == "" || o.PublicKey.RP.ID != passkeyRPID {
				t.Fatalf("options = %s", options)
			}
			resp, err := key.Create(options)
			if err != nil {
				t.Fatal(err)
			}
			status, m, raw := finish(alice, ceremony, resp)
			if status != 201 || m["name"] != "Điện thoại" || m["credential_id"] == "" || m["backup_eligible"] != false {
				t.Fatalf("finish = %d %s", status, raw)
			}
			passkeyID = m["id"].(string)
			for _, secret := range []string{"public_key", "sign_count", "PublicKey"} {
				if strings.Contains(string(raw), secret) {
					t.Errorf("the passkey's JSON shows %s: %s", secret, raw)
				}
			}
			// The same answer again: its ceremony is spent.
			status, m, _ = finish(alice, ceremony, resp)
			if status != 404 || errCode(m) != "passkey_ceremony_not_found" {
				t.Errorf("replayed ceremony = %d %v", status, m)
			}
		})
		t.Run("listed to its owner only", func(t *testing.T) {
			_, m, raw := e.call("GET", "/api/v1/eid/me/passkeys", alice, nil)
			ps, _ := m["passkeys"].([]any)
			if len(ps) != 1 || ps[0].(map[string]any)["id"] != passkeyID {
				t.Fatalf("alice's passkeys = %s", raw)
			}
			_, m, raw = e.call("GET", "/api/v1/eid/me/passkeys", bob, nil)
			if ps, _ := m["passkeys"].([]any); ps == nil || len(ps) != 0 {
				t.Errorf("bob's passkeys = %s", raw)
			}
		})
		t.Run("errors", func(t *testing.T) {
			ceremony, options := e.passkeyBegin(alice)
			resp, _ := passkeytest.New(passkeyOrigin).Create(options)
			foreign, _ := passkeytest.New("https://evil.example").Create(options)
			tests := []struct {
				name   string
				who    string
				body   any
				status int
				code   string
			}{
				{"no session", "", map[string]any{"ceremony_id": ceremony, "response": json.RawMessage(resp)}, 401, "unauthorized"},
				{"unknown ceremony", alice, map[string]any{"ceremony_id": "nosuchceremony", "response": json.RawMessage(resp)}, 404, "passkey_ceremony_not_found"},
				{"another account's ceremony", bob, map[string]any{"ceremony_id": ceremony, "response": json.RawMessage(resp)}, 404, "passkey_ceremony_not_found"},
				{"no response", alice, map[string]any{"ceremony_id": ceremony}, 400, "invalid"},
				{"unknown field", alice, map[string]any{"ceremony_id": ceremony, "response": json.RawMessage(resp), "extra": 1}, 400, "invalid_json"},
				{"another origin", alice, map[string]any{"ceremony_id": ceremony, "response": json.RawMessage(foreign)}, 422, "passkey_invalid"},
				// The failed finish above used the ceremony up.
				{"after a failed finish", alice, map[string]any{"ceremony_id": ceremony, "response": json.RawMessage(resp)}, 404, "passkey_ceremony_not_found"},
			}
			for _, tc := range tests {
				status, m, raw := e.call("POST", "/api/v1/eid/me/passkeys", tc.who, tc.body)
				if status != tc.status || errCode(m) != tc.code {
					t.Errorf("%s: %d %s, want %d %s", tc.name, status, raw, tc.status, tc.code)
				}
			}
			if status, m, _ := e.call("POST", "/api/v1/eid/me/passkeys/begin", "", nil); status != 401 || errCode(m) != "unauthorized" {
				t.Errorf("begin without a session = %d %v", status, m)
			}
			_, m, _ := e.call("GET", "/api/v1/eid/me/passkeys", alice, nil)
			if ps, _ := m["passkeys"].([]any); len(ps) != 1 {
				t.Errorf("the failed registrations left %d passkeys, want 1", len(ps))
			}
		})
		t.Run("removed", func(t *testing.T) {
			if status, m, _ := e.call("DELETE", "/api/v1/eid/me/passkeys/"+passkeyID, bob, nil); status != 404 || errCode(m) != "not_found" {
				t.Errorf("another account removes it = %d %v", status, m)
			}
			if status, _, raw := e.call("DELETE", "/api/v1/eid/me/passkeys/"+passkeyID, alice, nil); status != 204 {
				t.Fatalf("remove = %d %s", status, raw)
			}
			if status, m, _ := e.call("DELETE", "/api/v1/eid/me/passkeys/"+passkeyID, alice, nil); status != 404 || errCode(m) != "not_found" {
				t.Errorf("remove again = %d %v", status, m)
			}
			_, m, raw := e.call("GET", "/api/v1/eid/me/passkeys", alice, nil)
			if ps, _ := m["passkeys"].([]any); len(ps) != 0 {
				t.Errorf("passkeys after removal = %s", raw)
			}
		})
	})
}
