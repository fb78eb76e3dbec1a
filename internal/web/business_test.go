package web_test

import (
	"bytes"
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
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
	"github.com/dancu-vn/dancu/internal/units"
)

// businessLevel2 gives a person a level-2 e-ID account (registered, then
// attested by a province officer) and returns it.
func businessLevel2(t testing.TB, e *testenv.Env, p *register.Person, phone string) *eid.Account {
	t.Helper()
	e.Citizen(p, phone)
	officer := auth.Actor{ID: "prov", Role: auth.RoleRegistrar, UnitLevel: auth.LevelProvince, UnitCode: "46"}
	if _, err := e.EID.UpgradeLevel2(e.Ctx, officer, p.IDNumber, eid.Attestation{ChipRead: true, FaceMatch: true, Document: p.IDNumber}); err != nil {
		t.Fatal(err)
	}
	a, err := e.EID.AccountByIDNumber(e.Ctx, p.IDNumber)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// businessOrg makes a level-2 account the representative of a hotel.
func businessOrg(t testing.TB, e *testenv.Env, a *eid.Account, number, name string) *eid.Organisation {
	t.Helper()
	o, err := e.EID.CreateOrganisation(e.Ctx, a.ID, eid.Organisation{RegistrationNumber: number, Name: name, Kind: eid.OrgBusiness})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// businessCommune is a commune of the test province valid today.
func businessCommune(t testing.TB) units.Unit {
	t.Helper()
	cs := units.CommunesOf("46", time.Now().UTC().Format(time.DateOnly))
	if len(cs) == 0 {
		t.Fatal("no commune of province 46 today")
	}
	return cs[0]
}

var (
	businessEstLink  = regexp.MustCompile(`/establishments/(est_[0-9a-f]+)"`)
	businessStayLink = regexp.MustCompile(`/stays/(stay_[0-9a-f]+)/checkout"`)
)

// businessUpload posts a stays file as the upload form does, with the
// CSRF token of the last page shown ("" for none).
func (b *browser) businessUpload(path, csrf, content string) (int, string) {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if csrf != "" {
		mw.WriteField("csrf", csrf)
	}
	fw, _ := mw.CreateFormFile("file", "khach.csv")
	io.WriteString(fw, content)
	mw.Close()
	req, _ := http.NewRequest("POST", b.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	b.last = string(raw)
	return resp.StatusCode, string(raw)
}

// TestWeb_Business: a hotel's representative, logged in with his own
// e-ID session, registers an establishment, checks guests in (a citizen
// the register confirms, a wrong name flagged but declared, a foreigner),
// checks one out twice, uploads a file line by line; every check is in
// the guest's access log with the organisation and who acted. Level 1,
// no organisation, another organisation's pages and a missing CSRF token
// are refused.
func TestWeb_Business(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 100)
		rep, guest, other := e.Living(0), e.Living(1), e.Living(2)
		acct := businessLevel2(t, e, rep, "0912000301")
		org := businessOrg(t, e, acct, "0101234567", "Công ty TNHH Khách sạn Sông Hương")
		commune := businessCommune(t)
		b := newBrowser(t, e)
		b.loginCitizen(e, rep, "0912000301")
		orgURL := "/business/" + org.ID + "/"

		t.Run("level 1 and no organisation", func(t *testing.T) {
			lone := e.Living(3)
			e.Citizen(lone, "0912000302")
			b1 := newBrowser(t, e)
			b1.loginCitizen(e, lone, "0912000302")
			if st, body := b1.get("/business/"); st != http.StatusOK || !strings.Contains(body, "Cần tài khoản định danh điện tử mức 2") {
				t.Errorf("level 1 /business/ = %d\n%s", st, excerpt(body))
			}
			st, _, body := b1.submit("/business/", orgURL+"establishments", url.Values{"name": {"X"}, "kind": {"hotel"}, "commune": {commune.Code}, "address": {"1 Lê Lợi"}})
			if st != http.StatusForbidden || !strings.Contains(body, "mức 2") {
				t.Errorf("level 1 POST = %d\n%s", st, excerpt(body))
			}
			businessLevel2(t, e, other, "0912000303")
			b2 := newBrowser(t, e)
			b2.loginCitizen(e, other, "0912000303")
			if st, body := b2.get("/business/"); st != http.StatusOK || !strings.Contains(body, "chưa là người đại diện") ||
				!strings.Contains(body, "docs/eid.md") {
				t.Errorf("no organisation = %d\n%s", st, excerpt(body))
			}
			if st, _ := b2.get(orgURL); st != http.StatusNotFound {
				t.Errorf("another's organisation = %d, want 404", st)
			}
		})

		if st, loc, _ := b.do("GET", "/business/", nil); st != http.StatusFound || loc != orgURL {
			t.Fatalf("/business/ = %d %s, want the one organisation", st, loc)
		}

		t.Run("establishment form errors", func(t *testing.T) {
			st, _, body := b.submit(orgURL, orgURL+"establishments", url.Values{"name": {"Khách sạn Sông Hương"}, "kind": {"hotel"},
				"commune": {"99999"}, "address": {"12 Lê Lợi"}})
			if st != http.StatusUnprocessableEntity || !strings.Contains(body, `value="99999"`) || !strings.Contains(body, `value="Khách sạn Sông Hương"`) ||
				!strings.Contains(body, "Không có xã, phường hiện hành với mã này") || !strings.Contains(body, `id="commune-error"`) {
				t.Errorf("bad commune = %d\n%s", st, excerpt(body))
			}
			st, _, body = b.submit(orgURL, orgURL+"establishments", url.Values{"kind": {"hotel"}, "commune": {commune.Code}})
			if st != http.StatusUnprocessableEntity || !strings.Contains(body, "Hãy nhập tên cơ sở") || !strings.Contains(body, `href="#address"`) {
				t.Errorf("missing name = %d\n%s", st, excerpt(body))
			}
		})

		st, loc, body := b.submit(orgURL+"?province=46", orgURL+"establishments", url.Values{"name": {"Khách sạn Sông Hương"}, "kind": {"hotel"},
			"province": {"46"}, "commune": {commune.Code}, "address": {"12 Lê Lợi"}})
		if st != http.StatusSeeOther || loc != orgURL {
			t.Fatalf("create = %d %s\n%s", st, loc, excerpt(body))
		}
		_, body = b.get(orgURL)
		m := businessEstLink.FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, "Đã đăng ký cơ sở lưu trú") || !strings.Contains(body, commune.FullName()) || !strings.Contains(body, "Khách sạn") {
			t.Fatalf("organisation page:\n%s", excerpt(body))
		}
		estURL := orgURL + "establishments/" + m[1]

		checkIn := func(form url.Values) (int, string, string) {
			t.Helper()
			return b.submit(estURL, estURL+"/stays", form)
		}
		t.Run("check in", func(t *testing.T) {
			cases := []struct {
				name, flash, verdict string
				form                 url.Values
			}{
				{"register person", "khớp với Cơ sở dữ liệu", "Khớp", url.Values{"guest_kind": {"citizen"}, "id_number": {guest.IDNumber},
					"full_name": {guest.FullName}, "birth_date": {string(guest.BirthDate)}, "room": {"101"}}},
				{"wrong name", "được đánh dấu", "Cần kiểm tra", url.Values{"guest_kind": {"citizen"}, "id_number": {other.IDNumber},
					"full_name": {"Tên Khác Hẳn"}, "birth_date": {string(other.BirthDate)}, "room": {"102"}}},
				{"foreigner", "theo hộ chiếu", "Hộ chiếu", url.Values{"guest_kind": {"foreign"}, "foreign_full_name": {"John Smith"},
					"foreign_birth_date": {"1980-02-03"}, "gender": {"male"}, "nationality": {"gb"}, "passport_no": {"123456789"}, "room": {"103"}}},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					st, loc, body := checkIn(tc.form)
					if st != http.StatusSeeOther || !strings.HasPrefix(loc, estURL+"?date=") {
						t.Fatalf("check-in = %d %s\n%s", st, loc, excerpt(body))
					}
					_, body = b.get(loc)
					if !strings.Contains(body, tc.flash) || !strings.Contains(body, tc.verdict) || !strings.Contains(body, tc.form.Get("room")) {
						t.Errorf("after check-in:\n%s", excerpt(body))
					}
				})
			}
		})

		t.Run("check-in errors keep the input", func(t *testing.T) {
			st, _, body := checkIn(url.Values{"guest_kind": {"citizen"}, "id_number": {guest.IDNumber}, "birth_date": {"1990-01-01"}, "room": {"201"}})
			if st != http.StatusUnprocessableEntity || !strings.Contains(body, "Hãy nhập họ tên của khách") || !strings.Contains(body, `value="`+guest.IDNumber+`"`) ||
				!strings.Contains(body, `value="201"`) {
				t.Errorf("missing name = %d\n%s", st, excerpt(body))
			}
			st, _, body = checkIn(url.Values{"guest_kind": {"foreign"}, "foreign_full_name": {"Kim Min"}, "foreign_birth_date": {"1985-01-01"},
				"nationality": {"VN"}, "passport_no": {"M1234"}})
			if st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="nationality-error"`) || !strings.Contains(body, `value="Kim Min"`) ||
				!strings.Contains(body, `value="foreign" checked`) {
				t.Errorf("foreign VN = %d\n%s", st, excerpt(body))
			}
		})

		t.Run("english", func(t *testing.T) {
			_, body := b.get(estURL + "?lang=en")
			for _, want := range []string{"Check a guest in", "Matches", "Flagged", "Passport", "Upload a CSV file"} {
				if !strings.Contains(body, want) {
					t.Errorf("English page lacks %q:\n%s", want, excerpt(body))
				}
			}
			b.get(estURL + "?lang=vi")
		})

		t.Run("access log", func(t *testing.T) {
			entries, err := e.Log.Entries(e.Ctx, accesslog.Filter{Subject: guest.IDNumber, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var found bool
			for _, x := range entries {
				if x.Action == "residence.guest_check" {
					found = true
					if x.Org != org.ID || x.Actor != "citizen:"+acct.ID+"@"+org.ID || x.ActorRole != "partner" || x.Outcome != "match" {
						t.Errorf("guest check entry = %+v", x)
					}
				}
			}
			if !found {
				t.Errorf("no residence.guest_check entry for the guest in %+v", entries)
			}
			// The guest sees the hotel by its name in who accessed his data.
			e.Citizen(guest, "0912000097")
			g := newBrowser(t, e)
			g.loginCitizen(e, guest, "0912000097")
			if _, body := g.get("/app/access-log"); !strings.Contains(body, org.Name) || !strings.Contains(body, "Cơ sở lưu trú kiểm tra thông tin khách") {
				t.Errorf("the guest's access log lacks %q:\n%s", org.Name, excerpt(body))
			}
		})

		t.Run("check out twice", func(t *testing.T) {
			_, body := b.get(estURL)
			m := businessStayLink.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no check-out button:\n%s", excerpt(body))
			}
			action := estURL + "/stays/" + m[1] + "/checkout"
			st, loc, body := b.submit(estURL, action, url.Values{})
			if st != http.StatusSeeOther || !strings.HasPrefix(loc, estURL) {
				t.Fatalf("check-out = %d %s\n%s", st, loc, excerpt(body))
			}
			if _, body := b.get(loc); !strings.Contains(body, "Đã khai báo trả phòng") {
				t.Errorf("after check-out:\n%s", excerpt(body))
			}
			st, _, body = b.submit(estURL, action, url.Values{})
			if st != http.StatusConflict || !strings.Contains(body, "đã được khai báo trả phòng") {
				t.Errorf("second check-out = %d\n%s", st, excerpt(body))
			}
		})

		t.Run("upload", func(t *testing.T) {
			b.get(estURL)
			csv := "kind,id_number,full_name,birth_date,nationality,passport_no,room,check_in\n" +
				"citizen," + guest.IDNumber + "," + guest.FullName + "," + string(guest.BirthDate) + ",,,301,\n" +
				"citizen," + guest.IDNumber + "," + guest.FullName + ",1990-13-45,,,302,\n" +
				"foreign,,Anna Berg,1991-04-05,SE,P998877,303,2026-01-02 10:00\n" +
				"visitor,,Ai Đó,1990-01-01,,,304,\n"
			st, body := b.businessUpload(estURL+"/upload", b.csrf(), csv)
			if st != http.StatusOK || !strings.Contains(body, "Đã khai báo 2 dòng; 2 dòng không hợp lệ") {
				t.Fatalf("upload = %d\n%s", st, excerpt(body))
			}
			for _, want := range []string{"<td>2</td>", "<td>3</td>", "<td>4</td>", "<td>5</td>", "Ngày sinh không hợp lệ", "Cột kind là citizen hoặc foreign", "Hộ chiếu"} {
				if !strings.Contains(body, want) {
					t.Errorf("upload results lack %q:\n%s", want, excerpt(body))
				}
			}
			b.get(estURL)
			st, body = b.businessUpload(estURL+"/upload", b.csrf(), "kind,colour\ncitizen,red\n")
			if st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="file-error"`) {
				t.Errorf("unknown column = %d\n%s", st, excerpt(body))
			}
			b.get(estURL)
			big := "kind,full_name\n" + strings.Repeat("citizen,Nguyễn Văn Dài\n", 100000)
			if st, body := b.businessUpload(estURL+"/upload", b.csrf(), big); st != http.StatusRequestEntityTooLarge || !strings.Contains(body, "tối đa 2 MB") {
				t.Errorf("a file over 2 MB = %d\n%s", st, excerpt(body))
			}
			if st, body := b.get("/business/stays-template.csv"); st != http.StatusOK || !strings.HasPrefix(body, "kind,id_number,full_name,birth_date,") {
				t.Errorf("template = %d %q", st, body)
			}
		})

		t.Run("another organisation", func(t *testing.T) {
			rep2 := e.Living(4)
			acct2 := businessLevel2(t, e, rep2, "0912000304")
			org2 := businessOrg(t, e, acct2, "0107654321", "Công ty Homestay Bên Kia")
			b2 := newBrowser(t, e)
			b2.loginCitizen(e, rep2, "0912000304")
			org2URL := "/business/" + org2.ID + "/"
			st, _, body := b2.submit(org2URL, org2URL+"establishments", url.Values{"name": {"Homestay Bên Kia"}, "kind": {"homestay"},
				"commune": {commune.Code}, "address": {"3 Trần Hưng Đạo"}})
			if st != http.StatusSeeOther {
				t.Fatalf("create = %d\n%s", st, excerpt(body))
			}
			_, body = b2.get(org2URL)
			m := businessEstLink.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("organisation page:\n%s", excerpt(body))
			}
			_, missing := b.get(orgURL + "establishments/est_000000000000000000")
			for _, path := range []string{org2URL, org2URL + "establishments/" + m[1], orgURL + "establishments/" + m[1]} {
				st, body := b.get(path)
				if st != http.StatusNotFound || businessMain(body) != businessMain(missing) {
					t.Errorf("GET %s = %d, want the missing page\n%s", path, st, excerpt(body))
				}
			}
			_, body = b.get(estURL)
			stay := businessStayLink.FindStringSubmatch(body)
			if stay == nil {
				t.Fatalf("no open stay:\n%s", excerpt(body))
			}
			st, _, _ = b2.submit(org2URL, org2URL+"establishments/"+m[1]+"/stays/"+stay[1]+"/checkout", url.Values{})
			if st != http.StatusNotFound {
				t.Errorf("check-out of another's stay = %d, want 404", st)
			}
			if _, body := b.get(estURL); !strings.Contains(body, stay[1]) {
				t.Errorf("the stay was checked out by another organisation")
			}
		})

		t.Run("csrf", func(t *testing.T) {
			b.get(orgURL)
			st, _, body := b.do("POST", orgURL+"establishments", url.Values{"name": {"Không CSRF"}, "kind": {"hotel"}, "commune": {commune.Code}, "address": {"1"}})
			if st != http.StatusForbidden {
				t.Errorf("no token = %d\n%s", st, excerpt(body))
			}
			st, _, _ = b.do("POST", estURL+"/stays", url.Values{"guest_kind": {"citizen"}, "id_number": {guest.IDNumber}, "full_name": {guest.FullName},
				"birth_date": {string(guest.BirthDate)}})
			if st != http.StatusForbidden {
				t.Errorf("check-in without token = %d", st)
			}
			if st, _ := b.businessUpload(estURL+"/upload", "", "kind,full_name\n"); st != http.StatusForbidden {
				t.Errorf("upload without token = %d", st)
			}
			if st, _ := b.businessUpload(estURL+"/upload", "wrong", "kind,full_name\n"); st != http.StatusForbidden {
				t.Errorf("upload with a wrong token = %d", st)
			}
			if _, body := b.get(orgURL); strings.Contains(body, "Không CSRF") {
				t.Errorf("an establishment was created without a token")
			}
		})
	})
}

// businessMain is a page's main content: the language switch's link in
// the header names the path.
func businessMain(page string) string {
	if i := strings.Index(page, "<main"); i >= 0 {
		page = page[i:]
	}
	return page
}
