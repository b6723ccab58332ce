package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeEd25519Key writes a fresh Ed25519 private key as PKCS #8 PEM.
func writeEd25519Key(t *testing.T) string {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dkim.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigDelivery(t *testing.T) {
	key := writeEd25519Key(t)
	notKey := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notKey, []byte("hello"), 0o600)
	dkim := func(domain, selector, file string) string {
		return "dkim:\n  domain: " + domain + "\n  selector: " + selector + "\n  private_key_file: \"" + file + "\"\n"
	}
	tests := []struct {
		name, yaml, want string
	}{
		{"defaults", "", ""},
		{"dkim", dkim("example.org", "s1", key), ""},
		{"dkim without selector", dkim("example.org", "", key), "dkim: set all of domain, selector and private_key_file, or none"},
		{"dkim key missing", dkim("example.org", "s1", key+".gone"), "dkim.private_key_file: dkim key: open " + key + ".gone"},
		{"dkim key not pem", dkim("example.org", "s1", notKey), "dkim.private_key_file: dkim key " + notKey + ": not a PEM file"},
		{"no workers", "smtp:\n  concurrency: 0\n", "smtp.concurrency: 0: want 1 to 32"},
		{"negative rate", "smtp:\n  rate_per_second: -1\n", "smtp.rate_per_second: -1"},
		{"negative hourly cap", "smtp:\n  max_per_hour: -5\n", "smtp.max_per_hour: -5"},
		{"no tries", "smtp:\n  retry_attempts: 0\n", "smtp.retry_attempts: 0: want 1 to 10"},
		{"no backoff", "smtp:\n  retry_backoff: 0s\n", "smtp.retry_backoff"},
		{"bounce limit", "smtp:\n  hard_bounce_limit: 0\n", "smtp.hard_bounce_limit: 0: want 1 or more"},
		{"no wait for the final dot", "smtp:\n  data_timeout: 0s\n", "smtp.data_timeout: 0s: want 1s to 1h"},
		{"final dot past an hour", "smtp:\n  data_timeout: 2h\n", "smtp.data_timeout: 2h0m0s: want 1s to 1h"},
		{"lease too short", "schedule:\n  pass_lease: 1s\n", "schedule.pass_lease: 1s: want 2s to 1h"},
		{"lease not a duration", "schedule:\n  pass_lease: soon\n", `key "schedule.pass_lease": wrong type or format`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			c, _, err := loadConfig(path)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				if signer, err := newDKIM(c); err != nil || (signer != nil) != (c.DKIM.Domain != "") {
					t.Errorf("newDKIM: got %v (%v), want a signer exactly when dkim is set", signer, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}
