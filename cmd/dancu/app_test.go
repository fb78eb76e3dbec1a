package main

import (
	"slices"
	"testing"
)

func TestWebAuthnFor(t *testing.T) {
	tests := []struct {
		issuer, rpID string
		origins      []string
	}{
		{"https://id.dancu.gov.vn", "id.dancu.gov.vn", []string{"https://id.dancu.gov.vn"}},
		{"https://id.dancu.gov.vn:8443/", "id.dancu.gov.vn", []string{"https://id.dancu.gov.vn:8443"}},
		{"http://localhost:8080", "localhost", []string{"http://localhost:8080"}},
		// WebAuthn refuses IP addresses: a loopback one becomes localhost,
		// others turn passkeys off.
		{"http://127.0.0.1:8080", "localhost", []string{"http://localhost:8080"}},
		{"http://[::1]:8080", "localhost", []string{"http://localhost:8080"}},
		{"http://10.1.2.3:8080", "", nil},
		{"not a URL", "", nil},
	}
	for _, tc := range tests {
		rpID, origins := webAuthnFor(tc.issuer)
		if rpID != tc.rpID || !slices.Equal(origins, tc.origins) {
			t.Errorf("webAuthnFor(%q) = %q, %v; want %q, %v", tc.issuer, rpID, origins, tc.rpID, tc.origins)
		}
	}
}
