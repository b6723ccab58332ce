package match

import (
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/digestd/digestd/internal/unicode61"
	"github.com/digestd/digestd/subscribers"
)

// phrase is a text term as FTS5 reads the expression digest.Matcher
// writes for it: consecutive tokens in one of some columns.
type phrase struct {
	cols   uint8    // the column filter, 1<<column each
	tokens []string // folded, the last ones possibly prefixes
	prefix []bool
	// name asks for the papers where an instance lies within one
	// author's name too (see names).
	name bool
}

// weights are bm25's column weights in digest.Matcher: title, abstract,
// authors, categories, org. A title word counts four abstract words.
var weights = [numCols]uint32{4, 1, 2, 1, 2}

// newPhrase reads t as FTS5 reads digest's termExpr(t): the words quoted,
// as one string or, for an author's name with initials, one string per
// word joined by "+", a one-letter word and a prefix's last word marked
// "*"; each string tokenized by unicode61.
func newPhrase(t subscribers.Term) phrase {
	p := phrase{cols: columns(t.Field)}
	type segment struct {
		text   string
		prefix bool
	}
	segments := []segment{{strings.Join(t.Words, " "), t.Prefix}}
	if t.Field == subscribers.FieldAuthor && len(t.Words) > 1 && slices.ContainsFunc(t.Words, isInitial) {
		segments = segments[:0]
		for i, w := range t.Words {
			segments = append(segments, segment{w, isInitial(w) || t.Prefix && i == len(t.Words)-1})
		}
	}
	for _, s := range segments {
		for _, tok := range unicode61.Tokens(s.text) {
			p.tokens = append(p.tokens, tok.Text[:min(len(tok.Text), maxToken)])
			p.prefix = append(p.prefix, false)
		}
		// sqlite3Fts5ParseTerm marks (or unmarks) the phrase's last
		// token so far, even when this string held no token.
		if len(p.prefix) > 0 {
			p.prefix[len(p.prefix)-1] = s.prefix
		}
	}
	return p
}

// columns is the column filter of a field: an unscoped term searches the
// title and the abstract.
func columns(f subscribers.Field) uint8 {
	switch f {
	case subscribers.FieldAny:
		return 1<<colTitle | 1<<colAbstract
	case subscribers.FieldTitle:
		return 1 << colTitle
	case subscribers.FieldAbstract:
		return 1 << colAbstract
	case subscribers.FieldAuthor:
		return 1 << colAuthors
	case subscribers.FieldOrg:
		return 1 << colOrg
	}
	return 0
}

// isInitial reports whether a folded word is a single letter, as
// digest.Matcher decides it.
func isInitial(w string) bool {
	r, size := utf8.DecodeRuneInString(w)
	return size == len(w) && unicode.IsLetter(r)
}

// key identifies a phrase among a query's phrases.
func (p phrase) key() string {
	var k strings.Builder
	k.WriteByte('0' + p.cols)
	for i, t := range p.tokens {
		if p.prefix[i] {
			k.WriteByte('*')
		} else {
			k.WriteByte('=')
		}
		k.WriteString(t)
		k.WriteByte(0)
	}
	return k.String()
}

// span is the dictionary range of terms a phrase token takes.
type span struct{ lo, hi uint32 }

func (ix *Index) span(tok string, prefix bool) span {
	lo := sort.SearchStrings(ix.terms, tok)
	if !prefix {
		if lo < len(ix.terms) && ix.terms[lo] == tok {
			return span{uint32(lo), uint32(lo + 1)}
		}
		return span{uint32(lo), uint32(lo)}
	}
	hi := lo + sort.Search(len(ix.terms)-lo, func(i int) bool { return !strings.HasPrefix(ix.terms[lo+i], tok) })
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

// find fills h with p's hits; s holds zeroed per-paper scratch space.
func (ix *Index) find(p phrase, h *hits, s *scratch) {
	h.docs, h.freq = h.docs[:0], h.freq[:0]
	h.all.clear()
	h.named.clear()
	if len(p.tokens) == 0 {
		return // FTS5 reads a phrase without tokens as matching nothing
	}
	spans := make([]span, len(p.tokens))
	driver := 0
	for i, tok := range p.tokens {
		spans[i] = ix.span(tok, p.prefix[i])
		if ix.occurrences(spans[i]) < ix.occurrences(spans[driver]) {
			driver = i
		}
	}
	if len(spans) == 1 && spans[0].hi == spans[0].lo+1 {
		ix.findTerm(p.cols, spans[0].lo, h)
		return
	}
	// Every instance has its driver token at one position: walk the
	// driver's occurrences and check the other tokens around each.
	sp := spans[driver]
	for o := ix.occStart[sp.lo]; o < ix.occStart[sp.hi]; o++ {
		dc := ix.occDocCol[o]
		col := dc & 7
		if p.cols&(1<<col) == 0 || ix.occPos[o] < uint32(driver) {
			continue
		}
		start := ix.occPos[o] - uint32(driver)
		tokens := ix.fwd[ix.colStart[dc>>3*numCols+col]:ix.colStart[dc>>3*numCols+col+1]]
		if int(start)+len(spans) > len(tokens) || !within(tokens[start:], spans) {
			continue
		}
		d := dc >> 3
		s.freq[d] += weights[col]
		h.all.set(d)
		if p.name && ix.inOneName(d, start, uint32(len(spans))) {
			h.named.set(d)
		}
	}
	h.all.each(func(d uint32) {
		h.docs = append(h.docs, d)
		h.freq = append(h.freq, s.freq[d])
		s.freq[d] = 0
	})
}

// findTerm fills h with the hits of one term in columns cols: its
// occurrences come in paper order.
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
		h.freq[len(h.freq)-1] += weights[dc&7]
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
