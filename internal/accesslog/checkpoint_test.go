package accesslog

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/dancu-vn/dancu/internal/apperr"
)

func TestSignerFromKey(t *testing.T) {
	skey, vkey, err := note.GenerateKey(rand.Reader, "dancu.accesslog")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		skey    string
		wantErr bool
	}{
		{"ok", skey, false},
		{"key file with newline", skey + "\n", false},
		{"verifier key", vkey, true},
		{"garbage", "PRIVATE+KEY+x+00000000+AAAA", true},
		{"empty", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signer, gotV, err := SignerFromKey(tt.skey)
			if tt.wantErr {
				if apperr.Code(err) != apperr.Invalid {
					t.Fatalf("SignerFromKey() error = %v, want invalid", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("SignerFromKey() = %v", err)
			}
			if gotV != vkey {
				t.Errorf("verifier key = %q, want %q", gotV, vkey)
			}
			if signer.Name() != "dancu.accesslog" {
				t.Errorf("signer name = %q", signer.Name())
			}
		})
	}
}

func TestLoadOrCreateSigner(t *testing.T) {
	ctx := context.Background()
	s := newMemStorage()
	_, v1, err := LoadOrCreateSigner(ctx, s, "dancu.accesslog")
	if err != nil {
		t.Fatal(err)
	}
	_, v2, err := LoadOrCreateSigner(ctx, s, "dancu.accesslog")
	if err != nil {
		t.Fatal(err)
	}
	if v1 != v2 {
		t.Errorf("second load gave another key: %q vs %q", v2, v1)
	}
	if len(s.secrets) != 1 {
		t.Errorf("%d secrets stored, want 1", len(s.secrets))
	}
	if _, _, err := LoadOrCreateSigner(ctx, s, "bad name"); err == nil {
		t.Error("key name with a space accepted")
	}
}

func TestOpenCheckpoint(t *testing.T) {
	signer, vkey := testSigner(t)
	_, otherV := testSigner(t)
	root := tlog.RecordHash([]byte("x"))
	cp, err := signCheckpoint(signer, DefaultOrigin, 42, root)
	if err != nil {
		t.Fatal(err)
	}
	wantBody := DefaultOrigin + "\n42\n" + strings.TrimSuffix(strings.SplitN(cp.Note, "\n", 4)[2], "\n") + "\n"
	if !strings.HasPrefix(cp.Note, wantBody+"\n— ") {
		t.Errorf("note = %q, want the checkpoint body then a signature line", cp.Note)
	}
	tests := []struct {
		name    string
		note    string
		vkey    string
		wantErr bool
	}{
		{"ok", cp.Note, vkey, false},
		{"other key", cp.Note, otherV, true},
		{"size edited", strings.Replace(cp.Note, "\n42\n", "\n43\n", 1), vkey, true},
		{"bad vkey", cp.Note, "nonsense", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := OpenCheckpoint(tt.note, tt.vkey)
			if tt.wantErr {
				if apperr.Code(err) != apperr.Invalid {
					t.Fatalf("OpenCheckpoint() error = %v, want invalid", err)
				}
				return
			}
			if err != nil || got.Size != 42 || got.Root != root {
				t.Fatalf("OpenCheckpoint() = %+v, %v; want size 42 and the root", got, err)
			}
		})
	}
}

func TestParseCheckpointBody(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		wantErr bool
	}{
		{"ok", "o\n1\n" + strings.Repeat("A", 43) + "=\n", false},
		{"extension lines", "o\n1\n" + strings.Repeat("A", 43) + "=\nextra\n", false},
		{"too few lines", "o\n1\n", true},
		{"empty origin", "\n1\n" + strings.Repeat("A", 43) + "=\n", true},
		{"negative size", "o\n-1\n" + strings.Repeat("A", 43) + "=\n", true},
		{"short hash", "o\n1\nAAAA\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseCheckpointBody([]byte(tt.text))
			if (err != nil) != tt.wantErr {
				t.Errorf("parseCheckpointBody() error = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

// testSigner returns a fresh signer and its verifier key.
func testSigner(t testing.TB) (note.Signer, string) {
	t.Helper()
	skey, _, err := note.GenerateKey(rand.Reader, "test.accesslog")
	if err != nil {
		t.Fatal(err)
	}
	s, vkey, err := SignerFromKey(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s, vkey
}
