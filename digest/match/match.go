// Package match is the matching engine of digestd: an in-memory index of a
// window of papers that answers topic queries exactly as sqlite.Matcher
// answers them with FTS5 over a table holding the same papers — the same
// papers, in the same order, with the same scores — at a cost per query of
// microseconds rather than milliseconds.
//
// The index splits each paper's title, abstract, authors, categories and
// organisation as papers_fts does (internal/unicode61, the lists as their
// stored JSON text). A query's terms become phrases evaluated over the
// whole index, each paper's hits as bits, and the query's tree combines
// them as sets; only the papers it matched are scored: relevance is
// FTS5's bm25() for the OR of the query's positive text terms, with
// papers_fts's column weights and this index's papers as the corpus.
//
// The one place where the engine departs from sqlite.Matcher is an
// author's name of several words: it matches when an instance lies within
// one author's name, as the query language says. sqlite.Matcher finds the
// names through highlight() and misses a paper where two instances
// overlap across names (author:"li li" against "Li Li, Li Wei") or where
// an instance starts inside a JSON escape (\u0026 of "&").
package match

import (
	"math"
	mbits "math/bits"
	"slices"
	"sort"
	"strings"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/subscribers/query"
)

// Filter selects the papers of an index a query may match, as a
// digest.Window does: row ids in (AfterID, UntilID], UntilID 0 meaning
// no upper bound, and arrival after ArrivedAfter (Unix seconds), 0
// meaning any time.
type Filter struct {
	AfterID, UntilID int64
	ArrivedAfter     int64
}

// keep leaves in found the papers f selects. Papers are numbered in row
// id order, so the ids f selects are a range of numbers.
func (ix *Index) keep(found bitset, f Filter) {
	lo := sort.Search(len(ix.ids), func(i int) bool { return ix.ids[i] > f.AfterID })
	hi := len(ix.ids)
	if f.UntilID != 0 {
		hi = sort.Search(len(ix.ids), func(i int) bool { return ix.ids[i] > f.UntilID })
	}
	found.keepRange(lo, max(lo, hi))
	if f.ArrivedAfter == 0 {
		return
	}
	for w, bits := range found {
		for ; bits != 0; bits &= bits - 1 {
			if d := w<<6 | mbits.TrailingZeros64(bits); ix.arrived[d] <= f.ArrivedAfter {
				found[w] &^= 1 << (d & 63)
			}
		}
	}
}

// Match returns every paper among those f keeps that q matches, best
// first, as sqlite.Matcher.Match orders them:
//
//	score = relevance + ln(1 + upvotes)
//	relevance = -bm25(papers_fts, 4, 1, 2, 1, 2)
//
// bm25 over the OR of q's positive text terms, 0 for a paper matched
// without any, its corpus statistics those of the whole index; ties go
// to the more recently published paper, then to the lower row id. A tree
// query.Parse cannot have built is an error wrapping ErrInvalid.
func (ix *Index) Match(q *query.Query, f Filter) ([]digest.Match, error) {
	return ix.Top(q, f, len(ix.ids))
}

// Top returns the best k of the papers Match returns, in its order: a
// digest needs only its first few, and ranking a broad topic's hundreds
// of matches in full costs more than finding them.
func (ix *Index) Top(q *query.Query, f Filter, k int) ([]digest.Match, error) {
	p, err := ix.compile(q)
	if err != nil {
		return nil, err
	}
	s := ix.scratch(len(p.phrases))
	defer ix.pool.Put(s)
	for i, ph := range p.phrases {
		ix.find(ph, &s.hits[i], s.freq)
	}
	found := s.set(0)
	ix.eval(p.root, s, found, 1)
	ix.keep(found, f)
	k1p1 := k1 + 1.0
	for _, r := range p.rank {
		h := &s.hits[r]
		nHit := len(h.docs)
		idf := math.Log((float64(len(ix.ids)-nHit) + 0.5) / (float64(nHit) + 0.5))
		if idf <= 0 {
			idf = 1e-6
		}
		for i, d := range h.docs {
			if found.has(d) {
				freq := float64(h.freq[i])
				s.score[d] += idf * ((freq * k1p1) / (freq + ix.norm[d]))
			}
		}
	}
	ranked := s.ranked[:0]
	for w, bits := range found {
		for ; bits != 0; bits &= bits - 1 {
			d := uint32(w<<6 | mbits.TrailingZeros64(bits))
			ranked = append(ranked, rankedDoc{score: s.score[d] + ix.popularity[d], tie: ix.tie[d], doc: d})
			s.score[d] = 0
		}
	}
	s.ranked = ranked
	top := best(ranked, k)
	matches := make([]digest.Match, len(top))
	for i, r := range top {
		matches[i] = digest.Match{PaperID: ix.ids[r.doc], Score: r.score}
	}
	return matches, nil
}

// eval puts the papers n matches in out; s.set(depth) and deeper are free.
func (ix *Index) eval(n node, s *scratch, out bitset, depth int) {
	switch n.op {
	case opAnd, opOr:
		ix.eval(n.kids[0], s, out, depth)
		kid := s.set(depth)
		for _, k := range n.kids[1:] {
			ix.eval(k, s, kid, depth+1)
			if n.op == opAnd {
				out.and(kid)
			} else {
				out.or(kid)
			}
		}
	case opNot:
		ix.eval(n.kids[0], s, out, depth)
		out.not(len(ix.ids))
	case opPhrase:
		if n.name {
			copy(out, s.hits[n.phrase].named)
		} else {
			copy(out, s.hits[n.phrase].all)
		}
	case opCat:
		out.clear()
		for _, docs := range ix.categoryDocs(n.cat, n.prefix) {
			for _, d := range docs {
				out.set(d)
			}
		}
	case opUpvotes:
		out.clear()
		for d, v := range ix.upvotes {
			if compare(v, n.cmp, n.n) {
				out.set(uint32(d))
			}
		}
	}
}

// categoryDocs returns the lists of papers a cat: term takes: the
// category's, and for an archive those of every category in it. Like
// sqlite.Matcher's SQL (lower(value) = cat, value LIKE cat || '.%'), it
// ignores the case of ASCII letters only.
func (ix *Index) categoryDocs(cat string, archive bool) [][]uint32 {
	i, found := slices.BinarySearch(ix.categories, cat)
	var exact [][]uint32
	if found {
		exact = ix.catDocs[i : i+1]
	}
	if !archive {
		return exact
	}
	within := cat + "."
	lo, _ := slices.BinarySearch(ix.categories, within)
	hi := lo
	for hi < len(ix.categories) && strings.HasPrefix(ix.categories[hi], within) {
		hi++
	}
	if len(exact) == 0 {
		return ix.catDocs[lo:hi]
	}
	return append(slices.Clip(exact), ix.catDocs[lo:hi]...)
}

func compare(v int, op string, n int) bool {
	switch op {
	case ">":
		return v > n
	case ">=":
		return v >= n
	case "<":
		return v < n
	case "<=":
		return v <= n
	}
	return v == n
}

// scratch is the working memory of one Match call; the index keeps a
// pool of them. Per-paper arrays are zero between uses.
type scratch struct {
	freq   []uint32
	score  []float64
	hits   []hits
	sets   []bitset
	ranked []rankedDoc
}

func (ix *Index) scratch(phrases int) *scratch {
	s, _ := ix.pool.Get().(*scratch)
	if s == nil {
		s = &scratch{freq: make([]uint32, len(ix.ids)), score: make([]float64, len(ix.ids))}
	}
	for len(s.hits) < phrases {
		words := (len(ix.ids) + 63) / 64
		s.hits = append(s.hits, hits{all: make(bitset, words), named: make(bitset, words)})
	}
	return s
}

// set returns the tree's working set at depth.
func (s *scratch) set(depth int) bitset {
	for len(s.sets) <= depth {
		s.sets = append(s.sets, make(bitset, (len(s.freq)+63)/64))
	}
	return s.sets[depth]
}
