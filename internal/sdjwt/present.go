package sdjwt

import (
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// HolderBinding is what a Key Binding JWT needs: the holder's private key
// (whose public part is the SD-JWT's cnf.jwk) and the verifier's audience
// and nonce.
type HolderBinding struct {
	Key      jose.JSONWebKey // with Algorithm set
	Audience string
	Nonce    string
	IssuedAt time.Time // time.Now when zero
}

// Layout returns the holder's view of the SD-JWT without verifying the
// signature (the holder verified it on receipt): the processed claims and
// the path of each disclosure.
func (t *SDJWT) Layout() (map[string]any, []Path, error) {
	return process(t.payload, t.Disclosures)
}

// Present returns a presentation that keeps only the disclosures needed to
// reveal the claims at the given paths: each selected claim with all that
// is below it, and the disclosures of the objects and arrays above it.
// Claims the issuer made always visible need no disclosure. A path that
// selects nothing is an error. With kb, a Key Binding JWT is appended.
func (t *SDJWT) Present(paths []Path, kb *HolderBinding) (string, error) {
	claims, dpaths, err := t.Layout()
	if err != nil {
		return "", err
	}
	for _, p := range paths {
		if len(p) == 0 || !p.resolve(claims) {
			return "", &NoClaimError{Path: p}
		}
	}
	out := &SDJWT{JWT: t.JWT, header: t.header, payload: t.payload}
	for i, d := range t.Disclosures {
		for _, p := range paths {
			if p.matchesPrefix(dpaths[i]) || p.leadsTo(dpaths[i]) {
				out.Disclosures = append(out.Disclosures, d)
				break
			}
		}
	}
	if kb == nil {
		return out.String(), nil
	}
	h, _, err := hashAlgOf(t.payload)
	if err != nil {
		return "", err
	}
	iat := kb.IssuedAt
	if iat.IsZero() {
		iat = time.Now()
	}
	out.KeyBinding, err = sign(kb.Key, KeyBindingType, map[string]any{
		"iat": iat.Unix(), "aud": kb.Audience, "nonce": kb.Nonce, "sd_hash": digest(h, out.withoutKB()),
	})
	if err != nil {
		return "", err
	}
	return out.String(), nil
}

// NoClaimError is a presentation request for a claim the SD-JWT lacks.
type NoClaimError struct{ Path Path }

func (e *NoClaimError) Error() string { return "sd-jwt: no claim at " + e.Path.String() }
