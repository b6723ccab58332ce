package subscribers

import (
	"strings"
	"testing"

	"github.com/digestd/digestd/subscribers/query"
)

// FuzzParseAddress checks that an accepted address is a bare mailbox that
// cannot carry a header line: no line break, no display name, at most 254
// characters, and normalising it again changes nothing.
func FuzzParseAddress(f *testing.F) {
	for _, seed := range []string{
		"ada@example.org", " Ada@Example.ORG ", "Ada <ada@example.org>", "ada@example.org\r\nBcc: x@y.z",
		"a@b", "a@[127.0.0.1]", `"a b"@example.org`, "a@example.org, b@example.org", "", "@", "ü@exämple.org",
		strings.Repeat("a", 250) + "@b.co", "a@b.c\x00", "a.@example.org", "(c)a@example.org",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		addr, err := ParseAddress(s)
		if err != nil {
			return
		}
		if strings.ContainsAny(addr, "\r\n\x00<>,") || len(addr) > 254 || strings.Count(addr, "@") < 1 {
			t.Fatalf("ParseAddress(%q) = %q, which is no bare mailbox", s, addr)
		}
		again, err := ParseAddress(addr)
		if err != nil || again != addr {
			t.Fatalf("ParseAddress(%q) = %q, which normalises to %q (%v)", s, addr, again, err)
		}
	})
}

// FuzzReadCSV checks the import reader on arbitrary files: no panic, every
// row it accepts carries a valid address, a line number, topics that parse
// and settings that validate.
func FuzzReadCSV(f *testing.F) {
	for _, seed := range []string{
		"email,topics,frequency,hour,timezone\nada@example.org,lora;cat:cs.CL,daily,7,Europe/Berlin\n",
		"\ufeffEmail\nada@example.org\n", "email\n\"ada@example.org\n", "topics\nx\n", "email,email\na,b\n",
		"email,topics\nada@example.org,\"(rag\"\nbob@example.org,\"a;;b\"\n", "email,hour\na@b.co,25\na@b.co,-1\n",
		"email,timezone\na@b.co,Mars/Base\n", "email,frequency\na@b.co,weekly\n", "", "\n\n", "email\n\r\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rows, rejects, err := ReadCSV(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, r := range rows {
			if r.Line < 2 {
				t.Fatalf("row %+v: line %d, want 2 or more (after the header)", r, r.Line)
			}
			if addr, err := ParseAddress(r.Email); err != nil || addr != r.Email {
				t.Fatalf("row %d: address %q accepted, ParseAddress says %q, %v", r.Line, r.Email, addr, err)
			}
			for _, q := range r.Topics {
				if _, err := query.Parse(q); err != nil {
					t.Fatalf("row %d: topic %q accepted but does not parse: %v", r.Line, q, err)
				}
			}
		}
		for _, e := range rejects {
			if e.Err == nil || e.Line < 2 {
				t.Fatalf("reject %+v: want a line number and an error", e)
			}
		}
	})
}
