package sqlite

import (
	"database/sql"
	"slices"
	"strconv"
	"strings"

	"github.com/digestd/digestd/subscribers/query"
)

// ftsWindow keeps an FTS5 search to the window's row ids: FTS5 seeks to the
// range instead of reading every match in the whole archive.
const ftsWindow = "rowid > :after AND rowid <= :until"

// compiler turns a validated query into an SQL condition on papers p. Parts
// that FTS5 can evaluate together become one MATCH; categories, upvotes and
// whatever FTS5 cannot say (an exclusion with nothing positive beside it)
// become plain SQL. What the reader typed only ever reaches SQLite as a
// bound parameter, and inside FTS5 expressions only as quoted strings.
type compiler struct{ args []any }

// bind adds a parameter and returns its placeholder.
func (c *compiler) bind(v any) string {
	name := "q" + strconv.Itoa(len(c.args))
	c.args = append(c.args, sql.Named(name, v))
	return ":" + name
}

func (c *compiler) cond(n query.Node) string {
	if expr, ok := ftsExpr(n); ok {
		return "p.id IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH " + c.bind(expr) + " AND " + ftsWindow + ")"
	}
	switch n := n.(type) {
	case query.And:
		return c.group(n.Nodes, true)
	case query.Or:
		return c.group(n.Nodes, false)
	case query.Not:
		return "NOT (" + c.cond(n.Node) + ")"
	case query.Upvotes:
		// n.Op is one of validate's five comparisons.
		return "p.upvotes " + n.Op + " " + c.bind(n.N)
	}
	// Validated and not for FTS5 alone: a category or a name.
	t := n.(query.Term)
	if t.IsName() {
		return c.name(t)
	}
	return c.category(t)
}

// name matches an author's name of several words within one name: FTS5
// indexes the authors as one text, where the phrase "wang jun" would also
// match "Lei Wang, Jun Wang". highlight() brackets each match in column 2,
// authors, the stored JSON list of names; a match within one name leaves
// both brackets in that name. Malformed JSON (a bracket inside an escape) counts as no match.
func (c *compiler) name(t query.Term) string {
	marked := "highlight(papers_fts, 2, '⟦', '⟧')"
	return "p.id IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH " + c.bind(termExpr(t)) + " AND " + ftsWindow +
		" AND EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(" + marked + ") THEN " + marked + " ELSE '[]' END)" +
		" WHERE value LIKE '%⟦%⟧%'))"
}

// group joins the conditions of an AND's or an OR's nodes, evaluating the
// ones FTS5 can take (for an AND also their exclusions) in one MATCH.
func (c *compiler) group(nodes []query.Node, and bool) string {
	var text, rest []query.Node
	for _, n := range nodes {
		not, isNot := n.(query.Not)
		if _, ok := ftsExpr(n); ok || and && isNot && isFTS(not.Node) {
			text = append(text, n)
		} else {
			rest = append(rest, n)
		}
	}
	var combined query.Node = query.Or{Nodes: text}
	if and {
		combined = query.And{Nodes: text}
	}
	if len(text) > 1 && isFTS(combined) {
		rest = append(rest, combined)
	} else {
		rest = append(rest, text...)
	}
	parts := make([]string, len(rest))
	for i, n := range rest {
		parts[i] = c.cond(n)
	}
	if and {
		return "(" + strings.Join(parts, " AND ") + ")"
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// category matches the JSON list papers.categories exactly, not through
// FTS5, where `["math.CO","cs.CL"]` reads as the words "math co cs cl" and a
// phrase could span two categories.
func (c *compiler) category(t query.Term) string {
	cat := strings.ToLower(t.Words[0])
	if !t.Prefix {
		return "EXISTS (SELECT 1 FROM json_each(p.categories) WHERE lower(value) = " + c.bind(cat) + ")"
	}
	like := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(cat) + ".%"
	return "EXISTS (SELECT 1 FROM json_each(p.categories) WHERE lower(value) = " + c.bind(cat) +
		" OR value LIKE " + c.bind(like) + ` ESCAPE '\')`
}

func isFTS(n query.Node) bool {
	_, ok := ftsExpr(n)
	return ok
}

// ftsExpr writes n as an FTS5 expression; ok is false when FTS5 cannot
// evaluate n by itself: a category, a name, upvotes, an exclusion on its own.
func ftsExpr(n query.Node) (expr string, ok bool) {
	switch n := n.(type) {
	case query.Term:
		if n.Field == query.FieldCat || n.IsName() {
			return "", false
		}
		return termExpr(n), true
	case query.And:
		var pos, neg []string
		for _, c := range n.Nodes {
			if not, isNot := c.(query.Not); isNot {
				e, ok := ftsExpr(not.Node)
				if !ok {
					return "", false
				}
				neg = append(neg, e)
			} else if e, ok := ftsExpr(c); ok {
				pos = append(pos, e)
			} else {
				return "", false
			}
		}
		if len(pos) == 0 {
			return "", false
		}
		expr = "(" + strings.Join(pos, " AND ") + ")"
		for _, e := range neg {
			expr = "(" + expr + " NOT " + e + ")"
		}
		return expr, true
	case query.Or:
		parts := make([]string, len(n.Nodes))
		for i, c := range n.Nodes {
			if parts[i], ok = ftsExpr(c); !ok {
				return "", false
			}
		}
		return "(" + strings.Join(parts, " OR ") + ")", true
	}
	return "", false
}

// termExpr writes a text term as an FTS5 expression: column filter and phrase.
func termExpr(t query.Term) string { return ftsColumn(t.Field) + " : " + ftsPhrase(t) }

// ftsPhrase writes a term's words as an FTS5 phrase. Every word goes inside
// a double-quoted string, its quotes doubled: FTS5 reads it as text, never
// as operators or column names. In a name of several words, a one-letter
// word is an initial and matches as a prefix, so `author:"D. Wübben"` finds
// Dirk Wübben.
func ftsPhrase(t query.Term) string {
	quote := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	if t.Field != query.FieldAuthor || len(t.Words) == 1 || !slices.ContainsFunc(t.Words, query.IsInitial) {
		expr := quote(strings.Join(t.Words, " "))
		if t.Prefix {
			expr += " *"
		}
		return expr
	}
	parts := make([]string, len(t.Words))
	for i, w := range t.Words {
		parts[i] = quote(w)
		if query.IsInitial(w) || t.Prefix && i == len(t.Words)-1 {
			parts[i] += " *"
		}
	}
	return "(" + strings.Join(parts, " + ") + ")"
}

// ftsColumn is the papers_fts column filter for a field: an unscoped term
// searches the title and the abstract.
func ftsColumn(f query.Field) string {
	switch f {
	case query.FieldAny:
		return "{title abstract}"
	case query.FieldTitle:
		return "title"
	case query.FieldAbstract:
		return "abstract"
	case query.FieldAuthor:
		return "authors"
	case query.FieldOrg:
		return "org"
	}
	return ""
}
