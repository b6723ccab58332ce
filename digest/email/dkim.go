package email

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/emersion/go-msgauth/dkim"
)

// dkimHeaders are the header fields a DKIM signature covers: who, what,
// when, and the list headers mailbox providers act on, so none can be
// altered or added in transit. A field a message lacks is signed as absent.
var dkimHeaders = []string{
	"From", "Reply-To", "To", "Subject", "Date", "Message-ID",
	"List-Id", "List-Unsubscribe", "List-Unsubscribe-Post", "MIME-Version", "Content-Type",
}

// DKIMSigner signs messages for one domain and selector (RFC 6376). It
// signs the composed bytes itself with go-msgauth: go-mail's own signer
// writes signatures that fail relaxed verification once h= wraps.
type DKIMSigner struct {
	domain, selector string
	key              crypto.Signer
}

// NewDKIMSigner loads the private key in keyFile, a PEM RSA (PKCS #1 or
// #8, 1024 bits or more) or Ed25519 (PKCS #8) key.
func NewDKIMSigner(domain, selector, keyFile string) (*DKIMSigner, error) {
	if domain == "" || selector == "" {
		return nil, errors.New("dkim: domain and selector are required")
	}
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("dkim key: %w", err)
	}
	key, err := parseDKIMKey(b)
	if err != nil {
		return nil, fmt.Errorf("dkim key %s: %w", keyFile, err)
	}
	return &DKIMSigner{domain: domain, selector: selector, key: key}, nil
}

func parseDKIMKey(b []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("not a PEM file")
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("PEM block %q: want RSA PRIVATE KEY or PRIVATE KEY", block.Type)
	}
	if err != nil {
		return nil, err
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 1024 {
			return nil, fmt.Errorf("RSA key of %d bits: receivers want 1024 or more", k.N.BitLen())
		}
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	}
	return nil, fmt.Errorf("%T: want an RSA or Ed25519 key", key)
}

// Sign returns msg with a DKIM-Signature field in front. Relaxed
// canonicalisation survives the rewrapping relays do to headers and the
// trailing white space they strip.
func (s *DKIMSigner) Sign(msg []byte) ([]byte, error) {
	var b bytes.Buffer
	err := dkim.Sign(&b, bytes.NewReader(msg), &dkim.SignOptions{
		Domain:                 s.domain,
		Selector:               s.selector,
		Signer:                 s.key,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             dkimHeaders,
	})
	if err != nil {
		return nil, fmt.Errorf("dkim sign: %w", err)
	}
	return b.Bytes(), nil
}
