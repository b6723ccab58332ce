package web_test

import (
	"slices"
	"testing"

	"github.com/digestd/digestd/subscribers/query"
	"github.com/digestd/digestd/subscribers/web"
)

func TestMoreLike(t *testing.T) {
	tests := []struct {
		name  string
		paper web.FoundPaper
		want  string
	}{
		{"first two keywords, phrases quoted",
			web.FoundPaper{Title: "Flow-ERD: Agent-type Aware Flow Matching", Keywords: []string{"multi-agent simulator", "flow matching", "mode collapse"}},
			`"multi-agent simulator" "flow matching"`},
		{"one-word keyword bare, duplicates once",
			web.FoundPaper{Keywords: []string{"DeltaNet", "deltanet", "Gated DeltaNet"}}, `deltanet "gated deltanet"`},
		{"query syntax in keywords dropped",
			web.FoundPaper{Keywords: []string{`title:"GPT-2" (OR)`, "a*b"}}, `"title gpt-2" "a b"`},
		{"no keywords: longest title words after the name",
			web.FoundPaper{Title: "OmniScope: Modality-Decoupled Token Compression for Omnimodal Large Language Models"},
			"modality-decoupled compression omnimodal"},
		{"stop words and short words skipped, acronyms first",
			web.FoundPaper{Title: "A Study of the Use of RAG and GRPO With Knowledge Graphs"}, "rag grpo knowledge"},
		{"the name when nothing follows the colon",
			web.FoundPaper{Title: "Longformer: A Study"}, "longformer"},
		{"nothing to go on", web.FoundPaper{Title: "On It"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := web.MoreLike(tt.paper)
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			if got != "" {
				if _, err := query.Parse(got); err != nil {
					t.Errorf("proposal %q does not parse: %v", got, err)
				}
			}
		})
	}
}

func TestFewerLike(t *testing.T) {
	kw := web.FoundPaper{Keywords: []string{"flow matching", "diffusion"}}
	tests := []struct {
		name          string
		paper         web.FoundPaper
		topics        []string
		want          []string
		wantExclusion string
	}{
		{"keyword phrase appended to each topic", kw, []string{"lora", `"long context" cat:cs.CL`},
			[]string{`lora -"flow matching"`, `"long context" cat:cs.CL -"flow matching"`}, `-"flow matching"`},
		{"top-level OR parenthesised", kw, []string{"rag OR retrieval", "(rag OR retrieval) agents"},
			[]string{`(rag OR retrieval) -"flow matching"`, `(rag OR retrieval) agents -"flow matching"`}, `-"flow matching"`},
		{"already excluded stays", kw, []string{`lora -"flow matching"`}, []string{`lora -"flow matching"`}, `-"flow matching"`},
		{"title word without keywords", web.FoundPaper{Title: "Speculative Decoding for Agents"}, []string{"agents"},
			[]string{"agents -speculative"}, "-speculative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, exclusion, ok := web.FewerLike(tt.paper, tt.topics)
			if !ok || !slices.Equal(got, tt.want) || exclusion != tt.wantExclusion {
				t.Fatalf("got %q, %q, %v; want %q, %q, true", got, exclusion, ok, tt.want, tt.wantExclusion)
			}
			for _, q := range got {
				if _, err := query.Parse(q); err != nil {
					t.Errorf("proposal %q does not parse: %v", q, err)
				}
			}
		})
	}
	if got, _, ok := web.FewerLike(web.FoundPaper{Title: "On It"}, []string{"lora"}); ok {
		t.Errorf("nothing to exclude: got %q, true; want false", got)
	}
}
