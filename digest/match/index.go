package match

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/digestd/digestd/internal/unicode61"
)

// Doc is one stored paper as the index reads it: the values of its
// papers row, the lists as the row holds them (SavePapers has cleaned and
// capped them).
type Doc struct {
	ID                   int64 // papers.id
	Title, Abstract, Org string
	Authors, Categories  []string
	Upvotes              int
	Published, Arrived   int64 // papers.published_at and arrived_at, Unix seconds
}

// The papers_fts columns, in their order.
const (
	colTitle = iota
	colAbstract
	colAuthors
	colCategories
	colOrg
	numCols
)

// maxToken is FTS5_MAX_TOKEN_SIZE: FTS5 keeps this many bytes of a longer
// token, in the index and in a query alike.
const maxToken = 32768

// ErrDuplicate is the error of NewIndex for two papers with one row id.
var ErrDuplicate = errors.New("duplicate paper")

// Index holds a set of papers as papers_fts would index them, and answers
// topic queries over them with the answers and ranking of an FTS5 search
// of a table holding exactly those papers (see Match). It is read-only
// once built, so any number of goroutines may query it at once.
//
// Papers are numbered by their place in the index (doc numbers); terms by
// their place in the sorted dictionary, so that the terms a prefix takes
// are a range.
type Index struct {
	ids        []int64
	upvotes    []int
	popularity []float64 // ln(1 + upvotes), the score's second half
	arrived    []int64
	tie        []uint32  // rank among all papers by published desc, id asc
	norm       []float64 // bm25's k1 * (1 - b + b * D / avgdl) for the paper's length D

	// terms is the dictionary, sorted bytewise as FTS5 orders terms.
	terms []string
	// A term's postings are occ*[occStart[t]:occStart[t+1]], one for each
	// column of a paper that holds it, in paper and column order: the
	// paper and column as doc<<3 | column, and how many times the term is
	// there (a posting more for each further 255). Where in the column
	// is read from fwd when a phrase asks: a posting and its count take 5
	// bytes where a position each took 8 (a year of archive puts ~19,000
	// papers, ~5 million tokens, in a pass's index).
	occStart  []uint32
	occDocCol []uint32
	occCount  []uint8
	// fwd holds each column's tokens as term numbers, column c of paper d
	// at fwd[colStart[d*numCols+c]:colStart[d*numCols+c+1]].
	fwd, colStart []uint32
	// nameBreaks[nameStart[d]:nameStart[d+1]] are the positions in the
	// authors column of paper d where the next author's name begins.
	nameStart, nameBreaks []uint32

	// categories is each distinct category, lower-cased as SQLite's
	// lower() does (ASCII only), sorted, with the papers filed under it.
	categories []string
	catDocs    [][]uint32

	pool sync.Pool // of *scratch
}

// bm25 constants of FTS5's bm25(): they are variables so that k1 + 1 is
// rounded as C rounds it, not computed exactly as a Go constant would be.
var k1, b = 1.2, 0.75

// NewIndex indexes docs. Their row ids must be distinct.
func NewIndex(docs []Doc) (*Index, error) {
	if len(docs) >= 1<<29 {
		return nil, fmt.Errorf("index: %d papers, more than %d", len(docs), 1<<29-1)
	}
	// Papers are numbered in row id order (see keep).
	docs = slices.SortedFunc(slices.Values(docs), func(x, y Doc) int { return cmp.Compare(x.ID, y.ID) })
	ix := &Index{
		ids:        make([]int64, len(docs)),
		upvotes:    make([]int, len(docs)),
		popularity: make([]float64, len(docs)),
		arrived:    make([]int64, len(docs)),
		norm:       make([]float64, len(docs)),
		colStart:   make([]uint32, 0, len(docs)*numCols+1),
		nameStart:  make([]uint32, 0, len(docs)+1),
	}
	// About one token in six bytes of text: fwd seldom grows.
	var bytes int
	for _, doc := range docs {
		bytes += len(doc.Title) + len(doc.Abstract) + len(doc.Org) + 20*len(doc.Authors) + 10*len(doc.Categories)
	}
	ix.fwd = make([]uint32, 0, bytes/6)
	ids := map[string]uint32{}
	cats := map[string][]uint32{}
	for d, doc := range docs {
		if d > 0 && doc.ID == docs[d-1].ID {
			return nil, fmt.Errorf("index: paper %d: %w", doc.ID, ErrDuplicate)
		}
		ix.ids[d], ix.upvotes[d], ix.arrived[d] = doc.ID, doc.Upvotes, doc.Arrived
		ix.popularity[d] = math.Log1p(float64(max(doc.Upvotes, 0)))
		authors, nameEnds := jsonList(doc.Authors)
		categories, _ := jsonList(doc.Categories)
		ix.nameStart = append(ix.nameStart, uint32(len(ix.nameBreaks)))
		for c, text := range [numCols]string{doc.Title, doc.Abstract, authors, categories, doc.Org} {
			ix.colStart = append(ix.colStart, uint32(len(ix.fwd)))
			name := 0
			unicode61.Scan(text, func(tok []byte, start, _ int) {
				if c == colAuthors && name < len(nameEnds) && start >= nameEnds[name] {
					for name < len(nameEnds) && start >= nameEnds[name] {
						name++
					}
					ix.nameBreaks = append(ix.nameBreaks, uint32(len(ix.fwd))-ix.colStart[len(ix.colStart)-1])
				}
				tok = tok[:min(len(tok), maxToken)]
				id, ok := ids[string(tok)]
				if !ok {
					id = uint32(len(ids))
					ids[string(tok)] = id
				}
				ix.fwd = append(ix.fwd, id)
			})
		}
		for _, c := range doc.Categories {
			c = lowerASCII(c)
			if l := cats[c]; len(l) == 0 || l[len(l)-1] != uint32(d) {
				cats[c] = append(l, uint32(d))
			}
		}
	}
	ix.colStart = append(ix.colStart, uint32(len(ix.fwd)))
	ix.nameStart = append(ix.nameStart, uint32(len(ix.nameBreaks)))
	ix.fwd = slices.Clone(ix.fwd) // without the room guessed: ~15% of it
	ix.sortTerms(ids)
	ix.invert()
	ix.rank(docs)
	ix.categories = slices.Sorted(func(yield func(string) bool) {
		for c := range cats {
			if !yield(c) {
				return
			}
		}
	})
	ix.catDocs = make([][]uint32, len(ix.categories))
	for i, c := range ix.categories {
		ix.catDocs[i] = cats[c]
	}
	return ix, nil
}

// Len returns the number of papers in the index.
func (ix *Index) Len() int { return len(ix.ids) }

// jsonList is the list as papers rows hold it (digest's jsonList: Go's
// json.Marshal, "[]" for none), and the byte offset where each element
// ends in it.
func jsonList(l []string) (string, []int) {
	if len(l) == 0 {
		return "[]", nil
	}
	var s strings.Builder
	ends := make([]int, len(l))
	s.WriteByte('[')
	for i, e := range l {
		if i > 0 {
			s.WriteByte(',')
		}
		q, _ := json.Marshal(e) // a string always marshals
		s.Write(q)
		ends[i] = s.Len()
	}
	s.WriteByte(']')
	return s.String(), ends
}

// sortTerms sorts the dictionary and renumbers fwd's terms by it.
func (ix *Index) sortTerms(ids map[string]uint32) {
	ix.terms = make([]string, len(ids))
	for t, id := range ids {
		ix.terms[id] = t
	}
	order := make([]uint32, len(ix.terms))
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(x, y uint32) int { return strings.Compare(ix.terms[x], ix.terms[y]) })
	renumber := make([]uint32, len(order))
	sorted := make([]string, len(order))
	for i, id := range order {
		renumber[id] = uint32(i)
		sorted[i] = ix.terms[id]
	}
	ix.terms = sorted
	for i, id := range ix.fwd {
		ix.fwd[i] = renumber[id]
	}
}

// invert builds the postings from fwd: walking the papers and their
// columns in order leaves each term's postings in that order.
func (ix *Index) invert() {
	// at[t] is 1 + the column t was last seen in (doc<<3 | column), and
	// count[t] how many times there, up to 255, the first walk
	// counting postings and the second filling them.
	at := make([]uint32, len(ix.terms))
	count := make([]uint8, len(ix.terms))
	seen := func(t, dc uint32) bool {
		if at[t] == dc+1 && count[t] < math.MaxUint8 {
			count[t]++
			return true
		}
		at[t], count[t] = dc+1, 1
		return false
	}
	ix.occStart = make([]uint32, len(ix.terms)+1)
	ix.walk(func(t, dc uint32) {
		if !seen(t, dc) {
			ix.occStart[t+1]++
		}
	})
	for t := range ix.terms {
		ix.occStart[t+1] += ix.occStart[t]
	}
	n := ix.occStart[len(ix.terms)]
	ix.occDocCol, ix.occCount = make([]uint32, n), make([]uint8, n)
	next := slices.Clone(ix.occStart[:len(ix.terms)])
	clear(at)
	ix.walk(func(t, dc uint32) {
		if !seen(t, dc) {
			ix.occDocCol[next[t]] = dc
			next[t]++
		}
		ix.occCount[next[t]-1] = count[t]
	})
}

// walk calls f with each token of fwd and its paper and column, as
// doc<<3 | column, in order.
func (ix *Index) walk(f func(t, dc uint32)) {
	for c := range len(ix.colStart) - 1 {
		dc := uint32(c/numCols)<<3 | uint32(c%numCols)
		for _, t := range ix.fwd[ix.colStart[c]:ix.colStart[c+1]] {
			f(t, dc)
		}
	}
}

// rank computes what scoring needs of each paper: bm25's length
// normalisation over the corpus' average length, and the tie order.
func (ix *Index) rank(docs []Doc) {
	// FTS5 counts the average over every column and every row.
	avgdl := float64(len(ix.fwd)) / float64(len(docs))
	for d := range docs {
		dl := float64(ix.colStart[(d+1)*numCols] - ix.colStart[d*numCols])
		ix.norm[d] = k1 * (1 - b + b*dl/avgdl)
	}
	order := make([]int, len(docs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int {
		return cmp.Or(cmp.Compare(docs[y].Published, docs[x].Published), cmp.Compare(docs[x].ID, docs[y].ID))
	})
	ix.tie = make([]uint32, len(docs))
	for r, d := range order {
		ix.tie[d] = uint32(r)
	}
}

// lowerASCII lower-cases ASCII letters only, as SQLite's lower() does.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
