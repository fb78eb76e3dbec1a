package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/documents"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// newProvider stores an organisation (with its representative's account)
// and registers it as a data provider.
func newProvider(t *testing.T, db *store.DB, id string) *documents.Provider {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	ch := &eid.Challenge{ID: "ch-" + id, Purpose: eid.PurposeRegistration, Methods: []string{eid.MethodSMS},
		IDNumber: "0460900000" + id[len(id)-2:], Phone: "0912345678", ExpiresAt: now.Add(time.Hour), CreatedAt: now}
	if err := db.CreateEIDChallenge(ctx, ch); err != nil {
		t.Fatal(err)
	}
	acct := &eid.Account{ID: "acct-" + id, IDNumber: ch.IDNumber, Phone: ch.Phone, Level: eid.Level1, PasscodeHash: "x",
		CreatedAt: now, UpdatedAt: now}
	if err := db.CreateEIDAccount(ctx, acct, ch.ID, 5); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateEIDOrganisation(ctx, &eid.Organisation{ID: id, RegistrationNumber: id, Name: "Cơ quan " + id,
		Kind: eid.OrgAgency, RepresentativeID: acct.ID, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	p := &documents.Provider{ID: id, Issuer: "https://" + id + ".example.vn", VCTs: []string{"urn:vn:gplx"},
		RegisteredBy: "operator", CreatedAt: now, UpdatedAt: now}
	if created, err := db.SaveDocumentProvider(ctx, p); err != nil || !created {
		t.Fatalf("save provider: %v %v", created, err)
	}
	return p
}

func idx(i int64) *int64 { return &i }

// TestDocuments_VersionsAndStatus: updates keep history and move status
// list entries; indexes are never shared or reused once invalid; a revoked
// document is final — on both engines.
func TestDocuments_VersionsAndStatus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := newProvider(t, db, "org-01")
		p.VCTs = append(p.VCTs, "urn:vn:dkx")
		if created, err := db.SaveDocumentProvider(ctx, p); err != nil || created {
			t.Fatalf("replace provider: %v %v", created, err)
		}
		if got, err := db.DocumentProviderByIssuer(ctx, p.Issuer); err != nil || len(got.VCTs) != 2 || got.Name != "Cơ quan org-01" {
			t.Fatalf("provider by issuer: %+v %v", got, err)
		}
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		push := func(docID, ext, idNumber, hash string, i *int64) (*documents.Document, bool, error) {
			d := &documents.Document{ID: docID, ProviderID: p.ID, ExternalID: ext, IDNumber: idNumber, VCT: "urn:vn:gplx",
				Credential: "cred-" + hash, Status: documents.Valid, StatusIndex: i, CreatedAt: now, UpdatedAt: now}
			v := &documents.Version{Credential: d.Credential, JWTHash: hash, StatusIndex: i, PushedBy: "client:x", PushedAt: now}
			created, err := db.PushDocument(ctx, d, v)
			return d, created, err
		}
		d, created, err := push("doc_1", "GPLX-1", "046190000001", "h1", idx(1))
		if err != nil || !created || d.Version != 1 {
			t.Fatalf("push: %v %v %+v", created, err, d)
		}
		d, created, err = push("doc_ignored", "GPLX-1", "046190000001", "h2", idx(2))
		if err != nil || created || d.ID != "doc_1" || d.Version != 2 {
			t.Fatalf("update: %v %v %+v", created, err, d)
		}
		entries, maxIdx, err := db.DocumentStatusList(ctx, p.ID)
		if err != nil || maxIdx != 2 || len(entries) != 1 || entries[0] != (documents.StatusEntry{Index: 1, Value: 1}) {
			t.Errorf("status list after update: %v max %d %v", entries, maxIdx, err)
		}
		if _, v, err := db.DocumentByJWTHash(ctx, "h1"); err != nil || v.SupersededAt == nil || v.Version != 1 {
			t.Errorf("first version: %+v %v", v, err)
		}
		for name, c := range map[string]struct {
			id, ext, who, hash string
			i                  *int64
			code               string
		}{
			"another document's index":       {"doc_2", "GPLX-2", "046190000002", "h3", idx(2), apperr.Conflict},
			"an invalidated index":           {"doc_2", "GPLX-2", "046190000002", "h3", idx(1), apperr.Conflict},
			"the same credential again":      {"doc_2", "GPLX-2", "046190000002", "h2", nil, apperr.Conflict},
			"the document of another person": {"doc_2", "GPLX-1", "046190000002", "h4", nil, apperr.Conflict},
		} {
			if _, _, err := push(c.id, c.ext, c.who, c.hash, c.i); apperr.Code(err) != c.code {
				t.Errorf("%s: got %v, want %s", name, err, c.code)
			}
		}
		if ds, _ := db.DocumentsOf(ctx, "046190000002"); len(ds) != 0 {
			t.Errorf("a refused push stored %v", ds)
		}
		for _, st := range []documents.Status{documents.Suspended, documents.Revoked} {
			if d, err = db.SetDocumentStatus(ctx, "doc_1", &documents.StatusEvent{Status: st, ChangedBy: "client:x", At: now}); err != nil || d.Status != st {
				t.Fatalf("set %s: %v %+v", st, err, d)
			}
			if v, err := db.DocumentStatusEntry(ctx, p.ID, 2); err != nil || v != st.ListValue() {
				t.Errorf("entry after %s: %d %v", st, v, err)
			}
		}
		if _, err := db.SetDocumentStatus(ctx, "doc_1", &documents.StatusEvent{Status: documents.Valid, ChangedBy: "client:x", At: now}); !apperr.Is(err, apperr.DocumentRevoked) {
			t.Errorf("reinstating a revoked document: %v", err)
		}
		if _, _, err := push("doc_x", "GPLX-1", "046190000001", "h5", idx(3)); !apperr.Is(err, apperr.DocumentRevoked) {
			t.Errorf("updating a revoked document: %v", err)
		}
		vs, _ := db.DocumentVersions(ctx, "doc_1")
		evs, _ := db.DocumentStatusEvents(ctx, "doc_1")
		if len(vs) != 2 || len(evs) != 2 || evs[1].Status != documents.Revoked {
			t.Errorf("history: %d versions, events %+v", len(vs), evs)
		}
	})
}
