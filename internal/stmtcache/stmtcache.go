// Package stmtcache prepares each SQL statement once for a database.
//
// database/sql prepares a query given as text every time it runs it, and
// SQLite's prepare costs about as much as running one of digestd's small
// per-reader queries: a delivery pass runs the same few of them for every
// reader. A *sql.Stmt is prepared once per connection of the pool and kept.
package stmtcache

import (
	"context"
	"database/sql"
	"encoding/json"
	"sync"
)

// Cache holds a database's prepared statements by query text. It is safe
// for concurrent use; its statements close with the database.
type Cache struct {
	db    *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// New returns an empty Cache for db.
func New(db *sql.DB) *Cache {
	return &Cache{db: db, stmts: map[string]*sql.Stmt{}}
}

// Get returns query prepared, preparing it the first time.
func (c *Cache) Get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.stmts[query]; ok {
		return s, nil
	}
	s, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.stmts[query] = s
	return s, nil
}

// Query runs query, prepared once, with args.
func (c *Cache) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := c.Get(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// QueryJSON runs query, prepared once, with v as JSON text its one
// argument: a query over many values at once, through json_each.
func (c *Cache) QueryJSON(ctx context.Context, query string, v any) (*sql.Rows, error) {
	arg, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return c.Query(ctx, query, string(arg))
}

// QueryRow runs query, prepared once, with args; an error preparing it
// comes from the row's Scan.
func (c *Cache) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := c.Get(ctx, query)
	if err != nil {
		return c.db.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// Exec runs query, prepared, as a transaction of its own.
func (c *Cache) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := c.Get(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// In returns tx's statements as the cache prepares them.
func (c *Cache) In(tx *sql.Tx) Tx {
	return Tx{c, tx}
}

// Tx runs a transaction's statements prepared: each on the transaction's
// connection as prepared there before (database/sql keeps a statement
// prepared on each connection it ran on).
type Tx struct {
	c  *Cache
	tx *sql.Tx
}

// ExecContext runs query in the transaction.
func (t Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := t.c.Get(ctx, query)
	if err != nil {
		return nil, err
	}
	return t.tx.StmtContext(ctx, s).ExecContext(ctx, args...)
}
