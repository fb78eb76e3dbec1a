package httpapi_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/card"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/pki"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// publishedTrust is what an offline verifier downloads: the PEM bundle of
// the published certificates.
func (e *cardEnv) publishedTrust() *pki.Trust {
	e.t.Helper()
	s, _, raw := e.Call("GET", "/api/v1/pki/certificates.pem", "", "", "")
	if s != 200 {
		e.t.Fatalf("certificates.pem: %d", s)
	}
	var certs []*x509.Certificate
	for {
		var b *pem.Block
		if b, raw = pem.Decode(raw); b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			e.t.Fatal(err)
		}
		certs = append(certs, c)
	}
	return pki.NewTrust(certs, nil)
}

func TestCardAPI_Verify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCardEnv(t, db)
		p := e.resident(0)
		issued := e.issue(p, "first")
		id, seal, printed := issued["id"].(string), issued["seal_qr"].(string), issued["printed_qr"].(string)
		_, _, chip := e.call("GET", "/api/v1/cards/"+id+"/chip", "rc", nil)
		var tampered card.Chip
		json.Unmarshal(chip, &tampered)
		tampered.DG2[len(tampered.DG2)-5] ^= 0xff
		badChip, _ := json.Marshal(tampered)
		verify := func(body map[string]any) map[string]any {
			t.Helper()
			s, m, raw := e.call("POST", "/api/v1/cards/verify", "", body)
			if s != 200 {
				t.Fatalf("verify: %d %s", s, raw)
			}
			return m
		}
		for _, tc := range []struct {
			name  string
			body  map[string]any
			want  string
			field string
		}{
			{"the seal", map[string]any{"qr": seal}, card.ResultValid, ""},
			{"printed and seal", map[string]any{"qr": seal, "printed_qr": printed}, card.ResultValid, ""},
			{"printed, name altered", map[string]any{"qr": seal, "printed_qr": strings.Replace(printed, "|"+p.FullName+"|", "|Nguyễn Văn Giả|", 1)}, card.ResultTampered, "full_name"},
			{"printed alone", map[string]any{"qr": printed}, card.ResultUnsigned, ""},
			{"the chip", map[string]any{"chip": json.RawMessage(chip)}, card.ResultValid, ""},
			{"the chip, photo altered", map[string]any{"chip": json.RawMessage(badChip)}, card.ResultTampered, "dg2"},
			{"garbage", map[string]any{"qr": "DCS1:%%%"}, card.ResultMalformed, ""},
		} {
			if m := verify(tc.body); m["result"] != tc.want || (m["field"] != nil && m["field"] != tc.field) || (m["field"] == nil && tc.field != "") {
				t.Errorf("%s: %v, want %s %s", tc.name, m, tc.want, tc.field)
			}
		}
		if s, m, _ := e.call("POST", "/api/v1/cards/verify", "", map[string]any{}); s != 400 || errCodeOf(m) != "invalid" {
			t.Errorf("empty verify: %d", s)
		}
		// Offline, with the published certificates only.
		v := &card.Verifier{Trust: e.publishedTrust()}
		if r := v.Verify(context.Background(), seal); r.Result != card.ResultValid || r.RevocationChecked {
			t.Errorf("offline: %+v", r)
		}
		if r := (&card.Verifier{Trust: e.publishedTrust(), Now: func() time.Time { return time.Now().AddDate(70, 0, 0) }}).Verify(context.Background(), seal); r.Result != card.ResultExpired {
			t.Errorf("offline in 70 years: %s", r.Result)
		}
		// Lost: online at once; offline once the verifier has the new list.
		e.step(id, "loss", "rc", 200)
		if m := verify(map[string]any{"qr": seal}); m["result"] != card.ResultRevoked {
			t.Errorf("a lost card verified online: %v", m)
		}
		time.Sleep(10 * time.Millisecond)
		e.API.PKI.Forget()
		s, _, list := e.Call("GET", "/api/v1/pki/revoked-cards", "", "", "")
		if s != 200 {
			t.Fatalf("revoked-cards: %d", s)
		}
		rl, err := card.ParseRevokedList(list, e.publishedTrust())
		if err != nil {
			t.Fatal(err)
		}
		v.Revocations = rl
		if r := v.Verify(context.Background(), seal); r.Result != card.ResultRevoked {
			t.Errorf("offline with the list: %s", r.Result)
		}
		// A signer revoked by the CSCA: every card it signed reports it.
		dir := pki.KeyDir{Path: ""}
		_ = dir
		certs, _ := db.Certificates(context.Background())
		var signer string
		for _, c := range certs {
			if c.Role == pki.RoleDocumentSigner {
				signer = c.Serial
			}
		}
		if err := db.RevokeCertificate(context.Background(), signer, "keyCompromise", time.Now()); err != nil {
			t.Fatal(err)
		}
		e.API.PKI.Forget()
		q := e.resident(1)
		if m := verify(map[string]any{"qr": seal}); m["result"] != card.ResultSignerRevoked {
			t.Errorf("a card of a revoked signer: %v", m)
		}
		if s, m, raw := e.call("POST", "/api/v1/persons/"+q.IDNumber+"/cards", "rc", map[string]any{"type": "first", "legal_basis": cardLegal}); s == 201 {
			e.step(m["id"].(string), "approve", "rc2", 200)
			if s, m, raw := e.call("POST", "/api/v1/cards/"+m["id"].(string)+"/personalise", "rc2", map[string]any{"legal_basis": cardLegal}); s != 503 || errCodeOf(m) != "pki_not_initialised" {
				t.Errorf("personalised with no valid signer: %d %s", s, raw)
			}
		} else {
			t.Fatalf("apply: %d %s", s, raw)
		}
		// The public list of certificates says which is which.
		_, m, _ := e.call("GET", "/api/v1/pki/certificates", "", nil)
		statuses := map[string]string{}
		for _, c := range m["certificates"].([]any) {
			c := c.(map[string]any)
			statuses[c["role"].(string)] = c["status"].(string)
		}
		if statuses["csca"] != "active" || statuses["document_signer"] != "revoked" || statuses["identity_signer"] != "signing" {
			t.Errorf("statuses: %v", statuses)
		}
	})
}

func TestCardAPI_DueRenewals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCardEnv(t, db)
		today := register.Today(time.Now())
		// Someone whose next replacement age falls within 700 days got a
		// card three years before it: it is due.
		var due *register.Person
		var issuedOn, expires time.Time
		for _, p := range e.People {
			if due != nil || p.Status != register.Living || len(p.BirthDate) != 10 {
				continue
			}
			b, _ := time.Parse(time.DateOnly, string(p.BirthDate))
			for _, age := range card.ReplacementAges {
				at := b.AddDate(age, 0, 0)
				if at.Format(time.DateOnly) > today && at.Before(time.Now().AddDate(0, 0, 700)) && at.Month() == b.Month() {
					due, issuedOn, expires = p, at.AddDate(-3, 0, 0), at
				}
			}
		}
		if due == nil {
			t.Fatal("no one reaches a replacement age within 700 days")
		}
		commune := due.Permanent.Commune
		e.tokens["rdue"] = e.Officer(auth.Officer{Username: "rdue", FullName: "Cán bộ", Role: auth.RoleRegistrar, UnitLevel: auth.LevelCommune, UnitCode: commune})
		e.tokens["rdue2"] = e.Officer(auth.Officer{Username: "rdue2", FullName: "Cán bộ", Role: auth.RoleRegistrar, UnitLevel: auth.LevelCommune, UnitCode: commune})
		past := &card.Service{Store: db, People: db, PKI: e.API.PKI, Log: e.Log, Now: func() time.Time { return issuedOn }}
		officer := auth.Actor{ID: "rdue", Role: auth.RoleRegistrar, UnitLevel: auth.LevelCommune, UnitCode: commune}
		other := auth.Actor{ID: "rdue2", Role: auth.RoleRegistrar, UnitLevel: auth.LevelCommune, UnitCode: commune}
		req := card.Request{Type: card.First, Legal: register.LegalBasis{DocumentNo: "CC01", DocumentDate: "2023-01-01", Issuer: "Công an"}}
		ctx := context.Background()
		c, err := past.Apply(ctx, officer, due.IDNumber, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, step := range []func(context.Context, auth.Actor, string, card.Request) (*card.Card, error){past.Approve, past.Personalise} {
			if _, err := step(ctx, other, c.ID, req); err != nil {
				t.Fatal(err)
			}
		}
		if c, err = past.Issue(ctx, officer, c.ID, req); err != nil {
			t.Fatal(err)
		}
		if c.ExpiryDate != register.Date(expires.Format(time.DateOnly)) {
			t.Fatalf("expiry %s, want %s", c.ExpiryDate, expires.Format(time.DateOnly))
		}
		// A card issued today to someone else is not due.
		e.issue(e.resident(0), "first")

		before := expires.AddDate(0, 0, 1).Format(time.DateOnly)
		s, m, raw := e.call("GET", "/api/v1/cards/due?before="+before, "rdue", nil)
		if s != 200 || len(m["cards"].([]any)) != 1 || m["cards"].([]any)[0].(map[string]any)["id_number"] != due.IDNumber {
			t.Fatalf("due in the commune: %d %s", s, raw)
		}
		if _, m, raw := e.call("GET", "/api/v1/cards/due?limit=1&before="+before, "rdue", nil); m["next_cursor"] == nil {
			t.Errorf("a full page has no cursor: %s", raw)
		} else if _, m, raw := e.call("GET", "/api/v1/cards/due?limit=1&before="+before+"&cursor="+url.QueryEscape(m["next_cursor"].(string)), "rdue", nil); len(m["cards"].([]any)) != 0 {
			t.Errorf("the page after the last: %s", raw)
		}
		if s, m, raw := e.call("GET", "/api/v1/cards/due?before="+expires.AddDate(0, 0, -1).Format(time.DateOnly), "rdue", nil); s != 200 || len(m["cards"].([]any)) != 0 {
			t.Errorf("due before its expiry date: %d %s", s, raw)
		}
		if s, m, raw := e.call("GET", "/api/v1/cards/due/summary?before="+before, "rdue", nil); s != 200 || !strings.Contains(string(raw), `"count":1`) {
			t.Errorf("summary: %d %s %v", s, raw, m)
		}
		if commune != e.commune {
			if s, _, raw := e.call("GET", "/api/v1/cards/due?commune="+commune, "rc", nil); s != 403 {
				t.Errorf("another commune's officer: %d %s", s, raw)
			}
		}
		if s, m, raw := e.call("GET", "/api/v1/cards/due?commune="+commune+"&before="+before, "rd", nil); s != 200 || len(m["cards"].([]any)) != 1 {
			t.Errorf("central reader: %d %s", s, raw)
		}
		if s, m, raw := e.call("GET", "/api/v1/cards/due?before="+before, "rd", nil); s != 400 || errCodeOf(m) != "invalid" {
			t.Errorf("central reader without a unit: %d %s", s, raw)
		}
		// The renewal is due: apply, and the new card replaces the old.
		if s, m, raw := e.call("POST", "/api/v1/persons/"+due.IDNumber+"/cards", "rdue", map[string]any{"type": "renewal", "legal_basis": cardLegal}); s != 201 || m["replaces"] != c.ID {
			t.Fatalf("renewal: %d %s", s, raw)
		} else {
			e.step(m["id"].(string), "approve", "rdue2", 200)
			e.step(m["id"].(string), "personalise", "rdue2", 200)
			e.step(m["id"].(string), "issue", "rdue", 200)
		}
		if old, _ := db.Card(ctx, c.ID); old.Status != card.Revoked || old.Reason != card.ReasonReplaced {
			t.Errorf("the renewed card: %s %s", old.Status, old.Reason)
		}
		if _, m, _ := e.call("GET", "/api/v1/cards/due?before="+before, "rdue", nil); len(m["cards"].([]any)) != 0 {
			t.Errorf("still due after renewal: %v", m)
		}
	})
}

func TestCheckin_DomesticFlight(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCardEnv(t, db)
		p := e.resident(0)
		issued := e.issue(p, "first")
		// The citizen has a level-1 e-ID account: no identity QR yet.
		citizen := e.Citizen(p, "0912000111")
		if s, m, raw := e.call("POST", "/api/v1/eid/me/identity-qr", citizen, nil); s != 403 || errCodeOf(m) != "level2_required" {
			t.Errorf("level 1: %d %s", s, raw)
		}
		if s, _, raw := e.call("POST", "/api/v1/eid/accounts/"+p.IDNumber+"/level2", "rc",
			map[string]any{"chip_read": true, "face_match": true, "document": p.IDNumber}); s != 200 {
			t.Fatalf("level 2: %d %s", s, raw)
		}
		if s, m, raw := e.call("GET", "/api/v1/eid/me/card", citizen, nil); s != 200 || m["serial"] != issued["serial"] {
			t.Errorf("my card: %d %s", s, raw)
		}
		// The airline's policy: name, birth date and photo reference for
		// domestic flights (the ID number always).
		if s, _, raw := e.call("POST", "/api/v1/sharing/policies", "admin", map[string]any{"organisation_id": "vietjet",
			"purpose": "domestic_flight_checkin", "legal_basis": map[string]any{"document_no": "13/2023/TT-BGTVT",
				"document_date": "2023-06-01", "issuer": "Bộ Giao thông vận tải"},
			"fields": []string{"full_name", "birth_date", "photo_ref"}}); s != 201 {
			t.Fatalf("policy: %d %s", s, raw)
		}
		airline := e.Partner("vietjet", &oidc.Client{Scopes: []string{oidc.ScopeCheckin}})
		telco := e.Partner("viettel", &oidc.Client{})

		// At the counter: the app shows a fresh QR, the agent scans it.
		s, m, raw := e.call("POST", "/api/v1/eid/me/identity-qr", citizen, nil)
		if s != 201 || !strings.HasPrefix(m["qr"].(string), card.SealPrefix) {
			t.Fatalf("identity QR: %d %s", s, raw)
		}
		qr := m["qr"].(string)
		until, _ := time.Parse(time.RFC3339, m["valid_until"].(string))
		if d := time.Until(until); d < time.Minute || d > 2*time.Minute {
			t.Errorf("valid for %s, want about 2 minutes", d)
		}
		purpose := []string{"X-Purpose", "domestic_flight_checkin"}
		s, m, raw = e.call("POST", "/api/v1/checkin/verify", airline, map[string]any{"qr": qr}, purpose...)
		if s != 200 || m["result"] != card.ResultValid {
			t.Fatalf("check-in: %d %s", s, raw)
		}
		holder := m["holder"].(map[string]any)
		want := map[string]any{"id_number": p.IDNumber, "full_name": p.FullName, "birth_date": string(p.BirthDate),
			"photo_ref": issued["photo_ref"]}
		if want["photo_ref"] == nil {
			person, _ := db.Person(context.Background(), p.IDNumber)
			want["photo_ref"] = person.IDCard.PhotoRef
		}
		if len(holder) != len(want) {
			t.Errorf("holder %v, want exactly %v", holder, want)
		}
		for k, v := range want {
			if holder[k] != v {
				t.Errorf("holder.%s = %v, want %v", k, holder[k], v)
			}
		}
		// Offline, with the published keys: the same QR verifies, for two
		// minutes only.
		trust := e.publishedTrust()
		if r := (&card.Verifier{Trust: trust}).Verify(context.Background(), qr); r.Result != card.ResultValid || r.Document != card.DocIdentityQR || r.Holder.FullName != p.FullName {
			t.Errorf("offline: %+v", r)
		}
		if r := (&card.Verifier{Trust: trust, Now: func() time.Time { return time.Now().Add(3 * time.Minute) }}).Verify(context.Background(), qr); r.Result != card.ResultExpired {
			t.Errorf("offline after 3 minutes: %s", r.Result)
		}
		// Refusals.
		for _, tc := range []struct {
			name, token string
			headers     []string
			body        map[string]any
			status      int
			code        string
		}{
			{"no purpose", airline, nil, map[string]any{"qr": qr}, 400, "purpose_required"},
			{"a purpose with no policy", airline, []string{"X-Purpose", "marketing"}, map[string]any{"qr": qr}, 403, "purpose_not_allowed"},
			{"a token without the scope", telco, purpose, map[string]any{"qr": qr}, 403, "forbidden"},
			{"a citizen's token", citizen, purpose, map[string]any{"qr": qr}, 401, "unauthorized"},
		} {
			if s, m, raw := e.call("POST", "/api/v1/checkin/verify", tc.token, tc.body, tc.headers...); s != tc.status || errCodeOf(m) != tc.code {
				t.Errorf("%s: %d %s, want %d %s", tc.name, s, raw, tc.status, tc.code)
			}
		}
		// A character of the signature changed (base45 packs 2 bytes in 3).
		i := len(qr) - 6
		forged := qr[:i] + map[bool]string{true: "A", false: "B"}[qr[i] != 'A'] + qr[i+1:]
		if s, m, raw := e.call("POST", "/api/v1/checkin/verify", airline, map[string]any{"qr": forged}, purpose...); s != 200 || (m["result"] != card.ResultTampered && m["result"] != card.ResultMalformed) || m["holder"] != nil {
			t.Errorf("forged QR: %d %s", s, raw)
		}
		if s, m, raw := e.call("POST", "/api/v1/checkin/verify", airline, map[string]any{"qr": issued["seal_qr"]}, purpose...); s != 200 || m["result"] != card.ResultMalformed {
			t.Errorf("a card's seal at check-in: %d %s", s, raw)
		}
		// The citizen sees the airline's check in their access log.
		s, _, raw = e.call("GET", "/api/v1/eid/me/accesslog?limit=50", citizen, nil)
		var log struct {
			Entries []struct {
				Action, Actor, Outcome, Fields, Purpose string
			} `json:"entries"`
		}
		json.Unmarshal(raw, &log)
		found := false
		for _, en := range log.Entries {
			if en.Action == card.ActionCheckin && en.Outcome == "ok" && strings.HasPrefix(en.Actor, "client:") &&
				en.Purpose == "domestic_flight_checkin" && en.Fields == "full_name,birth_date,photo_ref" {
				found = true
			}
		}
		if s != 200 || !found {
			t.Errorf("the check is not in the citizen's log: %d %s", s, raw)
		}
		// A lost card: the QR minted before names it, online says revoked.
		e.step(issued["id"].(string), "loss", "rc", 200)
		if s, m, raw := e.call("POST", "/api/v1/checkin/verify", airline, map[string]any{"qr": qr}, purpose...); s != 200 || m["result"] != card.ResultRevoked {
			t.Errorf("QR of a lost card: %d %s", s, raw)
		}
		// eKYC now answers card attributes.
		ekyc := e.Partner("bank", &oidc.Client{})
		e.issue(p, "reissue")
		person, _ := db.Person(context.Background(), p.IDNumber)
		_, m, raw = e.call("POST", "/api/v1/verify", ekyc, map[string]any{"id_number": p.IDNumber, "card_number": p.IDNumber,
			"card_issue_date": string(person.IDCard.IssueDate)}, "X-Purpose", "account_opening")
		if a, _ := m["attributes"].(map[string]any); a["card_number"] != "match" || a["card_issue_date"] != "match" {
			t.Errorf("eKYC card attributes: %s", raw)
		}
		_, m, raw = e.call("POST", "/api/v1/verify", ekyc, map[string]any{"id_number": p.IDNumber, "card_issue_date": "2001-01-01"}, "X-Purpose", "account_opening")
		if a, _ := m["attributes"].(map[string]any); a["card_issue_date"] != "mismatch" {
			t.Errorf("eKYC another issue date: %s", raw)
		}
	})
}
