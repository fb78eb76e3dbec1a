package oidc

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/dancu-vn/dancu/internal/accesslog"
	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/register"
)

// grant is what a token request was allowed: the tokens issue makes.
type grant struct {
	client        *Client
	accountID     string
	subject       string
	scopes        []string
	acr           string
	amr           []string
	authTime      time.Time
	authRequestID string
	sessionID     string
	jkt           string
	nonce         string
	family        string
	rotate        []byte // the refresh token this grant rotates, if any
}

// Token value prefixes: recognisable in a leak scanner, never parsed.
const (
	accessPrefix  = "dat_"
	refreshPrefix = "drt_"
)

// issue stores and returns an access token, a refresh token when the
// client may refresh a citizen's login, and with a citizen an ID token.
func (p *Provider) issue(ctx context.Context, g *grant, withID bool) (*op.Response, error) {
	now := p.now()
	access := accessPrefix + randomToken(32)
	at := &Token{Hash: hashToken(access), Kind: TokenAccess, ClientID: g.client.ID, AccountID: g.accountID,
		Subject: g.subject, Scopes: g.scopes, ACR: g.acr, AMR: g.amr, AuthTime: g.authTime, Family: g.family,
		AuthRequestID: g.authRequestID, SessionID: g.sessionID, JKT: g.jkt, IssuedAt: now, ExpiresAt: now.Add(accessTTL)}
	tokens := []*Token{at}
	resp := map[string]any{"access_token": access, "token_type": tokenType(g.jkt),
		"expires_in": int(accessTTL.Seconds()), "scope": strings.Join(g.scopes, " ")}
	if g.accountID != "" && g.client.HasGrant(GrantRefresh) {
		refresh := refreshPrefix + randomToken(32)
		tokens = append(tokens, &Token{Hash: hashToken(refresh), Kind: TokenRefresh, ClientID: g.client.ID,
			AccountID: g.accountID, Subject: g.subject, Scopes: g.scopes, ACR: g.acr, AMR: g.amr, AuthTime: g.authTime,
			Family: g.family, AuthRequestID: g.authRequestID, SessionID: g.sessionID, JKT: g.jkt, IssuedAt: now,
			ExpiresAt: now.Add(refreshTTL)})
		resp["refresh_token"] = refresh
	}
	if withID && g.accountID != "" && slices.Contains(g.scopes, ScopeOpenID) {
		claims, err := p.userClaims(ctx, g.client, g.accountID, g.subject, g.scopes, "id_token")
		if err != nil {
			return nil, serverError(err)
		}
		idt, err := p.signIDToken(ctx, g, access, claims, now)
		if err != nil {
			return nil, serverError(err)
		}
		resp["id_token"] = idt
	}
	if g.rotate != nil {
		ok, err := p.store.RotateOIDCRefresh(ctx, g.rotate, now, tokens...)
		if err != nil {
			return nil, serverError(err)
		}
		if !ok { // a concurrent use of the same refresh token won: reuse
			if err := p.store.RevokeOIDCFamily(ctx, g.family, now); err != nil {
				return nil, serverError(err)
			}
			return nil, errInvalidGrant("refresh token reused; its whole family is revoked")
		}
	} else if err := p.store.InsertOIDCTokens(ctx, tokens...); err != nil {
		return nil, serverError(err)
	}
	out := op.NewResponse(resp)
	out.Header.Set("Cache-Control", "no-store")
	out.Header.Set("Pragma", "no-cache")
	return out, nil
}

// signIDToken signs an ID token with the key in use.
func (p *Provider) signIDToken(ctx context.Context, g *grant, accessToken string, claims map[string]any, now time.Time) (string, error) {
	key, err := p.keys.current(ctx)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(key, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", fmt.Errorf("id token signer: %w", err)
	}
	sum := sha256.Sum256([]byte(accessToken))
	c := map[string]any{
		"iss": p.cfg.Issuer, "sub": g.subject, "aud": g.client.ID, "azp": g.client.ID,
		"iat": now.Unix(), "exp": now.Add(idTokenTTL).Unix(), "auth_time": g.authTime.Unix(),
		"acr": g.acr, "amr": g.amr, "at_hash": base64.RawURLEncoding.EncodeToString(sum[:16]),
	}
	if g.sessionID != "" {
		c["sid"] = g.sessionID
	}
	if g.nonce != "" {
		c["nonce"] = g.nonce
	}
	for k, v := range claims {
		c[k] = v
	}
	return jwt.Signed(signer).Claims(c).Serialize()
}

// subjectFor returns the sub a client knows an account by: pairwise by
// default (HMAC of the sector and the account, so that two relying parties
// on different hosts cannot link their users), the account id for
// clients an operator made public.
func (p *Provider) subjectFor(c *Client, accountID string) (string, error) {
	if c.SubjectType == SubjectPublic {
		return accountID, nil
	}
	sector, err := c.Sector()
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, p.cfg.PairwiseKey)
	m.Write([]byte(sector + "\x00" + accountID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)), nil
}

// claimsSupported lists the claims the scopes release.
var claimsSupported = []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "sid",
	"name", "family_name", "given_name", "middle_name", "gender", "birthdate", "address", "phone_number",
	"phone_number_verified", "id_number", "eid_level"}

// scopeClaims is what each scope releases, for the consent screen and
// the access log.
var scopeClaims = map[string][]string{
	ScopeProfile:  {"name", "family_name", "middle_name", "given_name", "gender", "birthdate"},
	ScopeAddress:  {"address"},
	ScopePhone:    {"phone_number"},
	ScopeIDNumber: {"id_number"},
	ScopeEIDLevel: {"eid_level"},
}

// userClaims reads the register and the account for the claims the
// scopes release, and records the release in the access log: a relying
// party reading a citizen's data is an access by someone else.
func (p *Provider) userClaims(ctx context.Context, c *Client, accountID, subject string, scopes []string, via string) (map[string]any, error) {
	acct, err := p.accounts.Account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	var fields []string
	needPerson := slices.Contains(scopes, ScopeProfile) || slices.Contains(scopes, ScopeAddress)
	var person *register.Person
	if needPerson {
		if person, err = p.people.ForSubject(ctx, acct.IDNumber); err != nil {
			return nil, err
		}
	}
	for _, s := range scopes {
		switch s {
		case ScopeProfile:
			family, middle, given := splitName(person.FullName)
			out["name"], out["family_name"], out["given_name"] = person.FullName, family, given
			if middle != "" {
				out["middle_name"] = middle
			}
			out["gender"] = string(person.Gender)
			out["birthdate"] = string(person.BirthDate)
		case ScopeAddress:
			if r := person.Current; r != nil || person.Permanent != nil {
				if r == nil {
					r = person.Permanent
				}
				out["address"] = map[string]string{"formatted": r.Address, "locality": r.Commune, "region": r.Province, "country": "VN"}
			}
		case ScopePhone:
			out["phone_number"], out["phone_number_verified"] = acct.Phone, true
		case ScopeIDNumber:
			out["id_number"] = acct.IDNumber
		case ScopeEIDLevel:
			out["eid_level"] = int(acct.Level)
		default:
			continue
		}
		fields = append(fields, scopeClaims[s]...)
	}
	if len(fields) > 0 && p.log != nil {
		err := p.log.Record(ctx, accesslog.Entry{Actor: "client:" + c.ID, ActorRole: "relying_party", Org: c.OrgID,
			Purpose: "oidc_login", Subject: acct.IDNumber, Action: "oidc." + via, Fields: strings.Join(fields, ","),
			Outcome: "released"})
		if err != nil {
			return nil, err // fail closed: no claims without their log entry
		}
	}
	return out, nil
}

// splitName splits a Vietnamese full name: family name first, given name
// last, middle names between.
func splitName(full string) (family, middle, given string) {
	parts := strings.Fields(full)
	switch len(parts) {
	case 0:
		return "", "", ""
	case 1:
		return "", "", parts[0]
	}
	return parts[0], strings.Join(parts[1:len(parts)-1], " "), parts[len(parts)-1]
}

// acrFor is the acr of a login at an account level.
func acrFor(l eid.Level) string {
	if l >= eid.Level2 {
		return ACRLevel2
	}
	return ACRLevel1
}

func writeJSONBody(w http.ResponseWriter, v any) {
	_ = json.NewEncoder(w).Encode(v)
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
