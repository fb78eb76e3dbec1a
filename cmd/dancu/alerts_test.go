package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLI_AlertThresholds(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "alerts.json")
	os.WriteFile(good, []byte(`{"mass_reads": "500/30m", "quota_abuse": "off"}`), 0o600)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"mass_reads": "many"}`), 0o600)
	tests := []struct {
		name string
		args []string
		code int
		says string
	}{
		{"flags and a file", []string{"--alerts-file", good, "--alert-off-purpose", "5/15m", "--alert-mass-reads", "off"}, 0, ""},
		{"a bad threshold", []string{"--alert-mass-reads", "lots"}, 1, "--alert-mass-reads"},
		{"a window too short", []string{"--alert-quota-abuse", "10/10ms"}, 1, "at least 1s"},
		{"a bad file", []string{"--alerts-file", bad}, 1, "bad.json"},
		{"a missing file", []string{"--alerts-file", filepath.Join(dir, "none.json")}, 1, "none.json"},
		{"a bad trusted proxy", []string{"--trusted-proxies", "10.0.0.0/8,proxy.example"}, 1, "--trusted-proxies"},
		{"trusted proxies", []string{"--trusted-proxies", "10.0.0.0/8, 192.0.2.7"}, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--data", filepath.Join(t.TempDir(), "data")}, tc.args...)
			out, code := run(t, append(args, "migrate")...)
			if code != tc.code || !strings.Contains(out, tc.says) {
				t.Errorf("dancu %s migrate: exit %d, %s; want exit %d saying %q", strings.Join(tc.args, " "), code, out, tc.code, tc.says)
			}
		})
	}
}

// TestCLI_SealKeyFile: an officer's TOTP secret is sealed with the key
// of --seal-key-file; a file that holds no 32-byte key is refused.
func TestCLI_SealKeyFile(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	key := filepath.Join(dir, "seal.key")
	os.WriteFile(key, []byte(strings.Repeat("ab", 32)+"\n"), 0o600)
	bad := filepath.Join(dir, "bad.key")
	os.WriteFile(bad, []byte("not a key\n"), 0o600)
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("một mật khẩu dài đủ mạnh 2026\n"), 0o600)
	if out, code := run(t, "--data", data, "--seal-key-file", bad, "officer", "create", "--username", "an", "--name", "Cán bộ An", "--central"); code != 1 || !strings.Contains(out, "--seal-key-file") {
		t.Fatalf("a bad key file: exit %d, %s", code, out)
	}
	for _, args := range [][]string{
		{"officer", "create", "--username", "an", "--name", "Cán bộ An", "--central"},
		{"officer", "credentials", "--password-file", pw, "an"},
	} {
		if out, code := run(t, append([]string{"--data", data, "--seal-key-file", key}, args...)...); code != 0 {
			t.Fatalf("dancu %s: exit %d, %s", strings.Join(args, " "), code, out)
		}
	}
	raw, err := os.ReadFile(filepath.Join(data, "dancu.db"))
	if err != nil {
		t.Fatal(err)
	}
	wal, _ := os.ReadFile(filepath.Join(data, "dancu.db-wal")) // recent pages, if not yet checkpointed
	if !strings.Contains(string(raw)+string(wal), "sealed:v1:") {
		t.Error("the officer's TOTP secret is not sealed in the database file")
	}
}

// TestCLI_SealRotate: moving from the key kept in the database to a key
// file; the officer's secret then opens only with the file.
func TestCLI_SealRotate(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	key := filepath.Join(dir, "seal.key")
	os.WriteFile(key, []byte(strings.Repeat("cd", 32)+"\n"), 0o600)
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("một mật khẩu dài đủ mạnh 2026\n"), 0o600)
	steps := []struct {
		args []string
		code int
		says string
	}{
		{[]string{"officer", "create", "--username", "an", "--name", "Cán bộ An", "--central"}, 0, ""},
		{[]string{"officer", "credentials", "--password-file", pw, "an"}, 0, "totp_secret"},
		{[]string{"seal", "rotate", "--new-key-file", key}, 0, "resealed"},
		{[]string{"--seal-key-file", key, "seal", "rotate", "--new-key-file", key}, 0, "resealed"},
	}
	for _, s := range steps {
		if out, code := run(t, append([]string{"--data", data}, s.args...)...); code != s.code || !strings.Contains(out, s.says) {
			t.Fatalf("dancu %s: exit %d, %s", strings.Join(s.args, " "), code, out)
		}
	}
	// Without the key file the resealed secrets do not open.
	if out, code := run(t, "--data", data, "seal", "rotate", "--new-key-file", key); code == 0 || !strings.Contains(out, "does not open") {
		t.Errorf("rotate without the current key: exit %d, %s", code, out)
	}
}
