package documents

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/auth"
	"github.com/dancu-vn/dancu/internal/sdjwt"
)

// Summary is a document as its citizen's list shows it.
type Summary struct {
	ID           string     `json:"id"`
	VCT          string     `json:"vct"`
	Issuer       string     `json:"issuer"`
	ProviderID   string     `json:"provider_id"`
	ProviderName string     `json:"provider_name"`
	Status       Status     `json:"status"`
	IssuedAt     *time.Time `json:"issued_at,omitempty"`
	ExpiresAt    *time.Time `json:"expires_at,omitempty"`
	// Valid is whether the document may be relied on now: valid and
	// not expired.
	Valid     bool      `json:"valid"`
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// View is one document as its citizen sees it: every claim, the paths he
// may choose to disclose, and the credential itself.
type View struct {
	Summary
	Claims      map[string]any `json:"claims"`
	Disclosable []sdjwt.Path   `json:"disclosable"`
	Credential  string         `json:"credential"`
}

// Presentation is what a citizen hands a verifier.
type Presentation struct {
	DocumentID   string       `json:"document_id"`
	VCT          string       `json:"vct"`
	Disclosed    []sdjwt.Path `json:"disclosed"`
	Presentation string       `json:"presentation"` // compact SD-JWT with only the chosen disclosures
}

// MyDocuments lists a citizen's documents, newest first.
func (s *Service) MyDocuments(ctx context.Context, idNumber string) ([]Summary, error) {
	ds, err := s.Store.DocumentsOf(ctx, idNumber)
	if err != nil {
		return nil, err
	}
	out := make([]Summary, 0, len(ds))
	providers := map[string]*Provider{}
	for _, d := range ds {
		p, ok := providers[d.ProviderID]
		if !ok {
			if p, err = s.Store.DocumentProvider(ctx, d.ProviderID); err != nil {
				return nil, err
			}
			providers[d.ProviderID] = p
		}
		out = append(out, s.summary(&d, p))
	}
	return out, nil
}

func (s *Service) summary(d *Document, p *Provider) Summary {
	return Summary{ID: d.ID, VCT: d.VCT, Issuer: p.Issuer, ProviderID: p.ID, ProviderName: p.Name, Status: d.Status,
		IssuedAt: d.IssuedAt, ExpiresAt: d.ExpiresAt, Version: d.Version, UpdatedAt: d.UpdatedAt,
		Valid: d.Status == Valid && (d.ExpiresAt == nil || s.now().Before(*d.ExpiresAt))}
}

// MyDocument returns one of a citizen's documents. Anyone else's answers
// not_found exactly as a missing one does, and the attempt is logged.
func (s *Service) MyDocument(ctx context.Context, a auth.Actor, idNumber, id string) (*View, error) {
	d, err := s.citizenDocument(ctx, a, idNumber, id, ActionRead)
	if err != nil {
		return nil, err
	}
	p, err := s.Store.DocumentProvider(ctx, d.ProviderID)
	if err != nil {
		return nil, err
	}
	tok, err := sdjwt.Parse(d.Credential)
	if err != nil {
		return nil, apperr.Wrap(err, "stored credential")
	}
	claims, paths, err := tok.Layout()
	if err != nil {
		return nil, apperr.Wrap(err, "stored credential")
	}
	return &View{Summary: s.summary(d, p), Claims: claims, Disclosable: paths, Credential: d.Credential}, nil
}

// Present makes a presentation of one of a citizen's documents that
// discloses only the claims at the given paths (and what is always
// visible). It is written to the citizen's access log: what he showed.
func (s *Service) Present(ctx context.Context, a auth.Actor, idNumber, id string, disclose []sdjwt.Path) (*Presentation, error) {
	if len(disclose) > sdjwt.MaxDisclosures {
		return nil, apperr.Field(apperr.Invalid, "disclose", "too many claim paths")
	}
	d, err := s.citizenDocument(ctx, a, idNumber, id, ActionPresent)
	if err != nil {
		return nil, err
	}
	if d.Status == Revoked {
		return nil, apperr.E(apperr.DocumentRevoked, "this document was revoked by its issuer")
	}
	tok, err := sdjwt.Parse(d.Credential)
	if err != nil {
		return nil, apperr.Wrap(err, "stored credential")
	}
	pres, err := tok.Present(disclose, nil)
	var nc *sdjwt.NoClaimError
	if errors.As(err, &nc) {
		return nil, apperr.Field(apperr.Invalid, "disclose", "the document has no claim %s", nc.Path)
	}
	if err != nil {
		return nil, apperr.Wrap(err, "present")
	}
	names := make([]string, len(disclose))
	for i, p := range disclose {
		names[i] = p.String()
	}
	if err := s.logged(ctx, a, ActionPresent, accesslog.OutcomeOK, idNumber, strings.Join(names, ","), nil); err != nil {
		return nil, err
	}
	if disclose == nil {
		disclose = []sdjwt.Path{}
	}
	return &Presentation{DocumentID: d.ID, VCT: d.VCT, Disclosed: disclose, Presentation: pres}, nil
}

// citizenDocument returns a document of the citizen idNumber.
func (s *Service) citizenDocument(ctx context.Context, a auth.Actor, idNumber, id, action string) (*Document, error) {
	d, err := s.Store.Document(ctx, id)
	notFound := apperr.E(apperr.NotFound, "no such document of yours")
	switch {
	case apperr.Is(err, apperr.NotFound):
		return nil, notFound
	case err != nil:
		return nil, err
	case d.IDNumber != idNumber:
		return nil, s.logged(ctx, a, action, accesslog.OutcomeDenied, d.IDNumber, d.VCT, notFound)
	}
	return d, nil
}

// Verification is the answer to a presentation's verification.
type Verification struct {
	// Valid is true when the signature, digests and validity dates hold
	// and the document's status is valid.
	Valid      bool           `json:"valid"`
	Issuer     string         `json:"issuer"`
	Provider   ProviderRef    `json:"provider"`
	VCT        string         `json:"vct"`
	Status     string         `json:"status"` // valid, suspended, revoked, superseded, or unknown
	Claims     map[string]any `json:"claims"`
	KeyBinding bool           `json:"key_binding"`
	IssuedAt   *time.Time     `json:"issued_at,omitempty"`
	ExpiresAt  *time.Time     `json:"expires_at,omitempty"`
}

// ProviderRef names a provider.
type ProviderRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// VerifyRequest is a verifier's request.
type VerifyRequest struct {
	Presentation string `json:"presentation"`
	// Audience and Nonce, when set, must match a Key Binding JWT, which is
	// then required.
	Audience string `json:"aud,omitempty"`
	Nonce    string `json:"nonce,omitempty"`
}

// Verify verifies a presentation (or a whole credential) of a document
// issued by a registered provider: the provider's signature with its
// registered keys, the digests, the validity dates, a Key Binding JWT when
// present, and the status dancu holds.
func (s *Service) Verify(ctx context.Context, r VerifyRequest) (*Verification, error) {
	tok, err := sdjwt.Parse(strings.TrimSpace(r.Presentation))
	if err != nil {
		return nil, invalid("presentation", err)
	}
	iss, _ := tok.UnverifiedClaim("iss").(string)
	p, err := s.Store.DocumentProviderByIssuer(ctx, iss)
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.Field(apperr.CredentialInvalid, "presentation", "the issuer is not a registered data provider")
	}
	if err != nil {
		return nil, err
	}
	res, err := tok.Verify(sdjwt.VerifyOptions{Keys: p.Keys, Types: CredentialTypes, Now: s.now(), Leeway: clockSkew,
		NotDisclosable: notDisclosable, RequireKeyBinding: r.Audience != "" || r.Nonce != "", Audience: r.Audience, Nonce: r.Nonce})
	if err != nil {
		return nil, invalid("presentation", err)
	}
	vct, _ := res.Claims["vct"].(string)
	if !contains(p.VCTs, vct) {
		return nil, apperr.Field(apperr.CredentialInvalid, "presentation", "the issuer is not registered for this document type")
	}
	v := &Verification{Issuer: iss, Provider: ProviderRef{ID: p.ID, Name: p.Name}, VCT: vct, Claims: res.Claims,
		KeyBinding: res.KeyBinding != nil}
	if t, ok, _ := sdjwt.NumericDate(res.Claims, "iat"); ok {
		v.IssuedAt = &t
	}
	if t, ok, _ := sdjwt.NumericDate(res.Claims, "exp"); ok {
		v.ExpiresAt = &t
	}
	var holder string
	if v.Status, holder, err = s.statusOf(ctx, p, tok, res.Claims); err != nil {
		return nil, err
	}
	v.Valid = v.Status == string(Valid)
	if holder == "" {
		return v, nil // a credential dancu does not hold: no one of ours to tell
	}
	// The holder's own log shows each check of a document dancu holds:
	// whoever presents it, the claims the verifier saw, and the status
	// dancu told. The endpoint is public: the verifier is anonymous.
	verifier := auth.Actor{ID: "anonymous", Role: "verifier", Purpose: "presentation_verification"}
	return v, s.logged(ctx, verifier, ActionVerifyPresentation, v.Status, holder, strings.Join(disclosedNames(res.Claims), ","), nil)
}

// disclosedNames are the document claims a verified presentation shows,
// sorted, without the credential's own: those never disclosed
// (notDisclosable) and its issue date, subject, identifier and digest
// algorithm.
func disclosedNames(claims map[string]any) []string {
	var out []string
	for k := range claims {
		if !slices.Contains(notDisclosable, k) && !slices.Contains([]string{"iat", "sub", "jti", "_sd_alg"}, k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// statusOf is the status of a verified credential: from the document dancu
// holds when it is one (a replaced version is superseded), else from the
// provider's status list when the credential refers to it, else unknown.
// The holder is the citizen of the document dancu holds, if it holds it.
func (s *Service) statusOf(ctx context.Context, p *Provider, tok *sdjwt.SDJWT, claims map[string]any) (status, holder string, err error) {
	sum := sha256.Sum256([]byte(tok.JWT))
	d, v, err := s.Store.DocumentByJWTHash(ctx, hex.EncodeToString(sum[:]))
	switch {
	case err == nil && v.SupersededAt != nil:
		return "superseded", d.IDNumber, nil
	case err == nil:
		return string(d.Status), d.IDNumber, nil
	case !apperr.Is(err, apperr.NotFound):
		return "", "", err
	}
	idx, err := s.statusIndex(p, claims)
	if err != nil || idx == nil {
		return "unknown", "", nil
	}
	// An index no document holds reads 0 (valid), as in the published list.
	val, err := s.Store.DocumentStatusEntry(ctx, p.ID, *idx)
	if apperr.Is(err, apperr.NotFound) {
		return string(Valid), "", nil
	}
	if err != nil {
		return "", "", err
	}
	return string(statusOfValue(val)), "", nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
