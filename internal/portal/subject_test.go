package portal_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/portal"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

// subjectFamilies are the seeded persons the subject tests need: a
// parent with a living child under 18, another family's minor child, and
// a parent with a living adult child.
type subjectFamilies struct {
	parent, child, stranger    *register.Person
	adultParent, adultChild    *register.Person
	parentToken, adultParentTk string
}

func findSubjectFamilies(t *testing.T, te *testenv.Env) subjectFamilies {
	t.Helper()
	byID := map[string]*register.Person{}
	for _, p := range te.People {
		byID[p.IDNumber] = p
	}
	// Margins of a month keep the ages clear of a birthday today.
	minorAfter := time.Now().AddDate(-18, 1, 0).Format(time.DateOnly)
	adultBefore := time.Now().AddDate(-18, -1, 0).Format(time.DateOnly)
	livingParent := func(c *register.Person) *register.Person {
		for _, id := range []string{c.FatherID, c.MotherID} {
			if p := byID[id]; p != nil && p.Status == register.Living && p.Permanent != nil &&
				len(p.BirthDate) == 10 && string(p.BirthDate) < "2005-01-01" {
				return p
			}
		}
		return nil
	}
	var f subjectFamilies
	for _, c := range te.People {
		if c.Status != register.Living || len(c.BirthDate) != 10 || c.Permanent == nil {
			continue
		}
		p := livingParent(c)
		switch {
		case p == nil:
		case string(c.BirthDate) > minorAfter && f.parent == nil:
			f.parent, f.child = p, c
		case string(c.BirthDate) < adultBefore && f.adultParent == nil:
			f.adultParent, f.adultChild = p, c
		}
	}
	for _, c := range te.People {
		if f.parent != nil && c.Status == register.Living && len(c.BirthDate) == 10 && string(c.BirthDate) > minorAfter &&
			c.FatherID != f.parent.IDNumber && c.MotherID != f.parent.IDNumber {
			f.stranger = c
			break
		}
	}
	if f.parent == nil || f.stranger == nil || f.adultParent == nil {
		t.Fatalf("the seeded population lacks the families: %+v", f)
	}
	f.parentToken = te.Citizen(f.parent, "0913000001")
	if f.adultParent.IDNumber == f.parent.IDNumber {
		f.adultParentTk = f.parentToken
	} else {
		f.adultParentTk = te.Citizen(f.adultParent, "0913000002")
	}
	return f
}

// subjectRegistrar is a commune registrar as the services see him.
func subjectRegistrar(commune string) auth.Actor {
	return auth.Actor{ID: "officer:xa-" + commune, Role: auth.RoleRegistrar, UnitCode: commune, UnitLevel: auth.LevelCommune,
		Purpose: "official_duty"}
}

// subjectApprove receives and approves a dossier as a registrar of its
// office, through the service, the applicant (token) paying its fee
// through the sandbox bank.
func subjectApprove(t *testing.T, te *testenv.Env, token string, d map[string]any) *portal.Dossier {
	t.Helper()
	a := subjectRegistrar(d["unit_code"].(string))
	id := d["id"].(string)
	if _, err := te.API.Portal.Do(te.Ctx, a, id, portal.Act{Action: portal.ActReceive}); err != nil {
		t.Fatalf("receive %s: %v", id, err)
	}
	if d["fee"].(float64) > 0 {
		status, _, b := te.Call("POST", "/api/v1/portal/dossiers/"+id+"/payments", token, "application/json", `{"provider":"sandbox"}`)
		var pay struct {
			ID string `json:"id"`
		}
		if status != 201 || json.Unmarshal(b, &pay) != nil {
			t.Fatalf("payment: %d %s", status, b)
		}
		if status, _, b := te.Call("POST", "/api/v1/payments/sandbox/"+pay.ID+"/pay", token, "", ""); status != 200 {
			t.Fatalf("pay: %d %s", status, b)
		}
	}
	got, err := te.API.Portal.Do(te.Ctx, a, id, portal.Act{Action: portal.ActApprove})
	if err != nil {
		t.Fatalf("approve %s: %v", id, err)
	}
	return got
}

func subjectSubmit(t *testing.T, te *testenv.Env, token, body string, want int) map[string]any {
	t.Helper()
	te.UploadPaper(token) // the paper the body names
	status, _, b := te.Call("POST", "/api/v1/portal/dossiers", token, "application/json", body)
	if status != want {
		t.Fatalf("submit: status %d, want %d: %s", status, want, b)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

func subjectCount(t *testing.T, te *testenv.Env, token string) int {
	t.Helper()
	status, _, b := te.Call("GET", "/api/v1/portal/dossiers", token, "", "")
	var m struct {
		Dossiers []json.RawMessage `json:"dossiers"`
	}
	if status != 200 || json.Unmarshal(b, &m) != nil {
		t.Fatalf("list: %d %s", status, b)
	}
	return len(m.Dossiers)
}

func temporaryResidenceBody(subject, commune string) string {
	return `{"procedure":"temporary_residence_registration","fields":{"subject_id_number":"` + subject + `",
		"temporary_commune":"` + commune + `","temporary_address":"Số 12 Nguyễn Huệ","until":"2027-06-30","reason":"study"},
		"documents":[{"code":"proof_of_home","file_name":"hop-dong.pdf","sha256":"` + testenv.PaperSHA256() + `"}]}`
}

// TestPortal_SubjectMinorChild: a parent declares temporary residence for
// his child under 18; approval records it on the child, not on him. An
// adult child, another family's child, an unknown ID number and a dead
// child are refused on the field, and nothing is stored.
func TestPortal_SubjectMinorChild(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := testenv.NewWith(t, db, testenv.Options{People: 400, Seed: 7})
		f := findSubjectFamilies(t, te)
		commune := f.child.Permanent.Commune
		parentBefore, err := te.Register.ForSubject(te.Ctx, f.parent.IDNumber)
		if err != nil {
			t.Fatal(err)
		}

		m := subjectSubmit(t, te, f.parentToken, temporaryResidenceBody(f.child.IDNumber, commune), 201)
		d := dossiers(m)[0]
		if d["subject_id"] != f.child.IDNumber || d["applicant_id"] != f.parent.IDNumber {
			t.Fatalf("dossier subject %v applicant %v, want %s and %s", d["subject_id"], d["applicant_id"], f.child.IDNumber, f.parent.IDNumber)
		}
		fields := d["fields"].(map[string]any)
		if fields["applicant_full_name"] != f.parent.FullName {
			t.Errorf("prefilled applicant name %v, want the parent's %q", fields["applicant_full_name"], f.parent.FullName)
		}
		if got := subjectApprove(t, te, f.parentToken, d); got.State != portal.Approved || got.SubjectID != f.child.IDNumber {
			t.Fatalf("approved: state %s subject %s", got.State, got.SubjectID)
		}
		// The officer's reads and acts on the dossier are in the child's
		// access log as well as the parent's: it holds both persons' data.
		for _, who := range []string{f.parent.IDNumber, f.child.IDNumber} {
			logged, err := te.DB.AccessLogEntries(te.Ctx, accesslog.Filter{Subject: who, Actor: subjectRegistrar(commune).ID, Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			acts := map[string]bool{}
			for _, e := range logged {
				if e.Fields == "dossier:"+d["id"].(string) {
					acts[e.Action] = true
				}
			}
			if !acts["dossier.approve"] || !acts["dossier.read"] {
				t.Errorf("access log of %s: %v", who, acts)
			}
		}
		child, err := te.Register.ForSubject(te.Ctx, f.child.IDNumber)
		if err != nil {
			t.Fatal(err)
		}
		if child.Temporary == nil || child.Temporary.Address != "Số 12 Nguyễn Huệ" || child.Temporary.Until != "2027-06-30" {
			t.Fatalf("child's temporary residence %+v, want Số 12 Nguyễn Huệ until 2027-06-30", child.Temporary)
		}
		parent, err := te.Register.ForSubject(te.Ctx, f.parent.IDNumber)
		if err != nil {
			t.Fatal(err)
		}
		if mustJSON(parent.Temporary) != mustJSON(parentBefore.Temporary) {
			t.Fatalf("parent's temporary residence changed: %+v", parent.Temporary)
		}

		refused := func(t *testing.T, token, subject string) {
			t.Helper()
			before := subjectCount(t, te, token)
			m := subjectSubmit(t, te, token, temporaryResidenceBody(subject, commune), 403)
			e, _ := m["error"].(map[string]any)
			if e["code"] != "forbidden" || e["field"] != "fields.subject_id_number" {
				t.Fatalf("error %v, want forbidden on fields.subject_id_number", m)
			}
			if after := subjectCount(t, te, token); after != before {
				t.Fatalf("%d dossiers after a refusal, want %d", after, before)
			}
		}
		t.Run("adult child", func(t *testing.T) { refused(t, f.adultParentTk, f.adultChild.IDNumber) })
		t.Run("another family's child", func(t *testing.T) { refused(t, f.parentToken, f.stranger.IDNumber) })
		t.Run("unknown ID number", func(t *testing.T) {
			unknown := "046" + strings.Repeat("9", 9)
			if _, err := te.Register.ForSubject(te.Ctx, unknown); err == nil {
				t.Skip("the ID number exists")
			}
			refused(t, f.parentToken, unknown)
		})
		guardian := func(t *testing.T, ward *register.Person, guardian string) {
			t.Helper()
			payload, _ := json.Marshal(register.GuardianshipPayload{GuardianID: guardian})
			today := register.Date(register.Today(time.Now()))
			if _, err := te.Register.RecordEvent(te.Ctx, subjectRegistrar(ward.Permanent.Commune), ward.IDNumber, register.EventRequest{
				Kind: register.KindGuardianship, EffectiveDate: today, Payload: payload,
				Legal: register.LegalBasis{DocumentNo: "07/GH", DocumentDate: today, Issuer: "UBND xã"}}); err != nil {
				t.Fatal(err)
			}
		}
		t.Run("a ward, and a child with a guardian", func(t *testing.T) {
			// A guardian appointed for the child represents him instead of
			// the parents: the guardian may declare for him, the parent not.
			guardian(t, f.child, f.adultParent.IDNumber)
			refused(t, f.parentToken, f.child.IDNumber)
			m := subjectSubmit(t, te, f.adultParentTk, temporaryResidenceBody(f.child.IDNumber, commune), 201)
			if d := dossiers(m)[0]; d["subject_id"] != f.child.IDNumber || d["applicant_id"] != f.adultParent.IDNumber {
				t.Fatalf("guardian's dossier: subject %v applicant %v", d["subject_id"], d["applicant_id"])
			}
			// A ward of any age: the adult child, once in the parent's
			// guardianship (an adult lacking capacity).
			guardian(t, f.adultChild, f.parent.IDNumber)
			subjectSubmit(t, te, f.parentToken, temporaryResidenceBody(f.adultChild.IDNumber, f.adultChild.Permanent.Commune), 201)
			// Guardianships ended: the parent again, the guardian no more.
			guardian(t, f.child, "")
			guardian(t, f.adultChild, "")
			refused(t, f.adultParentTk, f.child.IDNumber)
			refused(t, f.parentToken, f.adultChild.IDNumber)
			subjectSubmit(t, te, f.parentToken, temporaryResidenceBody(f.child.IDNumber, commune), 201)
		})
		t.Run("dead child", func(t *testing.T) {
			payload, _ := json.Marshal(register.DeathPayload{DeathDate: register.Date(register.Today(time.Now())), Place: "Huế"})
			_, err := te.Register.RecordEvent(te.Ctx, subjectRegistrar(commune), f.child.IDNumber, register.EventRequest{
				Kind: register.KindDeath, EffectiveDate: register.Date(register.Today(time.Now())), Payload: payload,
				Legal: register.LegalBasis{DocumentNo: "01/TLKT", DocumentDate: register.Date(register.Today(time.Now())), Issuer: "UBND xã"}})
			if err != nil {
				t.Fatal(err)
			}
			refused(t, f.parentToken, f.child.IDNumber)
		})
		t.Run("a subject is not changed on resubmission", func(t *testing.T) {
			// For himself: an empty subject is the applicant.
			m := subjectSubmit(t, te, f.parentToken, temporaryResidenceBody("", f.parent.Permanent.Commune), 201)
			d := dossiers(m)[0]
			if d["subject_id"] != f.parent.IDNumber {
				t.Fatalf("subject %v, want the applicant", d["subject_id"])
			}
			id := d["id"].(string)
			a := subjectRegistrar(d["unit_code"].(string))
			te.API.Portal.Do(te.Ctx, a, id, portal.Act{Action: portal.ActReceive})
			if _, err := te.API.Portal.Do(te.Ctx, a, id, portal.Act{Action: portal.ActRequestInfo, Note: "bổ sung"}); err != nil {
				t.Fatal(err)
			}
			status, _, b := te.Call("POST", "/api/v1/portal/dossiers/"+id+"/resubmit", f.parentToken, "application/json",
				`{"fields":{"subject_id_number":"`+f.stranger.IDNumber+`"}}`)
			if status != 400 || !strings.Contains(string(b), "fields.subject_id_number") {
				t.Fatalf("resubmit with another subject: %d %s", status, b)
			}
		})
	})
}

// TestPortal_TemporaryAbsence: a citizen declares his own temporary
// absence; approval by his commune's police records it in the register.
func TestPortal_TemporaryAbsence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		body := `{"procedure":"temporary_absence_declaration","fields":{"destination_commune":"` + e.communeCode + `",
			"destination_address":"Số 3 Trần Phú","from":"2027-01-10","until":"2027-12-31","reason":"work"}}`
		d := dossiers(e.call("POST", "/api/v1/portal/dossiers", e.citizen, body, 201))[0]
		if d["unit_code"] != e.communeCode || d["fee"].(float64) != 0 || d["subject_id"] != e.applicant.IDNumber {
			t.Fatalf("dossier office %v fee %v subject %v", d["unit_code"], d["fee"], d["subject_id"])
		}
		subjectApprove(t, e.Env, e.citizen, d)
		p, err := e.Register.ForSubject(e.Ctx, e.applicant.IDNumber)
		if err != nil {
			t.Fatal(err)
		}
		a := p.Absence
		if a == nil || a.From != "2027-01-10" || a.Until != "2027-12-31" || a.Reason != "work" ||
			!strings.HasPrefix(a.Destination, "Số 3 Trần Phú, ") {
			t.Fatalf("absence %+v", a)
		}
		t.Run("abroad", func(t *testing.T) {
			body := `{"procedure":"temporary_absence_declaration","fields":{"destination_address":"Nhật Bản, Osaka",
				"from":"2028-01-01","until":"2028-06-30","reason":"study"}}`
			d := dossiers(e.call("POST", "/api/v1/portal/dossiers", e.citizen, body, 201))[0]
			subjectApprove(t, e.Env, e.citizen, d)
			p, _ := e.Register.ForSubject(e.Ctx, e.applicant.IDNumber)
			if p.Absence == nil || p.Absence.Destination != "Nhật Bản, Osaka" {
				t.Fatalf("absence %+v", p.Absence)
			}
		})
		t.Run("required fields", func(t *testing.T) {
			m := e.call("POST", "/api/v1/portal/dossiers", e.citizen, `{"procedure":"temporary_absence_declaration","fields":{"destination_address":"x","until":"2028-01-01","reason":"work"}}`, 400)
			if m["error"].(map[string]any)["field"] != "fields.from" {
				t.Fatalf("got %v", m)
			}
		})
	})
}

// TestProcedure_Subject: the subject key and its field go together.
func TestProcedure_Subject(t *testing.T) {
	const head = `{"code":"x1","version":1,"name":{"vi":"a","en":"b"},"time_limit_days":1,"handling":{"level":"commune","unit_from":"applicant"},`
	for _, tc := range []struct {
		name, js string
		ok       bool
	}{
		{"subject with its field", head + `"subject":"self_or_minor_child","fields":[{"name":"subject_id_number","type":"id_number"}]}`, true},
		{"unknown subject", head + `"subject":"anyone","fields":[{"name":"subject_id_number","type":"id_number"}]}`, false},
		{"subject without its field", head + `"subject":"self_or_minor_child","fields":[]}`, false},
		{"required subject field", head + `"subject":"self_or_minor_child","fields":[{"name":"subject_id_number","type":"id_number","required":true}]}`, false},
		{"subject field of another type", head + `"subject":"self_or_minor_child","fields":[{"name":"subject_id_number","type":"text"}]}`, false},
		{"subject field without subject", head + `"fields":[{"name":"subject_id_number","type":"id_number"}]}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := portal.ParseProcedure([]byte(tc.js))
			if (err == nil) != tc.ok {
				t.Fatalf("ParseProcedure: %v, want ok %v", err, tc.ok)
			}
		})
	}
}
