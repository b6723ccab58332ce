package pipeline_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/digest/pipeline"
	"github.com/digestd/digestd/subscribers"
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
			got, err := p.Preview(t.Context(), 0, q, tt.limit)
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
	got, _ := p.Preview(t.Context(), 0, q, 5)
	if s := previewMarked(got[0].Snippet); s != "We [quantize] weights to 4 bits." {
		t.Errorf("snippet: got %q, want the abstract with quantize marked", s)
	}
}

// TestPreviewOrdersAsTheDigest: the live preview of a reader who voted
// shows their topic's papers in the order of their next digest, their
// model blended in, and says which liked paper a raised one is like; a
// reader who did not vote sees the topic's order.
func TestPreviewOrdersAsTheDigest(t *testing.T) {
	ctx := t.Context()
	store, db := digesttest.Open(t)
	papers := digesttest.Papers(t, "hf_daily_papers_merged_14days_245items.json")
	digesttest.Save(t, store, papers)
	subs := subscribers.NewStore(db)
	set := subscribers.DefaultSettings()
	set.MaxPapers = 5
	voter, err := subs.Add(ctx, "voter@example.org", subscribers.StatusActive, set, []string{"model*"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := subs.Add(ctx, "other@example.org", subscribers.StatusActive, set, []string{"model*"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range papers {
		title := strings.ToLower(p.Title)
		switch {
		case strings.Contains(title, "agent"):
			err = subs.Vote(ctx, voter.ID, p.ID, true)
		case strings.Contains(title, "image") || strings.Contains(title, "video"):
			err = subs.Vote(ctx, voter.ID, p.ID, false)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	trainer := &pipeline.Trainer{Store: store, Subscribers: subs}
	recent := &pipeline.Recent{Store: store}
	previews := &pipeline.Previews{Recent: recent, Trainer: trainer}
	builder := &pipeline.Builder{Store: store, Subscribers: subs, Trainer: trainer}
	q, err := query.Parse("model*")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		sub  subscribers.Subscriber
	}{{"voter", voter}, {"other", other}} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := builder.Build(ctx, tt.sub, "2026-08-01", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			var digestIDs, previewIDs, likes []string
			for _, it := range d.Items {
				digestIDs = append(digestIDs, it.Paper.ID)
			}
			got, err := previews.Preview(ctx, tt.sub.ID, q, 5)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range got {
				previewIDs = append(previewIDs, p.ID)
				if p.Like != "" {
					likes = append(likes, p.Like)
				}
			}
			if !slices.Equal(previewIDs, digestIDs) {
				t.Errorf("preview %v, want the digest's %v", previewIDs, digestIDs)
			}
			plain, err := previews.Preview(ctx, 0, q, 5)
			if err != nil {
				t.Fatal(err)
			}
			var plainIDs []string
			for _, p := range plain {
				plainIDs = append(plainIDs, p.ID)
			}
			if voted := tt.sub.ID == voter.ID; voted == slices.Equal(previewIDs, plainIDs) || voted == (len(likes) == 0) {
				t.Errorf("preview %v (%d liked papers named), the topic's order %v: want them to differ, with a liked paper named, only for the voter",
					previewIDs, len(likes), plainIDs)
			}
			t.Logf("%s: preview %v, like %q", tt.name, previewIDs, likes)
		})
	}
}

// BenchmarkPreview: one topic's live preview over the 245 fixture papers,
// in the topic's order and blended with the model of a reader of 40 votes.
func BenchmarkPreview(b *testing.B) {
	ctx := b.Context()
	store, db := digesttest.Open(b)
	papers := digesttest.Papers(b, "hf_daily_papers_merged_14days_245items.json")
	digesttest.Save(b, store, papers)
	subs := subscribers.NewStore(db)
	sub, err := subs.Add(ctx, "voter@example.org", subscribers.StatusActive, subscribers.DefaultSettings(), []string{"model*"})
	if err != nil {
		b.Fatal(err)
	}
	for i, p := range papers[:40] {
		if err := subs.Vote(ctx, sub.ID, p.ID, i%2 == 0); err != nil {
			b.Fatal(err)
		}
	}
	trainer := &pipeline.Trainer{Store: store, Subscribers: subs}
	if err := trainer.Retrain(ctx, sub.ID); err != nil {
		b.Fatal(err)
	}
	previews := &pipeline.Previews{Recent: &pipeline.Recent{Store: store}, Trainer: trainer}
	q, err := query.Parse("model*")
	if err != nil {
		b.Fatal(err)
	}
	for _, bb := range []struct {
		name string
		id   int64
	}{{"topic order", 0}, {"blended", sub.ID}} {
		b.Run(bb.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := previews.Preview(ctx, bb.id, q, 5); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
