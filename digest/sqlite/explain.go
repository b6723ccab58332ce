package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/digestd/digestd/subscribers/query"
)

// Explain shows how Match runs q: the SQL condition a paper must meet, the
// FTS5 expressions it binds, and the expression relevance is computed for.
// Match adds the window (:after, :until, arrival, papers already sent) to
// the condition.
func Explain(q *query.Query) (string, error) {
	if q == nil || q.Root == nil {
		return "", errors.New("explain: no query")
	}
	if err := validate(q.Root); err != nil {
		return "", fmt.Errorf("explain %q: %w", q.Text, err)
	}
	var c compiler
	var b strings.Builder
	fmt.Fprintf(&b, "query:     %s\n", q)
	fmt.Fprintf(&b, "condition: %s\n", c.cond(q.Root))
	for _, a := range c.args {
		arg := a.(sql.NamedArg)
		if s, ok := arg.Value.(string); ok {
			fmt.Fprintf(&b, "  :%s = '%s'\n", arg.Name, strings.ReplaceAll(s, "'", "''"))
		} else {
			fmt.Fprintf(&b, "  :%s = %v\n", arg.Name, arg.Value)
		}
	}
	if expr := rankExpr(q.Terms()); expr != "" {
		fmt.Fprintf(&b, "relevance: -bm25(papers_fts, %s) for MATCH '%s'\n", bm25Weights, strings.ReplaceAll(expr, "'", "''"))
	} else {
		b.WriteString("relevance: 0 (no text terms: upvotes alone rank)\n")
	}
	b.WriteString("score:     relevance + ln(1 + upvotes)\n")
	return b.String(), nil
}
