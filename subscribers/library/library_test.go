package library

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// parseFile parses a file under testdata.
func parseFile(t *testing.T, name string) *File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lib, err := Parse(f)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return lib
}

// TestExportsAsReadersHaveThem reads each library in testdata as a reader's
// export tool wrote it and checks every paper, every skipped entry and the
// folded duplicates.
func TestExportsAsReadersHaveThem(t *testing.T) {
	tests := []struct {
		file       string
		format     Format
		refs       []Ref
		skipped    []Ref
		duplicates int
	}{
		{
			file:   "zotero.bib",
			format: BibTeX,
			refs: []Ref{
				{ArxivID: "1706.03762", Title: "Attention Is All You Need", Line: 2},
				{DOI: "10.1038/s41586-021-03819-2", Title: "Highly accurate protein structure prediction with AlphaFold", Line: 17},
				{DOI: "10.1109/cvpr.2016.90", Title: "Deep Residual Learning for Image Recognition", Line: 36},
				{ArxivID: "2410.04444", Title: "Gödel Agent: A Self-Referential Agent Framework for Recursive Self-Improvement", Line: 51},
				{ArxivID: "2106.09685", Title: "LoRA: Low-Rank Adaptation of Large Language Models", Line: 77},
			},
			skipped: []Ref{{Title: "Reinforcement learning: an introduction", Line: 65}},
		},
		{
			file:   "scholar.bib",
			format: BibTeX,
			refs: []Ref{
				{ArxivID: "2106.09685", Title: "Lora: Low-rank adaptation of large language models.", Line: 9},
				{ArxivID: "2106.01357", Title: "Diffusion Schrödinger bridge with applications to score-based generative modeling", Line: 32},
				{ArxivID: "2309.05463", Title: "Textbooks are all you need II: phi-1.5 technical report", Line: 41},
				{ArxivID: "2205.14135", Title: "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness", Line: 48},
				{DOI: "10.1145/3442188.3445922", Title: "On the dangers of stochastic parrots: Can language models be too big?", Line: 68},
			},
			skipped: []Ref{
				{Title: "Bert: Pre-training of deep bidirectional transformers for language understanding", Line: 16},
				{Title: "Attention is all you need", Line: 24},
			},
		},
		{
			file:   "arxiv.bib",
			format: BibTeX,
			refs: []Ref{
				{ArxivID: "1706.03762", Title: "Attention Is All You Need", Line: 1},
				{ArxivID: "hep-th/9711200", Title: "The Large N Limit of Superconformal Field Theories and Supergravity", Line: 11},
				{ArxivID: "astro-ph/0601001", Title: "Frequency of Hot Jupiters and Very Hot Jupiters from the OGLE-III Transit Surveys Toward the Galactic Bulge and Carina", Line: 21},
				{ArxivID: "2607.27958", Title: "Σ-Mem: An Online Reliability Memory for LLM-based Multi-Agent Systems", Line: 31},
				{ArxivID: "2607.28582", Title: "β-OPSD: Deriving with Policy Optimization, Training with Self-Distillation", Line: 41},
			},
		},
		{
			file:   "zotero.ris",
			format: RIS,
			refs: []Ref{
				{ArxivID: "1706.03762", Title: "Attention Is All You Need", Line: 1},
				{DOI: "10.1038/s41586-021-03819-2", Title: "Highly accurate protein structure prediction with AlphaFold", Line: 26},
				{DOI: "10.1109/cvpr.2016.90", Title: "Deep Residual Learning for Image Recognition", Line: 49},
				{ArxivID: "2106.09685", Title: "Lora: Low-rank adaptation of large language models.", Line: 83},
				{ArxivID: "2410.04444", Title: "Gödel Agent: A Self-Referential Agent Framework for Recursive Self-Improvement", Line: 91},
			},
			skipped: []Ref{{Title: "Reinforcement learning: an introduction", Line: 69}},
		},
		{
			file:   "zotero.csv",
			format: CSV,
			refs: []Ref{
				{ArxivID: "1706.03762", Title: "Attention Is All You Need", Line: 2},
				{DOI: "10.1038/s41586-021-03819-2", Title: "Highly accurate protein structure prediction with AlphaFold", Line: 4},
				{ArxivID: "2106.09685", Title: "Lora: Low-rank adaptation of large language models.", Line: 5},
				{ArxivID: "2410.04444", Title: "Gödel Agent: A Self-Referential Agent Framework for Recursive Self-Improvement", Line: 7},
				{DOI: "10.1145/3442188.3445922", Title: "On the Dangers of Stochastic Parrots: Can Language Models Be Too Big? 🦜", Line: 8},
			},
			skipped: []Ref{{Title: "Reinforcement learning: an introduction", Line: 6}},
		},
		{
			file:   "list.txt",
			format: List,
			refs: []Ref{
				{ArxivID: "2410.04444", Line: 3},
				{ArxivID: "1706.03762", Line: 4},
				{ArxivID: "2106.09685", Line: 5},
				{ArxivID: "2205.14135", Line: 6},
				{ArxivID: "hep-th/9711200", Line: 7},
				{ArxivID: "2607.27958", Line: 8},
				{DOI: "10.1145/3442188.3445922", Line: 9},
				{DOI: "10.1038/s41586-021-03819-2", Line: 10},
				{DOI: "10.1109/cvpr.2016.90", Line: 11},
				{ArxivID: "astro-ph/0601001", Line: 16},
			},
			duplicates: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			lib := parseFile(t, tt.file)
			if lib.Format != tt.format {
				t.Errorf("format: got %q, want %q", lib.Format, tt.format)
			}
			diffRefs(t, "refs", lib.Refs, tt.refs)
			diffRefs(t, "skipped", lib.Skipped, tt.skipped)
			if lib.Duplicates != tt.duplicates {
				t.Errorf("duplicates: got %d, want %d", lib.Duplicates, tt.duplicates)
			}
		})
	}
}

// diffRefs reports each Ref that differs, by position.
func diffRefs(t *testing.T, what string, got, want []Ref) {
	t.Helper()
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			t.Errorf("%s[%d]: missing, want %+v", what, i, want[i])
		case i >= len(want):
			t.Errorf("%s[%d]: got %+v, want nothing", what, i, got[i])
		case got[i] != want[i]:
			t.Errorf("%s[%d]: got %+v, want %+v", what, i, got[i], want[i])
		}
	}
}

// TestDuplicatesFold checks that an entry naming a paper named before is
// folded into the first: its line stays, the ids and title it lacked come in.
func TestDuplicatesFold(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		want       []Ref
		duplicates int
	}{
		{"same id twice", "2401.01234\n2401.01234v2\n", []Ref{{ArxivID: "2401.01234", Line: 1}}, 1},
		{"id then its arXiv DOI", "2401.01234\n10.48550/arXiv.2401.01234\n", []Ref{{ArxivID: "2401.01234", Line: 1}}, 1},
		{"doi case", "10.1145/ABC\n10.1145/abc\n", []Ref{{DOI: "10.1145/abc", Line: 1}}, 1},
		{
			"doi entry gains the arXiv id of a later entry with both",
			"@article{a, title={Published}, doi={10.1145/3442188.3445922}}\n" +
				"@misc{b, title={Preprint}, doi={10.1145/3442188.3445922}, eprint={2401.01234}}\n",
			[]Ref{{ArxivID: "2401.01234", DOI: "10.1145/3442188.3445922", Title: "Published", Line: 1}}, 1,
		},
		{
			"untitled first gains the title",
			"@misc{a, eprint={2401.01234}}\n@misc{b, title={Named}, eprint={2401.01234}}\n",
			[]Ref{{ArxivID: "2401.01234", Title: "Named", Line: 1}}, 1,
		},
		{
			"ids another entry holds stay there",
			"@misc{a, eprint={2401.01234}}\n@misc{b, doi={10.1145/abc}}\n@misc{c, eprint={2401.01234}, doi={10.1145/abc}}\n",
			[]Ref{{ArxivID: "2401.01234", Line: 1}, {DOI: "10.1145/abc", Line: 2}}, 1,
		},
		{"different papers", "2401.01234\n2401.01235\n", []Ref{{ArxivID: "2401.01234", Line: 1}, {ArxivID: "2401.01235", Line: 2}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lib, err := Parse(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			diffRefs(t, "refs", lib.Refs, tt.want)
			if lib.Duplicates != tt.duplicates {
				t.Errorf("duplicates: got %d, want %d", lib.Duplicates, tt.duplicates)
			}
		})
	}
}

// TestDetect checks the format each kind of content is read as.
func TestDetect(t *testing.T) {
	tests := []struct {
		name, in string
		want     Format
	}{
		{"ris", "TY  - JOUR\nER  - \n", RIS},
		{"ris after blank lines", "\n\nTY  - GEN\nER  -\n", RIS},
		{"zotero csv with bom", "\ufeff\"Key\",\"Item Type\",\"Title\",\"DOI\"\n", CSV},
		{"hand-made csv", "title,arxiv_id\nFoo,2401.01234\n", CSV},
		{"bibtex", "@article{a, title={T}}", BibTeX},
		{"bibtex after a comment", "% from JabRef\n@Article{a,\n}", BibTeX},
		{"bibtex after free text", "My papers\n\n@misc{a,\n}", BibTeX},
		{"list", "2401.01234\n", List},
		{"list of dois", "10.1145/3442188.3445922\n", List},
		{"list with a comma", "2401.01234, 2401.01235\n", List},
		{"list with a comment naming columns", "# Title, DOI\n2401.01234\n", List},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := decode([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := detect(src); got != tt.want {
				t.Errorf("detect(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestLimits checks that an oversized library is refused with ErrTooLarge
// and a library at the limits is read whole.
func TestLimits(t *testing.T) {
	var atLimit, overLimit strings.Builder
	for i := range MaxEntries {
		fmt.Fprintf(&atLimit, "2401.%05d\n", i)
	}
	overLimit.WriteString(atLimit.String())
	overLimit.WriteString("2402.00001\n")
	lib, err := Parse(strings.NewReader(atLimit.String()))
	if err != nil || len(lib.Refs) != MaxEntries {
		t.Errorf("%d entries: got %v, want %d refs and no error", MaxEntries, err, MaxEntries)
	}
	tests := []struct {
		name, in, want string
	}{
		{"too many entries", overLimit.String(), fmt.Sprintf("line %d: more than %d entries", MaxEntries+1, MaxEntries)},
		{"too many bytes", "# " + strings.Repeat("x", MaxBytes) + "\n", "more than 5 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lib, err := Parse(strings.NewReader(tt.in))
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), tt.want) || lib != nil {
				t.Errorf("got %v, %v; want no library and ErrTooLarge saying %q", lib, err, tt.want)
			}
		})
	}
}

// TestEncodings checks what is done with text that is not plain UTF-8.
func TestEncodings(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    *File
		wantErr string
	}{
		{"crlf and bom", "\ufeff2401.01234\r\n\r\n2401.01235\r\n", &File{Format: List, Refs: []Ref{{ArxivID: "2401.01234", Line: 1}, {ArxivID: "2401.01235", Line: 3}}}, ""},
		{"old mac line ends", "2401.01234\r2401.01235\r", &File{Format: List, Refs: []Ref{{ArxivID: "2401.01234", Line: 1}, {ArxivID: "2401.01235", Line: 2}}}, ""},
		{"latin-1 bibtex", "@misc{a, title={G\xf6del}, eprint={2410.04444}}", &File{Format: BibTeX, Refs: []Ref{{ArxivID: "2410.04444", Title: "Gödel", Line: 1}}}, ""},
		{"utf-16", "\xff\xfe2\x004\x00", nil, "line 1: the file is UTF-16; save it as UTF-8"},
		{"binary", "%PDF-1.7\n\x00\x01", nil, "line 2: binary data"},
		{"blank", " \n\t\n", nil, "library is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lib, err := Parse(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(lib, tt.want) {
				t.Errorf("got %+v, want %+v", lib, tt.want)
			}
		})
	}
}
