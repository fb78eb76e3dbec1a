package sdjwt

import (
	"crypto"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// SignatureAlgorithms are the JWS algorithms accepted for Issuer-signed
// and Key Binding JWTs: asymmetric only. "none" and the HMAC algorithms
// are refused by go-jose before any key is tried.
var SignatureAlgorithms = []jose.SignatureAlgorithm{
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
	jose.PS256, jose.PS384, jose.PS512, jose.RS256, jose.RS384, jose.RS512,
}

// KeyBindingType is the typ of a Key Binding JWT.
const KeyBindingType = "kb+jwt"

// VerifyOptions say what a verifier accepts.
type VerifyOptions struct {
	// Keys are the issuer's public keys. A kid in the JWT header selects
	// among them; without one each key is tried.
	Keys jose.JSONWebKeySet
	// Types, when set, lists the accepted typ headers (compared without
	// case and without an "application/" prefix).
	Types []string
	// Now is the time validity is checked at; time.Now when zero.
	Now time.Time
	// Leeway tolerates clock skew in exp, nbf and the Key Binding iat.
	Leeway time.Duration
	// NotDisclosable lists top-level claims that must be in the signed
	// payload itself, never in a disclosure (SD-JWT VC: iss, vct, status…).
	NotDisclosable []string
	// RequireKeyBinding refuses an SD-JWT without a Key Binding JWT. A Key
	// Binding JWT that is present is always verified.
	RequireKeyBinding bool
	// RejectKeyBinding refuses an SD-JWT+KB (a holder receiving from an
	// issuer, RFC 9901 §7.2).
	RejectKeyBinding bool
	// Audience and Nonce, when set, must equal the Key Binding JWT's.
	Audience, Nonce string
	// KeyBindingMaxAge bounds the age of a Key Binding JWT; 5 minutes when zero.
	KeyBindingMaxAge time.Duration
}

// Result is a verified SD-JWT.
type Result struct {
	// Header of the Issuer-signed JWT.
	Header map[string]any
	// Claims is the processed payload: disclosed claims in place, _sd,
	// _sd_alg and undisclosed array elements removed.
	Claims map[string]any
	// Disclosed lists the path of every disclosure, in serialized order.
	Disclosed []Path
	// KeyID is the kid of the key that verified the signature, if any.
	KeyID string
	// KeyBinding is the verified Key Binding JWT's payload, or nil.
	KeyBinding map[string]any
}

// Verify parses and verifies a compact SD-JWT or SD-JWT+KB (RFC 9901
// §7.1 and §7.3) and returns its processed claims.
func Verify(s string, opts VerifyOptions) (*Result, error) {
	t, err := Parse(s)
	if err != nil {
		return nil, err
	}
	return t.Verify(opts)
}

// Verify verifies a parsed SD-JWT.
func (t *SDJWT) Verify(opts VerifyOptions) (*Result, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	if len(opts.Types) > 0 {
		typ, _ := t.header["typ"].(string)
		if !slices.ContainsFunc(opts.Types, func(want string) bool { return sameType(typ, want) }) {
			return nil, errorf("typ %q is not accepted", typ)
		}
	}
	payloadRaw, kid, err := verifySignature(t.JWT, opts.Keys)
	if err != nil {
		return nil, err
	}
	var payload map[string]any
	if err := decodeJSON(payloadRaw, &payload); err != nil || payload == nil {
		return nil, errorf("the payload is not a JSON object")
	}
	claims, paths, err := process(payload, t.Disclosures)
	if err != nil {
		return nil, err
	}
	for i, p := range paths {
		if len(p) == 1 && slices.Contains(opts.NotDisclosable, p[0].(string)) {
			return nil, errorf("claim %s must not be selectively disclosable", paths[i])
		}
	}
	if err := checkTimes(claims, now, opts.Leeway); err != nil {
		return nil, err
	}
	res := &Result{Header: t.header, Claims: claims, Disclosed: paths, KeyID: kid}
	switch {
	case t.KeyBinding != "" && opts.RejectKeyBinding:
		return nil, errorf("a Key Binding JWT is not expected here")
	case t.KeyBinding != "":
		h, _, _ := hashAlgOf(payload)
		if res.KeyBinding, err = t.verifyKeyBinding(claims, h, now, opts); err != nil {
			return nil, err
		}
	case opts.RequireKeyBinding:
		return nil, errorf("a Key Binding JWT is required")
	}
	return res, nil
}

// sameType compares typ values as RFC 7515 §4.1.9 does.
func sameType(got, want string) bool {
	trim := func(s string) string { return strings.TrimPrefix(strings.ToLower(s), "application/") }
	return trim(got) == trim(want)
}

// verifySignature checks a compact JWS against a key set and returns its
// payload and the kid of the key that verified it.
func verifySignature(compact string, keys jose.JSONWebKeySet) ([]byte, string, error) {
	jws, err := jose.ParseSignedCompact(compact, SignatureAlgorithms)
	if err != nil {
		return nil, "", errorf("the JWT is not signed with an accepted algorithm")
	}
	sig := jws.Signatures[0].Protected
	// A kid selects its key; keys published without a kid stay candidates.
	candidates := keys.Keys
	if sig.KeyID != "" {
		candidates = keys.Key(sig.KeyID)
		for _, k := range keys.Keys {
			if k.KeyID == "" {
				candidates = append(candidates, k)
			}
		}
	}
	for _, k := range candidates {
		if k.Algorithm != "" && k.Algorithm != sig.Algorithm {
			continue
		}
		pub := k.Public()
		if !pub.Valid() {
			continue // symmetric or broken: never a verification key here
		}
		if payload, err := jws.Verify(pub); err == nil {
			return payload, k.KeyID, nil
		}
	}
	return nil, "", errorf("the signature does not verify with the issuer's keys")
}

// process applies the disclosures to the payload (RFC 9901 §7.1 step 3–5)
// and returns the processed claims and each disclosure's path.
func process(payload map[string]any, ds []*Disclosure) (map[string]any, []Path, error) {
	h, _, err := hashAlgOf(payload)
	if err != nil {
		return nil, nil, err
	}
	pr := &processor{byDigest: map[string]int{}, seen: map[string]bool{}, paths: make([]Path, len(ds))}
	for i, d := range ds {
		dg := digest(h, d.Encoded)
		if _, dup := pr.byDigest[dg]; dup {
			return nil, nil, errorf("a disclosure appears twice")
		}
		pr.byDigest[dg] = i
	}
	pr.ds = ds
	out, err := pr.object(payload, nil)
	if err != nil {
		return nil, nil, err
	}
	for i, p := range pr.paths {
		if p == nil {
			return nil, nil, errorf("disclosure %d is not referenced by any digest", i+1)
		}
	}
	delete(out, "_sd_alg")
	return out, pr.paths, nil
}

// processor walks a payload, replacing digests by their disclosures.
type processor struct {
	ds       []*Disclosure
	byDigest map[string]int
	seen     map[string]bool
	paths    []Path
}

// claim marks a digest as seen and returns its disclosure, if any.
func (pr *processor) claim(dg string) (int, bool, error) {
	if pr.seen[dg] {
		return 0, false, errorf("a digest appears more than once")
	}
	pr.seen[dg] = true
	i, ok := pr.byDigest[dg]
	return i, ok, nil
}

func (pr *processor) object(obj map[string]any, path Path) (map[string]any, error) {
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		if k == "_sd" {
			continue
		}
		c, err := pr.value(v, path.child(k))
		if err != nil {
			return nil, err
		}
		out[k] = c
	}
	sd, ok := obj["_sd"]
	if !ok {
		return out, nil
	}
	list, ok := sd.([]any)
	if !ok {
		return nil, errorf("_sd is not an array")
	}
	for _, e := range list {
		dg, ok := e.(string)
		if !ok {
			return nil, errorf("_sd holds a non-string")
		}
		i, found, err := pr.claim(dg)
		if err != nil {
			return nil, err
		}
		if !found {
			continue // a decoy, or a claim not disclosed
		}
		d := pr.ds[i]
		switch {
		case d.IsArrayElement:
			return nil, errorf("an array element disclosure is referenced from _sd")
		case d.Name == "_sd" || d.Name == "...":
			return nil, errorf("a disclosure names the reserved claim %q", d.Name)
		}
		if _, dup := out[d.Name]; dup {
			return nil, errorf("claim %s is both disclosed and present", path.child(d.Name))
		}
		pr.paths[i] = path.child(d.Name)
		c, err := pr.value(d.Value, pr.paths[i])
		if err != nil {
			return nil, err
		}
		out[d.Name] = c
	}
	return out, nil
}

func (pr *processor) value(v any, path Path) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		return pr.object(x, path)
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if dg, ok := arrayDigest(e); ok {
				i, found, err := pr.claim(dg)
				if err != nil {
					return nil, err
				}
				if !found {
					continue // undisclosed or decoy: the element is removed
				}
				d := pr.ds[i]
				if !d.IsArrayElement {
					return nil, errorf("an object property disclosure is referenced from an array")
				}
				pr.paths[i] = path.child(len(out))
				c, err := pr.value(d.Value, pr.paths[i])
				if err != nil {
					return nil, err
				}
				out = append(out, c)
				continue
			}
			c, err := pr.value(e, path.child(len(out)))
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, nil
	}
	return v, nil
}

// arrayDigest recognises {"...": digest}, an array element's placeholder.
func arrayDigest(e any) (string, bool) {
	m, ok := e.(map[string]any)
	if !ok || len(m) != 1 {
		return "", false
	}
	s, ok := m["..."].(string)
	return s, ok
}

// NumericDate reads a JWT NumericDate claim.
func NumericDate(claims map[string]any, name string) (time.Time, bool, error) {
	v, ok := claims[name]
	if !ok {
		return time.Time{}, false, nil
	}
	var f float64
	switch x := v.(type) {
	case json.Number:
		var err error
		if f, err = x.Float64(); err != nil {
			return time.Time{}, true, errorf("%s is not a number", name)
		}
	case float64:
		f = x
	default:
		return time.Time{}, true, errorf("%s is not a number", name)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return time.Time{}, true, errorf("%s is out of range", name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true, nil
}

// checkTimes checks exp and nbf, and that iat is a date if present.
func checkTimes(claims map[string]any, now time.Time, leeway time.Duration) error {
	exp, ok, err := NumericDate(claims, "exp")
	if err != nil {
		return err
	}
	if ok && !now.Before(exp.Add(leeway)) {
		return errorf("expired")
	}
	nbf, ok, err := NumericDate(claims, "nbf")
	if err != nil {
		return err
	}
	if ok && now.Add(leeway).Before(nbf) {
		return errorf("not valid yet (nbf)")
	}
	_, _, err = NumericDate(claims, "iat")
	return err
}

// verifyKeyBinding checks the Key Binding JWT (RFC 9901 §7.3 step 5).
func (t *SDJWT) verifyKeyBinding(claims map[string]any, h crypto.Hash, now time.Time, opts VerifyOptions) (map[string]any, error) {
	holder, err := holderKey(claims)
	if err != nil {
		return nil, err
	}
	jws, err := jose.ParseSignedCompact(t.KeyBinding, SignatureAlgorithms)
	if err != nil {
		return nil, errorf("the Key Binding JWT is not signed with an accepted algorithm")
	}
	if typ, _ := jws.Signatures[0].Protected.ExtraHeaders["typ"].(string); !sameType(typ, KeyBindingType) {
		return nil, errorf("the Key Binding JWT's typ is not kb+jwt")
	}
	raw, err := jws.Verify(holder)
	if err != nil {
		return nil, errorf("the Key Binding JWT's signature does not verify with the cnf key")
	}
	var kb map[string]any
	if err := decodeJSON(raw, &kb); err != nil || kb == nil {
		return nil, errorf("the Key Binding JWT's payload is not a JSON object")
	}
	iat, ok, err := NumericDate(kb, "iat")
	if err != nil || !ok {
		return nil, errorf("the Key Binding JWT has no valid iat")
	}
	maxAge := opts.KeyBindingMaxAge
	if maxAge == 0 {
		maxAge = 5 * time.Minute
	}
	if iat.After(now.Add(opts.Leeway)) || now.Sub(iat) > maxAge+opts.Leeway {
		return nil, errorf("the Key Binding JWT's iat is outside the accepted window")
	}
	if err := checkTimes(kb, now, opts.Leeway); err != nil {
		return nil, errorf("the Key Binding JWT: %v", err.(*Error).msg)
	}
	aud, _ := kb["aud"].(string)
	nonce, _ := kb["nonce"].(string)
	switch {
	case aud == "" || nonce == "":
		return nil, errorf("the Key Binding JWT lacks aud or nonce")
	case opts.Audience != "" && aud != opts.Audience:
		return nil, errorf("the Key Binding JWT is for another audience")
	case opts.Nonce != "" && nonce != opts.Nonce:
		return nil, errorf("the Key Binding JWT's nonce does not match")
	}
	if sh, _ := kb["sd_hash"].(string); sh != digest(h, t.withoutKB()) {
		return nil, errorf("the Key Binding JWT's sd_hash does not match the presentation")
	}
	return kb, nil
}

// holderKey returns the public key of the payload's cnf.jwk.
func holderKey(claims map[string]any) (*jose.JSONWebKey, error) {
	cnf, _ := claims["cnf"].(map[string]any)
	jwk, ok := cnf["jwk"]
	if !ok {
		return nil, errorf("a Key Binding JWT needs a cnf.jwk claim")
	}
	raw, err := json.Marshal(jwk)
	if err != nil {
		return nil, errorf("cnf.jwk is not a JWK")
	}
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(raw); err != nil || !k.IsPublic() || !k.Valid() {
		return nil, errorf("cnf.jwk is not a public JWK")
	}
	return &k, nil
}
