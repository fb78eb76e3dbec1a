package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

// dossierEnv is a running dancu with a citizen who submits dossiers
// through the API.
type dossierEnv struct {
	*testenv.Env
	applicant *register.Person
	citizen   string // the applicant's e-ID session token
	commune   string // the applicant's commune, which handles his dossiers
}

func newDossierEnv(t *testing.T, db *store.DB) *dossierEnv {
	t.Helper()
	e := &dossierEnv{Env: testenv.NewWith(t, db, testenv.Options{People: 300, Seed: 7})}
	for i := 0; ; i++ {
		p := e.Living(i)
		if p.HouseholdID != "" && p.Permanent != nil && p.BirthDate.Year() < 1995 {
			e.applicant = p
			break
		}
	}
	e.citizen = e.Citizen(e.applicant, "0912000301")
	e.UploadPaper(e.citizen) // the paper dossierDoc names
	e.commune = e.applicant.Permanent.Commune
	return e
}

// dossierDoc is an attached paper of a submission.
func dossierDoc(code, file string) string {
	return `{"code":"` + code + `","file_name":"` + file + `","media_type":"application/pdf","size":52340,"sha256":"` +
		testenv.PaperSHA256() + `"}`
}

// submit submits a dossier as the citizen through the API and returns the
// dossiers created, by procedure.
func (e *dossierEnv) submit(body string) map[string]string {
	e.T.Helper()
	st, _, b := e.Call("POST", "/api/v1/portal/dossiers", e.citizen, "application/json", body)
	if st != http.StatusCreated {
		e.T.Fatalf("submit: %d %s", st, b)
	}
	var out struct {
		Dossiers []struct{ ID, Procedure string } `json:"dossiers"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		e.T.Fatal(err)
	}
	ids := map[string]string{}
	for _, d := range out.Dossiers {
		ids[d.Procedure] = d.ID
	}
	return ids
}

// temporaryResidence submits a temporary residence registration: a fee
// of 7,000 dong.
func (e *dossierEnv) temporaryResidence() string {
	return e.submit(`{"procedure":"temporary_residence_registration","fields":{"temporary_commune":"` + e.commune + `",
		"temporary_address":"Số 9 Lê Lợi","until":"2027-12-31","reason":"work"},
		"documents":[` + dossierDoc("proof_of_home", "hop-dong-thue-nha.pdf") + `]}`)["temporary_residence_registration"]
}

// newborn submits the linked newborn procedure: birth registration and
// permanent residence at the commune, health insurance at the province.
func (e *dossierEnv) newborn() map[string]string {
	rel := "father"
	if e.applicant.Gender == idnum.Female {
		rel = "mother"
	}
	return e.submit(`{"procedure":"newborn_linked","fields":{"applicant_relation":"` + rel + `",
		"child_full_name":"Nguyễn Thị Bé","child_gender":"female","child_birth_date":"` + time.Now().AddDate(0, 0, -3).Format("2006-01-02") + `",
		"child_birth_place":"Bệnh viện Trung ương Huế","child_ethnicity":"01","health_facility":"Trạm y tế phường"},
		"documents":[` + dossierDoc("medical_birth_certificate", "giay-chung-sinh.pdf") + `]}`)
}

// dossier reads a dossier as its applicant (not an officer's access).
func (e *dossierEnv) dossier(id string) map[string]any {
	e.T.Helper()
	st, _, b := e.Call("GET", "/api/v1/portal/dossiers/"+id, e.citizen, "", "")
	if st != http.StatusOK {
		e.T.Fatalf("GET dossier %s: %d %s", id, st, b)
	}
	return testenv.JSON(e.T, b)
}

// dossierOfficer creates an officer and logs him in to the console.
func dossierOfficer(t *testing.T, e *testenv.Env, o auth.Officer) *browser {
	t.Helper()
	secret := newOfficer(t, e, o)
	b := newBrowser(t, e)
	b.loginOfficer(o.Username, secret)
	return b
}

// dossierEntries counts the access-log entries about the applicant with
// this action by this officer.
func (e *dossierEnv) dossierEntries(actor, action, outcome string) int {
	e.T.Helper()
	entries, err := e.Log.Entries(e.Ctx, accesslog.Filter{Subject: e.applicant.IDNumber, Limit: 5000})
	if err != nil {
		e.T.Fatal(err)
	}
	n := 0
	for _, x := range entries {
		if x.Actor == actor && x.Action == action && x.Outcome == outcome {
			n++
		}
	}
	return n
}

var dossierRowRE = regexp.MustCompile(`href="/officer/dossiers/(HS-[0-9A-F]+)"`)

// TestWeb_OfficerDossiers: the queue of a commune's dossiers with its
// filters, a dossier's page, each act through its form (refusals shown
// and nothing changed), a birth registration that creates the person, the
// result PDF, a reader who cannot act, other officers' 404 and CSRF.
func TestWeb_OfficerDossiers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newDossierEnv(t, db)
		temp := e.temporaryResidence()
		linked := e.newborn()
		birth, res, hi := linked["birth_registration"], linked["permanent_residence_newborn"], linked["health_insurance_child"]
		b := dossierOfficer(t, e.Env, auth.Officer{Username: "xa-hs", FullName: "Cán bộ Một Cửa", Role: auth.RoleRegistrar,
			UnitLevel: auth.LevelCommune, UnitCode: e.commune})

		t.Run("queue", func(t *testing.T) {
			before := e.dossierEntries("xa-hs", "dossier.list", accesslog.OutcomeOK)
			st, body := b.get("/officer/dossiers")
			if st != http.StatusOK {
				t.Fatalf("queue = %d\n%s", st, excerpt(body))
			}
			var got []string
			for _, m := range dossierRowRE.FindAllStringSubmatch(body, -1) {
				got = append(got, m[1])
			}
			// Oldest first; the linked ones, submitted together, by number.
			want := []string{temp, min(birth, res), max(birth, res)}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("queue lists %v, want %v (not the province's %s)", got, want, hi)
			}
			for _, s := range []string{e.applicant.FullName, e.applicant.IDNumber, "Mới nộp", "Đăng ký tạm trú", "Chưa nộp", "Miễn phí"} {
				if !strings.Contains(body, s) {
					t.Errorf("queue lacks %q", s)
				}
			}
			// The service logs each dossier listed, once.
			if n := e.dossierEntries("xa-hs", "dossier.list", accesslog.OutcomeOK) - before; n != 3 {
				t.Errorf("%d list entries, want 3 (one per dossier)", n)
			}
		})

		t.Run("filters", func(t *testing.T) {
			for _, c := range []struct {
				query  string
				status int
				want   []string
			}{
				{"?procedure=birth_registration", 200, []string{birth}},
				{"?state=submitted&procedure=temporary_residence_registration", 200, []string{temp}},
				{"?state=processing", 200, nil},
				{"?overdue=1", 200, nil},
				{"?state=nonsense", 422, nil},
				{"?cursor=yesterday_HS-1", 422, nil},
			} {
				st, body := b.get("/officer/dossiers" + c.query)
				var got []string
				for _, m := range dossierRowRE.FindAllStringSubmatch(body, -1) {
					got = append(got, m[1])
				}
				if st != c.status || strings.Join(got, " ") != strings.Join(c.want, " ") {
					t.Errorf("%s = %d %v, want %d %v", c.query, st, got, c.status, c.want)
				}
			}
		})

		t.Run("dossier page", func(t *testing.T) {
			st, body := b.get("/officer/dossiers/" + temp)
			if st != http.StatusOK {
				t.Fatalf("dossier = %d\n%s", st, excerpt(body))
			}
			for _, s := range []string{"Đăng ký tạm trú", "Xã/phường tạm trú", "Số 9 Lê Lợi", "Làm việc", "31/12/2027",
				"hop-dong-thue-nha.pdf", testenv.PaperSHA256(), "7.000 ₫", "Chưa nộp", "Nộp hồ sơ",
				`action="/officer/dossiers/` + temp + `/receive"`, `action="/officer/dossiers/` + temp + `/reject"`} {
				if !strings.Contains(body, s) {
					t.Errorf("dossier page lacks %q", s)
				}
			}
			if strings.Contains(body, "/approve\"") {
				t.Error("a submitted dossier offers approval")
			}
			if st, body := b.get("/officer/dossiers/" + temp + "?lang=en"); st != 200 || !strings.Contains(body, "Commune of temporary residence") {
				t.Errorf("English dossier page = %d", st)
			}
			b.get("/officer/dossiers?lang=vi") // back to Vietnamese (the choice is remembered)
		})

		page := "/officer/dossiers/" + temp
		for _, c := range []struct {
			name, act, note string
			status          int
			want            string // on the page answered, or after the redirect
			state           string // the dossier's state afterwards
		}{
			{"request-info before receiving", "request-info", "thiếu hợp đồng", 409, "không thể thực hiện", "submitted"},
			{"receive", "receive", "", 303, "Đã tiếp nhận hồ sơ.", "received"},
			{"approve unpaid", "approve", "", 409, "Lệ phí 7.000 ₫ chưa được nộp", "received"},
			{"request-info without note", "request-info", "", 422, `href="#note-request-info"`, "received"},
			{"request-info", "request-info", "Bổ sung hợp đồng thuê nhà có công chứng", 303, "Đã gửi yêu cầu bổ sung", "info_requested"},
			{"reject without note", "reject", " ", 422, `href="#note-reject"`, "info_requested"},
			{"unknown act", "sign", "", 404, "", "info_requested"},
			{"reject", "reject", "Không bổ sung", 303, "Đã từ chối hồ sơ.", "rejected"},
		} {
			t.Run(c.name, func(t *testing.T) {
				st, loc, body := b.submit(page, page+"/"+c.act, url.Values{"note": {c.note}})
				if st != c.status {
					t.Fatalf("POST %s = %d, want %d\n%s", c.act, st, c.status, excerpt(body))
				}
				if st == http.StatusSeeOther {
					if loc != page {
						t.Fatalf("redirect to %q", loc)
					}
					_, body = b.get(loc)
				}
				if !strings.Contains(body, c.want) {
					t.Errorf("page lacks %q:\n%s", c.want, excerpt(body))
				}
				if got := e.dossier(temp)["state"]; got != c.state {
					t.Errorf("state = %v, want %s", got, c.state)
				}
			})
		}

		t.Run("birth registration", func(t *testing.T) {
			p := "/officer/dossiers/" + birth
			_, body := b.get(p)
			// The linked dossiers: the commune's with a link, the province's named only.
			if !strings.Contains(body, `href="/officer/dossiers/`+res+`"`) || strings.Contains(body, hi) ||
				!strings.Contains(body, "Cấp thẻ bảo hiểm y tế") {
				t.Errorf("linked dossiers:\n%s", excerpt(body))
			}
			for _, act := range []string{"receive", "approve"} {
				if st, loc, body := b.submit(p, p+"/"+act, url.Values{}); st != http.StatusSeeOther || loc != p {
					t.Fatalf("%s = %d %s\n%s", act, st, loc, excerpt(body))
				}
			}
			child, _ := e.dossier(birth)["subject_id"].(string)
			if child == "" {
				t.Fatal("no subject after approval")
			}
			_, body = b.get(p)
			if !strings.Contains(body, `href="/officer/persons/`+child+`"`) || !strings.Contains(body, "Đã đăng ký khai sinh") {
				t.Errorf("no link to the new person:\n%s", excerpt(body))
			}
			person, err := e.Register.ForSubject(e.Ctx, child)
			if err != nil || person.FullName != "Nguyễn Thị Bé" || person.HouseholdID != e.applicant.HouseholdID {
				t.Fatalf("person %+v, %v", person, err)
			}
			if st, body := b.get("/officer/persons/" + child); st != 200 || !strings.Contains(body, "Nguyễn Thị Bé") {
				t.Errorf("person page = %d", st)
			}
			if st, _ := b.get(p + "/result"); st != http.StatusNotFound {
				t.Errorf("result before issuing = %d", st)
			}
			if st, loc, body := b.submit(p, p+"/issue-result", url.Values{}); st != http.StatusSeeOther || loc != p {
				t.Fatalf("issue-result = %d %s\n%s", st, loc, excerpt(body))
			}
			_, body = b.get(p)
			resultID, _ := e.dossier(birth)["result_id"].(string)
			if resultID == "" || !strings.Contains(body, `href="/verify/`+resultID+`"`) || !strings.Contains(body, `href="`+p+`/result"`) {
				t.Fatalf("result links (%q):\n%s", resultID, excerpt(body))
			}
			st, _, pdf := b.do("GET", p+"/result", nil)
			if st != 200 || !strings.HasPrefix(pdf, "%PDF") {
				t.Fatalf("result = %d %.20q", st, pdf)
			}
			req, _ := http.NewRequest("GET", b.base+p+"/result", nil)
			resp, err := b.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || resp.Header.Get("Content-Type") != "application/pdf" {
				t.Errorf("result headers: %q %q", cd, resp.Header.Get("Content-Type"))
			}
		})

		t.Run("register refuses a name", func(t *testing.T) {
			var dead *register.Person
			for _, p := range e.People {
				if p.Status == register.Living && p.Permanent != nil && p.Permanent.Commune == e.commune &&
					p.IDNumber != e.applicant.IDNumber && len(p.BirthDate) == 10 {
					dead = p
					break
				}
			}
			id := e.submit(`{"procedure":"death_registration","fields":{"deceased_id_number":"` + dead.IDNumber + `",
				"deceased_full_name":"Tên Không Đúng","death_date":"` + time.Now().AddDate(0, 0, -2).Format("2006-01-02") + `",
				"death_place":"Tại nhà","applicant_relation":"other"},
				"documents":[` + dossierDoc("death_notice", "giay-bao-tu.pdf") + `]}`)["death_registration"]
			p := "/officer/dossiers/" + id
			if st, _, body := b.submit(p, p+"/receive", url.Values{}); st != http.StatusSeeOther {
				t.Fatalf("receive = %d\n%s", st, excerpt(body))
			}
			st, _, body := b.submit(p, p+"/approve", url.Values{})
			if st != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#field-deceased_full_name"`) ||
				!strings.Contains(body, "Họ tên không khớp") {
				t.Fatalf("approve with a wrong name = %d\n%s", st, excerpt(body))
			}
			if got := e.dossier(id)["state"]; got != "processing" {
				t.Errorf("state = %v, want processing", got)
			}
			if q, _ := e.Register.ForSubject(e.Ctx, dead.IDNumber); q.Status != register.Living {
				t.Errorf("the person is %s", q.Status)
			}
		})

		t.Run("reader", func(t *testing.T) {
			r := dossierOfficer(t, e.Env, auth.Officer{Username: "xa-doc", Role: auth.RoleReader, UnitLevel: auth.LevelCommune, UnitCode: e.commune})
			p := "/officer/dossiers/" + res
			st, body := r.get(p)
			if st != 200 || strings.Contains(body, `action="`+p+`/`) || !strings.Contains(body, "chỉ cho phép xem") {
				t.Fatalf("reader's page = %d\n%s", st, excerpt(body))
			}
			st, _, body = r.do("POST", p+"/receive", url.Values{"csrf": {r.csrf()}})
			if st != http.StatusForbidden {
				t.Fatalf("reader's act = %d\n%s", st, excerpt(body))
			}
			if got := e.dossier(res)["state"]; got != "submitted" {
				t.Errorf("state after the reader's act = %v", got)
			}
		})

		t.Run("other jurisdictions", func(t *testing.T) {
			other := ""
			for _, p := range e.People {
				if p.Permanent != nil && p.Permanent.Commune != e.commune {
					other = p.Permanent.Commune
					break
				}
			}
			for _, o := range []auth.Officer{
				{Username: "xa-khac", Role: auth.RoleRegistrar, UnitLevel: auth.LevelCommune, UnitCode: other},
				{Username: "tinh-khac", Role: auth.RoleRegistrar, UnitLevel: auth.LevelProvince, UnitCode: "01"},
			} {
				x := dossierOfficer(t, e.Env, o)
				missingSt, missing := x.get("/officer/dossiers/HS-0000000000000000")
				st, body := x.get("/officer/dossiers/" + res)
				if st != http.StatusNotFound || missingSt != http.StatusNotFound || pageMain(body) != pageMain(missing) {
					t.Errorf("%s: %d / missing %d; same page: %v", o.Username, st, missingSt, pageMain(body) == pageMain(missing))
				}
				st, _, _ = x.do("POST", "/officer/dossiers/"+res+"/receive", url.Values{"csrf": {x.csrf()}})
				if st != http.StatusNotFound {
					t.Errorf("%s: act = %d", o.Username, st)
				}
				if n := e.dossierEntries(o.Username, "dossier.read", accesslog.OutcomeDenied); n != 1 {
					t.Errorf("%s: %d denied reads logged, want 1", o.Username, n)
				}
				if _, body := x.get("/officer/dossiers"); dossierRowRE.MatchString(body) {
					t.Errorf("%s lists dossiers of another jurisdiction", o.Username)
				}
			}
			if got := e.dossier(res)["state"]; got != "submitted" {
				t.Errorf("state = %v", got)
			}
		})

		t.Run("csrf", func(t *testing.T) {
			p := "/officer/dossiers/" + res
			b.get(p)
			if st, _, _ := b.do("POST", p+"/receive", url.Values{"note": {"x"}}); st != http.StatusForbidden {
				t.Errorf("without a token = %d", st)
			}
			if st, _, _ := b.do("POST", p+"/receive", url.Values{"csrf": {"forged"}}); st != http.StatusForbidden {
				t.Errorf("with a wrong token = %d", st)
			}
			if got := e.dossier(res)["state"]; got != "submitted" {
				t.Errorf("state = %v", got)
			}
		})
	})
}
