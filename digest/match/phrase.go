package match

import (
	mbits "math/bits"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/digestd/digestd/internal/unicode61"
	"github.com/digestd/digestd/subscribers/query"
)

// phrase is a text term as FTS5 reads the expression sqlite.Matcher
// writes for it: consecutive tokens in one of some columns, each token a
// range of the dictionary (one term, none, or every term with a prefix).
type phrase struct {
	cols  uint8 // the column filter, 1<<column each
	spans []span
	// name asks for the papers where an instance lies within one
	// author's name too (see inOneName).
	name bool
}

// span is the dictionary range of terms a phrase token takes.
type span struct{ lo, hi uint32 }

// weights are bm25's column weights in sqlite.Matcher: title, abstract,
// authors, categories, org. A title word counts four abstract words.
var weights = [numCols]uint32{4, 1, 2, 1, 2}

// phrase reads t as FTS5 reads digest's termExpr(t): the words quoted,
// as one string or, for an author's name with initials, one string per
// word joined by "+", a one-letter word and a prefix's last word marked
// "*"; each string tokenized by unicode61. Its spans go at the end of
// spans.
func (ix *Index) phrase(t query.Term, spans []span) ([]span, phrase) {
	p := phrase{cols: columns(t.Field)}
	first := len(spans)
	// The last token read, and whether it is a prefix so far:
	// sqlite3Fts5ParseTerm marks (or unmarks) the phrase's last token
	// at the end of each string, even of one that held no token.
	var last []byte
	var pending, prefix bool
	segment := func(text string, star bool) {
		unicode61.Scan(text, func(tok []byte, _, _ int) {
			if pending {
				spans = append(spans, ix.span(last, prefix))
			}
			last = append(last[:0], tok[:min(len(tok), maxToken)]...)
			pending, prefix = true, false
		})
		prefix = star
	}
	if t.Field == query.FieldAuthor && len(t.Words) > 1 && slices.ContainsFunc(t.Words, isInitial) {
		for i, w := range t.Words {
			segment(w, isInitial(w) || t.Prefix && i == len(t.Words)-1)
		}
	} else {
		segment(strings.Join(t.Words, " "), t.Prefix)
	}
	if pending {
		spans = append(spans, ix.span(last, prefix))
	}
	p.spans = spans[first:len(spans):len(spans)]
	return spans, p
}

// columns is the column filter of a field: an unscoped term searches the
// title and the abstract.
func columns(f query.Field) uint8 {
	switch f {
	case query.FieldAny:
		return 1<<colTitle | 1<<colAbstract
	case query.FieldTitle:
		return 1 << colTitle
	case query.FieldAbstract:
		return 1 << colAbstract
	case query.FieldAuthor:
		return 1 << colAuthors
	case query.FieldOrg:
		return 1 << colOrg
	}
	return 0
}

// isInitial reports whether a folded word is a single letter, as
// sqlite.Matcher decides it.
func isInitial(w string) bool {
	r, size := utf8.DecodeRuneInString(w)
	return size == len(w) && unicode.IsLetter(r)
}

// span returns the terms tok takes: itself, or with prefix every term
// that begins with it. FTS5 compares terms as bytes, as Go's strings do.
func (ix *Index) span(tok []byte, prefix bool) span {
	lo := sort.Search(len(ix.terms), func(i int) bool { return ix.terms[i] >= string(tok) })
	if !prefix {
		if lo < len(ix.terms) && ix.terms[lo] == string(tok) {
			return span{uint32(lo), uint32(lo + 1)}
		}
		return span{uint32(lo), uint32(lo)}
	}
	hi := lo + sort.Search(len(ix.terms)-lo, func(i int) bool { return !strings.HasPrefix(ix.terms[lo+i], string(tok)) })
	return span{uint32(lo), uint32(hi)}
}

// hits is what a phrase finds in the whole index: every paper with an
// instance in its columns (docs, ascending) and the sum of the column
// weights of its instances there (freq, bm25's aFreq), and for a name
// the papers where an instance lies within one author's name.
type hits struct {
	docs, freq []uint32
	all, named bitset
}

// find fills h with p's hits; freq is zeroed per-paper scratch space.
func (ix *Index) find(p phrase, h *hits, freq []uint32) {
	h.docs, h.freq = h.docs[:0], h.freq[:0]
	h.all.clear()
	h.named.clear()
	if len(p.spans) == 0 {
		return // FTS5 reads a phrase without tokens as matching nothing
	}
	switch sp := p.spans[0]; {
	case len(p.spans) > 1:
		ix.findPhrase(p, h, freq)
	case sp.hi == sp.lo+1:
		ix.findTerm(p.cols, sp.lo, h)
	default:
		ix.findTerms(p.cols, sp, freq, h)
	}
	if len(p.spans) == 1 && p.name {
		copy(h.named, h.all) // one token lies within one name
	}
	if len(h.docs) > 0 {
		return // findTerm listed them
	}
	for w, bits := range h.all {
		for ; bits != 0; bits &= bits - 1 {
			d := uint32(w<<6 | mbits.TrailingZeros64(bits))
			h.docs = append(h.docs, d)
			h.freq = append(h.freq, freq[d])
			freq[d] = 0
		}
	}
}

// findTerms adds up in freq, and marks in h, the hits of the terms of a
// span in columns cols: a prefix, which needs no position.
func (ix *Index) findTerms(cols uint8, sp span, freq []uint32, h *hits) {
	for o := ix.occStart[sp.lo]; o < ix.occStart[sp.hi]; o++ {
		if dc := ix.occDocCol[o]; cols&(1<<(dc&7)) != 0 {
			freq[dc>>3] += weights[dc&7] * uint32(ix.occCount[o])
			h.all.set(dc >> 3)
		}
	}
}

// findPhrase adds up in freq, and marks in h, the instances of a phrase
// of several tokens. Every instance has its driver token, the rarest, at
// one position: it walks the columns that hold the driver's terms, finds
// them there, and checks the other tokens around each.
func (ix *Index) findPhrase(p phrase, h *hits, freq []uint32) {
	driver := 0
	for i, s := range p.spans {
		if ix.occurrences(s) < ix.occurrences(p.spans[driver]) {
			driver = i
		}
	}
	n := uint32(len(p.spans))
	sp := p.spans[driver]
	for t := sp.lo; t < sp.hi; t++ {
		for o := ix.occStart[t]; o < ix.occStart[t+1]; o++ {
			dc := ix.occDocCol[o]
			col := dc & 7
			if p.cols&(1<<col) == 0 || o > ix.occStart[t] && ix.occDocCol[o-1] == dc {
				continue // another column, or a column seen (a count past 255)
			}
			left := 0 // the instances of t in the column not found yet
			for k := o; k < ix.occStart[t+1] && ix.occDocCol[k] == dc; k++ {
				left += int(ix.occCount[k])
			}
			c := dc>>3*numCols + col
			tokens := ix.fwd[ix.colStart[c]:ix.colStart[c+1]]
			d := dc >> 3
			for pos := uint32(0); left > 0; pos++ {
				if tokens[pos] != t {
					continue
				}
				left--
				start := pos - uint32(driver)
				if pos < uint32(driver) || start+n > uint32(len(tokens)) || !within(tokens[start:], p.spans) {
					continue
				}
				freq[d] += weights[col]
				h.all.set(d)
				if p.name && ix.inOneName(d, start, n) {
					h.named.set(d)
				}
			}
		}
	}
}

// findTerm fills h with the hits of one term in columns cols: its
// postings come in paper order.
func (ix *Index) findTerm(cols uint8, t uint32, h *hits) {
	for o := ix.occStart[t]; o < ix.occStart[t+1]; o++ {
		dc := ix.occDocCol[o]
		if cols&(1<<(dc&7)) == 0 {
			continue
		}
		d := dc >> 3
		if n := len(h.docs); n == 0 || h.docs[n-1] != d {
			h.docs = append(h.docs, d)
			h.freq = append(h.freq, 0)
			h.all.set(d)
		}
		h.freq[len(h.freq)-1] += weights[dc&7] * uint32(ix.occCount[o])
	}
}

func (ix *Index) occurrences(s span) uint32 { return ix.occStart[s.hi] - ix.occStart[s.lo] }

// within reports whether tokens begin with a term of each span in turn.
func within(tokens []uint32, spans []span) bool {
	for i, s := range spans {
		if t := tokens[i]; t < s.lo || t >= s.hi {
			return false
		}
	}
	return true
}

// inOneName reports whether the n tokens from position start of paper d's
// authors column belong to one author's name.
func (ix *Index) inOneName(d, start, n uint32) bool {
	breaks := ix.nameBreaks[ix.nameStart[d]:ix.nameStart[d+1]]
	i, _ := slices.BinarySearch(breaks, start+1)
	return i == len(breaks) || breaks[i] > start+n-1
}
