package subscribers_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/digestd/digestd/subscribers"
)

// addressOfLen builds a syntactically valid address exactly n characters
// long, out of host-name labels no longer than 63 characters.
func addressOfLen(n int) string {
	s := strings.Repeat("a", 64) + "@"
	const tld = "org"
	for len(s)+len(tld) < n {
		label := min(63, n-len(s)-len(tld)-1)
		if label < 1 { // no room for a label and its dot: widen the last one
			s = s[:len(s)-1] + "b."
			continue
		}
		s += strings.Repeat("b", label) + "."
	}
	return s + tld
}

func TestParseAddress(t *testing.T) {
	for _, n := range []int{254, 255} {
		if got := len(addressOfLen(n)); got != n {
			t.Fatalf("addressOfLen(%d): got %d characters, want %d", n, got, n)
		}
	}
	tests := []struct {
		name, in, want string
	}{
		{"plain", "ann@example.org", "ann@example.org"},
		{"domain lower-cased", "Ann.Lee@Example.ORG", "Ann.Lee@example.org"},
		{"trimmed", " \tann@example.org \n", "ann@example.org"},
		{"plus and subdomains", "ann+papers@mail.example.co.uk", "ann+papers@mail.example.co.uk"},
		{"254 characters", addressOfLen(254), addressOfLen(254)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := subscribers.ParseAddress(tt.in)
			if err != nil {
				t.Fatalf("ParseAddress(%q): got error %v, want %q", tt.in, err, tt.want)
			}
			if got != tt.want {
				t.Errorf("ParseAddress(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseAddressRejects(t *testing.T) {
	long := addressOfLen(255)
	tests := []struct {
		name, in string
		mention  string // what the message must name
	}{
		{"empty", "", "empty"},
		{"blank", "  \t ", "empty"},
		{"header injection", "a@b.org\r\nBcc: x@y.org", "a@b.org"},
		{"line feed", "a@b.org\nBcc: x@y.org", "a@b.org"},
		{"nul byte", "a@b.org\x00", "a@b.org"},
		{"display name", "Ann <a@b.org>", "Ann <a@b.org>"},
		{"angle brackets", "<a@b.org>", "<a@b.org>"},
		{"list", "a@b.org, c@d.org", "a@b.org, c@d.org"},
		{"no at", "ann.example.org", "ann.example.org"},
		{"no dot in domain", "ann@localhost", "ann@localhost"},
		{"address literal", "ann@[192.0.2.1]", "ann@[192.0.2.1]"},
		{"longer than 254", long, long[:40]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := subscribers.ParseAddress(tt.in)
			if err == nil {
				t.Fatalf("ParseAddress(%q): got %q, want an error", tt.in, got)
			}
			if !errors.Is(err, subscribers.ErrInvalid) {
				t.Errorf("ParseAddress(%q): got error %v, want one matching ErrInvalid", tt.in, err)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("ParseAddress(%q): got message %q, want it to name %q", tt.in, err, tt.mention)
			}
		})
	}
}
