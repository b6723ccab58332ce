package library

import "testing"

func TestLatexText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"protected capitals", "{LoRA}: {Low}-{Rank} {Adaptation}", "LoRA: Low-Rank Adaptation"},
		{"umlaut in braces", `G{\"o}del {Agent}`, "Gödel Agent"},
		{"umlaut with braced letter", `Schr\"{o}dinger`, "Schrödinger"},
		{"acute nested", `Christopher R{\'{e}}`, "Christopher Ré"},
		{"letter accent with space", `\v s and \c c`, "š and ç"},
		{"dotless i", `Tur{\'\i}n`, "Turín"},
		{"special letters", `Stra{\ss}e, {\O}re, {\L}ukasz, {\aa}`, "Straße, Øre, Łukasz, å"},
		{"escaped characters", `Q\&A at 50\% \$5 \#1 snake\_case`, "Q&A at 50% $5 #1 snake_case"},
		{"math greek", `$\Sigma$-Mem and $\beta$-VAE`, "Σ-Mem and β-VAE"},
		{"formatting commands", `Textbooks {II}: \textit{phi-1.5} and \emph {more}`, "Textbooks II: phi-1.5 and more"},
		{"dashes", "pages 1--2 --- or so", "pages 1–2 — or so"},
		{"ties and line breaks", "Deep~learning\n   for\tall", "Deep learning for all"},
		{"command word eats a space, as in TeX", `Stra\ss e, \LaTeX{} and \TeX\ tools`, "Straße, LaTeX and TeX tools"},
		{"unknown command vanishes", `\foo{bar} baz`, "bar baz"},
		{"accent on nothing", `a\'{} b`, "a b"},
		{"trailing backslash", `end\`, "end"},
		{"accent at the end", `end\"`, "end"},
		{"unclosed accent group", `\"{o`, "ö"},
		{"backslash before a non-ASCII letter", "\\\u009c0 \\é", "\u009c0 é"},
		{"plain unicode kept", "Σ-Mem: β-OPSD 🦜", "Σ-Mem: β-OPSD 🦜"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := latexText(tt.in); got != tt.want {
				t.Errorf("latexText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
