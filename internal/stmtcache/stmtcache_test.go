package stmtcache_test

import (
	"context"
	"database/sql"
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

	// In a transaction: committed writes stay, rolled back ones go.
	for i, commit := range []bool{true, false} {
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		in := c.In(tx)
		if _, err := in.ExecContext(ctx, insert, []string{"kept", "dropped"}[i], i); err != nil {
			t.Fatal(err)
		}
		stmt, err := in.Stmt(ctx, insert)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := stmt.ExecContext(ctx, []string{"kept2", "dropped2"}[i], i); err != nil {
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
	rows, err := c.Query(ctx, `SELECT k FROM kv ORDER BY k`)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	rows.Close()
	if got := strings.Join(keys, ","); got != "kept,kept2" {
		t.Errorf("got keys %q, want kept,kept2", got)
	}

	var n int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM kv WHERE k = ?`, "kept").Scan(&n); err != nil || n != 1 {
		t.Errorf("got %d (%v), want 1", n, err)
	}
	if err := c.QueryRow(ctx, `SELECT nope FROM kv`).Scan(&n); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("a query that does not prepare: got %v, want the error naming the column", err)
	}
}
