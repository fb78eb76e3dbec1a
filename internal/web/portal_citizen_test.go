package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
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
	"github.com/dancu-vn/dancu/internal/web"
)

// portalFile is a file a test attaches to a portal form.
type portalFile struct {
	field, name string
	body        []byte
}

// portalPost posts a multipart form (fields and files) as a browser does
// and returns status, Location and body.
func portalPost(b *browser, path string, form url.Values, files ...portalFile) (int, string, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		w, err := mw.CreateFormFile(f.field, f.name)
		if err != nil {
			b.t.Fatal(err)
		}
		w.Write(f.body)
	}
	mw.Close()
	req, err := http.NewRequest("POST", b.base+path, &buf)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		b.last = string(raw)
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(raw)
}

var portalNonce = regexp.MustCompile(`name="nonce" value="([^"]+)"`)

// portalForm opens a form page and returns its CSRF token and nonce.
func portalForm(b *browser, path string) url.Values {
	b.t.Helper()
	if st, body := b.get(path); st != http.StatusOK {
		b.t.Fatalf("GET %s = %d\n%s", path, st, excerpt(body))
	}
	v := url.Values{"csrf": {b.csrf()}}
	if m := portalNonce.FindStringSubmatch(b.last); m != nil {
		v.Set("nonce", m[1])
	}
	return v
}

// portalEnv is a running dancu with a citizen logged in and officers of
// his commune and province.
type portalEnv struct {
	*testenv.Env
	applicant         *register.Person
	token             string // the applicant's API session
	b                 *browser
	commune, province string // officers' API tokens
}

func newPortalEnv(t *testing.T, db *store.DB) *portalEnv {
	t.Helper()
	e := &portalEnv{Env: testenv.NewWith(t, db, testenv.Options{People: 300, Seed: 7})}
	for i := 0; ; i++ {
		if p := e.Living(i); p.HouseholdID != "" && p.Permanent != nil && p.BirthDate.Year() < 1995 {
			e.applicant = p
			break
		}
	}
	e.token = e.Citizen(e.applicant, "0912000301")
	e.b = newBrowser(t, e.Env)
	e.b.loginCitizen(e.Env, e.applicant, "0912000301")
	e.commune = e.Officer(auth.Officer{Username: "portal-xa", FullName: "Cán bộ xã", Role: auth.RoleRegistrar,
		UnitCode: e.applicant.Permanent.Commune, UnitLevel: auth.LevelCommune})
	e.province = e.Officer(auth.Officer{Username: "portal-tinh", FullName: "Cán bộ tỉnh", Role: auth.RoleRegistrar,
		UnitCode: e.applicant.Permanent.Province, UnitLevel: auth.LevelProvince})
	return e
}

// api calls the JSON API and decodes its answer, failing unless want.
func (e *portalEnv) api(method, path, token, body string, want int) map[string]any {
	e.T.Helper()
	st, _, b := e.Call(method, path, token, "application/json", body)
	if st != want {
		e.T.Fatalf("%s %s = %d, want %d: %s", method, path, st, want, b)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

// dossierCount is how many dossiers the applicant has.
func (e *portalEnv) dossierCount() int {
	return len(e.api("GET", "/api/v1/portal/dossiers?limit=200", e.token, "", 200)["dossiers"].([]any))
}

// temporaryResidence is a valid temporary residence form.
func (e *portalEnv) temporaryResidence(form url.Values) url.Values {
	for k, v := range map[string]string{"temporary_commune": e.applicant.Permanent.Commune,
		"temporary_address": "Số 9 Lê Lợi", "until": "2027-12-31", "reason": "work"} {
		if _, ok := form[k]; !ok {
			form.Set(k, v)
		}
	}
	return form
}

var proofOfHome = portalFile{field: "doc_proof_of_home", name: "hop-dong.pdf", body: []byte("%PDF-1.4 hợp đồng thuê nhà")}

var dossierURL = regexp.MustCompile(`^/app/dossiers/(HS-[0-9A-F]+)$`)

// TestWeb_Portal: the citizen's portal pages — catalogue, a form whose
// register values are shown and never asked, errors next to their fields
// with the input kept, a submission and its double, the linked newborn
// procedure (three dossiers), the dossier page, paying the fee through
// the sandbox bank, information asked and added, the result downloaded
// and verified on the public page; CSRF, and another citizen's 404.
func TestWeb_Portal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newPortalEnv(t, db)
		b := e.b
		const tr = "/app/services/temporary_residence_registration"

		t.Run("catalogue", func(t *testing.T) {
			st, body := b.get("/app/services")
			for _, want := range []string{"Đăng ký tạm trú", "7.000 ₫", "Miễn phí", "3 ngày làm việc", "Liên thông",
				`href="/app/services/newborn_linked"`, "Đăng ký khai sinh"} {
				if st != 200 || !strings.Contains(body, want) {
					t.Errorf("catalogue (%d) lacks %q\n%s", st, want, excerpt(body))
				}
			}
			if _, body := b.get("/app/services?lang=en"); !strings.Contains(body, "Temporary residence registration") || !strings.Contains(body, "7,000 VND") {
				t.Errorf("English catalogue:\n%s", excerpt(body))
			}
			b.get("/app/services?lang=vi")
		})

		t.Run("form shows the register's values, never asks them", func(t *testing.T) {
			st, body := b.get(tr)
			if st != 200 || !strings.Contains(body, "Thông tin từ Cơ sở dữ liệu quốc gia về dân cư") || !strings.Contains(body, e.applicant.FullName) {
				t.Fatalf("form = %d\n%s", st, excerpt(body))
			}
			for _, asked := range []string{`name="applicant_full_name"`, `name="applicant_id_number"`, `name="permanent_commune"`} {
				if strings.Contains(body, asked) {
					t.Errorf("the form asks a prefilled field: %s", asked)
				}
			}
			for _, want := range []string{`name="temporary_commune"`, `name="temporary_commune_code"`, `type="date"`, `type="radio" name="reason"`,
				"Lao động, làm việc", `type="file"`, `name="doc_proof_of_home"`, `enctype="multipart/form-data"`} {
				if !strings.Contains(body, want) {
					t.Errorf("the form lacks %s", want)
				}
			}
		})

		t.Run("errors next to their fields, input kept", func(t *testing.T) {
			form := e.temporaryResidence(portalForm(b, tr))
			form.Set("temporary_address", "Số 12 Ngõ Nhỏ")
			st, _, body := portalPost(b, tr, form) // no document
			if st != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#doc_proof_of_home"`) || !strings.Contains(body, "Số 12 Ngõ Nhỏ") {
				t.Errorf("missing document = %d\n%s", st, excerpt(body))
			}
			form.Set("until", "2027-13-45")
			st, _, body = portalPost(b, tr, form, proofOfHome)
			for _, want := range []string{`href="#until"`, `aria-invalid="true"`, "Số 12 Ngõ Nhỏ", "Đã nhận tệp: hop-dong.pdf"} {
				if st != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
					t.Errorf("bad date = %d, lacks %q", st, want)
				}
			}
			form.Del("reason")
			form.Set("until", "2027-12-31")
			st, _, body = portalPost(b, tr, form, proofOfHome)
			if st != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#reason"`) {
				t.Errorf("missing reason = %d\n%s", st, excerpt(body))
			}
			big := portalFile{field: "doc_proof_of_home", name: "to.pdf", body: bytes.Repeat([]byte("x"), 10<<20+1)}
			st, _, body = portalPost(b, tr, e.temporaryResidence(portalForm(b, tr)), big)
			if st != http.StatusUnprocessableEntity || !strings.Contains(body, "tệp quá lớn (tối đa 10 MB)") {
				t.Errorf("file too large = %d\n%s", st, excerpt(body))
			}
			// A paper is read by its content: a text named .pdf is refused.
			fake := portalFile{field: "doc_proof_of_home", name: "hop-dong.pdf", body: []byte("không phải PDF")}
			st, _, body = portalPost(b, tr, e.temporaryResidence(portalForm(b, tr)), fake)
			if st != http.StatusUnprocessableEntity || !strings.Contains(body, "phải là PDF, JPG hoặc PNG") {
				t.Errorf("a text as a paper = %d\n%s", st, excerpt(body))
			}
			if n := e.dossierCount(); n != 0 {
				t.Errorf("%d dossiers after refused forms", n)
			}
		})

		var id string
		t.Run("submit: a prefilled value sent changes nothing; a double is one dossier", func(t *testing.T) {
			form := e.temporaryResidence(portalForm(b, tr))
			form.Set("applicant_full_name", "Ai Đó Khác")
			st, loc, body := portalPost(b, tr, form, proofOfHome)
			m := dossierURL.FindStringSubmatch(loc)
			if st != http.StatusSeeOther || m == nil {
				t.Fatalf("submit = %d %s\n%s", st, loc, excerpt(body))
			}
			id = m[1]
			d := e.api("GET", "/api/v1/portal/dossiers/"+id, e.token, "", 200)
			fields := d["fields"].(map[string]any)
			if fields["applicant_full_name"] != e.applicant.FullName || fields["temporary_address"] != "Số 9 Lê Lợi" {
				t.Errorf("dossier fields %v", fields)
			}
			sum := sha256.Sum256(proofOfHome.body)
			docs := d["documents"].([]any)
			if len(docs) != 1 || docs[0].(map[string]any)["sha256"] != hex.EncodeToString(sum[:]) ||
				docs[0].(map[string]any)["size"].(float64) != float64(len(proofOfHome.body)) {
				t.Errorf("documents %v", docs)
			}
			// The paper is kept: the citizen downloads it from his dossier.
			paper := "/app/dossiers/" + id + "/documents/proof_of_home"
			if _, body := b.get(loc); !strings.Contains(body, `href="`+paper+`"`) {
				t.Errorf("the dossier page does not link its paper:\n%s", excerpt(body))
			}
			if st, body := b.get(paper); st != 200 || body != string(proofOfHome.body) {
				t.Errorf("the paper = %d %q", st, body)
			}
			// The same form sent again opens the same dossier.
			st, again, _ := portalPost(b, tr, form, proofOfHome)
			if st != http.StatusSeeOther || again != loc {
				t.Errorf("double submit = %d %s, want %s", st, again, loc)
			}
			if n := e.dossierCount(); n != 1 {
				t.Errorf("%d dossiers after a double submit, want 1", n)
			}
			if _, body := b.get(loc); !strings.Contains(body, "Đã nộp hồ sơ") && !strings.Contains(body, "đã được gửi") {
				t.Errorf("no flash on the dossier:\n%s", excerpt(body))
			}
		})

		t.Run("linked newborn: three dossiers", func(t *testing.T) {
			const path = "/app/services/newborn_linked"
			form := portalForm(b, path)
			rel := "father"
			if e.applicant.Gender == idnum.Female {
				rel = "mother"
			}
			for k, v := range map[string]string{"applicant_relation": rel, "child_full_name": "Nguyễn Thị Bé", "child_gender": "female",
				"child_birth_date": time.Now().AddDate(0, 0, -3).Format("2006-01-02"), "child_birth_place": "Bệnh viện Trung ương Huế",
				"child_ethnicity": "01", "health_facility": "Trạm y tế phường"} {
				form.Set(k, v)
			}
			st, loc, body := portalPost(b, path, form, portalFile{field: "doc_medical_birth_certificate", name: "giay-chung-sinh.pdf", body: []byte("%PDF-1.4 giấy chứng sinh")})
			if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/app/dossiers?group=LT-") {
				t.Fatalf("newborn = %d %s\n%s", st, loc, excerpt(body))
			}
			_, body = b.get(loc)
			if n := strings.Count(body, `<td><a href="/app/dossiers/HS-`); n != 3 || !strings.Contains(body, "Đăng ký thường trú") {
				t.Errorf("the group lists %d dossiers, want 3\n%s", n, excerpt(body))
			}
			if n := e.dossierCount(); n != 4 {
				t.Errorf("%d dossiers, want 4", n)
			}
			if _, body := b.get("/app/dossiers"); strings.Count(body, `<td><a href="/app/dossiers/HS-`) != 4 {
				t.Errorf("my dossiers:\n%s", excerpt(body))
			}
		})

		dossier := "/app/dossiers/" + id
		t.Run("dossier page", func(t *testing.T) {
			st, body := b.get(dossier)
			for _, want := range []string{"Đăng ký tạm trú", "Đã nộp", "Nộp hồ sơ", "Số 9 Lê Lợi", "hop-dong.pdf", "Chưa nộp phí",
				`action="/app/dossiers/` + id + `/pay"`} {
				if st != 200 || !strings.Contains(body, want) {
					t.Errorf("dossier page (%d) lacks %q\n%s", st, want, excerpt(body))
				}
			}
		})

		t.Run("pay with the sandbox bank", func(t *testing.T) {
			e.api("POST", "/api/v1/dossiers/"+id+"/receive", e.commune, "", 200)
			st, loc, body := b.submit(dossier, dossier+"/pay", url.Values{})
			if st != http.StatusSeeOther || loc != dossier+"/payment" {
				t.Fatalf("pay = %d %s\n%s", st, loc, excerpt(body))
			}
			st, body = b.get(loc)
			if st != 200 || !strings.Contains(body, `src="data:image/png;base64,`) || !strings.Contains(body, "000201") ||
				!strings.Contains(body, "7.000 ₫") || !strings.Contains(body, "/payment/sandbox") {
				t.Fatalf("payment page = %d\n%s", st, excerpt(body))
			}
			// Paying again shows the same payment, not a new one.
			b.submit(dossier, dossier+"/pay", url.Values{})
			if ps := e.api("GET", "/api/v1/portal/dossiers/"+id+"/payments", e.token, "", 200)["payments"].([]any); len(ps) != 1 {
				t.Errorf("%d payments, want 1", len(ps))
			}
			st, loc, body = b.submit(dossier+"/payment", dossier+"/payment/sandbox", url.Values{})
			if st != http.StatusSeeOther || loc != dossier {
				t.Fatalf("sandbox pay = %d %s\n%s", st, loc, excerpt(body))
			}
			d := e.api("GET", "/api/v1/portal/dossiers/"+id, e.token, "", 200)
			if d["state"] != "processing" || d["paid_at"] == nil {
				t.Fatalf("after paying: %v %v", d["state"], d["paid_at"])
			}
			if _, body := b.get(dossier); !strings.Contains(body, "Đã nộp phí") || !strings.Contains(body, "Thanh toán phí") ||
				strings.Contains(body, "/pay\"") {
				t.Errorf("dossier after paying:\n%s", excerpt(body))
			}
		})

		t.Run("information asked and added", func(t *testing.T) {
			e.api("POST", "/api/v1/dossiers/"+id+"/request-info", e.commune, `{"note":"Bổ sung hợp đồng có công chứng"}`, 200)
			if _, body := b.get(dossier); !strings.Contains(body, "Bổ sung hợp đồng có công chứng") || !strings.Contains(body, dossier+"/resubmit") {
				t.Fatalf("dossier with a request:\n%s", excerpt(body))
			}
			form := portalForm(b, dossier+"/resubmit")
			if !strings.Contains(b.last, `value="Số 9 Lê Lợi"`) {
				t.Errorf("the resubmit form does not show the current values:\n%s", excerpt(b.last))
			}
			form = e.temporaryResidence(form)
			form.Set("temporary_address", "Số 9A Lê Lợi")
			form.Set("note", "Đã công chứng")
			st, loc, body := portalPost(b, dossier+"/resubmit", form,
				portalFile{field: "doc_proof_of_home", name: "hop-dong-cong-chung.pdf", body: []byte("%PDF-1.4 công chứng")})
			if st != http.StatusSeeOther || loc != dossier {
				t.Fatalf("resubmit = %d %s\n%s", st, loc, excerpt(body))
			}
			d := e.api("GET", "/api/v1/portal/dossiers/"+id, e.token, "", 200)
			if d["state"] != "resubmitted" || d["fields"].(map[string]any)["temporary_address"] != "Số 9A Lê Lợi" ||
				d["documents"].([]any)[0].(map[string]any)["file_name"] != "hop-dong-cong-chung.pdf" {
				t.Errorf("after resubmitting: %v", d)
			}
		})

		var verify string
		t.Run("result downloaded", func(t *testing.T) {
			e.api("POST", "/api/v1/dossiers/"+id+"/receive", e.commune, "", 200)
			e.api("POST", "/api/v1/dossiers/"+id+"/approve", e.commune, "", 200)
			e.api("POST", "/api/v1/dossiers/"+id+"/issue-result", e.commune, "", 200)
			_, body := b.get(dossier)
			m := regexp.MustCompile(`href="(http://[^"]+/verify/KQ-[0-9A-F]+)"`).FindStringSubmatch(body)
			if m == nil || !strings.Contains(body, dossier+"/result") || !strings.Contains(body, "Đã có kết quả") {
				t.Fatalf("dossier with its result:\n%s", excerpt(body))
			}
			verify = strings.TrimPrefix(m[1], e.URL)
			req, _ := http.NewRequest("GET", e.URL+dossier+"/result", nil)
			resp, err := b.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			pdf, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" ||
				!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Fatalf("result = %d %s %s %.20q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"), pdf)
			}
			sum := sha256.Sum256(pdf)
			verify += "?sha256=" + hex.EncodeToString(sum[:])
		})

		t.Run("verify page", func(t *testing.T) {
			page := func(path string) (int, string, string) {
				req, _ := http.NewRequest("GET", e.URL+path, nil)
				req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				raw, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, resp.Header.Get("Content-Type"), string(raw)
			}
			base, _, _ := strings.Cut(verify, "?")
			for _, c := range []struct {
				name, path string
				status     int
				want       []string
			}{
				{"valid and matching", verify, 200, []string{"Văn bản hợp lệ", "Xác nhận đăng ký tạm trú", "đúng là văn bản này", "Công an"}},
				{"another file", base + "?sha256=" + strings.Repeat("0", 64), 200, []string{"Văn bản hợp lệ", "KHÔNG khớp"}},
				{"English", base + "?lang=en", 200, []string{"Valid document", "Issued by"}},
				{"unknown", "/verify/KQ-0000000000000000", 404, []string{"Không có văn bản nào mang mã KQ-0000000000000000"}},
			} {
				st, ct, body := page(c.path)
				for _, w := range c.want {
					if st != c.status || !strings.HasPrefix(ct, "text/html") || !strings.Contains(body, w) {
						t.Errorf("%s: %d %s lacks %q\n%s", c.name, st, ct, w, excerpt(body))
					}
				}
				if strings.Contains(body, e.applicant.FullName) || strings.Contains(body, e.applicant.IDNumber) {
					t.Errorf("%s: the public page shows the person", c.name)
				}
			}
			// API clients keep their JSON.
			st, h, raw := e.Call("GET", verify, "", "", "")
			if st != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/json") || !strings.Contains(string(raw), `"matches":true`) {
				t.Errorf("JSON verification = %d %s %s", st, h.Get("Content-Type"), raw)
			}
		})

		t.Run("notifications", func(t *testing.T) {
			if _, body := b.get("/app/notifications"); !strings.Contains(body, "Hồ sơ "+id+": Đã có kết quả") {
				t.Errorf("notifications:\n%s", excerpt(body))
			}
		})

		t.Run("CSRF", func(t *testing.T) {
			before := e.dossierCount()
			form := e.temporaryResidence(url.Values{})
			for name, tok := range map[string]string{"no token": "", "wrong token": "AAAA" + strings.Repeat("x", 40)} {
				if tok != "" {
					form.Set("csrf", tok)
				}
				if st, _, body := portalPost(b, tr, form, proofOfHome); st != http.StatusForbidden || !strings.Contains(body, "Biểu mẫu đã hết hạn") {
					t.Errorf("%s: submit = %d", name, st)
				}
			}
			if st, _, _ := b.do("POST", dossier+"/pay", url.Values{}); st != http.StatusForbidden {
				t.Errorf("pay without a token = %d", st)
			}
			if n := e.dossierCount(); n != before {
				t.Errorf("dossiers %d → %d", before, n)
			}
		})

		t.Run("another citizen's dossier is 404", func(t *testing.T) {
			var other *register.Person
			for i := 0; ; i++ {
				if p := e.Living(i); p.IDNumber != e.applicant.IDNumber {
					other = p
					break
				}
			}
			e.Citizen(other, "0912000302")
			ob := newBrowser(t, e.Env)
			ob.loginCitizen(e.Env, other, "0912000302")
			// Byte for byte the page of a missing dossier (but for the
			// language switch's link, which names the path).
			nope := "HS-" + strings.Repeat("0", len(id)-3)
			for _, path := range []string{dossier, dossier + "/payment", dossier + "/result", dossier + "/resubmit"} {
				_, missing := ob.get(strings.Replace(path, id, nope, 1))
				st, body := ob.get(path)
				if st != http.StatusNotFound || strings.ReplaceAll(body, id, nope) != missing {
					t.Errorf("GET %s by another citizen = %d\n%s", path, st, excerpt(body))
				}
			}
			ob.get("/app/dossiers")
			if st, _, _ := ob.do("POST", dossier+"/pay", url.Values{"csrf": {ob.csrf()}}); st != http.StatusNotFound {
				t.Errorf("another citizen pays = %d", st)
			}
			entries, err := db.AccessLogEntries(e.Ctx, accesslog.Filter{Subject: e.applicant.IDNumber, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			denied := 0
			for _, en := range entries {
				if en.Outcome == accesslog.OutcomeDenied && en.Action == "dossier.read" {
					denied++
				}
			}
			if denied == 0 {
				t.Error("the other citizen's attempts are not in the access log")
			}
		})
	})
}

// TestPrefersHTML: browsers get the verification page, API clients JSON.
func TestPrefersHTML(t *testing.T) {
	for _, c := range []struct {
		accept string
		want   bool
	}{
		{"", false},
		{"*/*", false},
		{"application/json", false},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", true},
		{"application/json, text/html", false},
		{"text/html, application/json", true},
		{"text/html;q=0.5, application/json", false},
		{"text/html;q=0", false},
	} {
		r, _ := http.NewRequest("GET", "/verify/KQ-1", nil)
		if c.accept != "" {
			r.Header.Set("Accept", c.accept)
		}
		if got := web.PrefersHTML(r); got != c.want {
			t.Errorf("Accept %q: PrefersHTML = %v, want %v", c.accept, got, c.want)
		}
	}
}
