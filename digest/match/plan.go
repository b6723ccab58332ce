package match

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/digestd/digestd/subscribers/query"
)

// ErrInvalid is the error of Match for a syntax tree that query.Parse
// cannot have built.
var ErrInvalid = errors.New("invalid query")

// plan is a query compiled for an index: its tree over the distinct
// phrases it names, and the phrases relevance is computed for.
type plan struct {
	ix      *Index
	root    node
	phrases []phrase
	spans   []span // the phrases' spans
	// rank lists, in the order they were typed, the phrases of the
	// query's positive text terms: sqlite.Matcher's bm25 expression,
	// where each occurrence of a term is a phrase of its own.
	rank []int
}

// node is a node of a compiled query. A leaf is a phrase, a category or
// an upvotes comparison.
type node struct {
	op     op
	kids   []node
	phrase int  // opPhrase: its index in plan.phrases
	name   bool // opPhrase: only instances within one author's name count
	cat    string
	prefix bool // opCat: cat is an archive
	cmp    string
	n      int
}

type op uint8

const (
	opAnd op = iota
	opOr
	opNot
	opPhrase
	opCat
	opUpvotes
)

// compile checks q's tree as sqlite.Matcher does and compiles it for ix.
func (ix *Index) compile(q *query.Query) (*plan, error) {
	if q == nil || q.Root == nil {
		return nil, fmt.Errorf("match: no query: %w", ErrInvalid)
	}
	p := &plan{ix: ix}
	root, err := p.node(q.Root)
	if err != nil {
		return nil, fmt.Errorf("match %q: %w: %w", q.Text, ErrInvalid, err)
	}
	p.root = root
	for _, t := range q.Terms() {
		if t.Field != query.FieldCat {
			p.rank = append(p.rank, p.intern(t, false))
		}
	}
	return p, nil
}

// intern returns the index in p.phrases of t's phrase, adding it the
// first time.
func (p *plan) intern(t query.Term, name bool) int {
	var ph phrase
	p.spans, ph = p.ix.phrase(t, p.spans)
	i := slices.IndexFunc(p.phrases, func(o phrase) bool { return o.cols == ph.cols && slices.Equal(o.spans, ph.spans) })
	if i < 0 {
		i = len(p.phrases)
		p.phrases = append(p.phrases, ph)
	} else {
		p.spans = p.spans[:len(p.spans)-len(ph.spans)]
	}
	p.phrases[i].name = p.phrases[i].name || name
	return i
}

func (p *plan) node(n query.Node) (node, error) {
	switch n := n.(type) {
	case query.And:
		return p.group(opAnd, n.Nodes)
	case query.Or:
		return p.group(opOr, n.Nodes)
	case query.Not:
		kid, err := p.node(n.Node)
		return node{op: opNot, kids: []node{kid}}, err
	case query.Upvotes:
		switch n.Op {
		case ">", ">=", "<", "<=", "=":
			return node{op: opUpvotes, cmp: n.Op, n: n.N}, nil
		}
		return node{}, fmt.Errorf("upvotes: unknown comparison %q", n.Op)
	case query.Term:
		switch {
		case len(n.Words) == 0:
			return node{}, fmt.Errorf("term %s has no words", n)
		case n.Field == query.FieldCat && len(n.Words) != 1:
			return node{}, fmt.Errorf("term %s names more than one category", n)
		case n.Field == query.FieldCat:
			return node{op: opCat, cat: strings.ToLower(n.Words[0]), prefix: n.Prefix}, nil
		case columns(n.Field) == 0:
			return node{}, fmt.Errorf("term %s: unknown field %q", n, n.Field)
		}
		for _, w := range n.Words {
			// SQLite reads an FTS5 expression up to its first NUL.
			if strings.ContainsRune(w, 0) {
				return node{}, fmt.Errorf("term %s: a word holds a NUL", n)
			}
		}
		name := n.Field == query.FieldAuthor && len(n.Words) > 1
		return node{op: opPhrase, phrase: p.intern(n, name), name: name}, nil
	}
	return node{}, fmt.Errorf("unknown query node %T", n)
}

func (p *plan) group(o op, nodes []query.Node) (node, error) {
	if len(nodes) == 0 {
		return node{}, errors.New("empty AND or OR")
	}
	g := node{op: o, kids: make([]node, len(nodes))}
	for i, n := range nodes {
		var err error
		if g.kids[i], err = p.node(n); err != nil {
			return node{}, err
		}
	}
	return g, nil
}
