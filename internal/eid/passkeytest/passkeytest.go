// Package passkeytest is a software passkey for tests: a WebAuthn client
// and platform authenticator in one, which answers the options that
// eid.Service begins ceremonies with as a browser would, without a
// browser. It makes ES256 keys, "none" attestation, discoverable
// credentials with user verification, and can be told to misbehave (a
// foreign origin, a bad signature, a rewound counter). The browser test
// in internal/oidc checks the same ceremonies against a real Chromium.
package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
)

// Authenticator holds passkeys and answers ceremonies for the page at
// Origin.
type Authenticator struct {
	// Origin is the origin of the page that calls the WebAuthn API
	// (http://localhost:8080); the client data carries it.
	Origin string
	// AAGUID names the authenticator model.
	AAGUID [16]byte
	// BadSignature makes assertions carry a signature of other data.
	BadSignature bool

	creds []*credential
}

type credential struct {
	id, userHandle []byte
	rpID           string
	key            *ecdsa.PrivateKey
	count          uint32
}

// New returns an authenticator for pages at origin.
func New(origin string) *Authenticator {
	return &Authenticator{Origin: origin, AAGUID: [16]byte{0xda, 0x9c, 0x00, 0x06}}
}

var b64 = base64.RawURLEncoding

// Authenticator data flags (WebAuthn §6.1).
const (
	flagUP = 0x01 // user present
	flagUV = 0x04 // user verified
	flagAT = 0x40 // attested credential data included
)

// Create answers navigator.credentials.create's options ({"publicKey":
// …}, as eid.Service.BeginPasskeyRegistration makes them) with the
// RegistrationResponseJSON a browser would send.
func (a *Authenticator) Create(options []byte) ([]byte, error) {
	var cc protocol.CredentialCreation
	if err := json.Unmarshal(options, &cc); err != nil {
		return nil, fmt.Errorf("creation options: %w", err)
	}
	o := cc.Response
	for _, ex := range o.CredentialExcludeList {
		if a.find(o.RelyingParty.ID, [][]byte{ex.CredentialID}) != nil {
			return nil, errors.New("InvalidStateError: the authenticator already holds an excluded credential")
		}
	}
	userID, ok := o.User.ID.(string)
	if !ok {
		return nil, fmt.Errorf("user.id is %T, want a base64url string", o.User.ID)
	}
	handle, err := b64.DecodeString(userID)
	if err != nil {
		return nil, fmt.Errorf("user.id: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	c := &credential{id: make([]byte, 16), userHandle: handle, rpID: o.RelyingParty.ID, key: key}
	rand.Read(c.id)
	pub, err := key.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		return nil, err
	}
	coseKey, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: pub[1:33], -3: pub[33:]})
	if err != nil {
		return nil, err
	}
	authData := a.authData(c, flagUP|flagUV|flagAT)
	authData = append(authData, a.AAGUID[:]...)
	authData = binary.BigEndian.AppendUint16(authData, uint16(len(c.id)))
	authData = append(authData, c.id...)
	authData = append(authData, coseKey...)
	attObj, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": authData})
	if err != nil {
		return nil, err
	}
	a.creds = append(a.creds, c)
	ext := map[string]any{}
	if o.Extensions.CredProps {
		ext["credProps"] = map[string]bool{"rk": true}
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(c.id), "rawId": b64.EncodeToString(c.id), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": ext,
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(a.clientData("webauthn.create", o.Challenge)),
			"attestationObject": b64.EncodeToString(attObj),
			"transports":        []string{"internal", "hybrid"},
		},
	})
}

// Get answers navigator.credentials.get's options with the
// AuthenticationResponseJSON a browser would send, signed by the newest
// passkey of the relying party (among the allowed ones, if any are named).
func (a *Authenticator) Get(options []byte) ([]byte, error) {
	var ca protocol.CredentialAssertion
	if err := json.Unmarshal(options, &ca); err != nil {
		return nil, fmt.Errorf("request options: %w", err)
	}
	o := ca.Response
	var allowed [][]byte
	for _, c := range o.AllowedCredentials {
		allowed = append(allowed, c.CredentialID)
	}
	c := a.find(o.RelyingPartyID, allowed)
	if c == nil {
		return nil, errors.New("NotAllowedError: no passkey for this site")
	}
	c.count++
	authData := a.authData(c, flagUP|flagUV)
	clientData := a.clientData("webauthn.get", o.Challenge)
	hash := sha256.Sum256(clientData)
	signed := append(slices.Clone(authData), hash[:]...)
	if a.BadSignature {
		signed = append(signed, 0)
	}
	digest := sha256.Sum256(signed)
	sig, err := ecdsa.SignASN1(rand.Reader, c.key, digest[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(c.id), "rawId": b64.EncodeToString(c.id), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(clientData),
			"authenticatorData": b64.EncodeToString(authData),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(c.userHandle),
		},
	})
}

// SetCounter sets every passkey's signature counter (the next assertion
// reports n+1): rewinding it imitates a cloned key.
func (a *Authenticator) SetCounter(n uint32) {
	for _, c := range a.creds {
		c.count = n
	}
}

// find returns the newest passkey of rpID, among allowed if not empty.
func (a *Authenticator) find(rpID string, allowed [][]byte) *credential {
	for i := len(a.creds) - 1; i >= 0; i-- {
		c := a.creds[i]
		if c.rpID != rpID {
			continue
		}
		if len(allowed) == 0 || slices.ContainsFunc(allowed, func(id []byte) bool { return string(id) == string(c.id) }) {
			return c
		}
	}
	return nil
}

// authData is the authenticator data without attested credential data:
// the RP ID's hash, the flags and the counter.
func (a *Authenticator) authData(c *credential, flags byte) []byte {
	rpHash := sha256.Sum256([]byte(c.rpID))
	out := append(rpHash[:], flags)
	return binary.BigEndian.AppendUint32(out, c.count)
}

// clientData is the CollectedClientData JSON of a ceremony.
func (a *Authenticator) clientData(typ string, challenge []byte) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": b64.EncodeToString(challenge),
		"origin": a.Origin, "crossOrigin": false})
	return b
}
