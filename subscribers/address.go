package subscribers

import (
	"net/mail"
	"strings"
)

// ParseAddress validates and normalises a subscriber's email address: one
// bare mailbox (no display name, no list, no line breaks), at most 254
// characters, its domain lower-cased.
func ParseAddress(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Invalidf("email address is empty")
	}
	if strings.ContainsAny(s, "\r\n\x00") {
		return "", Invalidf("email address %q: contains a line break or control character", s)
	}
	if len(s) > 254 {
		return "", Invalidf("email address %.40q…: %d characters, at most 254 are allowed", s, len(s))
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", Invalidf("email address %q: want a single address like name@example.org", s)
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], strings.ToLower(s[at+1:])
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, "[") {
		return "", Invalidf("email address %q: domain %q is not a public host name", s, domain)
	}
	return local + "@" + domain, nil
}
