package rank

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/digestd/digestd/digest"
)

// Kind is what a reader did with a paper, which makes it an example.
type Kind int

// The kinds of example: a reader's up- and down-votes, the papers of their
// library, and papers their digests showed them that they passed over.
const (
	Up Kind = iota
	Down
	Library
	Passed
)

// positive reports whether the kind counts for the reader's taste.
func (k Kind) positive() bool { return k == Up || k == Library }

// Example is one paper a reader taught the model with.
type Example struct {
	Paper digest.Paper
	Kind  Kind
}

// Options tune Train. The zero value means the defaults, which
// cmd/evalranking chose (docs/RANKING.md).
type Options struct {
	// Lambda is the L2 penalty on the weights; 0 or less means 1.
	Lambda float64
	// PassedWeight is what a passed-over paper counts as a negative,
	// against 1 for a vote; 0 or less means 0.1. A reader passes over a
	// paper for want of time as often as for want of interest.
	PassedWeight float64
	// Keep is how many weights the model keeps, the largest in size; 0 or
	// less means 512, and a stored model holds at most 4096.
	Keep int
}

func (o Options) withDefaults() Options {
	if !(o.Lambda > 0) { // NaN too
		o.Lambda = 1
	}
	if !(o.PassedWeight > 0) {
		o.PassedWeight = 0.1
	}
	if o.Keep <= 0 {
		o.Keep = 512
	}
	o.Keep = min(o.Keep, maxWeights)
	return o
}

// namedTerms is how many of its strongest terms each way a model keeps the
// text of, to explain itself.
const namedTerms = 16

// Train fits an L2-regularised logistic regression to a reader's examples:
// up-votes and library papers are positives, down-votes negatives, and
// passed-over papers negatives of weight PassedWeight. Each class's total
// weight is made equal, so that a reader who mostly votes up is not taken
// to like everything. The model keeps its Keep largest weights and the
// text of its strongest terms.
//
// Without a positive and a negative among the examples there is nothing
// to tell apart: the model scores every paper 0. A reader with a library
// and nothing else needs negatives all the same: pass a sample of the
// papers of the last days as Passed, the background the library stands
// out from.
func Train(examples []Example, opt Options) *Model {
	opt = opt.withDefaults()
	m := &Model{}
	weight := make([]float64, len(examples))
	label := make([]float64, len(examples))
	var pos, neg float64
	for i, e := range examples {
		switch {
		case e.Kind.positive():
			weight[i], label[i] = 1, 1
			pos++
			m.Examples++
		case e.Kind == Down:
			weight[i], label[i] = 1, -1
			neg++
			m.Examples++
		default:
			weight[i], label[i] = opt.PassedWeight, -1
			neg += opt.PassedWeight
		}
	}
	if pos == 0 || neg == 0 {
		return m
	}
	for i := range weight {
		// Each class weighs as many as there are examples, half each.
		if label[i] > 0 {
			weight[i] *= (pos + neg) / (2 * pos)
		} else {
			weight[i] *= (pos + neg) / (2 * neg)
		}
	}
	toks := make([][]string, len(examples))
	for i, e := range examples {
		toks[i] = tokens(e.Paper)
	}
	rows, local, vectors := design(examples, toks)
	w, bias := fit(rows, label, weight, len(local), opt.Lambda)
	m.Bias = bias
	m.keep(w, local, opt.Keep)
	m.name(examples, toks)
	for i, e := range examples {
		if e.Kind.positive() {
			m.liked = append(m.liked, likedPaper{title: likedTitle(e.Paper.Title), v: strongestFeatures(vectors[i], likedFeatures)})
		}
	}
	m.liked = m.liked[max(len(m.liked)-likedKept, 0):]
	m.index()
	return m
}

// row is one example's features in the training's own compact numbering.
type row struct {
	index []int
	value []float64
}

// design featurises the examples and numbers the buckets they use from 0:
// rows for fit, local[j] the bucket of column j.
func design(examples []Example, toks [][]string) (rows []row, local []uint32, vectors []Vector) {
	vectors = make([]Vector, len(examples))
	size := 0
	for i, e := range examples {
		vectors[i] = featurize(e.Paper, toks[i])
		size += len(vectors[i].Index)
	}
	column := make(map[uint32]int, size)
	index, value := make([]int, size), make([]float64, size)
	for _, v := range vectors {
		r := row{index: index[:len(v.Index):len(v.Index)], value: value[:len(v.Index):len(v.Index)]}
		index, value = index[len(v.Index):], value[len(v.Index):]
		for k, b := range v.Index {
			j, ok := column[b]
			if !ok {
				j = len(local)
				column[b] = j
				local = append(local, b)
			}
			r.index[k], r.value[k] = j, float64(v.Value[k])
		}
		rows = append(rows, r)
	}
	return rows, local, vectors
}

// likedTitle is a liked paper's title as a model keeps it: one line, cut
// to what a stored model holds.
func likedTitle(t string) string {
	t = strings.Join(strings.Fields(t), " ")
	if len(t) <= maxNameSize {
		return t
	}
	cut := maxNameSize
	for cut > 0 && !utf8.RuneStart(t[cut]) {
		cut--
	}
	return t[:cut]
}

// keep stores the k weights largest in size, by bucket; of equal sizes
// at the cut, those of the lower buckets.
func (m *Model) keep(w []float64, local []uint32, k int) {
	size := make([]float64, 0, len(w))
	for _, x := range w {
		if x != 0 {
			size = append(size, math.Abs(x))
		}
	}
	if len(size) == 0 {
		return
	}
	slices.Sort(size)
	cut := size[max(len(size)-k, 0)]
	var atCut []weight
	for j, x := range w {
		switch a := math.Abs(x); {
		case a > cut:
			m.weights = append(m.weights, weight{bucket: local[j], value: float32(x)})
		case a == cut && x != 0:
			atCut = append(atCut, weight{bucket: local[j], value: float32(x)})
		}
	}
	slices.SortFunc(atCut, func(a, b weight) int { return cmp.Compare(a.bucket, b.bucket) })
	m.weights = append(m.weights, atCut[:min(len(atCut), k-len(m.weights))]...)
	slices.SortFunc(m.weights, func(a, b weight) int { return cmp.Compare(a.bucket, b.bucket) })
}

// name keeps the text of the model's strongest terms each way: for each
// of their buckets, the feature text the examples have in it most often.
func (m *Model) name(examples []Example, toks [][]string) {
	seen := map[uint32]map[string]int{}
	for _, i := range append(m.strongest(1, namedTerms, false), m.strongest(-1, namedTerms, false)...) {
		seen[m.weights[i].bucket] = map[string]int{}
	}
	for i, e := range examples {
		eachTerm(toks[i], func(b uint32, last int) {
			if texts := seen[b]; texts != nil {
				texts[termText(toks[i], b, last)]++
			}
		})
		for _, f := range meta(e.Paper) {
			if texts := seen[f.bucket()]; texts != nil {
				texts[f.text()]++
			}
		}
	}
	for i, w := range m.weights {
		best, count := "", 0
		for text, n := range seen[w.bucket] {
			if n > count || n == count && text < best {
				best, count = text, n
			}
		}
		if best != "" {
			m.names = append(m.names, label{weight: i, text: clip(best, maxNameSize)})
		}
	}
}

// clip cuts s to valid UTF-8 of at most n bytes, at a character boundary.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
