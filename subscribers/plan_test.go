package subscribers

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"github.com/digestd/digestd/internal/schema"
)

// TestTokenQueriesSeekAnIndex: the purge and the hourly count run over a
// table holding a token for every digest of the last year. A plan that
// reads the whole table still answers right, only slower every night;
// this test fails then.
func TestTokenQueriesSeekAnIndex(t *testing.T) {
	db, err := sql.Open("sqlite3", filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := schema.Apply(t.Context(), db, Schema); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, query, want string }{
		{"purge", purgeQuery, "USING COVERING INDEX tokens_expiry (expires_at<?)"},
		{"confirmations in the hour", confirmationsQuery, "USING COVERING INDEX tokens_confirmations (mailed_at>?)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := db.Query("EXPLAIN QUERY PLAN "+tt.query, 1, 2)
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
			if got := strings.Join(plan, "; "); !strings.Contains(got, tt.want) {
				t.Errorf("plan: got %q, want %q", got, tt.want)
			}
		})
	}
}
