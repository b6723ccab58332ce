package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDoctorDKIM checks the DKIM line against a DNS answered by the test:
// the record that matches the key, none, another key, a revoked one, and a
// resolver that does not answer.
func TestDoctorDKIM(t *testing.T) {
	src := startSources(t)
	keyFile := writeEd25519Key(t)
	signer, err := newDKIM(configWithDKIM(keyFile))
	if err != nil {
		t.Fatal(err)
	}
	record := signer.Record()
	other, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherRecord := "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(other)
	half := len(record) / 2
	notFound := &net.DNSError{Err: "no such host", Name: "s1._domainkey.example.org", IsNotFound: true}
	timeout := &net.DNSError{Err: "i/o timeout", Name: "s1._domainkey.example.org", IsTimeout: true}
	dkimConf := "dkim:\n  domain: example.org\n  selector: s1\n  private_key_file: \"" + keyFile + "\"\n"
	tests := []struct {
		name   string
		conf   string
		txts   []string
		dnsErr error
		want   string
		failed int
	}{
		{"not configured", "", nil, nil, "ok    dkim: not configured", 0},
		{"record matches", dkimConf, []string{"google-site-verification=x", record}, nil,
			"ok    dkim s1._domainkey.example.org: key ed25519 matches the published TXT record", 0},
		{"record split with spaces", dkimConf, []string{record[:half] + " " + record[half:]}, nil, "matches the published TXT record", 0},
		{"no record", dkimConf, nil, notFound,
			"FAIL  dkim s1._domainkey.example.org: lookup s1._domainkey.example.org: no such host (hint: publish a TXT record at s1._domainkey.example.org with the value: " + record + ")", 1},
		{"another key", dkimConf, []string{otherRecord}, nil, "FAIL  dkim s1._domainkey.example.org: the published key is not the one in dkim.private_key_file", 1},
		{"revoked", dkimConf, []string{"v=DKIM1; p="}, nil, "the published key is revoked (empty p=)", 1},
		{"only other TXT records", dkimConf, []string{"v=spf1 -all"}, nil, "no DKIM key record among 1 TXT records", 1},
		{"DNS does not answer", dkimConf, nil, timeout, "ok    dkim s1._domainkey.example.org: key ed25519 loaded; TXT record not checked, DNS did not answer", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, src, nil, tt.conf)
			var out strings.Builder
			var asked []string
			d := &doctor{w: &out, lookupTXT: func(_ context.Context, name string) ([]string, error) {
				asked = append(asked, name)
				return tt.txts, tt.dnsErr
			}}
			d.run(context.Background(), e.config)
			var line string
			for l := range strings.Lines(out.String()) {
				if strings.Contains(l, "  dkim") {
					line = l
				}
			}
			if !strings.Contains(line, tt.want) {
				t.Errorf("got %q, want %q\n%s", line, tt.want, out.String())
			}
			if tt.conf != "" && (len(asked) != 1 || asked[0] != "s1._domainkey.example.org") {
				t.Errorf("got lookups %q, want one of s1._domainkey.example.org", asked)
			}
			if d.failed != tt.failed {
				t.Errorf("got %d failed checks, want %d\n%s", d.failed, tt.failed, out.String())
			}
		})
	}
}

// configWithDKIM is a config whose dkim keys name keyFile.
func configWithDKIM(keyFile string) Config {
	var c Config
	c.DKIM.Domain, c.DKIM.Selector, c.DKIM.PrivateKeyFile = "example.org", "s1", keyFile
	return c
}

func TestDKIMRecordRSA(t *testing.T) {
	path, want := rsaKeyFile(t)
	s, err := newDKIM(configWithDKIM(path))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Record(); got != want {
		t.Errorf("got record %q, want %q", got, want)
	}
	if got := s.KeyType(); got != "rsa 1024 bits" {
		t.Errorf("got key type %q, want rsa 1024 bits", got)
	}
	if err := s.CheckRecord([]string{want}); err != nil {
		t.Errorf("CheckRecord of its own record: got %v, want nil", err)
	}
}

// rsaKeyFile writes a fresh 1024-bit RSA key as PKCS #1 PEM and returns its
// path and the TXT record that publishes it.
func rsaKeyFile(t *testing.T) (string, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dkim.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return path, "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
}
