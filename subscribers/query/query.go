package query

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Query is a parsed topic query. See Parse for the language.
type Query struct {
	Text string // as the reader typed it
	Root Node
}

// String returns the query's canonical form: lower-case words, phrases in
// quotes, "-" for exclusion and only the parentheses the meaning needs.
// Parsing it gives the same query back.
func (q *Query) String() string { return q.Root.String() }

// Terms returns the query's positive terms (those not excluded) in the order
// they were typed: the words to highlight and to rank by.
func (q *Query) Terms() []Term {
	var terms []Term
	var walk func(Node)
	walk = func(n Node) {
		switch n := n.(type) {
		case Term:
			terms = append(terms, n)
		case And:
			for _, c := range n.Nodes {
				walk(c)
			}
		case Or:
			for _, c := range n.Nodes {
				walk(c)
			}
		}
	}
	walk(q.Root)
	return terms
}

// TermsIn returns the positive terms that search field f: highlighting a
// title with TermsIn(FieldTitle) leaves out the abstract: terms.
func (q *Query) TermsIn(f Field) []Term {
	var terms []Term
	for _, t := range q.Terms() {
		if t.Searches(f) {
			terms = append(terms, t)
		}
	}
	return terms
}

// Node is a node of a query's syntax tree: And, Or, Not, Term or Upvotes.
type Node interface {
	// String returns the node in the query language's canonical form.
	String() string
	node()
}

// And matches papers that all of its nodes match.
type And struct{ Nodes []Node }

// Or matches papers that any of its nodes matches.
type Or struct{ Nodes []Node }

// Not matches papers that its node does not match.
type Not struct{ Node Node }

// Field is what a term searches.
type Field string

// The fields a term can be scoped to. An unscoped term (FieldAny) searches
// the title and the abstract.
const (
	FieldAny      Field = ""
	FieldTitle    Field = "title"
	FieldAbstract Field = "abstract"
	FieldAuthor   Field = "author"
	FieldCat      Field = "cat"
	FieldOrg      Field = "org"
)

// Term is a word, a phrase or a prefix in one field. Words holds folded
// words (see Words); more than one is a phrase, matched as consecutive
// words. Prefix makes the last word a prefix. For FieldCat, Words holds one
// lower-case arXiv category ("cs.cl"), or with Prefix an archive ("cs") that
// matches every category in it.
type Term struct {
	Field  Field
	Words  []string
	Prefix bool
}

// Searches reports whether t looks at field f: its own field, or the title
// and the abstract for an unscoped term.
func (t Term) Searches(f Field) bool {
	return t.Field == f || t.Field == FieldAny && (f == FieldTitle || f == FieldAbstract)
}

// IsName reports whether t is an author's name of several words, which
// matches within one author's name (a one-letter word as an initial: a
// prefix), never across two.
func (t Term) IsName() bool {
	return t.Field == FieldAuthor && len(t.Words) > 1
}

// IsInitial reports whether a folded word is a single letter: in a name,
// an initial.
func IsInitial(w string) bool {
	r, size := utf8.DecodeRuneInString(w)
	return size == len(w) && unicode.IsLetter(r)
}

// Upvotes compares a paper's Hugging Face upvotes with N; Op is one of
// ">", ">=", "<", "<=", "=".
type Upvotes struct {
	Op string
	N  int
}

func (And) node()     {}
func (Or) node()      {}
func (Not) node()     {}
func (Term) node()    {}
func (Upvotes) node() {}

// String returns the nodes ANDed, an Or among them in parentheses.
func (n And) String() string {
	parts := make([]string, len(n.Nodes))
	for i, c := range n.Nodes {
		if _, ok := c.(Or); ok {
			parts[i] = "(" + c.String() + ")"
		} else {
			parts[i] = c.String()
		}
	}
	return strings.Join(parts, " ")
}

// String returns the nodes joined by OR.
func (n Or) String() string {
	parts := make([]string, len(n.Nodes))
	for i, c := range n.Nodes {
		parts[i] = c.String()
	}
	return strings.Join(parts, " OR ")
}

// String returns the node after a "-".
func (n Not) String() string {
	switch n.Node.(type) {
	case And, Or:
		return "-(" + n.Node.String() + ")"
	}
	return "-" + n.Node.String()
}

// String returns the term as a field prefix and a word, a "phrase" or a
// prefix*; a category as cat:cs.cl or cat:cs.*.
func (t Term) String() string {
	var b strings.Builder
	if t.Field != FieldAny {
		b.WriteString(string(t.Field) + ":")
	}
	switch {
	case t.Field == FieldCat && t.Prefix:
		b.WriteString(strings.Join(t.Words, "") + ".*")
	case t.Field == FieldCat || len(t.Words) == 1:
		b.WriteString(strings.Join(t.Words, " "))
	default:
		b.WriteString(`"` + strings.Join(t.Words, " ") + `"`)
	}
	if t.Prefix && t.Field != FieldCat {
		b.WriteString("*")
	}
	return b.String()
}

// String returns the comparison as upvotes:>=N.
func (u Upvotes) String() string { return "upvotes:" + u.Op + strconv.Itoa(u.N) }

// Error is a query that cannot be parsed: what is wrong, where (Column
// counts characters from 1; 0 when the whole query is at fault) and what
// would have fitted there.
type Error struct {
	Column   int
	Msg      string
	Expected string
}

// Error reads like `unexpected ")" at column 14, expected a word or phrase`.
func (e *Error) Error() string {
	s := e.Msg
	if e.Column > 0 {
		s += fmt.Sprintf(" at column %d", e.Column)
	}
	if e.Expected != "" {
		s += ", expected " + e.Expected
	}
	return s
}

// Is makes a Error match ErrInvalid: the query is the reader's to fix.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// ErrInvalid matches (with errors.Is) a query that cannot be parsed, and
// every other error about a value a reader typed (subscribers.ErrInvalid
// is this one): such errors are the reader's to fix.
var ErrInvalid = errInvalid{}

type errInvalid struct{}

func (errInvalid) Error() string { return "invalid" }
