package sdjwt

import (
	"crypto"
	"crypto/rand"
	"io"
	"slices"
	"sort"

	jose "github.com/go-jose/go-jose/v4"
)

// Issuer signs SD-JWTs with one key.
type Issuer struct {
	// Key is the private signing key, with its Algorithm set (ES256,
	// EdDSA, …) and a KeyID that goes into the header as kid.
	Key jose.JSONWebKey
	// Type is the typ header, e.g. "dc+sd-jwt"; none when empty.
	Type string
	// HashAlg is the _sd_alg; sha-256 when empty.
	HashAlg string
	// Decoys is the number of decoy digests added to every _sd array.
	Decoys int
	// Rand is the source of salts and decoys; crypto/rand when nil.
	Rand io.Reader
}

// Issue returns a compact SD-JWT of claims in which the claims at the
// given paths are selectively disclosable. A path selects an object
// property (its digest goes into the object's _sd) or array elements
// (each becomes {"...": digest}); paths may nest, so that a disclosable
// object has disclosable members (recursive disclosure). Every path must
// select at least one claim.
func (is *Issuer) Issue(claims map[string]any, disclose []Path) (string, error) {
	if is.Key.Key == nil || is.Key.Algorithm == "" {
		return "", errorf("the issuer key needs a key and an algorithm")
	}
	if !slices.Contains(SignatureAlgorithms, jose.SignatureAlgorithm(is.Key.Algorithm)) {
		return "", errorf("signing algorithm %s is not allowed", is.Key.Algorithm)
	}
	alg := is.HashAlg
	if alg == "" {
		alg = SHA256
	}
	h, err := hashOf(alg)
	if err != nil {
		return "", err
	}
	if _, ok := claims["_sd_alg"]; ok {
		return "", errorf("_sd_alg is set by the issuer, not a claim")
	}
	// Work on the claims' JSON shape, so that typed Go values (structs,
	// []string) can be selected into like the JSON they become.
	raw, err := encodeJSON(claims)
	if err != nil {
		return "", errorf("encode claims: %v", err)
	}
	var shaped map[string]any
	if err := decodeJSON(raw, &shaped); err != nil {
		return "", errorf("encode claims: %v", err)
	}
	p := &packer{is: is, hash: h, rand: is.Rand, paths: disclose, used: make([]bool, len(disclose))}
	if p.rand == nil {
		p.rand = rand.Reader
	}
	packed, err := p.node(shaped, nil)
	if err != nil {
		return "", err
	}
	for i, u := range p.used {
		if !u {
			return "", errorf("the claim path %s selects no claim", disclose[i])
		}
	}
	payload := packed.(map[string]any)
	if len(p.disclosures) > 0 || len(disclose) > 0 {
		payload["_sd_alg"] = alg
	}
	jwt, err := sign(is.Key, is.Type, payload)
	if err != nil {
		return "", err
	}
	t := &SDJWT{JWT: jwt, Disclosures: p.disclosures}
	return t.String(), nil
}

// sign returns a compact JWS of payload with typ and kid headers.
func sign(key jose.JSONWebKey, typ string, payload any) (string, error) {
	opts := &jose.SignerOptions{}
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	if key.KeyID != "" {
		opts = opts.WithHeader("kid", key.KeyID)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(key.Algorithm), Key: key.Key}, opts)
	if err != nil {
		return "", errorf("signer: %v", err)
	}
	body, err := encodeJSON(payload)
	if err != nil {
		return "", errorf("encode payload: %v", err)
	}
	jws, err := signer.Sign(body)
	if err != nil {
		return "", errorf("sign: %v", err)
	}
	return jws.CompactSerialize()
}

// packer turns claims into an SD-JWT payload and its disclosures.
type packer struct {
	is          *Issuer
	hash        crypto.Hash
	rand        io.Reader
	paths       []Path
	used        []bool
	disclosures []*Disclosure
}

// selected reports whether the concrete path c is to be disclosable.
func (p *packer) selected(c Path) bool {
	hit := false
	for i, s := range p.paths {
		if len(s) == len(c) && s.matchesPrefix(c) {
			p.used[i], hit = true, true
		}
	}
	return hit
}

// node packs v at path: children first, so that a disclosure of an object
// carries its members' digests (recursive disclosure).
func (p *packer) node(v any, path Path) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		var digests []string
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "_sd" || k == "..." {
				return nil, errorf("%q is reserved and cannot be a claim name", k)
			}
			c, err := p.node(x[k], path.child(k))
			if err != nil {
				return nil, err
			}
			if p.selected(path.child(k)) {
				d, err := p.disclose(k, c, false)
				if err != nil {
					return nil, err
				}
				digests = append(digests, d)
				continue
			}
			out[k] = c
		}
		if len(digests) > 0 {
			for range p.is.Decoys {
				d, err := p.decoy()
				if err != nil {
					return nil, err
				}
				digests = append(digests, d)
			}
			// Sorted, so that the order reveals nothing of the claims.
			sort.Strings(digests)
			out["_sd"] = digests
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := p.node(e, path.child(i))
			if err != nil {
				return nil, err
			}
			if p.selected(path.child(i)) {
				d, err := p.disclose("", c, true)
				if err != nil {
					return nil, err
				}
				c = map[string]any{"...": d}
			}
			out[i] = c
		}
		return out, nil
	}
	return v, nil
}

// disclose makes a disclosure of a claim and returns its digest.
func (p *packer) disclose(name string, value any, element bool) (string, error) {
	salt, err := p.random(16)
	if err != nil {
		return "", err
	}
	arr := []any{salt, name, value}
	if element {
		arr = []any{salt, value}
	}
	raw, err := encodeJSON(arr)
	if err != nil {
		return "", errorf("encode disclosure: %v", err)
	}
	d := &Disclosure{Salt: salt, Name: name, Value: value, IsArrayElement: element, Encoded: b64.EncodeToString(raw)}
	p.disclosures = append(p.disclosures, d)
	return digest(p.hash, d.Encoded), nil
}

// decoy returns a digest of random bytes, indistinguishable from a real one.
func (p *packer) decoy() (string, error) {
	s, err := p.random(32)
	if err != nil {
		return "", err
	}
	return digest(p.hash, s), nil
}

// random returns n random bytes, base64url-encoded (salts carry 128 bits,
// as RFC 9901 §9.3 recommends).
func (p *packer) random(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(p.rand, b); err != nil {
		return "", errorf("random: %v", err)
	}
	return b64.EncodeToString(b), nil
}
