package library

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestMalformedRefusedByLine checks that a file breaking its format is
// refused whole, with an error naming the line to fix and what was wanted.
func TestMalformedRefusedByLine(t *testing.T) {
	tests := []struct {
		name string
		in   string
		line int
		msg  string // the error, after "line N: "
	}{
		{
			name: "bibtex title brace never closed, next entry follows",
			in: "@article{smith2024,\n" +
				"  title = {A {Study} of Things,\n" +
				"  author = {Smith, Ada},\n" +
				"  year = {2024},\n" +
				"}\n\n" +
				"@misc{jones2023,\n  eprint = {2401.01234},\n}\n",
			line: 2,
			msg:  `unbalanced "{" in field "title" of entry "smith2024"`,
		},
		{
			name: "bibtex title brace never closed, end of file",
			in:   "@misc{a, eprint={2401.01234}}\n@article{smith2024,\n  title = {Things,\n  year = 2024\n",
			line: 3,
			msg:  `unbalanced "{" in field "title" of entry "smith2024"`,
		},
		{
			name: "bibtex entry never closed, end of file",
			in:   "@article{smith2024,\n  title = {Things},\n  year = {2024},\n",
			line: 1,
			msg:  `unbalanced "{" in entry "smith2024": nothing closes it`,
		},
		{
			name: "bibtex entry never closed, next entry follows",
			in:   "% mine\n@article{a,\n  title = {Things},\n\n@article{b, title={B}}\n",
			line: 2,
			msg:  `unbalanced "{" in entry "a": nothing closes it`,
		},
		{
			name: "bibtex extra closing brace",
			in:   "@article{a,\n  title = {Things}},\n  year = {2024},\n}\n",
			line: 4,
			msg:  `unbalanced "}": entry "a" already closed at line 2`,
		},
		{
			name: "bibtex comma missing between fields",
			in:   "@article{a,\n  title = {Things}\n  year = {2024},\n}\n",
			line: 2,
			msg:  `want "," or "}" after field "title" of entry "a"`,
		},
		{
			name: "bibtex equals sign missing",
			in:   "@article{a,\n  title {Things},\n}\n",
			line: 2,
			msg:  `want "=" after field "title" in entry "a"`,
		},
		{
			name: "bibtex quote never closed",
			in:   "@article{a,\n  title = \"Things,\n  year = 2024\n}\n",
			line: 2,
			msg:  `quoted value of field "title" in entry "a" meets an unbalanced "}" at line 4: a quote not closed?`,
		},
		{
			name: "bibtex value missing",
			in:   "@article{a,\n  title = ,\n}\n",
			line: 2,
			msg:  `want a value for field "title" of entry "a": {…}, "…", a number or a @string name; got ","`,
		},
		{
			name: "bibtex key missing",
			in:   "@article{title = {Things}}\n",
			line: 1,
			msg:  `want "," after the key of entry "title"`,
		},
		{
			name: "bibtex entry without brace",
			in:   "@article{a, eprint={2401.01234}}\n@article smith\n",
			line: 2,
			msg:  `want "{" after "@article smith"`,
		},
		{
			name: "bibtex comment never closed",
			in:   "@comment{ an unbalanced { here\n@article{a, eprint={2401.01234}}\n",
			line: 1,
			msg:  `unbalanced "{" in @comment: nothing closes it`,
		},
		{
			name: "ris record without ER at the end",
			in:   "TY  - JOUR\nTI  - Things\nDO  - 10.1145/3442188.3445922\n",
			line: 1,
			msg:  `record has no "ER  - " line before the end of the file`,
		},
		{
			name: "ris record without ER before the next",
			in:   "TY  - JOUR\nTI  - Things\nER  - \n\nTY  - JOUR\nTI  - More\n\nTY  - GEN\nER  - \n",
			line: 5,
			msg:  `record has no "ER  - " line before the next "TY  - " at line 8`,
		},
		{
			name: "ris text between records",
			in:   "TY  - JOUR\nER  - \nhello\n",
			line: 3,
			msg:  `want a "TY  - " line to start a record, got "hello"`,
		},
		{
			name: "ris tag before TY",
			in:   "TI  - Things\nTY  - JOUR\nER  - \n",
			line: 1,
			msg:  `want a "TY  - " line to start a record, got "TI  - Things"`,
		},
		{
			name: "ris untagged line right after TY",
			in:   "TY  - JOUR\nThings\nER  - \n",
			line: 2,
			msg:  `want a tag line such as "TI  - title", got "Things"`,
		},
		{
			name: "csv quote never closed",
			in:   "Title,DOI,Extra\n\"Attention,10.1145/x,\nOther,10.1145/y,arXiv: 2401.01234\n",
			line: 2,
			msg:  `extraneous or missing " in quoted-field in the row starting here (read on to line 3)`,
		},
		{
			name: "csv bare quote",
			in:   "Title,DOI\nOK,10.1145/x\nThe \"best\" paper,10.1145/y\n",
			line: 3,
			msg:  `bare " in non-quoted-field at column 5`,
		},
		{
			name: "csv row with a field too many",
			in:   "Title,DOI\nA,10.1145/x\nB,10.1145/y,surplus\n",
			line: 3,
			msg:  `3 fields, want 2 as in the header`,
		},
		{
			name: "csv header without an id column",
			in:   "Title,Author\nThings,Ada\n",
			line: 1,
			msg:  `the CSV header names no DOI, Url, Extra or arXiv column`,
		},
		{
			name: "list line that is a title",
			in:   "2401.01234\n\nAttention is all you need\n",
			line: 3,
			msg:  `"Attention is all you need" is not an arXiv id, an arXiv link or a DOI (a library is BibTeX, RIS, a Zotero CSV export, or one of these per line)`,
		},
		{
			name: "list id too short",
			in:   "2401.123\n",
			line: 1,
			msg:  `"2401.123" is not an arXiv id, an arXiv link or a DOI (a library is BibTeX, RIS, a Zotero CSV export, or one of these per line)`,
		},
		{
			name: "list id followed by a title",
			in:   "# mine\n2401.01234 Attention\n",
			line: 2,
			msg:  `"2401.01234 Attention" is not an arXiv id, an arXiv link or a DOI (a library is BibTeX, RIS, a Zotero CSV export, or one of these per line)`,
		},
		{
			name: "list link to another site",
			in:   "https://example.org/abs/2401.01234\n",
			line: 1,
			msg:  `"https://example.org/abs/2401.01234" is not an arXiv id, an arXiv link or a DOI (a library is BibTeX, RIS, a Zotero CSV export, or one of these per line)`,
		},
		{
			name: "list arXiv listing page",
			in:   "https://arxiv.org/list/cs.CL/recent\n",
			line: 1,
			msg:  `"https://arxiv.org/list/cs.CL/recent" is not an arXiv id, an arXiv link or a DOI (a library is BibTeX, RIS, a Zotero CSV export, or one of these per line)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lib, err := Parse(strings.NewReader(tt.in))
			if lib != nil {
				t.Errorf("got a library of %d refs, want none", len(lib.Refs))
			}
			var le *LineError
			if !errors.As(err, &le) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("got error %v, want a LineError matching ErrMalformed", err)
			}
			if le.Line != tt.line || le.Msg != tt.msg {
				t.Errorf("got %q, want %q", err, fmt.Sprintf("line %d: %s", tt.line, tt.msg))
			}
		})
	}
}
