package httpapi_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/card"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

// cardEnv is a running dancu with the card PKI initialised and officers
// of one commune (two registrars, for the four-eyes rule), of another
// commune, and a central reader.
type cardEnv struct {
	*testenv.Env
	t       *testing.T
	commune string
	tokens  map[string]string
}

func newCardEnv(t *testing.T, db *store.DB) *cardEnv {
	te := testenv.NewWith(t, db, testenv.Options{People: 300, Seed: 13})
	te.InitPKI()
	e := &cardEnv{Env: te, t: t, tokens: map[string]string{}}
	e.commune = te.Living(0).Permanent.Commune
	other := ""
	for _, p := range te.People {
		if p.Permanent != nil && p.Permanent.Commune != e.commune {
			other = p.Permanent.Commune
			break
		}
	}
	for name, o := range map[string]auth.Officer{
		"rc":    {Role: auth.RoleRegistrar, UnitLevel: auth.LevelCommune, UnitCode: e.commune},
		"rc2":   {Role: auth.RoleRegistrar, UnitLevel: auth.LevelCommune, UnitCode: e.commune},
		"ro":    {Role: auth.RoleRegistrar, UnitLevel: auth.LevelCommune, UnitCode: other},
		"rd":    {Role: auth.RoleReader, UnitLevel: auth.LevelCentral},
		"admin": {Role: auth.RoleAdmin, UnitLevel: auth.LevelCentral},
	} {
		o.Username, o.FullName = name, "Cán bộ "+name
		e.tokens[name] = te.Officer(o)
	}
	return e
}

// call sends a JSON body (if any) with a token or a token's name.
func (e *cardEnv) call(method, path, who string, body any, headers ...string) (int, map[string]any, []byte) {
	e.t.Helper()
	tok := who
	if t, ok := e.tokens[who]; ok {
		tok = t
	}
	raw := ""
	if body != nil {
		b, _ := json.Marshal(body)
		raw = string(b)
	}
	status, _, out := e.Call(method, path, tok, "application/json", raw, headers...)
	var m map[string]any
	json.Unmarshal(out, &m)
	return status, m, out
}

var cardLegal = map[string]any{"document_no": "CC01-123", "document_date": "2026-11-20", "issuer": "Công an phường"}

// step runs a card step and fails the test unless it answers want.
func (e *cardEnv) step(cardID, step, who string, want int, extra ...string) map[string]any {
	e.t.Helper()
	body := map[string]any{"legal_basis": cardLegal}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i]] = extra[i+1]
	}
	s, m, raw := e.call("POST", "/api/v1/cards/"+cardID+"/"+step, who, body)
	if s != want {
		e.t.Fatalf("%s %s by %s: %d %s, want %d", step, cardID, who, s, raw, want)
	}
	return m
}

// issue runs a card from application to issuance and returns it.
func (e *cardEnv) issue(p *register.Person, typ string) map[string]any {
	e.t.Helper()
	s, m, raw := e.call("POST", "/api/v1/persons/"+p.IDNumber+"/cards", "rc", map[string]any{"type": typ, "legal_basis": cardLegal})
	if s != 201 {
		e.t.Fatalf("apply %s: %d %s", typ, s, raw)
	}
	id := m["id"].(string)
	e.step(id, "approve", "rc2", 200)
	e.step(id, "personalise", "rc2", 200)
	return e.step(id, "issue", "rc", 200)
}

func errCodeOf(m map[string]any) string {
	if e, ok := m["error"].(map[string]any); ok {
		c, _ := e["code"].(string)
		return c
	}
	return ""
}

func TestCardAPI_Lifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCardEnv(t, db)
		p := e.resident(0)
		var cardID string
		t.Run("first card, each step an event with officer and legal basis", func(t *testing.T) {
			s, m, raw := e.call("POST", "/api/v1/persons/"+p.IDNumber+"/cards", "rc", map[string]any{"type": "first", "legal_basis": cardLegal},
				"Idempotency-Key", "card-1")
			if s != 201 || m["status"] != "applied" || m["received_by"] != "rc" {
				t.Fatalf("apply: %d %s", s, raw)
			}
			cardID = m["id"].(string)
			if s, m, _ := e.call("POST", "/api/v1/cards/"+cardID+"/approve", "rc", map[string]any{"legal_basis": cardLegal}); s != 403 || errCodeOf(m) != "forbidden" {
				t.Errorf("the receiving officer approved: %d", s)
			}
			e.step(cardID, "approve", "rc2", 200)
			m = e.step(cardID, "personalise", "rc2", 200)
			if m["serial"] == "" || !strings.HasPrefix(m["seal_qr"].(string), card.SealPrefix) || !strings.HasPrefix(m["printed_qr"].(string), p.IDNumber+"||") {
				t.Errorf("personalised: %v", m)
			}
			m = e.step(cardID, "issue", "rc", 200)
			if m["status"] != "issued" || m["issue_date"] != register.Today(time.Now()) {
				t.Errorf("issued: %v", m)
			}
			want := card.ExpiryDate(p.BirthDate, register.Today(time.Now()))
			if m["expiry_date"] != nil && m["expiry_date"] != string(want) || (m["expiry_date"] == nil && want != "") {
				t.Errorf("expiry %v, want %q", m["expiry_date"], want)
			}
			_, h, raw := e.call("GET", "/api/v1/persons/"+p.IDNumber+"/history", "rc", nil)
			var hist struct {
				Person *register.Person `json:"person"`
				Events []register.Event `json:"events"`
			}
			json.Unmarshal(raw, &hist)
			var kinds []string
			for _, ev := range hist.Events {
				if register.IsCardKind(ev.Kind) {
					kinds = append(kinds, string(ev.Kind))
					if ev.Officer == "" || ev.Legal.DocumentNo != "CC01-123" {
						t.Errorf("event %s without officer or legal basis: %+v", ev.Kind, ev)
					}
				}
			}
			if strings.Join(kinds, ",") != "id_card_applied,id_card_approved,id_card_personalised,id_card_issued" {
				t.Errorf("history: %v (%v)", kinds, h)
			}
			if c := hist.Person.IDCard; c == nil || c.Status != register.CardValid || c.ID != cardID || c.PhotoRef == "" {
				t.Errorf("the record's card: %+v", c)
			}
			// The issuance is a notice to subscribers.
			evs, err := db.PendingEvents(context.Background(), 1000)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, ev := range evs {
				found = found || (ev.Type == "id_card_issued" && ev.PersonID == p.IDNumber)
			}
			if !found {
				t.Error("no id_card_issued notice in the outbox")
			}
		})
		t.Run("forbidden transitions", func(t *testing.T) {
			for _, tc := range []struct {
				name, method, path, who string
				body                    map[string]any
				status                  int
				code                    string
			}{
				{"a second valid card", "POST", "/api/v1/persons/" + p.IDNumber + "/cards", "rc", map[string]any{"type": "first", "legal_basis": cardLegal}, 409, "card_exists"},
				{"a reissue while the card is valid", "POST", "/api/v1/persons/" + p.IDNumber + "/cards", "rc", map[string]any{"type": "reissue", "legal_basis": cardLegal}, 409, "card_exists"},
				{"issuing twice", "POST", "/api/v1/cards/" + cardID + "/issue", "rc", map[string]any{"legal_basis": cardLegal}, 409, "card_invalid_transition"},
				{"no legal basis", "POST", "/api/v1/cards/" + cardID + "/loss", "rc", map[string]any{}, 400, "invalid"},
				{"unknown step", "POST", "/api/v1/cards/" + cardID + "/destroy", "rc", map[string]any{"legal_basis": cardLegal}, 404, "not_found"},
				{"outside the jurisdiction", "POST", "/api/v1/cards/" + cardID + "/loss", "ro", map[string]any{"legal_basis": cardLegal}, 404, "not_found"},
				{"a reader", "POST", "/api/v1/cards/" + cardID + "/loss", "rd", map[string]any{"legal_basis": cardLegal}, 403, "forbidden"},
				{"unknown type", "POST", "/api/v1/persons/" + p.IDNumber + "/cards", "rc", map[string]any{"type": "gold", "legal_basis": cardLegal}, 400, "invalid"},
				{"card events through the events API", "POST", "/api/v1/persons/" + p.IDNumber + "/events", "rc",
					map[string]any{"kind": "id_card_issued", "effective_date": "2026-01-01", "legal_basis": cardLegal, "payload": map[string]any{}}, 400, "invalid"},
			} {
				if s, m, raw := e.call(tc.method, tc.path, tc.who, tc.body); s != tc.status || errCodeOf(m) != tc.code {
					t.Errorf("%s: %d %s, want %d %s", tc.name, s, raw, tc.status, tc.code)
				}
			}
			// A renewal years before it is due.
			if exp := card.ExpiryDate(p.BirthDate, register.Today(time.Now())); exp != "" && !card.DueForRenewal(exp, register.Today(time.Now())) {
				if s, m, raw := e.call("POST", "/api/v1/persons/"+p.IDNumber+"/cards", "rc", map[string]any{"type": "renewal", "legal_basis": cardLegal}); s != 409 || errCodeOf(m) != "card_not_due" {
					t.Errorf("early renewal: %d %s", s, raw)
				}
			}
			// Two applications at once.
			s, m, _ := e.call("POST", "/api/v1/persons/"+p.IDNumber+"/cards", "rc", map[string]any{"type": "replacement", "reason": "damaged", "legal_basis": cardLegal})
			if s != 201 {
				t.Fatalf("replacement: %d %v", s, m)
			}
			if s, m, raw := e.call("POST", "/api/v1/persons/"+p.IDNumber+"/cards", "rc", map[string]any{"type": "replacement", "legal_basis": cardLegal}); s != 409 || errCodeOf(m) != "card_application_open" {
				t.Errorf("second application: %d %s", s, raw)
			}
			e.step(m["id"].(string), "reject", "rc2", 200, "reason", "the card is not damaged")
		})
		t.Run("the storage refuses a second valid card", func(t *testing.T) {
			c, err := db.Card(context.Background(), cardID)
			if err != nil {
				t.Fatal(err)
			}
			dup := *c
			dup.ID, dup.Serial, dup.Version = "card_dup", "DUPDUPDUP", 1
			person, _ := db.Person(context.Background(), p.IDNumber)
			ev := &register.Event{PersonID: p.IDNumber, Seq: person.Version + 1, Kind: register.KindCardApplied, EffectiveDate: "2026-01-01",
				RecordedAt: time.Now(), Officer: "test", Payload: json.RawMessage(`{"card_id":"card_dup"}`)}
			next, _ := register.Apply(person, ev)
			if err := db.CommitCard(context.Background(), []*card.Card{&dup}, register.Record{Event: ev, Person: next}); apperr.Code(err) != "card_exists" {
				t.Errorf("second valid card stored: %v", err)
			}
		})
		t.Run("loss, then a revoked card cannot be issued, then a reissue", func(t *testing.T) {
			m := e.step(cardID, "loss", "rc", 200)
			if m["status"] != "revoked" || m["reason"] != "lost" {
				t.Errorf("loss: %v", m)
			}
			if s, m, raw := e.call("POST", "/api/v1/cards/"+cardID+"/issue", "rc", map[string]any{"legal_basis": cardLegal}); s != 409 || errCodeOf(m) != "card_revoked" {
				t.Errorf("issuing a revoked card: %d %s", s, raw)
			}
			m = e.issue(p, "reissue")
			if m["status"] != "issued" {
				t.Errorf("reissue: %v", m)
			}
			_, m, _ = e.call("GET", "/api/v1/persons/"+p.IDNumber+"/cards", "rc", nil)
			if n := len(m["cards"].([]any)); n != 3 {
				t.Errorf("%d cards listed, want 3 (lost, rejected replacement, reissued)", n)
			}
		})
		t.Run("renewing a dead person", func(t *testing.T) {
			q := e.resident(1)
			e.issue(q, "first")
			s, _, raw := e.call("POST", "/api/v1/persons/"+q.IDNumber+"/events", "rc", map[string]any{"kind": "death", "effective_date": register.Today(time.Now()),
				"legal_basis": cardLegal, "payload": map[string]any{"death_date": register.Today(time.Now())}})
			if s != 201 {
				t.Fatalf("death: %d %s", s, raw)
			}
			for _, typ := range []string{"renewal", "replacement", "reissue"} {
				if s, m, raw := e.call("POST", "/api/v1/persons/"+q.IDNumber+"/cards", "rc", map[string]any{"type": typ, "legal_basis": cardLegal}); s != 409 || errCodeOf(m) != "person_not_living" {
					t.Errorf("%s for a dead person: %d %s", typ, s, raw)
				}
			}
		})
	})
}

// resident returns the i-th living adult of the officers' commune with a
// full birth date (i = 0 is Living(0)).
func (e *cardEnv) resident(i int) *register.Person {
	e.t.Helper()
	for _, p := range e.People {
		if p.Status == register.Living && len(p.BirthDate) == 10 && p.BirthDate.Year() < 2008 && p.Permanent.Commune == e.commune {
			if i == 0 {
				return p
			}
			i--
		}
	}
	e.t.Fatal("not enough residents")
	return nil
}
