package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

// TestWeb_HomeAndHeaders: the home page links every area, in Vietnamese
// by default and English on request, with the strict security headers.
func TestWeb_HomeAndHeaders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 50)
		b := newBrowser(t, e)
		req, _ := http.NewRequest("GET", e.URL+"/", nil)
		resp, err := b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		for name, want := range map[string]string{"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
			"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"} {
			if got := h.Get(name); got != want {
				t.Errorf("%s = %q, want %q", name, got, want)
			}
		}
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") ||
			!strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("CSP = %q", csp)
		}
		st, body := b.get("/")
		if st != 200 {
			t.Fatalf("GET / = %d", st)
		}
		for _, want := range []string{`lang="vi"`, `href="/app/"`, `href="/officer/"`, `href="#main"`, "Ứng dụng công dân", `href="/app/services"`, `href="/business/"`} {
			if !strings.Contains(body, want) {
				t.Errorf("home page lacks %q", want)
			}
		}
		_, body = b.get("/?lang=en")
		if !strings.Contains(body, `lang="en"`) || !strings.Contains(body, "Citizen app") {
			t.Errorf("English home page:\n%s", excerpt(body))
		}
		// The choice is remembered.
		if _, body = b.get("/app/login"); !strings.Contains(body, "Personal identification number") {
			t.Errorf("language not remembered:\n%s", excerpt(body))
		}
		// The API keeps its own answers.
		if st, _ := b.get("/api/v1/nothing"); st != 404 {
			t.Errorf("GET /api/v1/nothing = %d", st)
		}
		if st, _ := b.get("/healthz"); st != 200 {
			t.Errorf("GET /healthz = %d", st)
		}
		if st, _ := b.get("/static/app.css"); st != 200 {
			t.Errorf("GET /static/app.css = %d", st)
		}
		if st, _ := b.get("/app/nowhere"); st != 404 {
			t.Errorf("GET /app/nowhere = %d", st)
		}
	})
}

// TestWeb_CSRF: a POST without or with a wrong token is refused and
// changes nothing, for citizens and officers alike.
func TestWeb_CSRF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 200)
		alice := e.Living(0)
		e.Citizen(alice, "0912000001")
		b := newBrowser(t, e)
		b.loginCitizen(e, alice, "0912000001")
		acct, err := e.EID.AccountByIDNumber(e.Ctx, alice.IDNumber)
		if err != nil {
			t.Fatal(err)
		}
		before, _ := e.EID.Sessions(e.Ctx, acct.ID)
		target := before[0].ID
		for name, form := range map[string]url.Values{
			"no token":    {},
			"wrong token": {"csrf": {"AAAA" + strings.Repeat("x", 40)}},
		} {
			st, _, body := b.do("POST", "/app/security/sessions/"+target+"/revoke", form)
			if st != http.StatusForbidden || !strings.Contains(body, "Biểu mẫu đã hết hạn") {
				t.Errorf("%s: revoke session = %d\n%s", name, st, excerpt(body))
			}
			st, _, _ = b.do("POST", "/app/logout", form)
			if st != http.StatusForbidden {
				t.Errorf("%s: logout = %d", name, st)
			}
		}
		after, _ := e.EID.Sessions(e.Ctx, acct.ID)
		if len(after) != len(before) {
			t.Errorf("sessions changed: %d → %d", len(before), len(after))
		}
		// Another browser's token does not fit this one's cookies.
		other := newBrowser(t, e)
		other.get("/app/login")
		st, _, _ := b.do("POST", "/app/logout", url.Values{"csrf": {other.csrf()}})
		if st != http.StatusForbidden {
			t.Errorf("logout with another browser's token = %d", st)
		}

		// An officer's event without a token records nothing.
		bob := e.Living(1)
		secret := newOfficer(t, e, auth.Officer{Username: "csrf-prov", Role: auth.RoleRegistrar, UnitLevel: auth.LevelProvince, UnitCode: "46"})
		ob := newBrowser(t, e)
		ob.loginOfficer("csrf-prov", secret)
		form := url.Values{"full_name": {"Tên Mới Hoàn Toàn"}, "effective_date": {"2026-01-01"}, "document_no": {"1/QĐ"},
			"document_date": {"2026-01-01"}, "issuer": {"UBND"}}
		st, _, _ = ob.do("POST", "/officer/persons/"+bob.IDNumber+"/events/name_change", form)
		if st != http.StatusForbidden {
			t.Errorf("event without token = %d", st)
		}
		if p, _ := e.Register.ForSubject(e.Ctx, bob.IDNumber); p.FullName != bob.FullName {
			t.Errorf("name changed without a CSRF token: %q", p.FullName)
		}
		// With the page's token it is recorded.
		st, loc, body := ob.submit("/officer/persons/"+bob.IDNumber+"/events/name_change", "/officer/persons/"+bob.IDNumber+"/events/name_change", form)
		if st != http.StatusSeeOther || loc != "/officer/persons/"+bob.IDNumber {
			t.Fatalf("event with token = %d %s\n%s", st, loc, excerpt(body))
		}
		if p, _ := e.Register.ForSubject(e.Ctx, bob.IDNumber); p.FullName != "Tên Mới Hoàn Toàn" {
			t.Errorf("name after the event = %q", p.FullName)
		}
	})
}

// TestWeb_Authorisation: pages need their login; a citizen never sees
// another citizen's data; an officer never a person outside his
// jurisdiction (404, exactly as for no such person, and logged).
func TestWeb_Authorisation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 300)
		anon := newBrowser(t, e)
		for _, path := range []string{"/app/", "/app/record", "/app/access-log", "/app/security"} {
			if st, loc, _ := anon.do("GET", path, nil); st != http.StatusSeeOther || !strings.HasPrefix(loc, "/app/login") {
				t.Errorf("anonymous GET %s = %d %s", path, st, loc)
			}
		}
		if st, loc, _ := anon.do("GET", "/officer/persons/"+e.People[0].IDNumber, nil); st != http.StatusSeeOther || loc != "/officer/login" {
			t.Errorf("anonymous officer page = %d %s", st, loc)
		}

		// A citizen's session is no officer's.
		alice, bob := e.Living(0), e.Living(1)
		e.Citizen(alice, "0912000011")
		e.Citizen(bob, "0912000012")
		b := newBrowser(t, e)
		b.loginCitizen(e, alice, "0912000011")
		if st, loc, _ := b.do("GET", "/officer/persons/"+bob.IDNumber, nil); st != http.StatusSeeOther || loc != "/officer/login" {
			t.Errorf("citizen on an officer page = %d %s", st, loc)
		}
		// His record is his own: no path names another person.
		_, body := b.get("/app/record")
		if !strings.Contains(body, alice.FullName) || strings.Contains(body, bob.IDNumber) {
			t.Errorf("record page:\n%s", excerpt(body))
		}
		if st, _ := b.get("/app/documents/doc_of_someone_else"); st != http.StatusNotFound {
			t.Errorf("another's document = %d", st)
		}

		// A commune officer and a person of another commune.
		inside := e.Living(2)
		var outside *register.Person
		for _, p := range e.People {
			if communeOf(p) != "" && communeOf(p) != communeOf(inside) {
				outside = p
				break
			}
		}
		if outside == nil {
			t.Fatal("no person of another commune")
		}
		secret := newOfficer(t, e, auth.Officer{Username: "commune-1", Role: auth.RoleRegistrar, UnitLevel: auth.LevelCommune, UnitCode: communeOf(inside)})
		ob := newBrowser(t, e)
		ob.loginOfficer("commune-1", secret)
		if st, body := ob.get("/officer/persons/" + inside.IDNumber); st != 200 || !strings.Contains(body, inside.FullName) {
			t.Fatalf("person inside = %d\n%s", st, excerpt(body))
		}
		st, outBody := ob.get("/officer/persons/" + outside.IDNumber)
		if st != http.StatusNotFound || strings.Contains(outBody, outside.FullName) {
			t.Errorf("person outside = %d\n%s", st, excerpt(outBody))
		}
		missing := "046" + outside.IDNumber[3:6] + "999999"
		if st, body := ob.get("/officer/persons/" + missing); st != http.StatusNotFound || pageMain(body) != pageMain(outBody) {
			t.Errorf("missing person = %d; the page differs from the outside person's", st)
		}
		denied, err := e.Log.Entries(e.Ctx, accesslog.Filter{Subject: outside.IDNumber, Actor: "commune-1"})
		if err != nil || len(denied) != 1 || denied[0].Outcome != accesslog.OutcomeDenied {
			t.Errorf("access log of the refused read = %+v, %v", denied, err)
		}
		// Nor can he change the outsider.
		st, _, _ = ob.submit("/officer/persons/"+outside.IDNumber+"/events/name_change", "/officer/persons/"+outside.IDNumber+"/events/name_change",
			url.Values{"full_name": {"Ai Đó Khác"}, "effective_date": {"2026-01-01"}, "document_no": {"1"}, "document_date": {"2026-01-01"}, "issuer": {"UBND"}})
		if st != http.StatusNotFound {
			t.Errorf("event outside = %d", st)
		}
		// Search finds only persons of his commune.
		_, body = ob.get("/officer/?birth_year=" + inside.BirthDate.Earliest()[:4])
		if !strings.Contains(body, inside.IDNumber) {
			t.Errorf("search misses the person inside:\n%s", excerpt(body))
		}
		for _, p := range e.People {
			if communeOf(p) != communeOf(inside) && strings.Contains(body, p.IDNumber) && !inJurisdiction(p, communeOf(inside)) {
				t.Errorf("search shows %s of commune %s", p.IDNumber, communeOf(p))
			}
		}
	})
}

// inJurisdiction reports whether any residence of p is in commune.
func inJurisdiction(p *register.Person, commune string) bool {
	perm, temp, cur := p.Communes()
	return perm == commune || temp == commune || cur == commune
}

// pageMain is a page's main element, which must not say whether a person
// exists.
func pageMain(s string) string {
	i, j := strings.Index(s, "<main"), strings.Index(s, "</main>")
	if i < 0 || j < i {
		return s
	}
	return s[i:j]
}

// TestWeb_FormErrors: a failed form comes back with the input kept, an
// error summary linking to each field and the error next to the field.
func TestWeb_FormErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 100)
		b := newBrowser(t, e)
		p := e.Living(0)
		st, _, body := b.submit("/app/register", "/app/register", url.Values{"id_number": {p.IDNumber}, "full_name": {"Người Khác Hẳn"},
			"birth_date": {string(p.BirthDate)}, "phone": {""}})
		if st != http.StatusUnprocessableEntity {
			t.Fatalf("register with no phone = %d", st)
		}
		for _, want := range []string{`class="error-summary"`, `href="#phone"`, `id="phone-error"`, `aria-invalid="true"`,
			`value="Người Khác Hẳn"`, `value="` + p.IDNumber + `"`} {
			if !strings.Contains(body, want) {
				t.Errorf("form page lacks %q:\n%s", want, excerpt(body))
			}
		}
		// Details that do not match the register: the service's answer.
		st, _, body = b.submit("/app/register", "/app/register", url.Values{"id_number": {p.IDNumber}, "full_name": {"Người Khác Hẳn"},
			"birth_date": {string(p.BirthDate)}, "phone": {"0912000099"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, "không khớp") || !strings.Contains(body, `value="0912000099"`) {
			t.Errorf("mismatch = %d:\n%s", st, excerpt(body))
		}

		// An officer's event with a date in the wrong form.
		secret := newOfficer(t, e, auth.Officer{Username: "prov-forms", Role: auth.RoleRegistrar, UnitLevel: auth.LevelProvince, UnitCode: "46"})
		ob := newBrowser(t, e)
		ob.loginOfficer("prov-forms", secret)
		path := "/officer/persons/" + p.IDNumber + "/events/name_change"
		st, _, body = ob.submit(path, path, url.Values{"full_name": {"Trần Thị Mới"}, "effective_date": {"01/02/2026"},
			"document_no": {"7/QĐ"}, "document_date": {"2026-02-01"}, "issuer": {"UBND phường"}})
		if st != http.StatusUnprocessableEntity {
			t.Fatalf("bad date = %d\n%s", st, excerpt(body))
		}
		for _, want := range []string{`href="#effective_date"`, `id="effective_date-error"`, `value="Trần Thị Mới"`, `value="7/QĐ"`, `value="01/02/2026"`} {
			if !strings.Contains(body, want) {
				t.Errorf("event form lacks %q:\n%s", want, excerpt(body))
			}
		}
		if q, _ := e.Register.ForSubject(e.Ctx, p.IDNumber); q.FullName != p.FullName {
			t.Errorf("the failed form changed the name to %q", q.FullName)
		}
		// A missing legal basis.
		st, _, body = ob.submit(path, path, url.Values{"full_name": {"Trần Thị Mới"}, "effective_date": {"2026-01-01"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#document_no"`) || !strings.Contains(body, `href="#issuer"`) {
			t.Errorf("no legal basis = %d\n%s", st, excerpt(body))
		}
	})
}
