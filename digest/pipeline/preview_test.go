package pipeline_test

import (
	"slices"
	"testing"
	"time"

	"github.com/digestd/digestd/digest/digesttest"

	"github.com/digestd/digestd/digest/pipeline"
	"github.com/digestd/digestd/subscribers/query"
	"github.com/digestd/digestd/subscribers/web"
)

// previewMarked joins a preview's marks, the hits in brackets.
func previewMarked(marks []web.Span) string {
	var s string
	for _, m := range marks {
		if m.Hit {
			s += "[" + m.Text + "]"
		} else {
			s += m.Text
		}
	}
	return s
}

func TestPreview(t *testing.T) {
	store, db := digesttest.Open(t)
	digesttest.Save(t, store, digesttest.Corpus())
	// Two papers arrived eight days ago: out of the preview's week.
	if _, err := db.Exec(`UPDATE papers SET arrived_at = ? WHERE title IN ('RAG Pipelines at Scale', 'A Benchmark for Agents')`,
		time.Now().AddDate(0, 0, -8).Unix()); err != nil {
		t.Fatal(err)
	}
	p := &pipeline.Previews{Recent: &pipeline.Recent{Store: store}}
	tests := []struct {
		qtext string
		limit int
		want  []string // titles as marked, best first
	}{
		{"long-context OR retrieval", 5, []string{"[Long Context] Scaling with LoRA", "[Retrieval] for Multimodal QA"}},
		{"benchmark", 5, []string{"GPT-4o Evaluated"}},
		{"abstract:quantize", 5, []string{"Quantization of Large Models"}},
		{"cat:cs.CL OR cat:cs.AI", 2, []string{"Long Context Scaling with LoRA", "GPT-4o Evaluated"}},
	}
	for _, tt := range tests {
		t.Run(tt.qtext, func(t *testing.T) {
			q, err := query.Parse(tt.qtext)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Preview(t.Context(), q, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var titles []string
			for _, paper := range got {
				titles = append(titles, previewMarked(paper.Title))
				if paper.URL == "" || paper.Meta == "" || paper.ID == "" || paper.Date.IsZero() {
					t.Errorf("%q: no link, meta line, id or date: %+v", titles[len(titles)-1], paper)
				}
			}
			if !slices.Equal(titles, tt.want) {
				t.Errorf("got %q, want %q", titles, tt.want)
			}
		})
	}
	q, _ := query.Parse("abstract:quantize")
	got, _ := p.Preview(t.Context(), q, 5)
	if s := previewMarked(got[0].Snippet); s != "We [quantize] weights to 4 bits." {
		t.Errorf("snippet: got %q, want the abstract with quantize marked", s)
	}
}
