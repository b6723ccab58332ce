package rank

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/subscribers/query"
)

// Bits is how many bits of a feature's hash name its bucket: 2^20 buckets,
// where the ~100,000 distinct words and bigrams of a year of papers rarely
// share one. A stored model records it, so a model outlives a change of it
// only as an error.
const Bits = 20

// Group weights: a paper's text counts 1 in its vector, its categories,
// authors and organisation these fractions of it before the whole vector
// is L2-normalised. Set as priors, not tuned: the simulated readers of
// cmd/evalranking care only about words (see docs/RANKING.md).
const (
	categoryWeight = 0.5
	authorWeight   = 0.5
	orgWeight      = 0.3
)

// Vector is a paper's features: sparse, its buckets ascending and distinct,
// L2 norm 1 (or empty). Build it with Featurize once per pass and score it
// against every reader's model.
type Vector struct {
	Index []uint32
	Value []float32
}

// Featurize returns p's feature vector: the sublinear tf (1 + ln tf) of
// the uni- and bigrams of its title and abstract, words cut as topics cut
// them and stop words left out, L2-normalised; then its categories,
// authors and organisation, each group scaled to its weight; the whole
// normalised to length 1. Features hash into buckets with FNV-1a, which
// has no seed: a stored model means the same tomorrow.
func Featurize(p digest.Paper) Vector { return featurize(p, tokens(p)) }

// entry is one feature's bucket and value while a vector is built.
type entry struct {
	bucket uint32
	value  float64
}

func featurize(p digest.Paper, toks []string) Vector {
	hashes := make([]uint32, 0, 2*len(toks))
	eachTerm(toks, func(b uint32, _ int) { hashes = append(hashes, b) })
	slices.Sort(hashes)
	entries := make([]entry, 0, len(hashes))
	var norm float64
	for i := 0; i < len(hashes); {
		j := i + 1
		for j < len(hashes) && hashes[j] == hashes[i] {
			j++
		}
		v := 1 + math.Log(float64(j-i))
		entries = append(entries, entry{hashes[i], v})
		norm += v * v
		i = j
	}
	for i := range entries {
		entries[i].value /= math.Sqrt(norm)
	}
	metas := meta(p)
	extra := make([]entry, len(metas))
	for i, f := range metas {
		extra[i] = entry{f.bucket(), f.weight}
	}
	slices.SortFunc(extra, func(a, b entry) int { return cmp.Compare(a.bucket, b.bucket) })
	return normalised(merge(entries, extra))
}

// merge merges two lists of entries sorted by bucket into one, adding up
// the values of a bucket both have.
func merge(a, b []entry) []entry {
	if len(b) == 0 {
		return a
	}
	out := make([]entry, 0, len(a)+len(b))
	for len(a) > 0 || len(b) > 0 {
		var e entry
		switch {
		case len(b) == 0 || len(a) > 0 && a[0].bucket < b[0].bucket:
			e, a = a[0], a[1:]
		default:
			e, b = b[0], b[1:]
		}
		if n := len(out); n > 0 && out[n-1].bucket == e.bucket {
			out[n-1].value += e.value
		} else {
			out = append(out, e)
		}
	}
	return out
}

// normalised is the vector of entries sorted by distinct bucket, scaled to
// length 1.
func normalised(entries []entry) Vector {
	var norm float64
	for _, e := range entries {
		norm += e.value * e.value
	}
	v := Vector{Index: make([]uint32, len(entries)), Value: make([]float32, len(entries))}
	for i, e := range entries {
		v.Index[i], v.Value[i] = e.bucket, float32(e.value/math.Sqrt(norm))
	}
	return v
}

// tokens are the words of p's title and abstract that are features: not
// stop words, single characters or bare numbers. A "" stands for each
// word left out, and between title and abstract: no bigram spans one.
func tokens(p digest.Paper) []string {
	title, abstract := query.Words(p.Title), query.Words(p.Abstract)
	toks := make([]string, 0, len(title)+len(abstract)+2)
	for _, words := range [][]query.Word{title, abstract} {
		for _, w := range words {
			if keep(w.Text) {
				toks = append(toks, w.Text)
			} else if len(toks) > 0 && toks[len(toks)-1] != "" {
				toks = append(toks, "")
			}
		}
		toks = append(toks, "")
	}
	return toks
}

// eachTerm calls fn with the bucket of each uni- and bigram of toks and the
// index of its last word; a bigram is the two words with a space between.
func eachTerm(toks []string, fn func(bucket uint32, last int)) {
	for i, w := range toks {
		if w == "" {
			continue
		}
		fn(fold(fnvAdd(fnvOffset, w)), i)
		if i > 0 && toks[i-1] != "" {
			fn(fold(fnvAdd(fnvAdd(fnvAdd(fnvOffset, toks[i-1]), " "), w)), i)
		}
	}
}

// termText is the text of the term eachTerm gave with index last: the
// word, or the bigram ending there.
func termText(toks []string, b uint32, last int) string {
	if fold(fnvAdd(fnvOffset, toks[last])) == b {
		return toks[last]
	}
	return toks[last-1] + " " + toks[last]
}

// feature is a feature of a paper's metadata: a reader writes it in a
// topic as prefix and value, the value quoted when it has a space
// (`cat:cs.CL`, `author:"Tri Dao"`, `org:Qwen`).
type feature struct {
	prefix, value string
	weight        float64
}

func (f feature) quoted() bool { return strings.Contains(f.value, " ") }

func (f feature) text() string {
	if f.quoted() {
		return f.prefix + `"` + f.value + `"`
	}
	return f.prefix + f.value
}

// bucket is bucket(f.text()), without building the text.
func (f feature) bucket() uint32 {
	h := fnvAdd(fnvOffset, f.prefix)
	if !f.quoted() {
		return fold(fnvAdd(h, f.value))
	}
	return fold(fnvAdd(fnvAdd(fnvAdd(h, `"`), f.value), `"`))
}

// meta lists p's category, author and organisation features, each group
// of norm its weight.
func meta(p digest.Paper) []feature {
	fs := appendGroup(nil, "cat:", p.Categories, categoryWeight)
	fs = appendGroup(fs, "author:", p.Authors, authorWeight)
	if p.Org != "" {
		fs = appendGroup(fs, "org:", []string{p.Org}, orgWeight)
	}
	return fs
}

// appendGroup adds one feature per distinct value (whatever its case),
// weight/sqrt(n) each, so that the group's norm is weight however many
// values it has.
func appendGroup(fs []feature, prefix string, values []string, weight float64) []feature {
	start := len(fs)
	for _, v := range values {
		if strings.ContainsFunc(v, unicode.IsSpace) {
			v = strings.Join(strings.Fields(v), " ")
		}
		if v != "" && !slices.ContainsFunc(fs[start:], func(f feature) bool { return strings.EqualFold(f.value, v) }) {
			fs = append(fs, feature{prefix: prefix, value: v})
		}
	}
	for i := start; i < len(fs); i++ {
		fs[i].weight = weight / math.Sqrt(float64(len(fs)-start))
	}
	return fs
}

// keep reports whether a folded word is a feature: not a stop word, not a
// single character, not a bare number.
func keep(w string) bool {
	if len(w) < 2 || stopWords[w] {
		return false
	}
	return strings.ContainsFunc(w, func(r rune) bool { return r < '0' || r > '9' })
}

// FNV-1a, 32 bits.
const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

func fnvAdd(h uint32, s string) uint32 {
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= fnvPrime
	}
	return h
}

// fold cuts a hash to its bucket, its low Bits bits.
func fold(h uint32) uint32 { return h & (1<<Bits - 1) }

// bucket is the bucket of a feature's text.
func bucket(text string) uint32 { return fold(fnvAdd(fnvOffset, text)) }

// stopWords are the English function words that carry no topic: left out
// of the features, and bigrams do not span them.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above after again against all also although am an and any are as at
		be because been before being below between both but by can could did do does doing done down during each
		either else etc even ever every few for from further had has have having he her here hers him his how however
		i if in into is it its itself just least less many may me might more most much must my neither no nor not
		now of off often on once one only or other otherwise our ours out over own per rather same several shall she
		should since so some such than that the their theirs them themselves then there these they this those
		though through thus to too two under until up upon us very via was we were what whatever when where whether
		which while who whom whose why will with within without would yet you your yours`) {
		m[w] = true
	}
	return m
}()
