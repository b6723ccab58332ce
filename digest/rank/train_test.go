package rank

import (
	"slices"
	"strings"
	"testing"

	"github.com/digestd/digestd/digest"
)

// paper is a paper of the given title and abstract, with optional authors.
func paper(id, title, abstract string, authors ...string) digest.Paper {
	return digest.Paper{ID: id, Title: title, Abstract: abstract, Authors: authors}
}

// The taste of the tests: long-context attention, not robots.
var (
	liked = []digest.Paper{
		paper("2601.00001", "Sparse attention for long context language models",
			"We make attention sparse so that long context windows of a million tokens fit in memory.", "Tri Dao"),
		paper("2601.00002", "Extending the context window with positional interpolation",
			"Long context retrieval improves when rotary positions are interpolated; attention stays exact."),
		paper("2601.00003", "KV cache compression for long context inference",
			"Long context inference is bound by the KV cache; we compress it and keep attention quality.", "Tri Dao"),
	}
	disliked = []digest.Paper{
		paper("2601.00004", "Tactile sensing for robot grasping",
			"A robot hand with tactile sensors grasps unknown objects from a cluttered bin."),
		paper("2601.00005", "Legged locomotion over rough terrain",
			"A quadruped robot learns to walk over rough terrain in simulation and transfers to hardware."),
		paper("2601.00006", "Sim-to-real transfer for robot manipulation",
			"Domain randomisation lets a robot arm trained in simulation manipulate real objects."),
	}
	passedOver = []digest.Paper{
		paper("2601.00007", "A benchmark of chemistry questions", "We collect chemistry exam questions for language models."),
		paper("2601.00008", "Speech recognition for low-resource languages", "Self-supervised speech models for languages with little data."),
	}
)

func examples(up, down, passed []digest.Paper) []Example {
	var ex []Example
	for _, p := range up {
		ex = append(ex, Example{Paper: p, Kind: Up})
	}
	for _, p := range down {
		ex = append(ex, Example{Paper: p, Kind: Down})
	}
	for _, p := range passed {
		ex = append(ex, Example{Paper: p, Kind: Passed})
	}
	return ex
}

func TestTrainRanksPositivesFirst(t *testing.T) {
	unseen := []struct {
		name string
		p    digest.Paper
		like bool
	}{
		{"new long-context paper", paper("2602.00001", "Ring attention for long context training",
			"Long context training across devices with blockwise attention."), true},
		{"new paper by a liked author", paper("2602.00002", "Faster kernels", "Kernels for GPUs.", "Tri Dao"), true},
		{"new robot paper", paper("2602.00003", "Robot learning from demonstrations",
			"A robot imitates human demonstrations to grasp tools."), false},
		{"new locomotion paper", paper("2602.00004", "Quadruped locomotion with vision",
			"A quadruped robot climbs stairs using depth cameras."), false},
	}
	tests := []struct {
		name     string
		examples []Example
	}{
		{"votes", examples(liked, disliked, nil)},
		{"votes and passed over", examples(liked, disliked, passedOver)},
		{"library and passed over", append(examples(nil, nil, disliked), libraryOf(liked)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Train(tt.examples, Options{})
			minLiked, maxOther := 1e9, -1e9
			for _, e := range tt.examples {
				s := m.Score(e.Paper)
				if e.Kind.positive() {
					minLiked = min(minLiked, s)
				} else {
					maxOther = max(maxOther, s)
				}
			}
			if minLiked <= maxOther {
				t.Errorf("lowest positive scores %.3f, highest negative %.3f: want every positive above every negative", minLiked, maxOther)
			}
			for _, u := range unseen {
				for _, v := range unseen {
					if u.like && !v.like && m.Score(u.p) <= m.Score(v.p) {
						t.Errorf("%s scores %.3f, %s %.3f: want the first higher", u.name, m.Score(u.p), v.name, m.Score(v.p))
					}
				}
			}
		})
	}
}

func libraryOf(papers []digest.Paper) []Example {
	var ex []Example
	for _, p := range papers {
		ex = append(ex, Example{Paper: p, Kind: Library})
	}
	return ex
}

func TestTrainWithoutBothKindsScoresZero(t *testing.T) {
	tests := []struct {
		name     string
		examples []Example
		votes    int
	}{
		{"nothing", nil, 0},
		{"up-votes only", examples(liked, nil, nil), 3},
		{"down-votes and passed over only", examples(nil, disliked, passedOver), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Train(tt.examples, Options{})
			if m.Examples != tt.votes {
				t.Errorf("Examples = %d, want %d", m.Examples, tt.votes)
			}
			for _, p := range append(slices.Clone(liked), disliked...) {
				if s := m.Score(p); s != 0 {
					t.Errorf("Score(%s) = %v, want 0", p.ID, s)
				}
			}
		})
	}
}

func TestTrainKeepsOnlyTheStrongestWeights(t *testing.T) {
	m := Train(examples(liked, disliked, passedOver), Options{Keep: 8})
	if len(m.weights) != 8 {
		t.Fatalf("model keeps %d weights, want 8", len(m.weights))
	}
	if !slices.IsSortedFunc(m.weights, func(a, b weight) int { return int(a.bucket) - int(b.bucket) }) {
		t.Errorf("weights not sorted by bucket: %v", m.weights)
	}
}

func TestTermsNameRealFeatures(t *testing.T) {
	ex := examples(liked, disliked, passedOver)
	m := Train(ex, Options{})
	texts := map[string]bool{}
	for _, e := range ex {
		toks := tokens(e.Paper)
		eachTerm(toks, func(b uint32, last int) { texts[termText(toks, b, last)] = true })
		for _, f := range meta(e.Paper) {
			texts[f.text()] = true
		}
	}
	up, down := m.Terms(5)
	if len(up) != 5 || len(down) != 5 {
		t.Fatalf("Terms(5) gave %d up and %d down, want 5 each", len(up), len(down))
	}
	for _, term := range append(slices.Clone(up), down...) {
		if !texts[term.Text] {
			t.Errorf("term %q is no feature of the examples", term.Text)
		}
	}
	if !containsTerm(up, "long context") && !containsTerm(up, "context") {
		t.Errorf("up terms %v lack long context", up)
	}
	if !containsTerm(down, "robot") {
		t.Errorf("down terms %v lack robot", down)
	}
	for i := 1; i < len(up); i++ {
		if up[i].Weight > up[i-1].Weight || down[i].Weight < down[i-1].Weight {
			t.Errorf("terms not strongest first: up %v, down %v", up, down)
		}
	}
}

func containsTerm(terms []Term, text string) bool {
	return slices.ContainsFunc(terms, func(t Term) bool { return t.Text == text })
}

func TestLikeFindsTheClosestLikedPaper(t *testing.T) {
	vectors := make([]likedPaper, len(liked))
	for i, p := range liked {
		vectors[i] = likedPaper{title: p.Title, v: Featurize(p)}
	}
	tests := []struct {
		name      string
		candidate digest.Paper
		liked     []likedPaper
		want      int
	}{
		{"kv cache", paper("2603.00001", "Quantised KV cache", "The KV cache of inference, compressed."), vectors, 2},
		{"rotary positions", paper("2603.00002", "Rotary positions revisited", "Interpolated rotary positions."), vectors, 1},
		{"nothing in common", paper("2603.00003", "Robot grasping", "Tactile robot hands."), vectors, -1},
		{"no liked papers", liked[0], nil, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Model{liked: tt.liked}
			m.index()
			title, ok := m.LikeOf(Featurize(tt.candidate))
			switch {
			case tt.want < 0 && ok:
				t.Errorf("LikeOf = %q, want none", title)
			case tt.want >= 0 && title != tt.liked[tt.want].title:
				t.Errorf("LikeOf = %q (%v), want %q", title, ok, tt.liked[tt.want].title)
			}
		})
	}
}

func TestFeaturize(t *testing.T) {
	p := digest.Paper{
		Title:      "The Long Context of Attention",
		Abstract:   "Attention over a long context, in 2026.",
		Categories: []string{"cs.CL", "cs.LG"},
		Authors:    []string{"Tri Dao", "Albert Gu"},
		Org:        "Qwen",
	}
	v := Featurize(p)
	var norm float64
	for _, x := range v.Value {
		norm += float64(x) * float64(x)
	}
	if norm < 0.9999 || norm > 1.0001 {
		t.Errorf("squared norm %v, want 1", norm)
	}
	if !slices.IsSorted(v.Index) || len(slices.Compact(slices.Clone(v.Index))) != len(v.Index) {
		t.Errorf("buckets %v not ascending and distinct", v.Index)
	}
	for _, tt := range []struct {
		text string
		in   bool
	}{
		{"long context", true},
		{"attention", true},
		{"cat:cs.CL", true},
		{`author:"Tri Dao"`, true},
		{"org:Qwen", true},
		{"the", false},
		{"2026", false},
		{"of attention", false},
	} {
		if _, found := slices.BinarySearch(v.Index, bucket(tt.text)); found != tt.in {
			t.Errorf("feature %q in vector: %v, want %v", tt.text, found, tt.in)
		}
	}
	if again := Featurize(p); !slices.Equal(again.Index, v.Index) || !slices.Equal(again.Value, v.Value) {
		t.Error("Featurize of the same paper twice differs")
	}
	if got := Featurize(digest.Paper{}); len(got.Index) != 0 {
		t.Errorf("empty paper has features %v, want none", got.Index)
	}
}

func TestTokensCutAsTopicsDo(t *testing.T) {
	got := strings.Join(tokens(paper("", "Long-Context LLMs", "Über große Modelle, GPT-4o and the 70B")), "|")
	want := "long|context|llms||uber|große|modelle|gpt|4o||70b|"
	if got != want {
		t.Errorf("tokens = %q, want %q", got, want)
	}
}
