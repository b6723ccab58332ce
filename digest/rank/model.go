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
	weights  []weight     // by bucket, ascending
	names    []label      // the strongest terms' text, by weight
	liked    []likedPaper // the latest papers liked, for LikeOf
	// table finds the buckets the model knows (see index): those of its
	// weights and of its liked papers' features; likes are the liked
	// papers' values of a bucket, a row for each bucket they have after
	// row 0, all 0, of the buckets they do not.
	table lookup
	known []known
	likes [][likedKept]float32
}

// label is the text of the weight numbered weight.
type label struct {
	weight int
	text   string
}

// known is a bucket the model knows: its weight (0 when it kept none)
// and its row of likes (0 when no liked paper has it).
type known struct {
	bucket uint32
	weight float32
	like   int32
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

// ScoreVector is the model's score of a featurised paper.
func (m *Model) ScoreVector(v Vector) float64 {
	s, _ := m.rate(v, nil)
	return s
}

// LikeOf returns the title of the liked paper the model keeps that a
// featurised candidate is most like: the "like ‹a paper you liked›" of a
// digest's "why this paper"; ok is false when it shares no feature with
// any.
func (m *Model) LikeOf(v Vector) (title string, ok bool) {
	var buf [256]likeHit
	_, hits := m.rate(v, buf[:0])
	if p := m.likest(hits); p >= 0 {
		return m.liked[p].title, true
	}
	return "", false
}

// Rerank orders candidates, best first by the filters' base scores, by
// their blend with the model's scores (Order), and keeps the first limit:
// order holds their indexes. For a candidate the model raised to place
// at, likes[at] is the title of the liked paper it is most like, as LikeOf
// says ("" for the others). One look at each candidate's features serves
// both.
func (m *Model) Rerank(base []float64, vectors []Vector, limit int) (order []int, likes []string) {
	scores := make([]float64, len(vectors))
	ends := make([]int, len(vectors)) // where each candidate's hits end
	var buf [1024]likeHit
	hits := buf[:0]
	for i, v := range vectors {
		scores[i], hits = m.rate(v, hits)
		ends[i] = len(hits)
	}
	order = Order(base, scores, m.Examples)
	order = order[:min(limit, len(order))]
	likes = make([]string, len(order))
	for at, i := range order {
		if at >= i {
			continue
		}
		start := 0
		if i > 0 {
			start = ends[i-1]
		}
		if p := m.likest(hits[start:ends[i]]); p >= 0 {
			likes[at] = m.liked[p].title
		}
	}
	return order, likes
}

// likeHit is a candidate's feature in a bucket that liked papers have: its
// value, and the bucket's row of likes.
type likeHit struct {
	x   float32
	row int32
}

// rate returns the model's score of v and, when hits is not nil, appends
// to it v's features in buckets that liked papers have.
func (m *Model) rate(v Vector, hits []likeHit) (float64, []likeHit) {
	s := m.Bias
	if len(m.known) == 0 {
		return s, hits
	}
	t := &m.table
	var maybe [filterChunk]uint16
	for start := 0; start < len(v.Index); start += filterChunk {
		chunk := v.Index[start:min(start+filterChunk, len(v.Index))]
		n := len(hits)
		if hits != nil {
			hits = slices.Grow(hits, len(chunk))[:n+len(chunk)]
		}
		for _, i := range t.through(chunk, &maybe) {
			b := chunk[i]
			for h := b & t.mask; t.slots[h] != 0; h = (h + 1) & t.mask {
				k := &m.known[t.slots[h]-1]
				if k.bucket != b {
					continue
				}
				// Without a branch on what varies from one feature to the
				// next: a weight of 0 adds 0, and a hit is written always
				// but kept only when its row is not 0 (1 when like > 0).
				x := v.Value[start+int(i)]
				s += float64(x) * float64(k.weight)
				if hits != nil {
					hits[n] = likeHit{x, k.like}
					n += int(uint32(-k.like) >> 31)
				}
				break
			}
		}
		if hits != nil {
			hits = hits[:n]
		}
	}
	return s, hits
}

// likest returns the liked paper most like the candidate whose hits rate
// found, -1 when it shares no feature with any: the largest inner product.
func (m *Model) likest(hits []likeHit) int {
	var sim [likedKept]float64
	for _, h := range hits {
		// Each liked paper's value, 0 for most: the same sums as adding
		// those of the papers that have the bucket.
		for p, l := range &m.likes[h.row] {
			sim[p] += float64(h.x) * float64(l)
		}
	}
	best, most := -1, 0.0
	for p := range m.liked {
		if sim[p] > most {
			best, most = p, sim[p]
		}
	}
	return best
}

// lookup is a hash table of the places of entries in a list, by bucket:
// open-addressed, a bucket's low bits its first slot (a bucket is a hash
// already), 2 to 4 slots an entry, a slot its entry's place plus one, 0
// when empty. Most of a paper's features are in no model: a filter, one
// bit set by each bucket in the table, tells most of those apart before a
// slot is read. A pass meets a reader's model once, cold: the filter and
// slots of a model of 512 weights take 4 KB each (see
// BenchmarkReaderOfPass).
type lookup struct {
	filter [filterWords]uint64
	slots  []uint16
	mask   uint32
}

// filterWords is the size of a lookup's filter: 32,768 bits, ~40 an entry
// for a model of 512 weights and its liked papers. Of a fixed size, a
// bucket's bit needs no bounds check.
const filterWords = 1 << (filterBits - 6)

const filterBits = 15

// reset empties the table, sized for up to n entries, reusing its memory.
func (t *lookup) reset(n int) {
	clear(t.filter[:])
	t.slots = resize(t.slots, 2<<bits.Len(uint(n)))
	t.mask = uint32(len(t.slots) - 1)
}

// resize returns s of length n, all zero, reusing its memory when it can.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// add makes i the place of bucket b's entry, which it has none.
func (t *lookup) add(b uint32, i int) {
	f := b * filterHash >> (32 - filterBits)
	t.filter[f>>6] |= 1 << (f & 63)
	h := b & t.mask
	for t.slots[h] != 0 {
		h = (h + 1) & t.mask
	}
	t.slots[h] = uint16(i + 1)
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
		f := b * filterHash >> (32 - filterBits)
		maybe[uint(n)%filterChunk] = uint16(i) // n <= i: the modulo only spares a bounds check
		n += int(t.filter[f>>6] >> (f & 63) & 1)
	}
	return maybe[:n]
}

// index makes the table of the buckets the model knows: its weights', and
// its liked papers' features', a bucket both have once. Train and Decode
// call it once the rest is set; it reuses the memory of the model's last.
func (m *Model) index() {
	n := len(m.weights)
	for _, l := range m.liked {
		n += len(l.v.Index)
	}
	m.table.reset(n)
	m.known, m.likes = slices.Grow(m.known[:0], n), append(m.likes[:0], [likedKept]float32{})
	for i, w := range m.weights {
		m.known = append(m.known, known{bucket: w.bucket, weight: w.value})
		m.table.add(w.bucket, i)
	}
	for p, l := range m.liked {
		for k, b := range l.v.Index {
			i := m.find(b)
			if i < 0 {
				i = len(m.known)
				m.known = append(m.known, known{bucket: b})
				m.table.add(b, i)
			}
			if m.known[i].like == 0 {
				m.known[i].like = int32(len(m.likes))
				m.likes = append(m.likes, [likedKept]float32{})
			}
			m.likes[m.known[i].like][p] = l.v.Value[k]
		}
	}
}

// find returns the place of bucket b in known, -1 when it is not there.
func (m *Model) find(b uint32) int {
	t := &m.table
	for h := b & t.mask; t.slots[h] != 0; h = (h + 1) & t.mask {
		if i := int(t.slots[h]) - 1; m.known[i].bucket == b {
			return i
		}
	}
	return -1
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
	for _, i := range m.strongest(1, n, true) {
		up = append(up, Term{m.nameOf(i), float64(m.weights[i].value)})
	}
	for _, i := range m.strongest(-1, n, true) {
		down = append(down, Term{m.nameOf(i), float64(m.weights[i].value)})
	}
	return up, down
}

// nameOf returns the text of weight i, "" when the model kept none.
func (m *Model) nameOf(i int) string {
	k, ok := slices.BinarySearchFunc(m.names, i, func(l label, i int) int { return cmp.Compare(l.weight, i) })
	if !ok {
		return ""
	}
	return m.names[k].text
}

// strongest returns the places of up to n of the weights of the given
// sign, strongest first; with named, only those whose text the model
// kept.
func (m *Model) strongest(sign float32, n int, named bool) []int {
	var is []int
	for i, w := range m.weights {
		if w.value*sign > 0 && (!named || m.nameOf(i) != "") {
			is = append(is, i)
		}
	}
	slices.SortFunc(is, func(a, b int) int {
		wa, wb := m.weights[a], m.weights[b]
		return cmp.Or(cmp.Compare(wb.value*sign, wa.value*sign), cmp.Compare(wa.bucket, wb.bucket))
	})
	return is[:min(len(is), n)]
}
