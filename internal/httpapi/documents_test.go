package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/documents"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/sdjwt"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// Document types of the tests.
const (
	vctLicence   = "https://gplx.csgt.vn/vct/driving-licence"
	vctInsurance = "https://baohiemxahoi.gov.vn/vct/health-insurance"
)

// licenceClaims is a driving licence of a citizen, with a status list
// reference when idx >= 0.
func licenceClaims(e *docEnv, c docCitizen, classes []string, idx int) map[string]any {
	cats := make([]any, len(classes))
	for i, cl := range classes {
		cats[i] = map[string]any{"class": cl, "expires": "2036-01-01"}
	}
	claims := map[string]any{
		"vct": vctLicence, "iat": time.Now().Unix(), "exp": time.Now().Add(365 * 24 * time.Hour).Unix(),
		"sub": c.idNumber, "licence_number": "460" + c.idNumber[3:], "full_name": c.person.FullName,
		"birth_date": string(c.person.BirthDate), "address": map[string]any{"street": "Số 5 Lê Lợi", "commune": "19753", "province": "46"},
		"categories": cats,
	}
	if idx >= 0 {
		claims["status"] = map[string]any{"status_list": map[string]any{"idx": idx,
			"uri": e.url + "/api/v1/documents/providers/org-gplx/status-list"}}
	}
	return claims
}

// licencePaths are the claims a licence makes selectively disclosable.
var licencePaths = []sdjwt.Path{{"licence_number"}, {"full_name"}, {"birth_date"}, {"address"}, {"address", "street"},
	{"categories", nil}, {"categories", nil, "class"}, {"categories", nil, "expires"}}

func push(e *docEnv, token string, c docCitizen, docID, cred string, headers ...string) (int, map[string]any, []byte) {
	e.t.Helper()
	return e.call("POST", "/api/v1/documents", token, map[string]any{"id_number": c.idNumber, "document_id": docID,
		"credential": cred}, headers...)
}

func TestDocumentsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newDocEnv(t, db)
		gplx := e.provider(e.organisation("org-gplx", "Cục Cảnh sát giao thông"), vctLicence)
		bhxh := e.provider(e.organisation("org-bhxh", "Bảo hiểm xã hội Việt Nam"), vctInsurance)
		e.organisation("org-bank", "Ngân hàng thử")
		gplxTok := e.partner("org-gplx", oidc.ScopeDocuments)
		bhxhTok := e.partner("org-bhxh", oidc.ScopeDocuments)
		bankTok := e.partner("org-bank", oidc.ScopeDocuments)
		noScope := e.partner("org-gplx", oidc.ScopeVerify)
		an, binh := e.citizen(), e.citizen()
		var docID string

		t.Run("providers", func(t *testing.T) {
			ekyc := e.officer(auth.Officer{Username: "reader1", FullName: "Cán bộ đọc", Role: auth.RoleReader, UnitLevel: auth.LevelCentral})
			if st, m, _ := e.call("GET", "/api/v1/documents/providers", ekyc, nil); st != 403 || errCode(m) != "forbidden" {
				t.Errorf("a reader listed providers: %d %v", st, m)
			}
			st, m, _ := e.call("GET", "/api/v1/documents/providers", e.admin, nil)
			if ps, _ := m["providers"].([]any); st != 200 || len(ps) != 2 {
				t.Errorf("providers: %d %v", st, m)
			}
			priv := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{gplx.key}} // with its private part
			tests := []struct {
				name string
				body map[string]any
				code string
			}{
				{"private key", map[string]any{"organisation_id": "org-bank", "vcts": []string{"urn:x"}, "jwks": priv}, "invalid"},
				{"no vct", map[string]any{"organisation_id": "org-bank", "vcts": []string{}, "jwks": jose.JSONWebKeySet{Keys: []jose.JSONWebKey{gplx.key.Public()}}}, "invalid"},
				{"unknown organisation", map[string]any{"organisation_id": "org-none", "vcts": []string{"urn:x"}, "jwks": jose.JSONWebKeySet{Keys: []jose.JSONWebKey{gplx.key.Public()}}}, "not_found"},
				{"issuer taken", map[string]any{"organisation_id": "org-bank", "issuer": gplx.issuer, "vcts": []string{"urn:x"}, "jwks": jose.JSONWebKeySet{Keys: []jose.JSONWebKey{gplx.key.Public()}}}, "conflict"},
			}
			for _, tt := range tests {
				if st, m, raw := e.call("POST", "/api/v1/documents/providers", e.admin, tt.body); errCode(m) != tt.code {
					t.Errorf("%s: %d %s, want %s", tt.name, st, raw, tt.code)
				}
			}
			if st, m, _ := e.call("POST", "/api/v1/documents/providers", ekyc, map[string]any{"organisation_id": "org-bank"}); st != 403 {
				t.Errorf("a reader registered a provider: %d %v", st, m)
			}
			st, m, _ = e.call("GET", "/api/v1/documents/providers/org-gplx/jwks", "", nil)
			if keys, _ := m["keys"].([]any); st != 200 || len(keys) != 1 || m["issuer"] != gplx.issuer {
				t.Errorf("public jwks: %d %v", st, m)
			}
		})

		t.Run("push, replay, update", func(t *testing.T) {
			cred := gplx.issue(t, licenceClaims(e, an, []string{"A1"}, 7), licencePaths...)
			st, m, raw := push(e, gplxTok, an, "GPLX-0001", cred, "Idempotency-Key", "push-1")
			if st != 201 || m["version"] != 1.0 || m["status"] != "valid" {
				t.Fatalf("push: %d %s", st, raw)
			}
			docID = m["id"].(string)
			st, m, _ = push(e, gplxTok, an, "GPLX-0001", cred, "Idempotency-Key", "push-1")
			if st != 201 || m["id"] != docID || m["_replayed"] != true {
				t.Errorf("replay: %d %v", st, m)
			}
			other := gplx.issue(t, licenceClaims(e, an, []string{"A2"}, 7), licencePaths...)
			if st, m, _ := push(e, gplxTok, an, "GPLX-0001", other, "Idempotency-Key", "push-1"); st != 422 || errCode(m) != "idempotency_key_reused" {
				t.Errorf("key reused with another body: %d %v", st, m)
			}
			upd := gplx.issue(t, licenceClaims(e, an, []string{"A1", "B"}, 8), licencePaths...)
			st, m, raw = push(e, gplxTok, an, "GPLX-0001", upd, "Idempotency-Key", "push-2")
			if st != 200 || m["id"] != docID || m["version"] != 2.0 || m["status_index"] != 8.0 {
				t.Fatalf("update: %d %s", st, raw)
			}
			st, m, raw = e.call("GET", "/api/v1/documents/"+docID, gplxTok, nil)
			if vs, _ := m["versions"].([]any); st != 200 || len(vs) != 2 || vs[0].(map[string]any)["superseded_at"] == nil {
				t.Errorf("provider's view with history: %d %s", st, raw)
			}
		})

		t.Run("refused pushes store nothing", func(t *testing.T) {
			unknown := an
			unknown.idNumber = unusedIDNumber(t, db, an.idNumber)
			badURI := licenceClaims(e, binh, []string{"A1"}, 9)
			badURI["status"] = map[string]any{"status_list": map[string]any{"idx": 9, "uri": "https://elsewhere.example/list"}}
			wrongType := licenceClaims(e, binh, []string{"A1"}, -1)
			wrongType["vct"] = vctInsurance
			tests := []struct {
				name   string
				token  string
				who    docCitizen
				cred   string
				status int
				code   string
			}{
				{"signed by another provider's key", gplxTok, binh, docProvider{issuer: gplx.issuer, key: bhxh.key}.issue(t,
					licenceClaims(e, binh, []string{"A1"}, -1), licencePaths...), 422, "credential_invalid"},
				{"an unregistered document type", gplxTok, binh, gplx.issue(t, wrongType), 403, "document_type_not_allowed"},
				{"an unknown citizen", gplxTok, unknown, gplx.issue(t, licenceClaims(e, unknown, []string{"A1"}, -1)), 404, "not_found"},
				{"sub is someone else", gplxTok, binh, gplx.issue(t, licenceClaims(e, an, []string{"A1"}, -1)), 422, "subject_mismatch"},
				{"another issuer's iss", gplxTok, binh, docProvider{issuer: bhxh.issuer, key: gplx.key}.issue(t,
					licenceClaims(e, binh, []string{"A1"}, -1)), 422, "credential_invalid"},
				{"a status list elsewhere", gplxTok, binh, gplx.issue(t, badURI), 422, "credential_invalid"},
				{"a status index of another document", gplxTok, binh, gplx.issue(t, licenceClaims(e, binh, []string{"A1"}, 8)), 409, "conflict"},
				{"an iss that is disclosable", gplxTok, binh, gplx.issue(t, licenceClaims(e, binh, []string{"A1"}, -1), sdjwt.Path{"iss"}), 422, "credential_invalid"},
				{"not a credential", gplxTok, binh, "eyJhbGciOiJub25lIn0.e30.", 422, "credential_invalid"},
				{"an organisation that is no provider", bankTok, binh, gplx.issue(t, licenceClaims(e, binh, []string{"A1"}, -1)), 403, "provider_not_registered"},
				{"a token without documents.issue", noScope, binh, gplx.issue(t, licenceClaims(e, binh, []string{"A1"}, -1)), 403, "forbidden"},
				{"no token", "", binh, gplx.issue(t, licenceClaims(e, binh, []string{"A1"}, -1)), 401, "unauthorized"},
			}
			for _, tt := range tests {
				st, m, raw := push(e, tt.token, tt.who, "GPLX-0002", tt.cred)
				if st != tt.status || errCode(m) != tt.code {
					t.Errorf("%s: %d %s, want %d %s", tt.name, st, raw, tt.status, tt.code)
				}
			}
			for _, c := range []docCitizen{binh, unknown} {
				if ds, err := db.DocumentsOf(context.Background(), c.idNumber); err != nil || len(ds) != 0 {
					t.Errorf("documents stored for a refused push: %v %v", ds, err)
				}
			}
			refused := 0
			for _, en := range e.entries(binh.idNumber) {
				if en.Action == documents.ActionPush && en.Outcome != "ok" {
					refused++
				}
			}
			if refused < 6 {
				t.Errorf("%d refused pushes logged, want each one", refused)
			}
		})

		var presentation string
		t.Run("citizen lists and presents selectively", func(t *testing.T) {
			st, m, raw := e.call("GET", "/api/v1/eid/me/documents", an.token, nil)
			ds, _ := m["documents"].([]any)
			if st != 200 || len(ds) != 1 {
				t.Fatalf("list: %d %s", st, raw)
			}
			d := ds[0].(map[string]any)
			if d["vct"] != vctLicence || d["issuer"] != gplx.issuer || d["status"] != "valid" || d["valid"] != true ||
				d["provider_name"] != "Cục Cảnh sát giao thông" || d["expires_at"] == nil {
				t.Errorf("summary %v", d)
			}
			st, m, raw = e.call("GET", "/api/v1/eid/me/documents/"+docID, an.token, nil)
			claims, _ := m["claims"].(map[string]any)
			if st != 200 || claims["full_name"] != an.person.FullName || len(m["disclosable"].([]any)) == 0 {
				t.Fatalf("detail: %d %s", st, raw)
			}
			st, m, raw = e.call("POST", "/api/v1/eid/me/documents/"+docID+"/presentations", an.token,
				map[string]any{"disclose": []any{"full_name", []any{"categories", nil, "class"}}})
			if st != 201 {
				t.Fatalf("presentation: %d %s", st, raw)
			}
			presentation = m["presentation"].(string)
			st, m, raw = e.call("POST", "/api/v1/presentations/verify", "", map[string]any{"presentation": presentation})
			if st != 200 || m["valid"] != true || m["status"] != "valid" || m["vct"] != vctLicence || m["issuer"] != gplx.issuer {
				t.Fatalf("verify: %d %s", st, raw)
			}
			got := m["claims"].(map[string]any)
			if got["full_name"] != an.person.FullName || fmt.Sprint(got["categories"]) != "[map[class:A1] map[class:B]]" {
				t.Errorf("disclosed claims %v", got)
			}
			// The holder's log shows the check: anonymous, the claims seen.
			checked := false
			for _, en := range e.entries(an.idNumber) {
				if en.Action == documents.ActionVerifyPresentation && en.Actor == "anonymous" && en.Outcome == "valid" &&
					en.Fields == "categories,full_name" {
					checked = true
				}
			}
			if !checked {
				t.Errorf("no access-log entry of the presentation's verification: %+v", e.entries(an.idNumber))
			}
			for _, hidden := range []string{"address", "birth_date", "licence_number"} {
				if _, ok := got[hidden]; ok {
					t.Errorf("%s was disclosed: %v", hidden, got)
				}
			}
			if st, m, _ := e.call("POST", "/api/v1/eid/me/documents/"+docID+"/presentations", an.token,
				map[string]any{"disclose": []any{"blood_type"}}); st != 400 || errCode(m) != "invalid" {
				t.Errorf("a claim the document lacks: %d %v", st, m)
			}
			other, _ := sdjwt.Parse(gplx.issue(t, licenceClaims(e, an, []string{"C"}, -1), licencePaths...))
			tampered := strings.Replace(presentation, "~", "~"+other.Disclosures[0].Encoded+"~", 1)
			if st, m, _ := e.call("POST", "/api/v1/presentations/verify", "", map[string]any{"presentation": tampered}); st != 422 || errCode(m) != "credential_invalid" {
				t.Errorf("a presentation with another credential's disclosure: %d %v", st, m)
			}
			logged := false
			for _, en := range e.entries(an.idNumber) {
				if en.Action == documents.ActionPresent && en.Actor == "citizen:"+an.accountID && en.Fields == "full_name,categories.*.class" {
					logged = true
				}
			}
			if !logged {
				t.Error("the presentation is not in the citizen's access log")
			}
		})

		t.Run("offline verification with published keys and status list", func(t *testing.T) {
			keys := fetchJWKS(t, e, "/api/v1/documents/providers/org-gplx/jwks")
			res, err := sdjwt.Verify(presentation, sdjwt.VerifyOptions{Keys: keys, Types: []string{"dc+sd-jwt"}})
			if err != nil {
				t.Fatal(err)
			}
			uri := res.Claims["status"].(map[string]any)["status_list"].(map[string]any)["uri"].(string)
			if got := statusAt(t, e, uri, 8); got != 0 {
				t.Errorf("status of the current version %d, want 0", got)
			}
			if got := statusAt(t, e, uri, 7); got != 1 {
				t.Errorf("status of the replaced version's index %d, want 1 (invalid)", got)
			}
		})

		t.Run("suspension is reflected", func(t *testing.T) {
			st, m, raw := e.call("POST", "/api/v1/documents/"+docID+"/status", gplxTok, map[string]any{"status": "suspended",
				"reason": "tạm giữ giấy phép"}, "Idempotency-Key", "suspend-1")
			if st != 200 || m["status"] != "suspended" {
				t.Fatalf("suspend: %d %s", st, raw)
			}
			_, m, _ = e.call("POST", "/api/v1/presentations/verify", "", map[string]any{"presentation": presentation})
			if m["valid"] != false || m["status"] != "suspended" {
				t.Errorf("verify after suspension: %v", m)
			}
			if got := statusAt(t, e, e.url+"/api/v1/documents/providers/org-gplx/status-list", 8); got != 2 {
				t.Errorf("status list value %d, want 2 (suspended)", got)
			}
			_, m, _ = e.call("GET", "/api/v1/eid/me/documents", an.token, nil)
			if d := m["documents"].([]any)[0].(map[string]any); d["status"] != "suspended" || d["valid"] != false {
				t.Errorf("citizen's list after suspension: %v", d)
			}
			if st, m, _ := e.call("POST", "/api/v1/documents/"+docID+"/status", gplxTok, map[string]any{"status": "valid"}); st != 200 || m["status"] != "valid" {
				t.Errorf("reinstate: %d %v", st, m)
			}
		})

		t.Run("a credential without a status claim", func(t *testing.T) {
			card := bhxh.issue(t, map[string]any{"vct": vctInsurance, "sub": an.idNumber, "card_number": "DN4" + an.idNumber[2:],
				"hospital": "Bệnh viện Trung ương Huế"}, sdjwt.Path{"hospital"})
			st, m, raw := push(e, bhxhTok, an, "BHYT-1", card)
			if st != 201 {
				t.Fatalf("push: %d %s", st, raw)
			}
			id := m["id"].(string)
			e.call("POST", "/api/v1/documents/"+id+"/status", bhxhTok, map[string]any{"status": "suspended"})
			_, m, _ = e.call("POST", "/api/v1/eid/me/documents/"+id+"/presentations", an.token, map[string]any{"disclose": []any{}})
			_, m, raw = e.call("POST", "/api/v1/presentations/verify", "", map[string]any{"presentation": m["presentation"]})
			if m["status"] != "suspended" || m["valid"] != false {
				t.Errorf("verify: %s", raw)
			}
		})

		t.Run("another provider cannot touch the document", func(t *testing.T) {
			st, m, _ := e.call("GET", "/api/v1/documents/"+docID, bhxhTok, nil)
			st2, m2, _ := e.call("POST", "/api/v1/documents/"+docID+"/status", bhxhTok, map[string]any{"status": "revoked"})
			if st != 404 || errCode(m) != "not_found" || st2 != 404 || errCode(m2) != "not_found" {
				t.Errorf("another provider: %d %v / %d %v", st, m, st2, m2)
			}
			if _, m, _ := e.call("POST", "/api/v1/presentations/verify", "", map[string]any{"presentation": presentation}); m["status"] != "valid" {
				t.Errorf("the other provider changed the status: %v", m)
			}
			denied := 0
			for _, en := range e.entries(an.idNumber) {
				if strings.HasPrefix(en.Action, "document.") && en.Outcome == "denied" && en.Org == "org-bhxh" {
					denied++
				}
			}
			if denied != 2 {
				t.Errorf("%d denied attempts by the other provider logged, want 2", denied)
			}
		})

		t.Run("another citizen cannot see it", func(t *testing.T) {
			st, m, _ := e.call("GET", "/api/v1/eid/me/documents/"+docID, binh.token, nil)
			st2, m2, _ := e.call("POST", "/api/v1/eid/me/documents/"+docID+"/presentations", binh.token, map[string]any{"disclose": []any{"full_name"}})
			if st != 404 || errCode(m) != "not_found" || st2 != 404 || errCode(m2) != "not_found" {
				t.Errorf("another citizen: %d %v / %d %v", st, m, st2, m2)
			}
			if _, m, _ := e.call("GET", "/api/v1/eid/me/documents", binh.token, nil); len(m["documents"].([]any)) != 0 {
				t.Errorf("another citizen's list: %v", m)
			}
			denied := 0
			for _, en := range e.entries(an.idNumber) {
				if en.Actor == "citizen:"+binh.accountID && en.Outcome == "denied" {
					denied++
				}
			}
			if denied != 2 {
				t.Errorf("%d denied attempts by the other citizen logged, want 2", denied)
			}
		})

		t.Run("revocation is final", func(t *testing.T) {
			if st, m, _ := e.call("POST", "/api/v1/documents/"+docID+"/status", gplxTok, map[string]any{"status": "revoked"}); st != 200 || m["status"] != "revoked" {
				t.Fatalf("revoke: %d %v", st, m)
			}
			if got := statusAt(t, e, e.url+"/api/v1/documents/providers/org-gplx/status-list", 8); got != 1 {
				t.Errorf("status list value %d, want 1 (invalid)", got)
			}
			if st, m, _ := e.call("POST", "/api/v1/documents/"+docID+"/status", gplxTok, map[string]any{"status": "valid"}); st != 409 || errCode(m) != "document_revoked" {
				t.Errorf("reinstating a revoked document: %d %v", st, m)
			}
			again := gplx.issue(t, licenceClaims(e, an, []string{"A1"}, 20), licencePaths...)
			if st, m, _ := push(e, gplxTok, an, "GPLX-0001", again); st != 409 || errCode(m) != "document_revoked" {
				t.Errorf("updating a revoked document: %d %v", st, m)
			}
			if st, m, _ := e.call("POST", "/api/v1/eid/me/documents/"+docID+"/presentations", an.token, map[string]any{}); st != 409 {
				t.Errorf("presenting a revoked document: %d %v", st, m)
			}
			_, m, _ := e.call("POST", "/api/v1/presentations/verify", "", map[string]any{"presentation": presentation})
			if m["status"] != "revoked" || m["valid"] != false {
				t.Errorf("verify after revocation: %v", m)
			}
		})

		entries := e.entries(an.idNumber)
		actions := map[string]bool{}
		for _, en := range entries {
			actions[en.Action+"/"+en.Outcome] = true
		}
		for _, want := range []string{"document.push/ok", "document.update/ok", "document.status/ok", "document.present/ok", "document.read/denied"} {
			if !actions[want] {
				t.Errorf("no %s entry in the citizen's access log: %v", want, actions)
			}
		}
	})
}

// unusedIDNumber returns a valid ID number of the same prefix that no one in
// the register holds.
func unusedIDNumber(t *testing.T, db *store.DB, like string) string {
	t.Helper()
	for i := 0; i < 1000; i++ {
		n := like[:6] + fmt.Sprintf("%06d", (i*7919+13)%1000000)
		if _, err := db.Person(context.Background(), n); err != nil {
			return n
		}
	}
	t.Fatal("no unused ID number")
	return ""
}

func fetchJWKS(t *testing.T, e *docEnv, path string) jose.JSONWebKeySet {
	t.Helper()
	st, _, raw := e.call("GET", path, "", nil)
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); st != 200 || err != nil {
		t.Fatalf("%s: %d %s", path, st, raw)
	}
	return set
}

// statusAt fetches a status list token as a verifier would, checks its
// signature with dancu's published status keys and returns one entry.
func statusAt(t *testing.T, e *docEnv, uri string, idx int) byte {
	t.Helper()
	resp, err := e.client.Get(uri)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/statuslist+jwt" {
		t.Fatalf("status list: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), raw)
	}
	jws, err := jose.ParseSignedCompact(string(raw), []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	if typ := jws.Signatures[0].Protected.ExtraHeaders["typ"]; typ != "statuslist+jwt" {
		t.Errorf("typ %v", typ)
	}
	keys := fetchJWKS(t, e, "/api/v1/documents/status-keys")
	payload, err := jws.Verify(keys.Key(jws.Signatures[0].Protected.KeyID)[0])
	if err != nil {
		t.Fatalf("status list signature: %v", err)
	}
	var tok struct {
		Sub        string
		StatusList struct {
			Bits int
			Lst  string
		} `json:"status_list"`
	}
	json.Unmarshal(payload, &tok)
	if tok.Sub != uri {
		t.Errorf("sub %q, want %q", tok.Sub, uri)
	}
	list, err := documents.DecodeStatusList(tok.StatusList.Lst, tok.StatusList.Bits)
	if err != nil || list.Len() <= idx || !slices.Contains([]int{2}, tok.StatusList.Bits) {
		t.Fatalf("status list: %v (%d entries, %d bits)", err, list.Len(), tok.StatusList.Bits)
	}
	return list.Get(idx)
}
