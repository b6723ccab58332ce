package library

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/digestd/digestd/internal/arxivid"
)

// FuzzParse checks Parse on arbitrary input: no panic; a library it returns
// holds only refs with a versionless arXiv id or a lower-case DOI, each
// paper once, every line within the input; an error comes alone and names
// a line within the input, unless it is about the input as a whole.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	for _, seed := range []string{
		"", "\n", "@", "@article{", "@article{a,", "@article{a, title={", "@article{a, title=\"x}", "@string{x=\"y\"}@misc{b, journal=x # {arXiv:2401.01234}}",
		"@misc(a, eprint={2401.01234})", "}", "% x\n}", "@comment{", "TY  - \n", "TY  - GEN\nER  -", "TY  - GEN\n  x\nER  -", "ER  - \n",
		"Title,DOI\n\"", "Title,DOI\na,b,c\n", "Url\nhttps://arxiv.org/abs/2401.01234\n", "\xff\xfe", "\x00", "\xe9",
		"2401.01234\r2401.01234v3\r\n10.48550/arXiv.2401.01234", "arXiv:", "https://doi.org/%", "$\\\"{\\", "@misc{a, title={\\\"{\\i}}, doi={10.1/x}}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lines := strings.Count(strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s), "\n") + 1
		lib, err := Parse(strings.NewReader(s))
		if err != nil {
			if lib != nil {
				t.Fatalf("got a library and the error %v; want the error alone", err)
			}
			var le *LineError
			switch {
			case errors.As(err, &le):
				if le.Line < 1 || le.Line > lines {
					t.Fatalf("error %q names line %d of %d", err, le.Line, lines)
				}
			case errors.Is(err, ErrEmpty), errors.Is(err, ErrTooLarge):
			default:
				t.Fatalf("error %q names no line", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, r := range lib.Refs {
			if r.ArxivID == "" && r.DOI == "" {
				t.Fatalf("ref %+v has neither an arXiv id nor a DOI", r)
			}
			if id, v, ok := arxivid.Parse(r.ArxivID); r.ArxivID != "" && (!ok || id != r.ArxivID || v != 0) {
				t.Fatalf("ref %+v: arXiv id reads back as %q, %d, %v", r, id, v, ok)
			}
			if doi, ok := ParseDOI(r.DOI); r.DOI != "" && (!ok || doi != r.DOI) {
				t.Fatalf("ref %+v: DOI reads back as %q, %v", r, doi, ok)
			}
			for _, key := range []string{"a:" + r.ArxivID, "d:" + r.DOI} {
				if len(key) > 2 && seen[key] {
					t.Fatalf("ref %+v: %s named twice", r, key)
				}
				seen[key] = true
			}
		}
		for _, r := range append(lib.Refs, lib.Skipped...) {
			if r.Line < 1 || r.Line > lines {
				t.Fatalf("ref %+v: line %d of %d", r, r.Line, lines)
			}
			if !utf8.ValidString(r.Title) {
				t.Fatalf("ref %+v: title is not UTF-8", r)
			}
		}
		for _, r := range lib.Skipped {
			if r.ArxivID != "" || r.DOI != "" {
				t.Fatalf("skipped %+v names a paper", r)
			}
		}
		if n := len(lib.Refs) + len(lib.Skipped) + lib.Duplicates; n > MaxEntries {
			t.Fatalf("%d entries read, want at most %d", n, MaxEntries)
		}
	})
}
