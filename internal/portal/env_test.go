package portal_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/portal"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// env is a running dancu with a citizen, officers of the citizen's
// commune, of another commune and of the province.
type env struct {
	*testenv.Env
	applicant   *register.Person
	citizen     string // the applicant's session token
	other       string // another citizen's session token
	commune     string // registrar of the applicant's commune
	elsewhere   string // registrar of another commune
	province    string // registrar of the province
	reader      string // reader of the applicant's commune
	communeCode string
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	te := testenv.NewWith(t, db, testenv.Options{People: 300, Seed: 7})
	e := &env{Env: te}
	// An applicant in a household, with a permanent residence.
	for i := 0; ; i++ {
		p := te.Living(i)
		if p.HouseholdID != "" && p.Permanent != nil && p.BirthDate.Year() < 1995 {
			e.applicant = p
			break
		}
	}
	e.citizen = te.Citizen(e.applicant, "0912000001")
	te.UploadPaper(e.citizen)
	for i := 0; ; i++ {
		if p := te.Living(i); p.IDNumber != e.applicant.IDNumber {
			e.other = te.Citizen(p, "0912000002")
			break
		}
	}
	e.communeCode = e.applicant.Permanent.Commune
	e.commune = te.Officer(auth.Officer{Username: "xa", FullName: "Cán bộ Xã", Role: auth.RoleRegistrar, UnitCode: e.communeCode, UnitLevel: auth.LevelCommune})
	otherCommune := "00004"
	for _, p := range te.People {
		if p.Permanent != nil && p.Permanent.Commune != e.communeCode {
			otherCommune = p.Permanent.Commune
			break
		}
	}
	e.elsewhere = te.Officer(auth.Officer{Username: "xakhac", FullName: "Cán bộ Xã Khác", Role: auth.RoleRegistrar, UnitCode: otherCommune, UnitLevel: auth.LevelCommune})
	e.province = te.Officer(auth.Officer{Username: "tinh", FullName: "Cán bộ Tỉnh", Role: auth.RoleRegistrar, UnitCode: e.applicant.Permanent.Province, UnitLevel: auth.LevelProvince})
	e.reader = te.Officer(auth.Officer{Username: "doc", FullName: "Cán bộ Đọc", Role: auth.RoleReader, UnitCode: e.communeCode, UnitLevel: auth.LevelCommune})
	return e
}

// call makes a request and decodes a JSON answer, failing unless the
// status is want.
func (e *env) call(method, path, token, body string, want int, headers ...string) map[string]any {
	e.T.Helper()
	status, _, b := e.Call(method, path, token, "application/json", body, headers...)
	if status != want {
		e.T.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, b)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// errField returns an error answer's field.
func errField(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	f, _ := e["field"].(string)
	return f
}

func dossiers(m map[string]any) []map[string]any {
	var out []map[string]any
	for _, d := range m["dossiers"].([]any) {
		out = append(out, d.(map[string]any))
	}
	return out
}

// doc is a paper the applicant uploaded (newEnv).
var doc = `{"code":"medical_birth_certificate","file_name":"giay-chung-sinh.pdf","sha256":"` + testenv.PaperSHA256() + `"}`

func (e *env) newbornBody() string {
	rel := "father"
	if e.applicant.Gender == idnum.Female {
		rel = "mother"
	}
	return `{"procedure":"newborn_linked","fields":{"applicant_relation":"` + rel + `",
		"child_full_name":"Nguyễn Thị Bé","child_gender":"female","child_birth_date":"` + time.Now().AddDate(0, 0, -3).Format("2006-01-02") + `",
		"child_birth_place":"Bệnh viện Trung ương Huế","child_ethnicity":"01","health_facility":"Trạm y tế phường"},
		"documents":[` + doc + `]}`
}

func TestPortal_Newborn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		t.Run("prefilled field refused", func(t *testing.T) {
			body := strings.Replace(e.newbornBody(), `"applicant_relation"`, `"applicant_full_name":"Ai Đó","applicant_relation"`, 1)
			if m := e.call("POST", "/api/v1/portal/dossiers", e.citizen, body, 400); !strings.Contains(m["error"].(map[string]any)["field"].(string), "applicant_full_name") {
				t.Fatalf("got %v", m)
			}
		})
		t.Run("form prefills from the register", func(t *testing.T) {
			m := e.call("GET", "/api/v1/portal/procedures/newborn_linked/form", e.citizen, "", 200)
			pre := m["prefilled"].(map[string]any)
			if pre["applicant_full_name"] != e.applicant.FullName || pre["residence_commune"] != e.communeCode {
				t.Fatalf("prefilled %v", pre)
			}
		})

		m := e.call("POST", "/api/v1/portal/dossiers", e.citizen, e.newbornBody(), 201, "Idempotency-Key", "newborn-1")
		ds := dossiers(m)
		if len(ds) != 3 {
			t.Fatalf("%d dossiers, want 3", len(ds))
		}
		byProc := map[string]map[string]any{}
		for _, d := range ds {
			byProc[d["procedure"].(string)] = d
			if d["group_id"] == "" || d["state"] != "submitted" || d["applicant_id"] != e.applicant.IDNumber {
				t.Errorf("dossier %v", d)
			}
		}
		birth, res, hi := byProc["birth_registration"], byProc["permanent_residence_newborn"], byProc["health_insurance_child"]
		if birth["unit_code"] != e.communeCode || res["unit_code"] != e.communeCode || hi["unit_level"] != "province" {
			t.Fatalf("offices: %v %v %v", birth["unit_code"], res["unit_code"], hi["unit_level"])
		}
		t.Run("replay", func(t *testing.T) {
			status, h, b := e.Call("POST", "/api/v1/portal/dossiers", e.citizen, "application/json", e.newbornBody(), "Idempotency-Key", "newborn-1")
			if status != 201 || h.Get("Idempotent-Replayed") != "true" || !strings.Contains(string(b), birth["id"].(string)) {
				t.Fatalf("replay: %d %s", status, b)
			}
			if n := len(dossiers(e.call("GET", "/api/v1/portal/dossiers", e.citizen, "", 200))); n != 3 {
				t.Fatalf("%d dossiers after a replay, want 3", n)
			}
		})
		bid, rid, hid := birth["id"].(string), res["id"].(string), hi["id"].(string)

		// The residence part waits for the birth.
		e.call("POST", "/api/v1/dossiers/"+rid+"/receive", e.commune, "", 200)
		if m := e.call("POST", "/api/v1/dossiers/"+rid+"/approve", e.commune, "", 409); errCode(m) != "conflict" {
			t.Fatalf("approve before the birth: %v", m)
		}
		// The commune officer does not see the province's dossier.
		e.call("GET", "/api/v1/dossiers/"+hid, e.commune, "", 404)

		e.call("POST", "/api/v1/dossiers/"+bid+"/receive", e.commune, `{"note":"đủ giấy tờ"}`, 200)
		m = e.call("POST", "/api/v1/dossiers/"+bid+"/approve", e.commune, "", 200)
		child := m["subject_id"].(string)
		if _, err := idnum.Parse(child); err != nil || m["state"] != "approved" {
			t.Fatalf("approved birth: %v", m)
		}
		// The person exists in the register, with the dossier as legal basis.
		p := e.call("GET", "/api/v1/persons/"+child, e.commune, "", 200)
		if p["full_name"] != "Nguyễn Thị Bé" || p["household_id"] != e.applicant.HouseholdID {
			t.Fatalf("person %v", p)
		}
		h := e.call("GET", "/api/v1/persons/"+child+"/history", e.commune, "", 200)
		if !strings.Contains(mustJSON(h), bid) {
			t.Fatalf("the birth event does not name the dossier: %v", h)
		}
		// The linked dossiers now concern the child.
		for _, id := range []string{rid, hid} {
			if d := e.call("GET", "/api/v1/portal/dossiers/"+id, e.citizen, "", 200); d["subject_id"] != child {
				t.Fatalf("linked dossier %s: subject %v, want %s", id, d["subject_id"], child)
			}
		}
		e.call("POST", "/api/v1/dossiers/"+rid+"/approve", e.commune, "", 200)
		e.call("POST", "/api/v1/dossiers/"+hid+"/receive", e.province, "", 200)
		e.call("POST", "/api/v1/dossiers/"+hid+"/approve", e.province, "", 200)

		// The result: a signed PDF whose QR leads to the verification.
		m = e.call("POST", "/api/v1/dossiers/"+bid+"/issue-result", e.commune, "", 200)
		if m["state"] != "result_issued" || m["result_id"] == "" {
			t.Fatalf("issued: %v", m)
		}
		status, hdr, pdf := e.Call("GET", "/api/v1/portal/dossiers/"+bid+"/result", e.citizen, "", "")
		if status != 200 || !strings.HasPrefix(string(pdf), "%PDF-") || hdr.Get("Content-Type") != "application/pdf" {
			t.Fatalf("result: %d %.40s", status, pdf)
		}
		_, _, sig := e.Call("GET", "/api/v1/portal/dossiers/"+bid+"/result/signature", e.citizen, "", "")
		_, _, jwks := e.Call("GET", "/api/v1/portal/keys", "", "", "")
		var keys jose.JSONWebKeySet
		if err := json.Unmarshal(jwks, &keys); err != nil {
			t.Fatal(err)
		}
		if err := portal.VerifyDetached(string(sig), pdf, keys); err != nil {
			t.Fatalf("the PDF's signature does not verify with the published keys: %v", err)
		}
		if err := portal.VerifyDetached(string(sig), append(pdf, ' '), keys); err == nil {
			t.Fatal("the signature verifies a changed PDF")
		}
		verify := hdr.Get("X-Verify-URL")
		if !strings.HasPrefix(verify, e.URL+"/verify/") {
			t.Fatalf("verify URL %q", verify)
		}
		// The PDF embeds the QR code of the verification URL (fpdf keeps a
		// PNG's compressed image data as it is).
		qr, err := portal.VerificationQR(verify)
		if err != nil || !bytes.Contains(pdf, idat(t, qr)) {
			t.Fatalf("the PDF does not carry the QR code of %s (%v)", verify, err)
		}
		sum := sha256.Sum256(pdf)
		v := e.call("GET", strings.TrimPrefix(verify, e.URL)+"?sha256="+hex.EncodeToString(sum[:]), "", "", 200)
		if v["signature_valid"] != true || v["matches"] != true || v["procedure"] != "birth_registration" {
			t.Fatalf("verification: %v", v)
		}
		if v := e.call("GET", strings.TrimPrefix(verify, e.URL)+"?sha256=00", "", "", 200); v["matches"] != false {
			t.Fatalf("verification of another file: %v", v)
		}
		e.call("GET", "/verify/KQ-NOPE", "", "", 404)

		// The citizen was told of every step.
		n := e.call("GET", "/api/v1/portal/notifications?limit=200", e.citizen, "", 200)
		if got := len(n["notifications"].([]any)); got < 10 {
			t.Fatalf("%d notifications, want one per step (10)", got)
		}
	})
}

// idat returns the compressed image data of a PNG: its IDAT chunks.
func idat(t *testing.T, png []byte) []byte {
	t.Helper()
	var out []byte
	for b := png[8:]; len(b) >= 12; {
		n := int(binary.BigEndian.Uint32(b))
		if string(b[4:8]) == "IDAT" {
			out = append(out, b[8:8+n]...)
		}
		b = b[12+n:]
	}
	if len(out) == 0 {
		t.Fatal("no IDAT in the PNG")
	}
	return out
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestPortal_Transitions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		body := `{"procedure":"temporary_residence_registration","fields":{"temporary_commune":"` + e.communeCode + `",
			"temporary_address":"Số 9 Lê Lợi","until":"2027-12-31","reason":"work"},
			"documents":[{"code":"proof_of_home","file_name":"hop-dong.pdf","sha256":"` + testenv.PaperSHA256() + `"}]}`
		d := dossiers(e.call("POST", "/api/v1/portal/dossiers", e.citizen, body, 201))[0]
		id := d["id"].(string)
		if d["fee"].(float64) != 7000 {
			t.Fatalf("fee %v", d["fee"])
		}
		act := func(token, action, note string, want int) map[string]any {
			t.Helper()
			b := ""
			if note != "" {
				b = `{"note":"` + note + `"}`
			}
			return e.call("POST", "/api/v1/dossiers/"+id+"/"+action, token, b, want)
		}

		t.Run("forbidden", func(t *testing.T) {
			// Another citizen: 404, and the attempt is logged.
			e.call("GET", "/api/v1/portal/dossiers/"+id, e.other, "", 404)
			e.call("POST", "/api/v1/portal/dossiers/"+id+"/payments", e.other, `{}`, 404)
			// Outside jurisdiction: 404, logged.
			e.call("GET", "/api/v1/dossiers/"+id, e.elsewhere, "", 404)
			act(e.elsewhere, "receive", "", 404)
			// A reader reads but does not act.
			e.call("GET", "/api/v1/dossiers/"+id, e.reader, "", 200)
			act(e.reader, "receive", "", 403)
			// Acts out of order.
			act(e.commune, "approve", "", 402)
			act(e.commune, "issue-result", "", 409)
			act(e.commune, "request-info", "thiếu", 409)
			act(e.commune, "reject", "", 400)
			entries, err := db.AccessLogEntries(e.Ctx, accesslog.Filter{Subject: e.applicant.IDNumber, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			var denied []string
			for _, en := range entries {
				if en.Outcome == accesslog.OutcomeDenied && strings.HasPrefix(en.Action, "dossier.") {
					denied = append(denied, en.Actor+" "+en.Action)
				}
			}
			if len(denied) < 3 {
				t.Fatalf("denied attempts logged: %v", denied)
			}
		})

		act(e.commune, "receive", "", 200)
		if m := act(e.commune, "approve", "", 402); errCode(m) != "payment_required" {
			t.Fatalf("approve before payment: %v", m)
		}
		act(e.commune, "request-info", "Bổ sung hợp đồng thuê nhà có công chứng", 200)
		e.call("POST", "/api/v1/portal/dossiers/"+id+"/resubmit", e.citizen,
			`{"fields":{"temporary_address":"Số 9A Lê Lợi"},"documents":[{"code":"proof_of_home","file_name":"hop-dong-cong-chung.pdf","sha256":"`+e.UploadFile(e.citizen, testenv.Paper+"% the notarised contract\n")+`"}]}`, 200)
		if m := act(e.commune, "receive", "", 200); m["state"] != "received" {
			t.Fatalf("received unpaid: %v", m["state"])
		}

		// Payment: a VietQR payload, a bad callback refused, the sandbox bank pays.
		pay := e.call("POST", "/api/v1/portal/dossiers/"+id+"/payments", e.citizen, `{"provider":"sandbox"}`, 201, "Idempotency-Key", "pay-1")
		tlv, err := portal.ParseEMV(pay["qr_payload"].(string))
		if err != nil || tlv["54"] != "7000" || tlv["53"] != "704" {
			t.Fatalf("QR payload %v: %v", tlv, err)
		}
		cb := `{"payment_id":"` + pay["id"].(string) + `","amount":7000,"status":"paid","provider_ref":"x","paid_at":"2026-01-01T00:00:00Z"}`
		if m := e.call("POST", "/api/v1/payments/callback/sandbox", "", cb, 401, portal.SandboxSignatureHeader, strings.Repeat("00", 32)); errCode(m) != "unauthorized" {
			t.Fatalf("bad signature: %v", m)
		}
		e.call("POST", "/api/v1/payments/callback/sandbox", "", cb, 401)
		e.call("POST", "/api/v1/payments/sandbox/"+pay["id"].(string)+"/pay", e.other, "", 404)
		e.call("POST", "/api/v1/payments/sandbox/"+pay["id"].(string)+"/pay", e.citizen, "", 200)
		if m := e.call("GET", "/api/v1/portal/dossiers/"+id, e.citizen, "", 200); m["state"] != "processing" || m["paid_at"] == nil {
			t.Fatalf("after payment: %v %v", m["state"], m["paid_at"])
		}
		e.call("POST", "/api/v1/portal/dossiers/"+id+"/payments", e.citizen, `{}`, 409)

		// Overdue: the same dossier seen thirty days later.
		late, err := portal.Open(e.Ctx, db, e.Register, e.Log, nil, func() time.Time { return time.Now().Add(30 * 24 * time.Hour) })
		if err != nil {
			t.Fatal(err)
		}
		a := auth.Actor{ID: "xa", Role: auth.RoleRegistrar, UnitCode: e.communeCode, UnitLevel: auth.LevelCommune}
		over, err := late.List(e.Ctx, a, portal.Filter{Overdue: true})
		if err != nil || len(over) != 1 || !over[0].Overdue {
			t.Fatalf("overdue list: %v %v", over, err)
		}
		if m := e.call("GET", "/api/v1/dossiers?overdue=true", e.commune, "", 200); len(dossiers(m)) != 0 {
			t.Fatalf("overdue today: %v", m)
		}

		act(e.commune, "approve", "", 200)
		// Approval recorded the temporary residence in the register.
		if p := e.call("GET", "/api/v1/persons/"+e.applicant.IDNumber, e.commune, "", 200); p["temporary_residence"] == nil ||
			p["temporary_residence"].(map[string]any)["address"] != "Số 9A Lê Lợi" {
			t.Fatalf("temporary residence after approval: %v", p["temporary_residence"])
		}
		act(e.commune, "reject", "muộn", 409)
		act(e.commune, "issue-result", "", 200)
		act(e.commune, "issue-result", "", 409)
		m := e.call("GET", "/api/v1/dossiers/"+id, e.commune, "", 200)
		var steps []string
		for _, s := range m["history"].([]any) {
			st := s.(map[string]any)
			steps = append(steps, st["action"].(string)+"→"+st["to"].(string))
		}
		want := "submit→submitted receive→received request_info→info_requested resubmit→resubmitted receive→received payment→processing approve→approved issue_result→result_issued"
		if got := strings.Join(steps, " "); got != want {
			t.Fatalf("history\n got %s\nwant %s", got, want)
		}
		if m := e.call("GET", "/api/v1/dossiers?state=result_issued", e.commune, "", 200); len(dossiers(m)) != 1 {
			t.Fatalf("list by state: %v", m)
		}
		if m := e.call("GET", "/api/v1/dossiers", e.elsewhere, "", 200); len(dossiers(m)) != 0 {
			t.Fatalf("another commune lists %v", m)
		}
		_ = http.StatusOK
	})
}

func TestPortal_DeathRegistration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		var dead *register.Person
		for _, p := range e.People {
			if p.Status == register.Living && p.Permanent != nil && p.Permanent.Commune == e.communeCode &&
				p.IDNumber != e.applicant.IDNumber && len(p.BirthDate) == 10 {
				dead = p
				break
			}
		}
		submit := func(name string) string {
			body := `{"procedure":"death_registration","fields":{"deceased_id_number":"` + dead.IDNumber + `",
				"deceased_full_name":"` + name + `","death_date":"` + time.Now().AddDate(0, 0, -2).Format("2006-01-02") + `",
				"death_place":"Tại nhà","applicant_relation":"other"},
				"documents":[{"code":"death_notice","file_name":"giay-bao-tu.pdf","sha256":"` + testenv.PaperSHA256() + `"}]}`
			id := dossiers(e.call("POST", "/api/v1/portal/dossiers", e.citizen, body, 201))[0]["id"].(string)
			e.call("POST", "/api/v1/dossiers/"+id+"/receive", e.commune, "", 200)
			return id
		}
		// A name that is not the register's stops the approval; nothing changes.
		wrong := submit("Tên Không Đúng")
		if m := e.call("POST", "/api/v1/dossiers/"+wrong+"/approve", e.commune, "", 400); !strings.Contains(mustJSON(m), "deceased_full_name") {
			t.Fatalf("wrong name: %v", m)
		}
		if d := e.call("GET", "/api/v1/dossiers/"+wrong, e.commune, "", 200); d["state"] != "processing" {
			t.Fatalf("after a refused approval: %v", d["state"])
		}
		id := submit(dead.FullName)
		if d := e.call("POST", "/api/v1/dossiers/"+id+"/approve", e.commune, "", 200); d["subject_id"] != dead.IDNumber {
			t.Fatalf("approved: %v", d)
		}
		if p := e.call("GET", "/api/v1/persons/"+dead.IDNumber, e.commune, "", 200); p["status"] != "dead" {
			t.Fatalf("after the death registration: %v", p["status"])
		}
		// Rejection closes a dossier, with its reason shown to the citizen.
		if d := e.call("POST", "/api/v1/dossiers/"+wrong+"/reject", e.commune, `{"note":"Tên người chết không khớp"}`, 200); d["state"] != "rejected" {
			t.Fatalf("reject: %v", d)
		}
		if d := e.call("GET", "/api/v1/portal/dossiers/"+wrong, e.citizen, "", 200); d["note"] != "Tên người chết không khớp" {
			t.Fatalf("the citizen's view of a rejection: %v", d)
		}
		e.call("POST", "/api/v1/dossiers/"+wrong+"/approve", e.commune, "", 409)
		e.call("POST", "/api/v1/dossiers/"+wrong+"/receive", e.commune, "", 409)
		e.call("POST", "/api/v1/portal/dossiers/"+wrong+"/resubmit", e.citizen, `{"fields":{"death_place":"Bệnh viện"}}`, 409)
		// The same death twice: the register refuses, the dossier stays.
		again := submit(dead.FullName)
		if m := e.call("POST", "/api/v1/dossiers/"+again+"/approve", e.commune, "", 409); errCode(m) != "person_not_living" {
			t.Fatalf("second death: %v", m)
		}
	})
}
