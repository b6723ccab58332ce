package email

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/digestd/digestd/digest/mailer"
	"github.com/digestd/digestd/digest/mailer/smtptest"
)

// dkimKey writes key as a PEM file and returns its path and the TXT record
// that would publish its public half.
func dkimKey(t *testing.T, key crypto.Signer, pkcs1 bool) (path, record string) {
	t.Helper()
	var block *pem.Block
	if k, ok := key.(*rsa.PrivateKey); ok && pkcs1 {
		block = &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}
	} else {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		block = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	}
	path = filepath.Join(t.TempDir(), "dkim.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	switch pub := key.Public().(type) {
	case ed25519.PublicKey:
		return path, "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
	default:
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		return path, "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
	}
}

// verifyDKIM checks every signature of msg against the TXT records in dns,
// with no network, and returns the header fields the one signature covers.
func verifyDKIM(t *testing.T, msg []byte, dns map[string]string) []string {
	t.Helper()
	verifs, err := dkim.VerifyWithOptions(bytes.NewReader(msg), &dkim.VerifyOptions{
		LookupTXT: func(domain string) ([]string, error) {
			if r, ok := dns[domain]; ok {
				return []string{r}, nil
			}
			return nil, fmt.Errorf("no TXT record for %s", domain)
		},
	})
	if err != nil {
		t.Fatalf("dkim.Verify: %v", err)
	}
	if len(verifs) != 1 {
		t.Fatalf("got %d signatures, want 1", len(verifs))
	}
	if verifs[0].Err != nil {
		t.Fatalf("signature of %s: %v", verifs[0].Domain, verifs[0].Err)
	}
	return verifs[0].HeaderKeys
}

func TestDKIMSignaturesVerify(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		key   crypto.Signer
		pkcs1 bool
	}{
		{"rsa pkcs1", rsaKey, true},
		{"rsa pkcs8", rsaKey, false},
		{"ed25519", edKey, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, record := dkimKey(t, tt.key, tt.pkcs1)
			signer, err := NewDKIMSigner("example.org", "digest2026", path)
			if err != nil {
				t.Fatalf("NewDKIMSigner: %v", err)
			}
			h := testHeaders
			h.DKIM = signer
			msg, _, err := ComposeDigest(h, testDigest(), testRendered)
			if err != nil {
				t.Fatal(err)
			}
			dns := map[string]string{"digest2026._domainkey.example.org": record}
			signed := verifyDKIM(t, msg, dns)
			for _, want := range []string{"From", "To", "Subject", "Date", "Message-ID", "List-Id",
				"List-Unsubscribe", "List-Unsubscribe-Post", "Reply-To", "MIME-Version", "Content-Type"} {
				if !slices.ContainsFunc(signed, func(k string) bool { return strings.EqualFold(k, want) }) {
					t.Errorf("signed headers %v lack %s", signed, want)
				}
			}
			// What a relay hands over, after dot-stuffing there and back.
			relay := smtptest.Start(t)
			s, err := mailer.NewSMTP(mailer.SMTPConfig{Host: relay.Host(), Port: relay.Port(), TLS: mailer.SMTPNoTLS, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if err := s.Send(context.Background(), "digest@example.org", "reader@example.org", msg); err != nil {
				t.Fatal(err)
			}
			verifyDKIM(t, relay.Messages()[0].Data, dns)

			conf, err := ComposeConfirmation(h, "new@example.org", testRendered)
			if err != nil {
				t.Fatal(err)
			}
			verifyDKIM(t, conf, dns)

			// A List-Unsubscribe changed in transit breaks the signature.
			forged := bytes.Replace(msg, []byte("List-Unsubscribe: <https://"), []byte("List-Unsubscribe: <https://evil."), 1)
			verifs, err := dkim.VerifyWithOptions(bytes.NewReader(forged), &dkim.VerifyOptions{
				LookupTXT: func(string) ([]string, error) { return []string{record}, nil },
			})
			if err != nil || len(verifs) != 1 || verifs[0].Err == nil {
				t.Errorf("forged List-Unsubscribe: got %v, want a failed signature", err)
			}
		})
	}
}

func TestNewDKIMSignerRejectsBadKeys(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecPath, _ := dkimKey(t, ecKey, false)
	junk := filepath.Join(t.TempDir(), "junk.pem")
	os.WriteFile(junk, []byte("not a key"), 0o600)
	tests := []struct {
		name, path, want string
	}{
		{"missing file", filepath.Join(t.TempDir(), "nope.pem"), "no such file"},
		{"not pem", junk, "not a PEM file"},
		{"ecdsa key", ecPath, "want an RSA or Ed25519 key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewDKIMSigner("example.org", "s1", tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}
