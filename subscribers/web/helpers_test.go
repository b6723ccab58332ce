package web_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/digestd/digestd/digest/sqlite"

	"github.com/digestd/digestd/subscribers"
)

// newStore opens a fresh, migrated database under t.TempDir().
func newStore(t *testing.T) (*subscribers.Store, *sql.DB) {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "digestd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return subscribers.NewStore(db), db
}

// add stores a subscriber with default settings or fails the test.
func add(t *testing.T, st *subscribers.Store, email string, status subscribers.Status, topics ...string) subscribers.Subscriber {
	t.Helper()
	sub, err := st.Add(t.Context(), email, status, subscribers.DefaultSettings(), topics)
	if err != nil {
		t.Fatalf("Add(%s): %v", email, err)
	}
	return sub
}

// count runs a SELECT count(*) query.
func count(t *testing.T, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// topicQueries returns a subscriber's stored topics as text.
func topicQueries(t *testing.T, st *subscribers.Store, id int64) []string {
	t.Helper()
	topics, err := st.Topics(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	var qs []string
	for _, tp := range topics {
		qs = append(qs, tp.Query)
	}
	return qs
}
