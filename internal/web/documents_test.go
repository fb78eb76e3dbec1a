package web_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/documents"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/sdjwt"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
	"github.com/dancu-vn/dancu/internal/testenv"
)

var presentationText = regexp.MustCompile(`(?s)<textarea id="presentation" readonly rows="6">([^<]+)</textarea>`)

// TestWeb_Documents: a citizen sees his driving licence, shares only his
// name as a presentation (text and QR code) that verifies with only that
// claim; another citizen cannot open it.
func TestWeb_Documents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := testenv.New(t, db, 200)
		alice, bob, rep := e.Living(0), e.Living(1), e.Living(2)
		e.Citizen(alice, "0912000071")
		e.Citizen(bob, "0912000072")
		e.Citizen(rep, "0912000073")
		repAcct, _ := e.EID.AccountByIDNumber(e.Ctx, rep.IDNumber)
		org := &eid.Organisation{ID: "csgt", RegistrationNumber: "CSGT", Name: "Cục Cảnh sát giao thông", Kind: eid.OrgAgency,
			RepresentativeID: repAcct.ID, CreatedAt: time.Now().UTC()}
		if err := db.CreateEIDOrganisation(e.Ctx, org); err != nil {
			t.Fatal(err)
		}
		priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		key := jose.JSONWebKey{Key: priv, KeyID: "csgt-1", Algorithm: "ES256", Use: "sig"}
		jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{key.Public()}})
		vct := "https://gplx.csgt.vn/vct/driving-licence"
		p, _, err := e.API.Documents.RegisterProvider(e.Ctx, auth.Actor{ID: "op", Role: auth.RoleAdmin},
			documents.ProviderRegistration{OrganisationID: "csgt", VCTs: []string{vct}, JWKS: jwks})
		if err != nil {
			t.Fatal(err)
		}
		cred, err := (&sdjwt.Issuer{Key: key, Type: "dc+sd-jwt"}).Issue(map[string]any{"iss": p.Issuer, "vct": vct,
			"sub": alice.IDNumber, "iat": time.Now().Unix(), "licence_number": "790123456789", "full_name": alice.FullName,
			"birth_date": string(alice.BirthDate)}, []sdjwt.Path{{"licence_number"}, {"full_name"}, {"birth_date"}})
		if err != nil {
			t.Fatal(err)
		}
		d, _, err := e.API.Documents.Push(e.Ctx, auth.Actor{ID: "client:csgt-api", Role: "partner", Org: "csgt"},
			documents.PushRequest{IDNumber: alice.IDNumber, DocumentID: "GPLX-1", Credential: cred})
		if err != nil {
			t.Fatal(err)
		}

		b := newBrowser(t, e)
		b.loginCitizen(e, alice, "0912000071")
		if _, body := b.get("/app/documents"); !strings.Contains(body, "Giấy phép lái xe") || !strings.Contains(body, "/app/documents/"+d.ID) {
			t.Errorf("documents page:\n%s", excerpt(body))
		}
		path := "/app/documents/" + d.ID
		st, _, body := b.submit(path, path+"/present", url.Values{"claim": {`["full_name"]`}})
		if st != http.StatusOK || !strings.Contains(body, `src="data:image/png;base64,`) {
			t.Fatalf("present = %d\n%s", st, excerpt(body))
		}
		m := presentationText.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no presentation text:\n%s", excerpt(body))
		}
		v, err := e.API.Documents.Verify(e.Ctx, documents.VerifyRequest{Presentation: strings.TrimSpace(m[1])})
		if err != nil {
			t.Fatalf("verify the presentation: %v", err)
		}
		raw, _ := json.Marshal(v)
		if !strings.Contains(string(raw), alice.FullName) || strings.Contains(string(raw), "790123456789") {
			t.Errorf("verified presentation discloses: %s", raw)
		}
		// The provider's push is in her access log, verified.
		if _, body := b.get("/app/access-log"); !strings.Contains(body, "Cấp giấy tờ") || !strings.Contains(body, `class="badge ok"`) {
			t.Errorf("access log:\n%s", excerpt(body))
		}

		other := newBrowser(t, e)
		other.loginCitizen(e, bob, "0912000072")
		if st, _ := other.get(path); st != http.StatusNotFound {
			t.Errorf("another citizen's document = %d", st)
		}
	})
}
