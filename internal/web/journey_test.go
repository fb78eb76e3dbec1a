package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

// TestWeb_CitizenPages: a citizen registers and logs in through the
// pages, sees his record (not logged: it is his own), his household,
// who accessed his data with every entry verified, his sessions, and
// logs out; the e-ID session cookie is the OpenID provider's too.
func TestWeb_CitizenPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 200)
		p := e.Living(3)
		b := newBrowser(t, e)
		phone := "0912000021"
		st, loc, body := b.submit("/app/register", "/app/register", url.Values{"id_number": {p.IDNumber}, "full_name": {p.FullName},
			"birth_date": {string(p.BirthDate)}, "phone": {phone}})
		if st != http.StatusSeeOther || loc != "/app/register/code" {
			t.Fatalf("register = %d %s\n%s", st, loc, excerpt(body))
		}
		// A weak passcode is refused next to its field.
		st, _, body = b.submit(loc, loc, url.Values{"code": {e.Code(phone)}, "passcode": {"123456"}, "passcode2": {"123456"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#passcode"`) {
			t.Fatalf("weak passcode = %d\n%s", st, excerpt(body))
		}
		st, loc, body = b.submit("/app/register/code", "/app/register/code", url.Values{"code": {e.Code(phone)},
			"passcode": {citizenPasscode}, "passcode2": {citizenPasscode}})
		if st != http.StatusSeeOther || loc != "/app/login" {
			t.Fatalf("register code = %d %s\n%s", st, loc, excerpt(body))
		}
		if _, body = b.get("/app/login"); !strings.Contains(body, "Đã tạo tài khoản") {
			t.Errorf("no flash after registration:\n%s", excerpt(body))
		}
		b.loginCitizen(e, p, phone)

		// An officer reads his record: the access log shows it, verified.
		officer := e.Officer(auth.Officer{Username: "reader-46", FullName: "Cán bộ tra cứu", Role: auth.RoleReader,
			UnitLevel: auth.LevelProvince, UnitCode: "46"})
		if st, _, _ := e.Call("GET", "/api/v1/persons/"+p.IDNumber, officer, "", ""); st != 200 {
			t.Fatalf("officer read = %d", st)
		}
		before, _ := e.Log.Entries(e.Ctx, accesslog.Filter{Subject: p.IDNumber, Limit: 1000})
		for _, path := range []string{"/app/", "/app/record", "/app/household", "/app/documents", "/app/consents",
			"/app/security", "/app/notifications"} {
			if st, body := b.get(path); st != 200 {
				t.Errorf("GET %s = %d\n%s", path, st, excerpt(body))
			}
		}
		_, body = b.get("/app/record")
		if !strings.Contains(body, p.FullName) || !strings.Contains(body, p.IDNumber) {
			t.Errorf("record page:\n%s", excerpt(body))
		}
		after, _ := e.Log.Entries(e.Ctx, accesslog.Filter{Subject: p.IDNumber, Limit: 1000})
		for _, x := range after[len(before):] {
			if x.Action != accesslog.ActionHousehold {
				t.Errorf("the citizen's own pages wrote %+v", x)
			}
		}
		st, body = b.get("/app/access-log")
		if st != 200 {
			t.Fatalf("access log = %d", st)
		}
		if !strings.Contains(body, "Cán bộ Thành phố Huế") || !strings.Contains(body, `class="badge ok"`) ||
			strings.Contains(body, `class="badge bad"`) || !strings.Contains(body, "Tất cả đã được kiểm chứng") {
			t.Errorf("access log page:\n%s", excerpt(body))
		}

		// The session cookie is the e-ID session the API takes too.
		tok := ""
		u, _ := url.Parse(e.URL)
		for _, c := range b.client.Jar.Cookies(u) {
			if c.Name == "dancu_sid" {
				tok = c.Value
			}
		}
		if st, _, _ := e.Call("GET", "/api/v1/eid/me", tok, "", ""); st != 200 {
			t.Errorf("API with the web session = %d", st)
		}
		// Logging out ends it.
		st, loc, _ = b.submit("/app/", "/app/logout", url.Values{})
		if st != http.StatusSeeOther || loc != "/" {
			t.Errorf("logout = %d %s", st, loc)
		}
		if st, _, _ := e.Call("GET", "/api/v1/eid/me", tok, "", ""); st != 401 {
			t.Errorf("API after logout = %d", st)
		}

		// "Remember this device": the next login needs no code.
		login := url.Values{"id_number": {p.IDNumber}, "passcode": {citizenPasscode}}
		st, loc, _ = b.submit("/app/login", "/app/login", login)
		if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/app/login/code") {
			t.Fatalf("login = %d %s", st, loc)
		}
		st, loc, _ = b.submit(loc, "/app/login/code", url.Values{"code": {e.Code(phone)}, "bind_device": {"1"}})
		if st != http.StatusSeeOther || loc != "/app/" {
			t.Fatalf("code with bind_device = %d %s", st, loc)
		}
		b.submit("/app/", "/app/logout", url.Values{})
		st, loc, _ = b.submit("/app/login", "/app/login", login)
		if st != http.StatusSeeOther || loc != "/app/" {
			t.Errorf("login from the remembered device = %d %s, want straight to /app/", st, loc)
		}
		// A wrong passcode says nothing about which field was wrong.
		b.submit("/app/", "/app/logout", url.Values{})
		st, _, body = b.submit("/app/login", "/app/login", url.Values{"id_number": {p.IDNumber}, "passcode": {"000111"}})
		if st != http.StatusUnauthorized || !strings.Contains(body, "Số định danh hoặc mã khóa không đúng") || !strings.Contains(body, `value="`+p.IDNumber+`"`) {
			t.Errorf("wrong passcode = %d\n%s", st, excerpt(body))
		}
	})
}

var resultLink = regexp.MustCompile(`href="/officer/persons/([0-9]{12})"`)

// TestWeb_OfficerPages: an officer searches with and without diacritics,
// opens a person, records a name change, sees the record as of a date
// before it, registers a birth and upgrades an account to level 2.
func TestWeb_OfficerPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 200)
		secret := newOfficer(t, e, auth.Officer{Username: "prov-1", Role: auth.RoleRegistrar, UnitLevel: auth.LevelProvince, UnitCode: "46"})
		b := newBrowser(t, e)
		b.loginOfficer("prov-1", secret)
		p := e.Living(4)
		folded := register.NameKey(p.FullName)
		for _, q := range []string{p.FullName, folded} {
			st, body := b.get("/officer/?name=" + url.QueryEscape(q))
			if st != 200 || !strings.Contains(body, `href="/officer/persons/`+p.IDNumber+`"`) {
				t.Errorf("search %q = %d\n%s", q, st, excerpt(body))
			}
		}
		path := "/officer/persons/" + p.IDNumber
		st, loc, body := b.submit(path+"/events/name_change", path+"/events/name_change", url.Values{"full_name": {"Lê Thị Đổi Tên"},
			"reason": {"theo nguyện vọng"}, "effective_date": {"2026-01-10"}, "document_no": {"15/QĐ-UBND"},
			"document_date": {"2026-01-09"}, "issuer": {"UBND phường Thuận Hóa"}})
		if st != http.StatusSeeOther || loc != path {
			t.Fatalf("name change = %d %s\n%s", st, loc, excerpt(body))
		}
		st, body = b.get(path)
		if st != 200 || !strings.Contains(body, "Lê Thị Đổi Tên") || !strings.Contains(body, "15/QĐ-UBND") || !strings.Contains(body, "Đã ghi nhận") {
			t.Errorf("person after the change:\n%s", excerpt(body))
		}
		_, body = b.get(path + "?as_of=2025-12-31")
		if !strings.Contains(pageMain(body), p.FullName) || !strings.Contains(body, "Hồ sơ tại ngày 31/12/2025") {
			t.Errorf("as of before the change:\n%s", excerpt(body))
		}

		// A birth, with its legal basis.
		st, loc, body = b.submit("/officer/births/new", "/officer/births/new", url.Values{"full_name": {"Nguyễn Thị Bé"}, "gender": {"female"},
			"birth_date": {"2026-01-05"}, "birth_place": {"Bệnh viện Trung ương Huế"}, "ethnicity": {"01"}, "religion": {"none"}, "nationality": {"VN"},
			"commune": {communeOf(p)}, "address": {"Số 5 Lê Lợi"}, "document_no": {"12/KS"}, "document_date": {"2026-01-15"}, "issuer": {"UBND"}})
		if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/officer/persons/") {
			t.Fatalf("birth = %d %s\n%s", st, loc, excerpt(body))
		}
		if _, body = b.get(loc); !strings.Contains(body, "Nguyễn Thị Bé") {
			t.Errorf("new person:\n%s", excerpt(body))
		}

		// Level 2 in person.
		q := e.Living(5)
		e.Citizen(q, "0912000031")
		lp := "/officer/persons/" + q.IDNumber + "/level2"
		st, _, body = b.submit(lp, lp, url.Values{"chip_read": {"1"}, "document": {q.IDNumber}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#face_match"`) || !strings.Contains(body, `value="`+q.IDNumber+`"`) {
			t.Errorf("level 2 without the face check = %d\n%s", st, excerpt(body))
		}
		st, loc, body = b.submit(lp, lp, url.Values{"chip_read": {"1"}, "face_match": {"1"}, "document": {q.IDNumber}})
		if st != http.StatusSeeOther {
			t.Fatalf("level 2 = %d\n%s", st, excerpt(body))
		}
		if a, _ := e.EID.AccountByIDNumber(e.Ctx, q.IDNumber); a.Level != 2 {
			t.Errorf("level after the upgrade = %d", a.Level)
		}
		// A person without an account: a form error, not a 404.
		n := e.Living(6)
		np := "/officer/persons/" + n.IDNumber + "/level2"
		st, _, body = b.submit(np, np, url.Values{"chip_read": {"1"}, "face_match": {"1"}, "document": {n.IDNumber}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, "chưa có tài khoản") {
			t.Errorf("level 2 without an account = %d\n%s", st, excerpt(body))
		}
		// The household of the person, with links to its members.
		if hp, _ := e.Register.ForSubject(e.Ctx, p.IDNumber); hp.HouseholdID != "" {
			st, body = b.get("/officer/households/" + hp.HouseholdID)
			if st != 200 || !strings.Contains(body, `href="/officer/persons/`+p.IDNumber+`"`) {
				t.Errorf("household page = %d\n%s", st, excerpt(body))
			}
		}
		// A full page of search results links the next one.
		_, body = b.get("/officer/?name=nguyen")
		first := resultLink.FindAllStringSubmatch(body, -1)
		next := regexp.MustCompile(`href="(/officer/\?after=[^"]+)"`).FindStringSubmatch(body)
		if len(first) != 50 || next == nil {
			t.Fatalf("search nguyen: %d results, next link %v", len(first), next)
		}
		_, body = b.get(html.UnescapeString(next[1]))
		second := resultLink.FindAllStringSubmatch(body, -1)
		if len(second) == 0 || second[0][1] == first[0][1] || strings.Contains(body, `href="/officer/persons/`+first[49][1]+`"`) {
			t.Errorf("second page: %d results, first %v", len(second), second)
		}
		// Logging out revokes the token.
		st, loc, _ = b.submit("/officer/", "/officer/logout", url.Values{})
		if st != http.StatusSeeOther || loc != "/officer/login" {
			t.Errorf("officer logout = %d %s", st, loc)
		}
		if st, loc, _ = b.do("GET", "/officer/", nil); st != http.StatusSeeOther || loc != "/officer/login" {
			t.Errorf("after logout = %d %s", st, loc)
		}
	})
}
