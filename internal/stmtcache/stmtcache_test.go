package stmtcache_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"github.com/digestd/digestd/internal/stmtcache"
)

func TestCache(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "t.db")+"?_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	c := stmtcache.New(db)
	const insert = `INSERT INTO kv (k, v) VALUES (?, ?)`
	first, err := c.Get(ctx, insert)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := c.Get(ctx, insert); again != first {
		t.Error("the same query was prepared twice")
	}

	// In a Conn's transactions: committed writes stay; those of a
	// transaction whose function fails, or whose context is done, go.
	w := stmtcache.NewConn(db)
	defer w.Close()
	for i, fail := range []bool{false, true} {
		err := w.Tx(ctx, func(tx stmtcache.Tx) error {
			for _, k := range [][]string{{"kept", "dropped"}, {"kept2", "dropped2"}} {
				if _, err := tx.ExecContext(ctx, insert, k[i], i); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM kv`).Scan(&n); err != nil || n != 2+2*i {
				t.Errorf("inside transaction %d: %d rows (%v), want %d", i+1, n, err, 2+2*i)
			}
			if fail {
				return errors.New("fail")
			}
			return nil
		})
		if fail != (err != nil) {
			t.Fatalf("transaction %d: got %v", i+1, err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	err = w.Tx(cancelled, func(tx stmtcache.Tx) error {
		if _, err := tx.ExecContext(cancelled, insert, "dropped3", 3); err != nil {
			return err
		}
		cancel()
		_, err := tx.ExecContext(cancelled, insert, "dropped4", 4)
		return err
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("a transaction whose context is done: got %v, want context.Canceled", err)
	}
	if err := w.Tx(ctx, func(tx stmtcache.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO nope VALUES (1)`)
		return err
	}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("a statement that does not prepare: got %v, want the error naming the table", err)
	}

	// Only the committed rows are left.
	if got := keys(t)(c.Query(ctx, `SELECT k FROM kv ORDER BY k`)); got != "kept,kept2" {
		t.Errorf("got keys %q, want kept,kept2", got)
	}
	var n int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM kv WHERE k = ?`, "kept").Scan(&n); err != nil || n != 1 {
		t.Errorf("got %d (%v), want 1", n, err)
	}
	// Many values in one query: the keys asked for, through json_each.
	got := keys(t)(c.QueryJSON(ctx, `SELECT k FROM kv WHERE k IN (SELECT value FROM json_each(?)) ORDER BY k`,
		[]string{"kept2", "dropped", "kept"}))
	if got != "kept,kept2" {
		t.Errorf("QueryJSON: got keys %q, want kept,kept2", got)
	}
	if err := c.QueryRow(ctx, `SELECT nope FROM kv`).Scan(&n); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("a query that does not prepare: got %v, want the error naming the column", err)
	}
}

// keys reads a query's rows of one text column, joined by commas.
func keys(t *testing.T) func(*sql.Rows, error) string {
	return func(rows *sql.Rows, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ks []string
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				t.Fatal(err)
			}
			ks = append(ks, k)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return strings.Join(ks, ",")
	}
}
