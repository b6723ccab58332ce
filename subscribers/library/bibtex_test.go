package library

import (
	"strings"
	"testing"
)

// TestBibTeXWhereIDsHide checks each place an entry's arXiv id or DOI may
// be written, as the exporters in use write it.
func TestBibTeXWhereIDsHide(t *testing.T) {
	tests := []struct {
		name, in string
		want     Ref // Line 1 unless set
	}{
		{"arXiv export eprint", "@misc{a, eprint={2401.01234}, archivePrefix={arXiv}, primaryClass={cs.CL}}", Ref{ArxivID: "2401.01234"}},
		{"eprint without prefix", "@misc{a, eprint={hep-th/9711200v3}}", Ref{ArxivID: "hep-th/9711200"}},
		{"biblatex eprinttype", "@online{a, eprint = {2401.01234}, eprinttype = {arxiv}, eprintclass = {cs}}", Ref{ArxivID: "2401.01234"}},
		{"eprint of another archive", "@article{a, eprint={12345678}, archivePrefix={PubMed}}", Ref{}},
		{"mendeley arxivId", "@article{a,\narchivePrefix = {arXiv},\narxivId = {1706.03762},\nmendeley-groups = {x},\ntitle = {{Attention is all you need}}\n}", Ref{ArxivID: "1706.03762", Title: "Attention is all you need"}},
		{"scholar journal", "@article{a, journal={arXiv preprint arXiv:2401.01234}}", Ref{ArxivID: "2401.01234"}},
		{"zotero note", "@misc{a, note = {arXiv:2401.01234 [cs]}}", Ref{ArxivID: "2401.01234"}},
		{"howpublished url", `@misc{a, howpublished = {\url{https://arxiv.org/abs/2401.01234v2}}}`, Ref{ArxivID: "2401.01234"}},
		{"arXiv DOI upper case", "@article{a, doi = {10.48550/ARXIV.2401.01234}}", Ref{ArxivID: "2401.01234"}},
		{"doi link in url", "@article{a, url = {https://doi.org/10.1145/3442188.3445922}}", Ref{DOI: "10.1145/3442188.3445922"}},
		{"doi with escaped underscore", `@article{a, doi = {10.1000/abc\_def}}`, Ref{DOI: "10.1000/abc_def"}},
		{"journal DOI and arXiv id", "@article{a, doi = {10.1109/JPROC.2021.3058954}, eprint = {2102.11107}}", Ref{ArxivID: "2102.11107", DOI: "10.1109/jproc.2021.3058954"}},
		{"parentheses delimit the entry", "@misc(a, eprint = \"2401.01234\")", Ref{ArxivID: "2401.01234"}},
		{"string macro joined with #", "@string{pre = {arXiv preprint }}\n@article{a, journal = pre # \"arXiv:\" # {2401.01234}}", Ref{ArxivID: "2401.01234", Line: 2}},
		{"undefined macro stands for itself", "@article{a, journal = IEEE_J_PAMI, title = {X}}", Ref{Title: "X"}},
		{"month macro and number", "@article{a, month = aug, year = 2021, eprint = {2401.01234}}", Ref{ArxivID: "2401.01234"}},
		{"first of a repeated field", "@article{a, title = {One}, title = {Two}, eprint = {2401.01234}}", Ref{ArxivID: "2401.01234", Title: "One"}},
		{"preamble and comment skipped", "@preamble{ \"\\newcommand{\\noop}[1]{}\" }\n@comment{x}\n@misc{a, eprint={2401.01234}}", Ref{ArxivID: "2401.01234", Line: 3}},
		{"at sign in free text", "Mail ada@example.org for the list.\n@misc{a, eprint={2401.01234}}", Ref{ArxivID: "2401.01234", Line: 2}},
		{"entry without fields", "@misc{a}", Ref{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lib, err := Parse(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if lib.Format != BibTeX {
				t.Fatalf("format: got %q, want %q", lib.Format, BibTeX)
			}
			want := tt.want
			if want.Line == 0 {
				want.Line = 1
			}
			got := append(lib.Refs, lib.Skipped...)
			if len(got) != 1 || got[0] != want {
				t.Errorf("got %+v, want [%+v]", got, want)
			}
		})
	}
}
