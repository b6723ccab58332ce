package sqlite

// Performance guards: SQLite's plans for the queries a pass runs for every
// reader or every send. A plan that reads a table where it should seek an
// index still gives the right answer, only slower with every night of
// archive; these tests fail then. The figures behind each are in
// docs/PERFORMANCE.md.

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/subscribers/query"
)

// queryPlan is SQLite's plan for query, its steps joined by "; ".
func queryPlan(t *testing.T, db *sql.DB, qtext string, args ...any) string {
	t.Helper()
	rows, err := db.Query(`EXPLAIN QUERY PLAN `+qtext, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "; ")
}

// TestHistorySeeksOneRowEach: a pass asks, for every reader, whether
// they have their digest already and where their next one starts. It must
// cost an index seek each, not a read of every digest they were ever sent:
// with a year of nightly digests that was ~670 µs a reader (a minute for
// 100,000), ~14 µs with the index.
func TestHistorySeeksOneRowEach(t *testing.T) {
	db := openTestDB(t, filepath.Join(t.TempDir(), "digestd.db"))
	got := queryPlan(t, db, historyQuery, `[[1, "2026-11-28"]]`)
	for _, want := range []string{"INDEX digests_window (subscriber_id=?)", "(subscriber_id=? AND period=?)"} {
		if !strings.Contains(got, want) {
			t.Errorf("history's plan: %q, want a search %q", got, want)
		}
	}
	if got := queryPlan(t, db, sentAfterQuery, `[[1, 100]]`); !strings.Contains(got, "PRIMARY KEY (subscriber_id=? AND paper_id>?)") {
		t.Errorf("papers sent's plan: %q, want a search of sent_papers' key", got)
	}
}

// TestApplySentSeeksEachDigest: a write applying the sent log finds each
// entry's digest by its row id. Through digests_pending it read every
// pending digest for each entry — a pass's queue of them, a JSON array
// walked for each — and the pass took more CPU than when each send was
// its own transaction in the outbox.
func TestApplySentSeeksEachDigest(t *testing.T) {
	db := openTestDB(t, filepath.Join(t.TempDir(), "digestd.db"))
	for _, qtext := range []string{forgetFailuresQuery, recordSentQuery} {
		got := queryPlan(t, db, qtext, `[[1, 2, "2026-11-28", 100]]`)
		if !strings.Contains(got, "USING INTEGER PRIMARY KEY (rowid=?)") || strings.Contains(got, "digests_pending") {
			t.Errorf("plan %q, want each digest by its row id, not through digests_pending", got)
		}
	}
}

// TestMatchSearchesEachTopicOnce: the relevance search is run once per
// topic, not again for each paper the condition keeps (as when SQLite
// flattened it into the join: ~2 ms a topic over 2,000 papers, 0.7 ms
// once; docs/PERFORMANCE.md).
func TestMatchSearchesEachTopicOnce(t *testing.T) {
	db := openTestDB(t, filepath.Join(t.TempDir(), "digestd.db"))
	for _, text := range []string{`title:"large language"`, `agents -"large language models"`, `author:"yann lecun" OR diffusion`} {
		q, err := query.Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		qtext, args := matchSQL(q, digest.Window{UntilID: 100})
		got := queryPlan(t, db, qtext, args...)
		if !strings.Contains(got, "MATERIALIZE r") || strings.Contains(got, "INDEX 0:=M") {
			t.Errorf("%s: plan %q, want the relevance search materialized once, not scanned per paper", text, got)
		}
	}
}
