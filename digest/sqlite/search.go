package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/subscribers/query"
)

// Matcher finds the stored papers a topic query matches and ranks them.
//
// Every list of papers digestd shows for a query (digest, preview, topics
// test) is in the order of one score:
//
//	score = relevance + ln(1 + upvotes)
//	relevance = -bm25(papers_fts, 4, 1, 2, 1, 2)
//
// bm25 is FTS5's (always ≤ 0, hence the minus), computed for the OR of the
// query's positive text terms, with the columns title, abstract, authors,
// categories, org weighted 4, 1, 2, 1, 2: a word in the title counts four
// times one in the abstract, so at equal upvotes a title hit outranks an
// abstract-only one. relevance is 0 for a query without text terms
// (`cat:cs.CL upvotes:>=10`) and for a paper that matched without one (the
// upvotes branch of `title:x OR upvotes:>=100`). ln(1 + upvotes) lets a paper
// many readers liked rise above a slightly better text match: relevance
// typically spans a few units, as ln(1 + upvotes) does from 0 to 100 upvotes.
// Ties go to the more recently published paper, then to the lower row id.
type Matcher struct{ db *sql.DB }

// NewMatcher returns a Matcher over a database opened with Open.
func NewMatcher(db *sql.DB) *Matcher { return &Matcher{db: db} }

// bm25Weights are papers_fts's column weights: title, abstract, authors,
// categories, org.
const bm25Weights = "4.0, 1.0, 2.0, 1.0, 2.0"

// Match returns the papers in w that q matches, best first: at most
// w.Limit of them, 50 when it is 0.
func (m *Matcher) Match(ctx context.Context, q *query.Query, w digest.Window) ([]digest.Match, error) {
	if q == nil || q.Root == nil {
		return nil, errors.New("match: no query")
	}
	if err := validate(q.Root); err != nil {
		return nil, fmt.Errorf("match %q: %w", q.Text, err)
	}
	qtext, args := matchSQL(q, w)
	rows, err := m.db.QueryContext(ctx, qtext, args...)
	if err != nil {
		return nil, fmt.Errorf("match %q: %w", q.Text, err)
	}
	defer rows.Close()
	type ranked struct {
		digest.Match
		published int64
	}
	var all []ranked
	for rows.Next() {
		var r ranked
		var upvotes int
		var rel float64
		if err := rows.Scan(&r.PaperID, &upvotes, &r.published, &rel); err != nil {
			return nil, fmt.Errorf("match %q: %w", q.Text, err)
		}
		r.Score = rel + math.Log1p(float64(max(upvotes, 0)))
		all = append(all, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("match %q: %w", q.Text, err)
	}
	slices.SortFunc(all, func(a, b ranked) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(b.published, a.published), cmp.Compare(a.PaperID, b.PaperID))
	})
	matches := make([]digest.Match, 0, min(len(all), w.Max()))
	for _, r := range all[:min(len(all), w.Max())] {
		matches = append(matches, r.Match)
	}
	return matches, nil
}

// matchSQL is the query Match runs for q over w, and its arguments. Its
// rows are a matching paper's row id, upvotes, publication time and
// relevance (bm25, 0 when q has no text term).
func matchSQL(q *query.Query, w digest.Window) (string, []any) {
	until := w.UntilID
	if until == 0 {
		until = math.MaxInt64
	}
	c := compiler{args: []any{
		sql.Named("after", w.AfterID), sql.Named("until", until),
		sql.Named("arrived", unix(w.ArrivedAfter)), sql.Named("sent_to", w.ExcludeSentTo),
	}}
	with, relevance, join := "", "0.0", ""
	if expr := rankExpr(q.Terms()); expr != "" {
		// MATERIALIZED: flattened into the join, the search would run
		// again for every paper the condition keeps, FTS5 reading the
		// terms' whole lists each time.
		with = `WITH r AS MATERIALIZED (SELECT rowid AS id, bm25(papers_fts, ` + bm25Weights + `) AS bm
			FROM papers_fts WHERE papers_fts MATCH ` + c.bind(expr) + ` AND ` + ftsWindow + `) `
		relevance, join = "coalesce(-r.bm, 0.0)", "LEFT JOIN r ON r.id = p.id"
	}
	// The score's logarithm is taken in Go: SQLite's math functions are not
	// compiled into go-sqlite3 by default. A window holds days of papers, so
	// sorting its matches in Go is cheap.
	return with + `SELECT p.id, p.upvotes, p.published_at, ` + relevance + `
		FROM papers p ` + join + `
		WHERE p.id > :after AND p.id <= :until AND p.arrived_at > :arrived
		AND NOT EXISTS (SELECT 1 FROM sent_papers s WHERE s.subscriber_id = :sent_to AND s.paper_id = p.id)
		AND ` + c.cond(q.Root), c.args
}

// rankExpr is the FTS5 expression relevance is computed for: any positive
// text term. Categories are a yes/no filter, not a degree of relevance.
func rankExpr(terms []query.Term) string {
	var parts []string
	for _, t := range terms {
		if t.Field != query.FieldCat {
			parts = append(parts, termExpr(t))
		}
	}
	return strings.Join(parts, " OR ")
}

// validate checks a syntax tree ParseQuery did not necessarily build, so
// that compiling it cannot go wrong.
func validate(n query.Node) error {
	switch n := n.(type) {
	case query.And:
		return validateAll(n.Nodes)
	case query.Or:
		return validateAll(n.Nodes)
	case query.Not:
		return validate(n.Node)
	case query.Term:
		switch {
		case len(n.Words) == 0:
			return fmt.Errorf("term %s has no words", n)
		case n.Field == query.FieldCat && len(n.Words) != 1:
			return fmt.Errorf("term %s names more than one category", n)
		case n.Field != query.FieldCat && ftsColumn(n.Field) == "":
			return fmt.Errorf("term %s: unknown field %q", n, n.Field)
		}
		return nil
	case query.Upvotes:
		switch n.Op {
		case ">", ">=", "<", "<=", "=":
			return nil
		}
		return fmt.Errorf("upvotes: unknown comparison %q", n.Op)
	}
	return fmt.Errorf("unknown query node %T", n)
}

func validateAll(nodes []query.Node) error {
	if len(nodes) == 0 {
		return errors.New("empty AND or OR")
	}
	for _, n := range nodes {
		if err := validate(n); err != nil {
			return err
		}
	}
	return nil
}
