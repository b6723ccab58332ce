package rank

import (
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/hf"
)

// fixturePapers are the 245 real papers of the merged Daily Papers fixture.
func fixturePapers(tb testing.TB) []digest.Paper {
	tb.Helper()
	data, err := os.ReadFile("../../testdata/fixtures/hf_daily_papers_merged_14days_245items.json")
	if err != nil {
		tb.Fatal(err)
	}
	page, err := hf.Parse(data)
	if err != nil {
		tb.Fatal(err)
	}
	return page.Papers
}

// readerOf50 is a reader of 50 votes on real papers, up on agents and
// down on the rest, and 20 more papers passed over.
func readerOf50(papers []digest.Paper) []Example {
	var ex []Example
	for _, p := range papers[:70] {
		kind := Down
		switch {
		case len(ex) >= 50:
			kind = Passed
		case strings.Contains(strings.ToLower(p.Abstract), "agent"):
			kind = Up
		}
		ex = append(ex, Example{Paper: p, Kind: kind})
	}
	return ex
}

func TestStoredModelIsSmall(t *testing.T) {
	ex := readerOf50(fixturePapers(t))
	m := Train(ex, Options{})
	if len(m.weights) != 512 {
		t.Errorf("model keeps %d weights, want 512", len(m.weights))
	}
	data, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 8<<10 {
		t.Errorf("stored model takes %d bytes, want at most 8 KB", len(data))
	}
	t.Logf("a model of %d examples keeps %d weights in %d bytes", m.Examples, len(m.weights), len(data))
	up, down := m.Terms(namedTerms)
	if len(up) != namedTerms || len(down) != namedTerms {
		t.Errorf("model names %d terms up and %d down, want %d each", len(up), len(down), namedTerms)
	}
	if !containsTerm(up, "agent") && !containsTerm(up, "agents") {
		t.Errorf("up terms %v: want agent(s) among them", up)
	}
}

func BenchmarkTrain50(b *testing.B) {
	ex := readerOf50(fixturePapers(b))
	for b.Loop() {
		Train(ex, Options{})
	}
}

func BenchmarkFeaturize(b *testing.B) {
	papers := fixturePapers(b)
	i := 0
	for b.Loop() {
		Featurize(papers[i%len(papers)])
		i++
	}
}

func BenchmarkScoreVector(b *testing.B) {
	papers := fixturePapers(b)
	m := Train(readerOf50(papers), Options{})
	vectors := make([]Vector, len(papers))
	for i, p := range papers {
		vectors[i] = Featurize(p)
	}
	i := 0
	for b.Loop() {
		m.ScoreVector(vectors[i%len(vectors)])
		i++
	}
}

// BenchmarkDecode decodes a stored model as a pass does, a Decoder
// reused.
func BenchmarkDecode(b *testing.B) {
	data, err := Train(readerOf50(fixturePapers(b)), Options{}).MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	var d Decoder
	for b.Loop() {
		if _, err := d.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLikeOf: the model names the liked paper a candidate is most like,
// through a stored model too, and nothing for a paper like none of them.
func TestLikeOf(t *testing.T) {
	m := Train(examples(liked, disliked, passedOver), Options{})
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var stored Model
	if err := stored.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	candidate := Featurize(paper("2603.00001", "KV cache compression for faster inference", "We compress the KV cache."))
	for name, model := range map[string]*Model{"trained": m, "stored": &stored} {
		if got, ok := model.LikeOf(candidate); !ok || got != liked[2].Title {
			t.Errorf("%s: got %q, %v; want %q", name, got, ok, liked[2].Title)
		}
		if got, ok := model.LikeOf(Featurize(paper("2603.00002", "Zebra migration", "Herds cross rivers."))); ok {
			t.Errorf("%s: a paper like none got %q", name, got)
		}
	}
}

// BenchmarkReaderOfPass is what a delivery pass spends on one voting
// reader's model: decode it as stored (a Decoder a goroutine), rerank 50
// candidates to keep 20, naming the liked paper of those it raised. As in
// a pass, the models (200, of 20 votes each) and the candidates (2,000
// vectors) are spread over more memory than a cache holds, so that each
// reader meets them cold.
func BenchmarkReaderOfPass(b *testing.B) {
	papers := fixturePapers(b)
	rng := rand.New(rand.NewPCG(1, 2))
	stored := make([][]byte, 200)
	for i := range stored {
		var ex []Example
		for k, j := range rng.Perm(len(papers))[:30] {
			kind := []Kind{Up, Down, Passed}[min(k/10, 2)]
			ex = append(ex, Example{Paper: papers[j], Kind: kind})
		}
		data, err := Train(ex, Options{}).MarshalBinary()
		if err != nil {
			b.Fatal(err)
		}
		stored[i] = data
	}
	vectors := make([]Vector, 2000)
	for i := range vectors {
		v := Featurize(papers[i%len(papers)])
		vectors[i] = Vector{Index: slices.Clone(v.Index), Value: slices.Clone(v.Value)}
	}
	base, candidates := make([]float64, 50), make([]Vector, 50)
	var d Decoder
	for b.Loop() {
		m, err := d.Decode(stored[rng.IntN(len(stored))])
		if err != nil {
			b.Fatal(err)
		}
		for i := range candidates {
			base[i], candidates[i] = float64(len(base)-i), vectors[rng.IntN(len(vectors))]
		}
		m.Rerank(base, candidates, 20)
	}
}
