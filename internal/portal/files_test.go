package portal_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/portal"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// TestPortal_Papers: a citizen sends a paper's file, names it in a
// submission, and reads it back; the officer of the commune opens it
// (logged in the applicant's access log); another citizen, another
// commune and a missing paper are 404; a file that is not a PDF, JPEG or
// PNG, an empty one and one too large are refused.
func TestPortal_Papers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pdf := "%PDF-1.4\n% giấy tờ chứng minh chỗ ở hợp pháp\n"
		st, _, b := e.Call("POST", "/api/v1/portal/files?name=hop-dong.pdf", e.citizen, "application/pdf", pdf)
		var ref map[string]any
		json.Unmarshal(b, &ref)
		if st != 201 || ref["media_type"] != "application/pdf" || ref["file_name"] != "hop-dong.pdf" || len(ref["sha256"].(string)) != 64 {
			t.Fatalf("upload = %d %s", st, b)
		}
		for _, tc := range []struct{ name, ctype, body string }{
			{"a text named .pdf", "application/pdf", "không phải PDF"},
			{"empty", "application/pdf", ""},
			{"too large", "application/pdf", "%PDF-1.4\n" + strings.Repeat("x", 10<<20)},
		} {
			if st, _, b := e.Call("POST", "/api/v1/portal/files?name=x.pdf", e.citizen, tc.ctype, tc.body); st != 400 {
				t.Errorf("%s: %d %s", tc.name, st, b)
			}
		}
		if st, _, _ := e.Call("POST", "/api/v1/portal/files", "", "application/pdf", pdf); st != 401 {
			t.Errorf("upload without a session = %d", st)
		}

		docs, _ := json.Marshal([]map[string]any{{"code": "proof_of_home", "file_name": ref["file_name"], "sha256": ref["sha256"],
			"media_type": ref["media_type"], "size": ref["size"]}})
		m := e.call("POST", "/api/v1/portal/dossiers", e.citizen, `{"procedure":"temporary_residence_registration","fields":{"temporary_commune":"`+
			e.communeCode+`","temporary_address":"Số 9 Lê Lợi","until":"2027-12-31","reason":"work"},"documents":`+string(docs)+`}`, 201)
		id := dossiers(m)[0]["id"].(string)

		if st, h, b := e.Call("GET", "/api/v1/portal/dossiers/"+id+"/documents/proof_of_home", e.citizen, "", ""); st != 200 || string(b) != pdf ||
			h.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") {
			t.Errorf("the citizen's paper = %d %v", st, h)
		}
		st, h, body := e.Call("GET", "/api/v1/dossiers/"+id+"/documents/proof_of_home", e.commune, "", "")
		if st != 200 || string(body) != pdf || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("the officer's paper = %d %v", st, h)
		}
		logged, err := e.DB.AccessLogEntries(e.Ctx, accesslog.Filter{Subject: e.applicant.IDNumber, Actor: "xa", Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, x := range logged {
			found = found || x.Action == "dossier.file" && x.Fields == "dossier:"+id+",document:proof_of_home"
		}
		if !found {
			t.Errorf("opening the paper is not in the applicant's access log: %+v", logged)
		}
		for _, tc := range []struct{ who, path string }{
			{e.other, "/api/v1/portal/dossiers/" + id + "/documents/proof_of_home"},
			{e.elsewhere, "/api/v1/dossiers/" + id + "/documents/proof_of_home"},
			{e.commune, "/api/v1/dossiers/" + id + "/documents/nothing"},
		} {
			if st, _, b := e.Call("GET", tc.path, tc.who, "", ""); st != 404 {
				t.Errorf("GET %s = %d %s", tc.path, st, b)
			}
		}
	})
}

// TestPortal_PapersOwnedAndPruned: a dossier names only papers its
// applicant uploaded (someone else's hash, or a hash never uploaded, is
// refused on the field and stores nothing); an account uploads at most
// MaxUploadsPerDay papers a day; papers no dossier names are deleted once
// their last upload is older than the retention, named ones kept.
func TestPortal_PapersOwnedAndPruned(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		body := func(sha string) string {
			return `{"procedure":"temporary_residence_registration","fields":{"temporary_commune":"` + e.communeCode +
				`","temporary_address":"Số 9 Lê Lợi","until":"2027-12-31","reason":"work"},
				"documents":[{"code":"proof_of_home","file_name":"hop-dong.pdf","sha256":"` + sha + `"}]}`
		}
		count := func(token string) int {
			return len(e.call("GET", "/api/v1/portal/dossiers", token, "", 200)["dossiers"].([]any))
		}
		mine := e.UploadFile(e.citizen, "%PDF-1.4\n% hợp đồng thuê nhà của tôi\n")
		for name, sha := range map[string]string{"another citizen's paper": mine, "a paper never uploaded": strings.Repeat("0f", 32)} {
			before := count(e.other)
			m := e.call("POST", "/api/v1/portal/dossiers", e.other, body(sha), 400)
			if errField(m) != "documents[0].sha256" || count(e.other) != before {
				t.Errorf("%s: %v, %d dossiers (want %d)", name, m, count(e.other), before)
			}
		}
		named := dossiers(e.call("POST", "/api/v1/portal/dossiers", e.citizen, body(mine), 201))[0]["id"].(string)

		// The day's uploads are counted per account.
		for i := 0; ; i++ {
			st, h, b := e.Call("POST", "/api/v1/portal/files?name=x.pdf", e.other, "application/pdf", fmt.Sprintf("%%PDF-1.4\n%% %d\n", i))
			if st == 429 {
				if i != portal.MaxUploadsPerDay || h.Get("Retry-After") == "" {
					t.Errorf("refused after %d uploads (want %d), Retry-After %q: %s", i, portal.MaxUploadsPerDay, h.Get("Retry-After"), b)
				}
				break
			}
			if st != 201 || i > portal.MaxUploadsPerDay {
				t.Fatalf("upload %d = %d %s", i, st, b)
			}
		}
		if st, _, _ := e.Call("POST", "/api/v1/portal/files?name=x.pdf", e.citizen, "application/pdf", "%PDF-1.4\n% mine\n"); st != 201 {
			t.Errorf("another account's upload = %d, want 201", st)
		}

		// A day later: the unnamed papers go, the named one stays.
		orphan := e.UploadFile(e.citizen, "%PDF-1.4\n% chưa nộp\n")
		n, err := db.PruneFiles(e.Ctx, time.Now().Add(portal.FileRetention))
		if err != nil || n < int64(portal.MaxUploadsPerDay)+2 {
			t.Fatalf("PruneFiles() = %d, %v; want the %d unnamed papers", n, err, portal.MaxUploadsPerDay+2)
		}
		if _, err := db.File(e.Ctx, orphan); err == nil {
			t.Error("an unnamed paper outlived its retention")
		}
		if st, _, b := e.Call("GET", "/api/v1/portal/dossiers/"+named+"/documents/proof_of_home", e.citizen, "", ""); st != 200 {
			t.Errorf("the named paper after pruning = %d %s", st, b)
		}
		// Its upload went with the day: naming it again means uploading it again.
		e.call("POST", "/api/v1/portal/dossiers", e.citizen, body(orphan), 400)
		e.UploadFile(e.citizen, "%PDF-1.4\n% chưa nộp\n")
		e.call("POST", "/api/v1/portal/dossiers", e.citizen, body(orphan), 201)
	})
}
