package documents

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/sdjwt"
	"github.com/dancu-vn/dancu/internal/signkey"
)

// SD-JWT VC (draft-ietf-oauth-sd-jwt-vc) profile.
var (
	// CredentialTypes are the accepted typ headers: dc+sd-jwt, and the
	// earlier drafts' vc+sd-jwt that issuers still send.
	CredentialTypes = []string{"dc+sd-jwt", "vc+sd-jwt"}
	// notDisclosable are the claims SD-JWT VC keeps out of disclosures.
	notDisclosable = []string{"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status"}
)

// clockSkew is tolerated in exp, nbf and Key Binding iat.
const clockSkew = time.Minute

// Access-log actions of documents.
const (
	ActionPush    = "document.push"    // a provider pushed a new document
	ActionUpdate  = "document.update"  // a provider pushed a new version
	ActionStatus  = "document.status"  // a provider changed a document's status
	ActionRead    = "document.read"    // someone other than the citizen read a document
	ActionPresent = "document.present" // the citizen made a presentation
	// ActionVerifyPresentation: a presentation of a document dancu holds
	// was verified (POST /api/v1/presentations/verify).
	ActionVerifyPresentation = "document.presentation_verify"
)

// People is the register as the service needs it.
type People interface {
	ForSubject(ctx context.Context, idNumber string) (*register.Person, error)
}

// Recorder appends access-log entries.
type Recorder interface {
	Record(ctx context.Context, entries ...accesslog.Entry) error
}

// Service enforces the rules of integrated documents.
type Service struct {
	Store  Store
	People People
	Log    Recorder
	// BaseURL returns dancu's public URL (the OpenID issuer), under which
	// status lists are published.
	BaseURL func() string
	Now     func() time.Time

	statusSigner signkey.Stored
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) base() string {
	if s.BaseURL == nil {
		return ""
	}
	return strings.TrimRight(s.BaseURL(), "/")
}

// RegisterProvider registers an organisation as a data provider, or
// replaces its document types and keys. Only operators (admin) may.
func (s *Service) RegisterProvider(ctx context.Context, a auth.Actor, r ProviderRegistration) (*Provider, bool, error) {
	if a.Role != auth.RoleAdmin {
		return nil, false, apperr.E(apperr.Forbidden, "only an operator (admin) registers data providers")
	}
	keys, err := r.Validate()
	if err != nil {
		return nil, false, err
	}
	org, err := s.Store.EIDOrganisation(ctx, r.OrganisationID)
	if apperr.Is(err, apperr.NotFound) {
		return nil, false, apperr.Field(apperr.NotFound, "organisation_id", "no organisation with this id")
	}
	if err != nil {
		return nil, false, err
	}
	now := s.now()
	p := &Provider{ID: org.ID, Name: org.Name, Issuer: r.Issuer, VCTs: r.VCTs, Keys: keys, RegisteredBy: a.ID,
		CreatedAt: now, UpdatedAt: now}
	if p.Issuer == "" {
		p.Issuer = s.base() + "/api/v1/documents/providers/" + org.ID
	}
	created, err := s.Store.SaveDocumentProvider(ctx, p)
	if apperr.Is(err, apperr.Conflict) {
		return nil, false, apperr.Field(apperr.Conflict, "issuer", "another provider has this issuer")
	}
	return p, created, err
}

// Providers lists the data providers.
func (s *Service) Providers(ctx context.Context) ([]Provider, error) {
	return s.Store.DocumentProviders(ctx)
}

// Provider returns a data provider.
func (s *Service) Provider(ctx context.Context, id string) (*Provider, error) {
	return s.Store.DocumentProvider(ctx, id)
}

// PushRequest is a provider's push of a document for a citizen.
type PushRequest struct {
	IDNumber   string `json:"id_number"`   // the citizen: must be the credential's sub
	DocumentID string `json:"document_id"` // the provider's reference; the same one again is an update
	Credential string `json:"credential"`  // the SD-JWT VC, with every disclosure
}

// Push verifies a provider's credential and stores it for the citizen: a
// new document, or a new version of the provider's document with the same
// document_id. Every attempt is written to the access log (a change of the
// citizen's data by someone else); nothing is stored unless all checks pass.
func (s *Service) Push(ctx context.Context, a auth.Actor, r PushRequest) (*Document, bool, error) {
	p, err := s.providerOf(ctx, a)
	if err != nil {
		return nil, false, err
	}
	if _, err := idnum.Parse(r.IDNumber); err != nil {
		return nil, false, apperr.Field(apperr.InvalidIDNumber, "id_number", "id_number is not a valid personal ID number")
	}
	if !documentID.MatchString(r.DocumentID) {
		return nil, false, apperr.Field(apperr.Invalid, "document_id", "document_id is 1–100 letters, digits and . _ : / -")
	}
	d, v, err := s.check(ctx, p, r)
	if err != nil {
		return nil, false, s.logged(ctx, a, ActionPush, outcomeOf(err), r.IDNumber, "", err)
	}
	if cur, err := s.Store.DocumentByExternalID(ctx, p.ID, r.DocumentID); err == nil && cur.Credential == d.Credential {
		return cur, false, nil // the same credential again changes nothing
	}
	v.PushedBy = a.ID
	created, err := s.Store.PushDocument(ctx, d, v)
	action := ActionUpdate
	if created {
		action = ActionPush
	}
	if err != nil {
		if apperr.Code(err) == apperr.Internal {
			return nil, false, err
		}
		return nil, false, s.logged(ctx, a, action, accesslog.OutcomeRejected, r.IDNumber, d.VCT, err)
	}
	if err := s.logged(ctx, a, action, accesslog.OutcomeOK, r.IDNumber, d.VCT, nil); err != nil {
		return nil, false, err
	}
	return d, created, nil
}

// check verifies the credential against the provider's registration and
// the register, and returns the document and version to store.
func (s *Service) check(ctx context.Context, p *Provider, r PushRequest) (*Document, *Version, error) {
	tok, err := sdjwt.Parse(strings.TrimSpace(r.Credential))
	if err != nil {
		return nil, nil, invalid("credential", err)
	}
	res, err := tok.Verify(sdjwt.VerifyOptions{Keys: p.Keys, Types: CredentialTypes, Now: s.now(), Leeway: clockSkew,
		NotDisclosable: notDisclosable, RejectKeyBinding: true})
	if err != nil {
		return nil, nil, invalid("credential", err)
	}
	if iss, _ := res.Claims["iss"].(string); iss != p.Issuer {
		return nil, nil, apperr.Field(apperr.CredentialInvalid, "credential", "the credential's iss is not your registered issuer (%s)", p.Issuer)
	}
	vct, _ := res.Claims["vct"].(string)
	if !slices.Contains(p.VCTs, vct) {
		return nil, nil, apperr.Field(apperr.DocumentTypeNotAllowed, "credential", "your organisation is not registered to issue documents of type %q", vct)
	}
	if sub, _ := res.Claims["sub"].(string); sub != r.IDNumber {
		return nil, nil, apperr.Field(apperr.SubjectMismatch, "id_number", "the credential's sub is not this id_number")
	}
	if _, err := s.People.ForSubject(ctx, r.IDNumber); apperr.Is(err, apperr.NotFound) {
		return nil, nil, apperr.Field(apperr.NotFound, "id_number", "no person with this ID number in the register")
	} else if err != nil {
		return nil, nil, err
	}
	idx, err := s.statusIndex(p, res.Claims)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	d := &Document{ID: newID(), ProviderID: p.ID, ExternalID: r.DocumentID, IDNumber: r.IDNumber, VCT: vct, Version: 1,
		Credential: tok.String(), Status: Valid, StatusIndex: idx, CreatedAt: now, UpdatedAt: now}
	if t, ok, _ := sdjwt.NumericDate(res.Claims, "iat"); ok {
		d.IssuedAt = &t
	}
	if t, ok, _ := sdjwt.NumericDate(res.Claims, "exp"); ok {
		d.ExpiresAt = &t
	}
	v := &Version{Version: 1, Credential: d.Credential, JWTHash: jwtHash(tok), StatusIndex: idx, PushedAt: now}
	return d, v, nil
}

// statusIndex reads the credential's status claim: absent, or a reference
// to the provider's status list on dancu.
func (s *Service) statusIndex(p *Provider, claims map[string]any) (*int64, error) {
	st, ok := claims["status"]
	if !ok {
		return nil, nil
	}
	bad := func(format string, args ...any) error {
		return apperr.Field(apperr.CredentialInvalid, "credential", format, args...)
	}
	m, _ := st.(map[string]any)
	sl, _ := m["status_list"].(map[string]any)
	if sl == nil {
		return nil, bad("the status claim has no status_list")
	}
	if uri, _ := sl["uri"].(string); uri != s.StatusListURI(p.ID) {
		return nil, bad("status.status_list.uri must be your status list on dancu: %s", s.StatusListURI(p.ID))
	}
	n, _ := sl["idx"].(json.Number)
	idx, err := n.Int64()
	if err != nil || idx < 0 || idx >= maxStatusIx {
		return nil, bad("status.status_list.idx must be an integer from 0 to %d", maxStatusIx-1)
	}
	return &idx, nil
}

// SetStatus changes the status of one of the calling provider's documents.
// Another provider's document answers not_found, and the attempt is logged.
func (s *Service) SetStatus(ctx context.Context, a auth.Actor, id string, st Status, reason string) (*Document, error) {
	if st != Valid && st != Suspended && st != Revoked {
		return nil, apperr.Field(apperr.Invalid, "status", "status must be valid, suspended or revoked")
	}
	if len(reason) > maxTextLen {
		return nil, apperr.Field(apperr.Invalid, "reason", "reason is at most %d characters", maxTextLen)
	}
	p, err := s.providerOf(ctx, a)
	if err != nil {
		return nil, err
	}
	d, err := s.ownDocument(ctx, a, p, id, ActionStatus)
	if err != nil {
		return nil, err
	}
	d, err = s.Store.SetDocumentStatus(ctx, d.ID, &StatusEvent{Status: st, Reason: reason, ChangedBy: a.ID, At: s.now()})
	if err != nil {
		return nil, err
	}
	return d, s.logged(ctx, a, ActionStatus, accesslog.OutcomeOK, d.IDNumber, "status:"+string(st), nil)
}

// ProviderDocument returns one of the calling provider's documents with
// its versions and status changes.
func (s *Service) ProviderDocument(ctx context.Context, a auth.Actor, id string) (*Document, []Version, []StatusEvent, error) {
	p, err := s.providerOf(ctx, a)
	if err != nil {
		return nil, nil, nil, err
	}
	d, err := s.ownDocument(ctx, a, p, id, ActionRead)
	if err != nil {
		return nil, nil, nil, err
	}
	vs, err := s.Store.DocumentVersions(ctx, d.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	evs, err := s.Store.DocumentStatusEvents(ctx, d.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	return d, vs, evs, s.logged(ctx, a, ActionRead, accesslog.OutcomeOK, d.IDNumber, d.VCT, nil)
}

// ownDocument returns a document of provider p; any other answers
// not_found exactly as a missing one does, and is logged as denied.
func (s *Service) ownDocument(ctx context.Context, a auth.Actor, p *Provider, id, action string) (*Document, error) {
	d, err := s.Store.Document(ctx, id)
	notFound := apperr.E(apperr.NotFound, "no such document of yours")
	switch {
	case apperr.Is(err, apperr.NotFound):
		return nil, notFound
	case err != nil:
		return nil, err
	case d.ProviderID != p.ID:
		return nil, s.logged(ctx, a, action, accesslog.OutcomeDenied, d.IDNumber, d.VCT, notFound)
	}
	return d, nil
}

// providerOf returns the registered provider the partner acts for.
func (s *Service) providerOf(ctx context.Context, a auth.Actor) (*Provider, error) {
	if a.Org == "" {
		return nil, apperr.E(apperr.ProviderNotRegistered, "your client belongs to no organisation")
	}
	p, err := s.Store.DocumentProvider(ctx, a.Org)
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.E(apperr.ProviderNotRegistered, "your organisation is not a registered data provider")
	}
	return p, err
}

// logged writes an access-log entry and returns answer, or the log's
// error when the entry could not be written (the log fails closed).
func (s *Service) logged(ctx context.Context, a auth.Actor, action, outcome, subject, fields string, answer error) error {
	if len(fields) > maxLoggedFields {
		fields = fields[:strings.LastIndexByte(fields[:maxLoggedFields], ',')+1] + "…"
	}
	e := accesslog.Entry{At: s.now(), Actor: a.ID, ActorRole: a.Role, Org: a.Org, Unit: a.UnitCode, Purpose: a.Purpose,
		LegalBasis: a.Legal, Subject: subject, Action: action, Fields: fields, Outcome: outcome, RequestID: a.RequestID}
	if e.Purpose == "" {
		e.Purpose = "integrated_documents"
	}
	if err := s.Log.Record(ctx, e); err != nil {
		return err
	}
	return answer
}

// maxLoggedFields bounds the fields of an entry (the log takes 4 KiB): a
// presentation of very many claims logs the first ones and an ellipsis.
const maxLoggedFields = 2048

// outcomeOf is the access-log outcome of a refused push.
func outcomeOf(err error) string {
	if apperr.Is(err, apperr.NotFound) {
		return accesslog.OutcomeNotFound
	}
	return accesslog.OutcomeRejected
}

// invalid turns an SD-JWT error into credential_invalid; its message
// names the problem, never a claim's value.
func invalid(field string, err error) error {
	var se *sdjwt.Error
	if errors.As(err, &se) {
		return apperr.Field(apperr.CredentialInvalid, field, "the %s does not verify: %s", field, strings.TrimPrefix(se.Error(), "sd-jwt: "))
	}
	return apperr.Field(apperr.CredentialInvalid, field, "the %s does not verify", field)
}

// jwtHash identifies a credential by its Issuer-signed JWT.
func jwtHash(t *sdjwt.SDJWT) string {
	sum := sha256.Sum256([]byte(t.JWT))
	return hex.EncodeToString(sum[:])
}

// newID returns a document id: doc_ and 128 random bits.
func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "doc_" + hex.EncodeToString(b)
}

// jsonBytes encodes without HTML escaping.
func jsonBytes(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, apperr.Wrap(err, "encode JSON")
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
