package rank

import (
	"cmp"
	"slices"

	"github.com/digestd/digestd/digest"
)

// Model is one reader's taste as Train learned it: a linear score over a
// paper's features, of which it keeps only its strongest weights.
type Model struct {
	// Bias is the score of a paper with none of the model's features.
	Bias float64
	// Examples counts the up-votes, down-votes and library papers the
	// model learned from (not the papers passed over): the evidence Blend
	// weighs it by.
	Examples int
	weights  []weight          // by bucket, ascending
	names    map[uint32]string // the strongest terms' text
	liked    []likedPaper      // the latest papers liked, for LikeOf
}

// likedPaper is a paper the reader liked, as the model keeps it to explain a
// digest's order: its title, and its strongest features.
type likedPaper struct {
	title string
	v     Vector
}

// likedKept is how many liked papers a model keeps, the latest, and
// likedFeatures how many features of each.
const (
	likedKept     = 10
	likedFeatures = 24
)

// LikeOf returns the title of the liked paper the model keeps that a
// featurised candidate is most like: the "like ‹a paper you liked›" of a
// digest's "why this paper"; ok is false when it shares no feature with
// any.
func (m *Model) LikeOf(v Vector) (title string, ok bool) {
	vs := make([]Vector, len(m.liked))
	for i, l := range m.liked {
		vs[i] = l.v
	}
	if i, _ := Like(v, vs); i >= 0 {
		return m.liked[i].title, true
	}
	return "", false
}

// strongestFeatures keeps the n largest features of v, by bucket.
func strongestFeatures(v Vector, n int) Vector {
	order := make([]int, len(v.Index))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(v.Value[b], v.Value[a]) })
	order = order[:min(n, len(order))]
	slices.Sort(order)
	out := Vector{Index: make([]uint32, len(order)), Value: make([]float32, len(order))}
	for k, i := range order {
		out.Index[k], out.Value[k] = v.Index[i], v.Value[i]
	}
	return out
}

// weight is one kept weight of a model.
type weight struct {
	bucket uint32
	value  float32
}

// Score is the model's score of p: the log-odds that the reader likes it,
// on the scale of its training. Featurize each paper once and use
// ScoreVector when many readers score the same papers.
func (m *Model) Score(p digest.Paper) float64 { return m.ScoreVector(Featurize(p)) }

// ScoreVector is the model's score of a featurised paper.
func (m *Model) ScoreVector(v Vector) float64 {
	s := m.Bias
	// A merge of two sorted lists whose steps are arithmetic, not
	// branches: which list advances is a coin toss the processor cannot
	// predict.
	i, j := 0, 0
	for i < len(v.Index) && j < len(m.weights) {
		a, b := v.Index[i], m.weights[j].bucket
		if a == b {
			s += float64(v.Value[i]) * float64(m.weights[j].value)
		}
		i += b2i(a <= b)
		j += b2i(b <= a)
	}
	return s
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Term is one feature of a model's explanation, written as a reader would
// type it in a topic: "reinforcement learning", "cat:cs.CL",
// `author:"Tri Dao"`, `org:Qwen`.
type Term struct {
	Text   string
	Weight float64
}

// Terms returns up to n of the model's strongest terms each way: up, those
// that raise a paper most, and down, those that lower it most. Only the
// strongest terms have their text kept, 16 each way.
func (m *Model) Terms(n int) (up, down []Term) {
	for _, w := range m.strongest(1, n, true) {
		up = append(up, Term{m.names[w.bucket], float64(w.value)})
	}
	for _, w := range m.strongest(-1, n, true) {
		down = append(down, Term{m.names[w.bucket], float64(w.value)})
	}
	return up, down
}

// strongest returns up to n of the weights of the given sign, strongest
// first; with named, only those whose text the model kept.
func (m *Model) strongest(sign float32, n int, named bool) []weight {
	var ws []weight
	for _, w := range m.weights {
		if w.value*sign > 0 && (!named || m.names[w.bucket] != "") {
			ws = append(ws, w)
		}
	}
	slices.SortFunc(ws, func(a, b weight) int {
		return cmp.Or(cmp.Compare(b.value*sign, a.value*sign), cmp.Compare(a.bucket, b.bucket))
	})
	return ws[:min(len(ws), n)]
}
