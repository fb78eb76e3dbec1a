package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/sharing"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

// TestWeb_ConsentsAndSessions: a citizen revokes a connected service, a
// data-sharing consent and another session from the pages.
func TestWeb_ConsentsAndSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 100)
		p := e.Living(0)
		e.Citizen(p, "0912000081") // a first session, from "elsewhere"
		acct, err := e.EID.AccountByIDNumber(e.Ctx, p.IDNumber)
		if err != nil {
			t.Fatal(err)
		}
		c := &oidc.Client{Name: "Cổng Dịch vụ công quốc gia", RedirectURIs: []string{"https://dichvucong.example/cb"}}
		if _, err := oidc.RegisterClient(e.Ctx, db, c, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveOIDCConsent(e.Ctx, &oidc.Consent{AccountID: acct.ID, ClientID: c.ID, Scopes: []string{"openid", "profile"},
			GrantedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		pol := &sharing.Policy{ID: "pol_bank", OrgID: "bank-1", Purpose: "account_opening", Description: "Mở tài khoản",
			Legal: sharing.LegalBasis{DocumentNo: "1/2024", DocumentDate: "2024-01-01", Issuer: "NHNN"}, Fields: []string{"full_name"},
			ConsentRequired: true, CreatedAt: time.Now().Add(-time.Hour)}
		if err := db.CreateSharingPolicy(e.Ctx, pol); err != nil {
			t.Fatal(err)
		}
		sc, err := e.API.Sharing.GrantConsent(e.Ctx, p.IDNumber, "bank-1", "account_opening", time.Time{})
		if err != nil {
			t.Fatal(err)
		}

		b := newBrowser(t, e)
		b.loginCitizen(e, p, "0912000081")
		_, body := b.get("/app/consents")
		if !strings.Contains(body, c.Name) || !strings.Contains(body, "bank-1") {
			t.Fatalf("consents page:\n%s", excerpt(body))
		}
		st, loc, _ := b.submit("/app/consents", "/app/consents/services/"+c.ID+"/revoke", url.Values{})
		if st != http.StatusSeeOther || loc != "/app/consents" {
			t.Errorf("revoke service = %d %s", st, loc)
		}
		if cs, _ := e.OIDC.Consents(e.Ctx, acct.ID); len(cs) != 1 || cs[0].RevokedAt == nil {
			t.Errorf("OIDC consent after revoking: %+v", cs)
		}
		st, _, _ = b.submit("/app/consents", "/app/consents/sharing/"+sc.ID+"/revoke", url.Values{})
		if st != http.StatusSeeOther {
			t.Errorf("revoke sharing consent = %d", st)
		}
		if cs, _ := db.SharingConsents(e.Ctx, p.IDNumber); len(cs) != 1 || cs[0].RevokedAt == nil {
			t.Errorf("sharing consent after revoking: %+v", cs)
		}

		// The session from elsewhere is ended from this browser.
		ss, _ := e.EID.Sessions(e.Ctx, acct.ID)
		var other eid.Session
		for _, s := range ss {
			if s.IP == "10.1.2.3" {
				other = s
			}
		}
		if other.ID == "" {
			t.Fatalf("sessions: %+v", ss)
		}
		st, _, _ = b.submit("/app/security", "/app/security/sessions/"+other.ID+"/revoke", url.Values{})
		if st != http.StatusSeeOther {
			t.Errorf("end session = %d", st)
		}
		if after, _ := e.EID.Sessions(e.Ctx, acct.ID); len(after) != len(ss)-1 {
			t.Errorf("sessions after ending one: %d, were %d", len(after), len(ss))
		}
		if st, _ := b.get("/app/security"); st != 200 {
			t.Errorf("this browser's session ended too: %d", st)
		}
	})
}
