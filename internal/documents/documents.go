// Package documents holds citizens' integrated documents (giấy tờ tích
// hợp: driving licences, health insurance cards, vehicle registrations,
// vaccination records): SD-JWT VCs that data providers sign with their own
// keys and push for a citizen, which dancu verifies against the keys and
// document types an operator registered for the provider, keeps with
// every version, reflects in a Token Status List per provider, and lets the
// citizen present selectively. See docs/documents.md.
package documents

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/sdjwt"
)

// Status is a document's status as its provider set it.
type Status string

// Statuses, and their values in a Token Status List (draft-ietf-oauth-status-list §7.1).
const (
	Valid     Status = "valid"     // 0x00 VALID
	Revoked   Status = "revoked"   // 0x01 INVALID: final
	Suspended Status = "suspended" // 0x02 SUSPENDED: may become valid again
)

// ListValue is a status's value in a status list.
func (s Status) ListValue() byte {
	switch s {
	case Revoked:
		return 1
	case Suspended:
		return 2
	}
	return 0
}

// statusOfValue is the inverse of ListValue.
func statusOfValue(v byte) Status {
	switch v {
	case 1:
		return Revoked
	case 2:
		return Suspended
	}
	return Valid
}

// Provider is a data provider: an organisation registered by an operator
// to push documents of some types, signed with its keys.
type Provider struct {
	ID           string             `json:"id"` // the organisation's id
	Name         string             `json:"name"`
	Issuer       string             `json:"issuer"` // the iss of its credentials
	VCTs         []string           `json:"vcts"`   // the document types it may issue
	Keys         jose.JSONWebKeySet `json:"jwks"`   // its public keys
	RegisteredBy string             `json:"registered_by"`
	CreatedAt    time.Time          `json:"created_at"`
	UpdatedAt    time.Time          `json:"updated_at"`
}

// ProviderRegistration is an operator's registration of a provider.
type ProviderRegistration struct {
	OrganisationID string          `json:"organisation_id"`
	Issuer         string          `json:"issuer"` // default: the provider's URL on dancu
	VCTs           []string        `json:"vcts"`
	JWKS           json.RawMessage `json:"jwks"`
}

// Limits of a registration.
const (
	maxVCTs     = 50
	maxKeys     = 20
	maxTextLen  = 300
	maxStatusIx = 1 << 24 // a status list holds at most 16,777,216 entries (4 MiB at 2 bits)
)

// Validate checks a registration and returns the key set it carries.
func (r *ProviderRegistration) Validate() (jose.JSONWebKeySet, error) {
	var set jose.JSONWebKeySet
	if r.OrganisationID == "" {
		return set, apperr.Field(apperr.Invalid, "organisation_id", "organisation_id is required")
	}
	if r.Issuer != "" {
		if err := checkURI(r.Issuer); err != nil {
			return set, apperr.Field(apperr.Invalid, "issuer", "issuer must be an http(s) URL of at most %d characters", maxTextLen)
		}
	}
	if len(r.VCTs) == 0 || len(r.VCTs) > maxVCTs {
		return set, apperr.Field(apperr.Invalid, "vcts", "between 1 and %d document types (vct) are required", maxVCTs)
	}
	for i, v := range r.VCTs {
		if v == "" || len(v) > maxTextLen || strings.ContainsAny(v, " \t\r\n") || slices.Contains(r.VCTs[:i], v) {
			return set, apperr.Field(apperr.Invalid, "vcts", "each vct is a distinct URI of at most %d characters", maxTextLen)
		}
	}
	if err := json.Unmarshal(r.JWKS, &set); err != nil || len(set.Keys) == 0 || len(set.Keys) > maxKeys {
		return set, apperr.Field(apperr.Invalid, "jwks", "jwks must be a JSON Web Key Set of 1 to %d public keys", maxKeys)
	}
	for _, k := range set.Keys {
		if err := checkPublicKey(k); err != nil {
			return set, err
		}
	}
	return set, nil
}

// checkPublicKey accepts an asymmetric public signing key.
func checkPublicKey(k jose.JSONWebKey) error {
	bad := func(format string, args ...any) error { return apperr.Field(apperr.Invalid, "jwks", format, args...) }
	if !k.Valid() || !k.IsPublic() {
		return bad("jwks must hold public keys only (no private parts, no symmetric keys)")
	}
	if k.Use != "" && k.Use != "sig" {
		return bad("key %q is not a signing key", k.KeyID)
	}
	if k.Algorithm != "" && !slices.Contains(sdjwt.SignatureAlgorithms, jose.SignatureAlgorithm(k.Algorithm)) {
		return bad("key %q has an algorithm that is not accepted (%s)", k.KeyID, k.Algorithm)
	}
	return nil
}

// checkURI accepts an absolute http(s) URL.
func checkURI(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(s) > maxTextLen {
		return apperr.E(apperr.Invalid, "not an http(s) URL")
	}
	return nil
}

// Document is a citizen's document: its current version.
type Document struct {
	ID          string     `json:"id"`
	ProviderID  string     `json:"provider_id"`
	ExternalID  string     `json:"document_id"` // the provider's own reference
	IDNumber    string     `json:"id_number"`
	VCT         string     `json:"vct"`
	Version     int        `json:"version"`
	Credential  string     `json:"-"`
	IssuedAt    *time.Time `json:"issued_at,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	Status      Status     `json:"status"`
	StatusIndex *int64     `json:"status_index,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Version is one pushed version of a document.
type Version struct {
	Version      int        `json:"version"`
	Credential   string     `json:"-"`
	JWTHash      string     `json:"-"` // hex SHA-256 of the Issuer-signed JWT
	StatusIndex  *int64     `json:"status_index,omitempty"`
	PushedBy     string     `json:"pushed_by"`
	PushedAt     time.Time  `json:"pushed_at"`
	SupersededAt *time.Time `json:"superseded_at,omitempty"`
}

// StatusEvent is a provider's change of a document's status.
type StatusEvent struct {
	Status    Status    `json:"status"`
	Reason    string    `json:"reason,omitempty"`
	ChangedBy string    `json:"changed_by"`
	At        time.Time `json:"at"`
}

// StatusEntry is one non-valid entry of a provider's status list.
type StatusEntry struct {
	Index int64
	Value byte
}

// Store is the storage the service needs.
type Store interface {
	EIDOrganisation(ctx context.Context, id string) (*eid.Organisation, error)
	// SaveDocumentProvider inserts or replaces a provider.
	SaveDocumentProvider(ctx context.Context, p *Provider) (created bool, err error)
	DocumentProvider(ctx context.Context, id string) (*Provider, error)
	DocumentProviderByIssuer(ctx context.Context, issuer string) (*Provider, error)
	DocumentProviders(ctx context.Context) ([]Provider, error)
	// PushDocument stores d as a new document, or as the next version of
	// the provider's document with the same external id (whose id it
	// then takes), in one transaction: the new version is current, the
	// previous one superseded, and the status list entries follow (a new
	// index is allocated; an index the new version no longer uses becomes
	// invalid). It fails with document_revoked on a revoked document and
	// with conflict when the index belongs to another document, or the
	// external id to another citizen.
	PushDocument(ctx context.Context, d *Document, v *Version) (created bool, err error)
	Document(ctx context.Context, id string) (*Document, error)
	DocumentByExternalID(ctx context.Context, providerID, externalID string) (*Document, error)
	DocumentsOf(ctx context.Context, idNumber string) ([]Document, error)
	DocumentVersions(ctx context.Context, id string) ([]Version, error)
	DocumentStatusEvents(ctx context.Context, id string) ([]StatusEvent, error)
	// DocumentByJWTHash returns the document and version a credential is.
	DocumentByJWTHash(ctx context.Context, hash string) (*Document, *Version, error)
	// SetDocumentStatus changes a document's status and its status list
	// entry and records the event, in one transaction; a revoked document
	// fails with document_revoked.
	SetDocumentStatus(ctx context.Context, id string, e *StatusEvent) (*Document, error)
	// DocumentStatusList returns a provider's non-valid entries and the
	// highest index allocated (-1 when none).
	DocumentStatusList(ctx context.Context, providerID string) ([]StatusEntry, int64, error)
	// DocumentStatusEntry returns one entry's value (not_found if unallocated).
	DocumentStatusEntry(ctx context.Context, providerID string, idx int64) (byte, error)
	LoadOrCreateSecret(ctx context.Context, name string, create func() ([]byte, error)) ([]byte, error)
}

// documentID matches a provider's document reference.
var documentID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$`)
