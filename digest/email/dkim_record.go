package email

import (
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// DNSName is where receivers look the public key up:
// selector._domainkey.domain.
func (s *DKIMSigner) DNSName() string {
	return s.selector + "._domainkey." + s.domain
}

// KeyType names the key: "rsa 2048 bits" or "ed25519".
func (s *DKIMSigner) KeyType() string {
	if k, ok := s.key.(*rsa.PrivateKey); ok {
		return fmt.Sprintf("rsa %d bits", k.N.BitLen())
	}
	return "ed25519"
}

// Record is the TXT record that publishes the public key (RFC 6376 3.6.1,
// RFC 8463 for Ed25519).
func (s *DKIMSigner) Record() string {
	if pub, ok := s.key.Public().(ed25519.PublicKey); ok {
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
	}
	der, err := x509.MarshalPKIXPublicKey(s.key.Public())
	if err != nil {
		// NewDKIMSigner admits only RSA and Ed25519 keys, which marshal.
		panic(err)
	}
	return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
}

// CheckRecord reports whether one of the TXT records found at DNSName
// publishes this key, and if not, what is wrong with what is there; the
// caller names the record.
func (s *DKIMSigner) CheckRecord(txts []string) error {
	want := dkimTags(s.Record())["p"]
	var found []string
	for _, txt := range txts {
		tags := dkimTags(txt)
		if v, ok := tags["v"]; ok && v != "DKIM1" {
			continue
		}
		p, ok := tags["p"]
		if !ok {
			continue
		}
		if p == want {
			return nil
		}
		found = append(found, p)
	}
	switch {
	case len(found) == 0:
		return fmt.Errorf("no DKIM key record among %d TXT records", len(txts))
	case found[0] == "":
		return errors.New("the published key is revoked (empty p=)")
	}
	return errors.New("the published key is not the one in dkim.private_key_file")
}

// dkimTags splits a DKIM record into its tags; white space inside values
// (a long key split over strings) is dropped.
func dkimTags(txt string) map[string]string {
	tags := map[string]string{}
	for _, part := range strings.Split(txt, ";") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		tags[strings.TrimSpace(k)] = strings.Join(strings.Fields(v), "")
	}
	return tags
}
