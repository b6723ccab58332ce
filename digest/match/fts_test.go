package match_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/match"
	"github.com/digestd/digestd/digest/sqlite"
	"github.com/digestd/digestd/subscribers/query"
)

// ftsEnv is a digestd database and its FTS5 matcher: the reference the
// engine must agree with.
type ftsEnv struct {
	db      *sql.DB
	store   *sqlite.Store
	matcher *sqlite.Matcher
}

func newFTSEnv(tb testing.TB) ftsEnv {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "digestd.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	store, err := sqlite.NewStore(ctx, db)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	return ftsEnv{db: db, store: store, matcher: sqlite.NewMatcher(db)}
}

// save stores papers through SavePapers, as a fetch does.
func (e ftsEnv) save(tb testing.TB, papers []digest.Paper) {
	tb.Helper()
	if _, err := e.store.SavePapers(context.Background(), papers); err != nil {
		tb.Fatal(err)
	}
}

// docs reads every stored paper as the engine indexes it: the values of
// its row.
func (e ftsEnv) docs(tb testing.TB) []match.Doc {
	tb.Helper()
	rows, err := e.db.Query(`SELECT id, title, abstract, authors, categories, org, upvotes, published_at, arrived_at FROM papers ORDER BY id`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var docs []match.Doc
	for rows.Next() {
		var d match.Doc
		var authors, categories string
		if err := rows.Scan(&d.ID, &d.Title, &d.Abstract, &authors, &categories, &d.Org, &d.Upvotes, &d.Published, &d.Arrived); err != nil {
			tb.Fatal(err)
		}
		if err := json.Unmarshal([]byte(authors), &d.Authors); err != nil {
			tb.Fatal(err)
		}
		if err := json.Unmarshal([]byte(categories), &d.Categories); err != nil {
			tb.Fatal(err)
		}
		docs = append(docs, d)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return docs
}

// index builds the engine's index over every stored paper.
func (e ftsEnv) index(tb testing.TB) *match.Index {
	tb.Helper()
	ix, err := match.NewIndex(e.docs(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return ix
}

// window is the digest.Window that selects what f selects, every match.
func window(f match.Filter) digest.Window {
	w := digest.Window{AfterID: f.AfterID, UntilID: f.UntilID, Limit: math.MaxInt32}
	if f.ArrivedAfter != 0 {
		w.ArrivedAfter = time.Unix(f.ArrivedAfter, 0)
	}
	return w
}

// diff returns how the engine's answer to q differs from FTS5's: "" when
// both give the same papers in the same order with scores equal within
// 1e-9 relative.
func (e ftsEnv) diff(tb testing.TB, ix *match.Index, q *query.Query, f match.Filter) string {
	tb.Helper()
	want, err := e.matcher.Match(context.Background(), q, window(f))
	if err != nil {
		tb.Fatalf("sqlite.Matcher %q: %v", q.Text, err)
	}
	got, err := ix.Match(q, f)
	if err != nil {
		tb.Fatalf("Index.Match %q: %v", q.Text, err)
	}
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			return fmt.Sprintf("got %d matches, want %d: paper %d (score %v) missing", len(got), len(want), want[i].PaperID, want[i].Score)
		case i >= len(want):
			return fmt.Sprintf("got %d matches, want %d: paper %d (score %v) extra", len(got), len(want), got[i].PaperID, got[i].Score)
		case got[i].PaperID != want[i].PaperID:
			return fmt.Sprintf("match %d: got paper %d (score %v), want paper %d (score %v)", i, got[i].PaperID, got[i].Score, want[i].PaperID, want[i].Score)
		case math.Abs(got[i].Score-want[i].Score) > 1e-9*math.Abs(want[i].Score):
			return fmt.Sprintf("paper %d: got score %v, want %v", got[i].PaperID, got[i].Score, want[i].Score)
		}
	}
	return ""
}

// check fails t when the engine and FTS5 disagree on query.
func (e ftsEnv) check(t *testing.T, ix *match.Index, qtext string, f match.Filter) {
	t.Helper()
	q, err := query.Parse(qtext)
	if err != nil {
		t.Fatalf("query.Parse(%q): %v", qtext, err)
	}
	if d := e.diff(t, ix, q, f); d != "" {
		t.Errorf("%s: %s", qtext, d)
	}
}
