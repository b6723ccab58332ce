package rank

import (
	"cmp"
	"math/bits"
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
	// byBucket and likedByBucket find the weights and the liked papers'
	// features of a bucket (see index); likes are those features.
	byBucket      lookup
	likedByBucket lookup
	likes         []likedFeature
}

// likedFeature is one feature of the liked paper numbered paper.
type likedFeature struct {
	bucket uint32
	paper  int32
	value  float32
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
	var sim [likedKept]float64
	if len(m.likes) > 0 {
		t := &m.likedByBucket
		var maybe [filterChunk]uint16
		for start := 0; start < len(v.Index); start += filterChunk {
			chunk := v.Index[start:min(start+filterChunk, len(v.Index))]
			for _, i := range t.through(chunk, &maybe) {
				b := chunk[i]
				for h := b & t.mask; t.slots[h] != 0; h = (h + 1) & t.mask {
					if f := m.likes[t.slots[h]-1]; f.bucket == b {
						sim[f.paper] += float64(v.Value[start+int(i)]) * float64(f.value)
					}
				}
			}
		}
	}
	best, most := -1, 0.0
	for i := range m.liked {
		if sim[i] > most {
			best, most = i, sim[i]
		}
	}
	if best < 0 {
		return "", false
	}
	return m.liked[best].title, true
}

// lookup is a hash table of the places of entries in a list, by bucket:
// open-addressed, a bucket's low bits its first slot (a bucket is a hash
// already), 2 to 4 slots an entry, a slot its entry's place plus one, 0
// when empty. Most of a paper's features are in no model: a filter of 32
// to 64 bits an entry, one bit set by each bucket in the table, tells most of
// those apart before a slot is read. A pass meets a reader's model once,
// cold: the filter and slots of a model of 512 weights take 4 KB each
// (see BenchmarkReaderOfPass).
type lookup struct {
	filter []uint64
	shift  uint // of a bucket's multiplicative hash, to its filter bit
	slots  []uint16
	mask   uint32
}

func newLookup(n int, bucket func(i int) uint32) lookup {
	size := bits.Len(uint(n))
	words := max(size-1, 0) // log2 of the filter's words: 32 to 64 bits an entry
	t := lookup{
		filter: make([]uint64, 1<<words),
		shift:  uint(32 - 6 - words),
		slots:  make([]uint16, 2<<size),
	}
	t.mask = uint32(len(t.slots) - 1)
	for i := range n {
		b := bucket(i)
		f := b * filterHash >> t.shift
		t.filter[f>>6] |= 1 << (f & 63)
		h := b & t.mask
		for t.slots[h] != 0 {
			h = (h + 1) & t.mask
		}
		t.slots[h] = uint16(i + 1)
	}
	return t
}

// filterHash spreads a bucket's bits over a filter's (Knuth's
// multiplicative hash), so that a filter's bit and a slot are not chosen
// by the same low bits.
const filterHash = 0x9E3779B1

// filterChunk is how many features of a vector through looks at a time.
const filterChunk = 128

// through returns the places in chunk of the buckets the filter lets
// through, in maybe. It tests them without a branch, so that the loads of
// a cold vector overlap rather than wait on each test: a reader of a
// pass (BenchmarkReaderOfPass) 73–90 → 60–68 µs against a branch a
// feature.
func (t *lookup) through(chunk []uint32, maybe *[filterChunk]uint16) []uint16 {
	n := 0
	for i, b := range chunk {
		f := b * filterHash >> t.shift
		maybe[n] = uint16(i)
		n += int(t.filter[f>>6] >> (f & 63) & 1)
	}
	return maybe[:n]
}

// index makes the model's lookups of its weights and of its liked
// papers' features. Train and UnmarshalBinary call it once the rest is
// set.
func (m *Model) index() {
	m.byBucket = newLookup(len(m.weights), func(i int) uint32 { return m.weights[i].bucket })
	n := 0
	for _, l := range m.liked {
		n += len(l.v.Index)
	}
	m.likes = make([]likedFeature, 0, n)
	for i, l := range m.liked {
		for k, b := range l.v.Index {
			m.likes = append(m.likes, likedFeature{bucket: b, paper: int32(i), value: l.v.Value[k]})
		}
	}
	m.likedByBucket = newLookup(len(m.likes), func(i int) uint32 { return m.likes[i].bucket })
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
	if len(m.weights) == 0 {
		return s
	}
	t := &m.byBucket
	var maybe [filterChunk]uint16
	for start := 0; start < len(v.Index); start += filterChunk {
		chunk := v.Index[start:min(start+filterChunk, len(v.Index))]
		for _, i := range t.through(chunk, &maybe) {
			b := chunk[i]
			for h := b & t.mask; t.slots[h] != 0; h = (h + 1) & t.mask {
				if w := m.weights[t.slots[h]-1]; w.bucket == b {
					s += float64(v.Value[start+int(i)]) * float64(w.value)
					break
				}
			}
		}
	}
	return s
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
