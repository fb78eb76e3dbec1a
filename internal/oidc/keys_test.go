package oidc_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/dancu-vn/dancu/internal/eid"
	"github.com/dancu-vn/dancu/internal/oidc"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/store/storetest"
)

// kidOf returns the kid of a compact JWS.
func kidOf(t *testing.T, raw string) string {
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	return jws.Signatures[0].Header.KeyID
}

func (e *env) jwks() []string {
	e.t.Helper()
	resp, err := e.srv.Get(e.issuer + "/oauth/jwks")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil || resp.StatusCode != http.StatusOK {
		e.t.Fatalf("jwks: %d %v", resp.StatusCode, err)
	}
	var kids []string
	for _, k := range set.Keys {
		if !k.IsPublic() {
			e.t.Fatalf("JWKS publishes a private key")
		}
		kids = append(kids, k.KeyID)
	}
	return kids
}

func TestOIDC_KeyRotation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		alice := e.newCitizen(eid.Level1)
		r := e.newRP(&oidc.Client{})
		tok, _, _ := r.codeFlow(t, e.newBrowser(), alice)
		oldKid := kidOf(t, tok.Extra("id_token").(string))
		if kids := e.jwks(); len(kids) != 1 || kids[0] != oldKid {
			t.Fatalf("JWKS %v, want just %s", kids, oldKid)
		}
		if _, err := oidc.RotateKeys(e.ctx, db, e.clock.Now(), time.Second, time.Hour); err == nil {
			t.Errorf("rotation with too short a publication accepted")
		}
		k, err := oidc.RotateKeys(e.ctx, db, e.clock.Now(), time.Hour, 2*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		// Published before use: both keys in the set, the old one signs.
		e.clock.Add(time.Minute)
		if kids := e.jwks(); len(kids) != 2 || !strings.Contains(strings.Join(kids, " "), k.ID) {
			t.Fatalf("JWKS after rotation %v, want old and new", kids)
		}
		tok, _, _ = r.codeFlow(t, e.newBrowser(), alice)
		if kid := kidOf(t, tok.Extra("id_token").(string)); kid != oldKid {
			t.Errorf("signed with %s before the new key's time, want %s", kid, oldKid)
		}
		// After the publication period the new key signs; the old one is
		// still published for tokens it signed.
		e.clock.Add(time.Hour)
		tok, _, _ = r.codeFlow(t, e.newBrowser(), alice)
		if kid := kidOf(t, tok.Extra("id_token").(string)); kid != k.ID {
			t.Errorf("signed with %s, want the new key %s", kid, k.ID)
		}
		if kids := e.jwks(); len(kids) != 2 {
			t.Errorf("JWKS %v, want both keys while old tokens live", kids)
		}
		e.clock.Add(2 * time.Hour)
		if kids := e.jwks(); len(kids) != 1 || kids[0] != k.ID {
			t.Errorf("JWKS %v after the old key expired, want just %s", kids, k.ID)
		}
	})
}
