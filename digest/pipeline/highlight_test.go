package pipeline_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/pipeline"
	"github.com/digestd/digestd/subscribers"
)

// TestPassHighlightsAsAlone: a pass highlights each paper once for all
// the readers whose topics mark it alike, and names those highlights by
// where the topics hit the title and the excerpt the snippet shows. Each
// reader's items read as their digest built alone reads, and items that
// share a name share their spans, whatever the topics hit past the
// excerpt.
func TestPassHighlightsAsAlone(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	// Words frequent in the day's abstracts, hit near their start and far
	// past the snippet, and a phrase and a prefix over the same words.
	words := []string{"model*", "language", `"language models"`, "agents", "reasoning", "data", "learning",
		"training", "video", "benchmark", "performance", "results", "tasks", "large"}
	rng := rand.New(rand.NewPCG(3, 4))
	var subs []subscribers.Subscriber
	for i := range 80 {
		var topics []string
		for _, k := range rng.Perm(len(words))[:1+rng.IntN(3)] {
			topics = append(topics, words[k])
		}
		subs = append(subs, p.add(t, fmt.Sprintf("r%d@example.org", i), subscribers.StatusActive,
			subscribers.Settings{Frequency: subscribers.Daily, Hour: 9, Timezone: "UTC"}, topics...))
	}
	builder := &pipeline.Builder{Store: p.store, Subscribers: p.subs, MaxPapers: 20}
	pass := builder.ForPass()
	type spans struct{ title, snippet []digest.Span }
	named := map[string]spans{} // by paper and Marks
	shared, items := 0, 0
	for _, sub := range subs {
		got, err := pass.Build(ctx, sub, "2026-07-14", p.now)
		if err != nil {
			t.Fatal(err)
		}
		want, err := builder.Build(ctx, sub, "2026-07-14", p.now)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Items) != len(want.Items) {
			t.Fatalf("%s: the pass built %d items, alone %d", sub.Email, len(got.Items), len(want.Items))
		}
		for i, it := range got.Items {
			w := want.Items[i]
			if it.PaperID != w.PaperID || !reflect.DeepEqual(it.Title, w.Title) || !reflect.DeepEqual(it.Snippet, w.Snippet) {
				t.Fatalf("%s, item %d (paper %s): the pass highlights\n%v\n%v\nalone\n%v\n%v", sub.Email, i, it.Paper.ID, it.Title, it.Snippet, w.Title, w.Snippet)
			}
			if it.Marks == "" {
				t.Fatalf("%s, item %d: the pass left it unnamed", sub.Email, i)
			}
			key := fmt.Sprint(it.PaperID, "|", it.Marks)
			if s, ok := named[key]; ok {
				if !reflect.DeepEqual(s, spans{it.Title, it.Snippet}) {
					t.Fatalf("paper %s: Marks %q names two highlights", it.Paper.ID, it.Marks)
				}
				shared++
			}
			named[key] = spans{it.Title, it.Snippet}
			items++
		}
	}
	if shared == 0 || items < 500 {
		t.Fatalf("%d items, %d of them highlighted as an earlier one: the test shows little", items, shared)
	}
}
