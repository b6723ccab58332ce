package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/internal/schema"
	"github.com/digestd/digestd/subscribers"
)

func openTestDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// wantAllMigrations fails the test unless db holds every migration this
// digestd knows.
func wantAllMigrations(t *testing.T, db *sql.DB) {
	t.Helper()
	have, want, err := SchemaVersion(context.Background(), db)
	if err != nil || have != want || want == 0 {
		t.Errorf("got schema version %d of %d (%v), want all", have, want, err)
	}
}

// legacySteps are the migrations a database of digestd before December
// 2026 held at version v of its single list: each owner's steps that list
// took, in its order.
func legacySteps(v int) []string {
	var steps []string
	for k := 1; k <= v; k++ {
		for _, s := range schemas {
			for i, l := range s.Legacy {
				if l == k {
					steps = append(steps, s.Steps[i])
				}
			}
		}
	}
	return steps
}

func TestOpenDBCreatesFolderAndSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "sub", "digestd.db")
	db := openTestDB(t, path)
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || !fi.IsDir() {
		t.Fatalf("got folder %v (%v), want it created", fi, err)
	}
	for _, name := range []string{"papers", "papers_fts", "subscribers", "topics", "tokens", "digests", "sent_papers", "runs"} {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = ?`, name).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s: got %d (%v), want 1", name, n, err)
		}
	}
	wantAllMigrations(t, db)
}

func TestOpenDBReopenAppliesNothingTwice(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "digestd.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SavePapers(ctx, []digest.Paper{{ID: "2410.13276", Title: "Kept", Source: "arxiv"}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db.Close()
	for i := range 2 {
		db := openTestDB(t, path)
		wantAllMigrations(t, db)
		var title string
		if err := db.QueryRow(`SELECT title FROM papers WHERE arxiv_id = '2410.13276'`).Scan(&title); err != nil || title != "Kept" {
			t.Errorf("reopen %d: got title %q (%v), want %q", i+1, title, err, "Kept")
		}
	}
}

// openUnmigrated opens a new database file under the test's directory
// without applying any migration, for a test to build an older digestd's
// database in; the caller closes it and opens its path with Open.
func openUnmigrated(t *testing.T) (string, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "digestd.db")
	db, err := openSQLite(context.Background(), path, url.Values{"_foreign_keys": {"on"}})
	if err != nil {
		t.Fatal(err)
	}
	return path, db
}

// TestSentPapersMigrationKeepsRows: the migration that rebuilds
// sent_papers keeps every row of a database made before it, and a reader
// deleted afterwards takes their rows along.
func TestSentPapersMigrationKeepsRows(t *testing.T) {
	ctx := context.Background()
	path, old := openUnmigrated(t)
	const before = 5 // the schema version before sent_papers lost its keys
	for _, m := range legacySteps(before) {
		if _, err := old.Exec(m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := old.Exec(fmt.Sprintf(`PRAGMA user_version = %d;
		INSERT INTO subscribers (id, email, status, created_at, updated_at) VALUES (1, 'ann@example.org', 'active', 1, 1),
			(2, 'bob@example.org', 'active', 1, 1);
		INSERT INTO papers (id, arxiv_id, title, published_at, arrived_at, changed_at) VALUES
			(10, '2607.00010', 'A', 1, 1, 1), (11, '2607.00011', 'B', 1, 1, 1);
		INSERT INTO digests (id, subscriber_id, period, status, message_id, recipient, papers, window_end, created_at)
			VALUES (100, 1, '2026-07-14', 'sent', '<a@x>', 'ann@example.org', 2, 1, 1),
			(101, 2, '2026-07-14', 'sent', '<b@x>', 'bob@example.org', 1, 1, 1);
		INSERT INTO sent_papers (subscriber_id, paper_id, digest_id) VALUES (1, 10, 100), (1, 11, 100), (2, 10, 101)`,
		before)); err != nil {
		t.Fatal(err)
	}
	old.Close()

	db := openTestDB(t, path)
	wantAllMigrations(t, db)
	var rows string
	if err := db.QueryRowContext(ctx, `SELECT group_concat(subscriber_id || ':' || paper_id || ':' || digest_id, ' ')
		FROM (SELECT * FROM sent_papers ORDER BY subscriber_id, paper_id)`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != "1:10:100 1:11:100 2:10:101" {
		t.Errorf("sent_papers after the migration: got %q, want the three rows", rows)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM subscribers WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sent_papers`).Scan(&left); err != nil || left != 1 {
		t.Errorf("after deleting ann: got %d rows (%v), want bob's 1", left, err)
	}
}

// TestOutboxMigrationKeepsDigests: the migration that builds the outbox
// anew without the index of message_id keeps every digest as it was, and
// its indexes; a period still has one digest a reader.
func TestOutboxMigrationKeepsDigests(t *testing.T) {
	ctx := context.Background()
	path, old := openUnmigrated(t)
	before := Schema
	before.Steps = Schema.Steps[:len(Schema.Steps)-1]
	if err := schema.Apply(ctx, old, subscribers.Schema, before); err != nil {
		t.Fatal(err)
	}
	if _, err := old.Exec(`INSERT INTO subscribers (id, email, status, created_at, updated_at)
			VALUES (1, 'ann@example.org', 'active', 1, 1);
		INSERT INTO digests (id, subscriber_id, period, status, message_id, recipient, message, papers, window_end,
			attempts, last_error, created_at, sent_at, claim, maybe_delivered, retry_ms) VALUES
			(100, 1, '2026-07-14', 'sent', '<a@x>', 'ann@example.org', NULL, 2, 11, 1, '', 5, 6, '', 0, 0),
			(101, 1, '2026-07-15', 'pending', '<b@x>', 'ann@example.org', x'6d7367', 1, 12, 2, '421 busy', 7, 0, 'lease-1', 1, 9000)`); err != nil {
		t.Fatal(err)
	}
	const all = `SELECT group_concat(id || ' ' || subscriber_id || ' ' || period || ' ' || status || ' ' || message_id || ' ' ||
		recipient || ' ' || coalesce(hex(message), '-') || ' ' || papers || ' ' || window_end || ' ' || attempts || ' ' ||
		last_error || ' ' || created_at || ' ' || sent_at || ' ' || claim || ' ' || maybe_delivered || ' ' || retry_ms, ' | ')
		FROM (SELECT * FROM digests ORDER BY id)`
	var want string
	if err := old.QueryRow(all).Scan(&want); err != nil {
		t.Fatal(err)
	}
	old.Close()

	db := openTestDB(t, path)
	wantAllMigrations(t, db)
	var got string
	if err := db.QueryRow(all).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("digests after the migration:\n got %s\nwant %s", got, want)
	}
	var indexes string
	if err := db.QueryRow(`SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master
		WHERE type = 'index' AND tbl_name = 'digests' ORDER BY name)`).Scan(&indexes); err != nil {
		t.Fatal(err)
	}
	if want := "digests_maybe digests_pending digests_sent_at digests_window sqlite_autoindex_digests_1"; indexes != want {
		t.Errorf("indexes of digests: got %q, want %q (no index of message_id)", indexes, want)
	}
	_, err := db.Exec(`INSERT INTO digests (subscriber_id, period, status, message_id, recipient, papers, window_end, created_at)
		VALUES (1, '2026-07-14', 'pending', '<c@x>', 'ann@example.org', 1, 13, 8)`)
	if !isUniqueViolation(err) {
		t.Errorf("a second digest of a period: got %v, want a UNIQUE violation", err)
	}
}

// TestForeignKeysLeadAnIndex: every foreign key's columns begin an index
// of their table (or are its row id). Deleting a parent row looks up its
// children by them; without an index, that is a read of the whole child
// table for each parent row deleted.
func TestForeignKeysLeadAnIndex(t *testing.T) {
	db := openTestDB(t, filepath.Join(t.TempDir(), "digestd.db"))
	strs := func(qtext string, col int) []string {
		t.Helper()
		rows, err := db.Query(qtext)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var out []string
		for rows.Next() {
			vals := make([]any, len(cols))
			for i := range vals {
				vals[i] = new(any)
			}
			if err := rows.Scan(vals...); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(*vals[col].(*any)))
		}
		return out
	}
	for _, table := range strs(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`, 0) {
		var leads []string // each index's columns, joined by commas
		for _, index := range strs(fmt.Sprintf(`PRAGMA index_list(%q)`, table), 1) {
			leads = append(leads, strings.Join(strs(fmt.Sprintf(`PRAGMA index_info(%q)`, index), 2), ",")+",")
		}
		rowid := strs(fmt.Sprintf(`SELECT name FROM pragma_table_info(%q) WHERE pk = 1 AND upper(type) = 'INTEGER'`, table), 0)
		keys := map[string][]string{} // foreign key id: its columns, in order
		ids := strs(fmt.Sprintf(`PRAGMA foreign_key_list(%q)`, table), 0)
		for i, from := range strs(fmt.Sprintf(`PRAGMA foreign_key_list(%q)`, table), 3) {
			keys[ids[i]] = append(keys[ids[i]], from)
		}
		for _, cols := range keys {
			prefix := strings.Join(cols, ",") + ","
			indexed := slices.ContainsFunc(leads, func(l string) bool { return strings.HasPrefix(l, prefix) }) ||
				len(cols) == 1 && slices.Equal(cols, rowid)
			if !indexed {
				t.Errorf("%s: foreign key (%s) begins no index", table, strings.Join(cols, ", "))
			}
		}
	}
}

func TestOpenDBPragmas(t *testing.T) {
	db := openTestDB(t, filepath.Join(t.TempDir(), "digestd.db"))
	// Hold several connections at once: the settings must hold on each.
	ctx := context.Background()
	for i := range 3 {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var mode string
		var fk int
		if err := conn.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
			t.Errorf("conn %d: got journal_mode %q (%v), want wal", i, mode, err)
		}
		if err := conn.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
			t.Errorf("conn %d: got foreign_keys %d (%v), want 1", i, fk, err)
		}
	}
	_, err := db.Exec(`INSERT INTO topics (subscriber_id, query, created_at) VALUES (999, 'x', 0)`)
	if err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Errorf("topic of a missing subscriber: got %v, want a FOREIGN KEY error", err)
	}
}

func TestOpenDBNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "digestd.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	newer := len(Schema.Steps) + 1
	if _, err := db.Exec(`UPDATE schema_versions SET version = ? WHERE owner = ?`, newer, Schema.Owner); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(context.Background(), path)
	if err == nil {
		db.Close()
		t.Fatal("got no error, want one asking to upgrade")
	}
	for _, want := range []string{path, "upgrade digestd", fmt.Sprintf("%s schema version %d", Schema.Owner, newer)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %q, want it to contain %q", err, want)
		}
	}
}
