package query

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits that keep parsing, the SQL built from a query and the FTS5 search
// cheap whatever a reader types.
const (
	maxQueryLen = 500 // characters
	maxDepth    = 20  // nested parentheses and exclusions
)

// Parse parses a topic query:
//
//	query   = or
//	or      = and { "OR" and }
//	and     = unary { ["AND"] unary }
//	unary   = ("-" | "NOT") unary | "(" or ")" | term
//	term    = [field ":"] (word["*"] | "\"" phrase "\""["*"])
//	        | "cat:" category | "upvotes:" [op] count
//	field   = title | abstract | author | org
//	op      = ">" | ">=" | "<" | "<=" | "="
//
// Words next to each other must all match; "-" (glued to what it excludes)
// and NOT bind tightest, then the implicit AND, then OR, so `a b OR c` is
// `(a b) OR c`. OR, AND and NOT are keywords only in upper case. Words are
// split and folded as the FTS5 index does (see Words): case and Latin accents
// never matter, and a word with punctuation inside is a phrase (`long-context`
// is "long context", `gpt-4o` is "gpt 4o"). A trailing "*" makes the last word
// a prefix. A scope applies to the word or phrase glued after its colon; an
// unscoped word searches the title and the abstract. An author's name of
// several words matches within one author, and a one-letter word in it is
// an initial: `author:"D. Wübben"` finds Dirk Wübben, as `author:wubben` does. `cat:cs.CL` is one arXiv
// category, `cat:cs.*` or `cat:cs` every category of the archive.
// `upvotes:10` means at least 10, as `upvotes:>=10` does.
//
// A query must look for something: its top level and every branch of an OR
// need a term that is not excluded (`-a`, `NOT a` and `a OR -b` are refused).
// Errors are *Error.
func Parse(s string) (*Query, error) {
	if !utf8.ValidString(s) {
		return nil, &Error{Msg: "query is not valid UTF-8"}
	}
	tooLong := &Error{Msg: fmt.Sprintf("query is longer than %d characters", maxQueryLen)}
	if utf8.RuneCountInString(s) > maxQueryLen {
		return nil, tooLong
	}
	if strings.TrimSpace(s) == "" {
		return nil, &Error{Msg: "query is empty"}
	}
	p := &parser{lex: lexer{rs: []rune(s)}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	col := p.tok.col
	root, positive, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEnd {
		return nil, &Error{Column: p.tok.col, Msg: `unmatched ")"`}
	}
	if !positive {
		return nil, onlyExclusions(col)
	}
	q := &Query{Text: s, Root: root}
	// The canonical form can be a little longer than what was typed
	// ("a(b OR c)" gains a space); refusing it here keeps it parseable.
	if utf8.RuneCountInString(q.String()) > maxQueryLen {
		return nil, tooLong
	}
	return q, nil
}

// parser is a recursive-descent parser with one token of lookahead; its
// depth counter bounds the recursion.
type parser struct {
	lex   lexer
	tok   token
	depth int
}

func (p *parser) advance() (err error) {
	p.tok, err = p.lex.next()
	return err
}

func (p *parser) unexpected(expected string) error {
	if p.tok.kind == tokEnd {
		return &Error{Column: p.tok.col, Msg: "unexpected end of query", Expected: expected}
	}
	return &Error{Column: p.tok.col, Msg: fmt.Sprintf("unexpected %q", p.tok.raw), Expected: expected}
}

func onlyExclusions(col int) error {
	return &Error{Column: col, Msg: "only exclusions", Expected: "a word or phrase to look for"}
}

// or parses OR-ed branches. positive reports whether the result matches
// something by itself rather than only by excluding.
func (p *parser) or() (n Node, positive bool, err error) {
	var nodes []Node
	var cols []int
	var positives []bool
	for {
		cols = append(cols, p.tok.col)
		n, positive, err := p.and()
		if err != nil {
			return nil, false, err
		}
		nodes, positives = append(nodes, n), append(positives, positive)
		if p.tok.kind != tokOr {
			break
		}
		if err := p.advance(); err != nil {
			return nil, false, err
		}
	}
	if len(nodes) == 1 {
		return nodes[0], positives[0], nil
	}
	for i, positive := range positives {
		if !positive {
			return nil, false, onlyExclusions(cols[i])
		}
	}
	var flat []Node
	for _, n := range nodes {
		if or, ok := n.(Or); ok {
			flat = append(flat, or.Nodes...)
		} else {
			flat = append(flat, n)
		}
	}
	return Or{Nodes: flat}, true, nil
}

func (p *parser) and() (n Node, positive bool, err error) {
	var nodes []Node
	for {
		switch p.tok.kind {
		case tokEnd, tokClose, tokOr:
			if len(nodes) == 0 {
				return nil, false, p.unexpected("a word, phrase or group")
			}
			if len(nodes) == 1 {
				return nodes[0], positive, nil
			}
			var flat []Node
			for _, n := range nodes {
				if and, ok := n.(And); ok {
					flat = append(flat, and.Nodes...)
				} else {
					flat = append(flat, n)
				}
			}
			return And{Nodes: flat}, positive, nil
		case tokAnd:
			if len(nodes) == 0 {
				return nil, false, p.unexpected("a word, phrase or group")
			}
			if err := p.advance(); err != nil {
				return nil, false, err
			}
			switch p.tok.kind {
			case tokEnd, tokClose, tokOr, tokAnd:
				return nil, false, p.unexpected("a word, phrase or group")
			}
		}
		n, ok, err := p.unary()
		if err != nil {
			return nil, false, err
		}
		nodes, positive = append(nodes, n), positive || ok
	}
}

func (p *parser) unary() (n Node, positive bool, err error) {
	t := p.tok
	switch t.kind {
	case tokNot, tokOpen:
		if p.depth == maxDepth {
			return nil, false, &Error{Column: t.col, Msg: "query nests too deep",
				Expected: fmt.Sprintf("at most %d levels of parentheses and exclusions", maxDepth)}
		}
		p.depth++
		defer func() { p.depth-- }()
		if err := p.advance(); err != nil {
			return nil, false, err
		}
		if t.kind == tokNot {
			n, _, err := p.unary()
			if err != nil {
				return nil, false, err
			}
			return Not{Node: n}, false, nil
		}
		n, positive, err := p.or()
		if err != nil {
			return nil, false, err
		}
		if p.tok.kind != tokClose {
			return nil, false, &Error{Column: t.col, Msg: `unclosed "("`, Expected: `a ")" to match it`}
		}
		return n, positive, p.advance()
	case tokField:
		n, err := p.scoped()
		return n, true, err
	case tokWord, tokPhrase:
		n, err := textTerm(FieldAny, t)
		if err != nil {
			return nil, false, err
		}
		return n, true, p.advance()
	}
	return nil, false, p.unexpected("a word, phrase or group")
}

// scoped parses a field and the value glued to its colon.
func (p *parser) scoped() (Node, error) {
	f := p.tok
	if err := p.advance(); err != nil {
		return nil, err
	}
	v := p.tok
	if !v.glued || v.kind == tokEnd {
		return nil, &Error{Column: f.col, Msg: fmt.Sprintf("empty %q", f.raw), Expected: "a value right after the colon"}
	}
	var n Node
	var err error
	switch {
	case f.text == "upvotes" && v.kind == tokWord:
		n, err = upvotesTerm(v)
	case f.text == "cat" && v.kind == tokWord:
		n, err = catTerm(v)
	case f.text != "upvotes" && f.text != "cat" && (v.kind == tokWord || v.kind == tokPhrase):
		n, err = textTerm(Field(f.text), v)
	default:
		return nil, p.unexpected(fmt.Sprintf("a value after %q", f.raw))
	}
	if err != nil {
		return nil, err
	}
	return n, p.advance()
}
