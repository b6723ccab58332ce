package stmtcache_test

import (
	"context"
	"database/sql"
	"fmt"
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

	for i, k := range []string{"kept", "kept2"} {
		if _, err := first.ExecContext(ctx, k, i); err != nil {
			t.Fatal(err)
		}
	}

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

	// A statement as a transaction of its own.
	if _, err := c.Exec(ctx, insert, "alone", 3); err != nil {
		t.Fatal(err)
	}
	if err := c.QueryRow(ctx, `SELECT v FROM kv WHERE k = 'alone'`).Scan(&n); err != nil || n != 3 {
		t.Errorf("after Exec: got %d (%v), want 3", n, err)
	}
	if _, err := c.Exec(ctx, `DELETE FROM nope`); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("Exec of a query that does not prepare: got %v, want the error naming the table", err)
	}

	// In transactions: what one rolled back wrote is gone, what one
	// committed is kept.
	for _, commit := range []bool{false, true} {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.In(tx).ExecContext(ctx, insert, fmt.Sprintf("tx%v", commit), 1); err != nil {
			t.Fatal(err)
		}
		if commit {
			err = tx.Commit()
		} else {
			err = tx.Rollback()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := keys(t)(c.Query(ctx, `SELECT k FROM kv WHERE k LIKE 'tx%' ORDER BY k`)); got != "txtrue" {
		t.Errorf("after a rolled back and a committed transaction: got keys %q, want txtrue", got)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := c.In(tx).ExecContext(ctx, `INSERT INTO nope VALUES (1)`); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("a transaction's query that does not prepare: got %v, want the error naming the table", err)
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
