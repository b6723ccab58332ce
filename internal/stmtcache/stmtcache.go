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
	"database/sql/driver"
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

// Conn runs write transactions one after the other on a connection of
// its own, taken from the pool at the first and kept: its statements,
// BEGIN IMMEDIATE and COMMIT among them, are prepared once. database/sql's
// Tx has SQLite parse BEGIN and COMMIT each time, and watches the
// transaction's context from a goroutine of its own; for a transaction as
// small as marking a digest sent, that cost as much as its statements
// (docs/PERFORMANCE.md). A Conn is not safe for concurrent use.
type Conn struct {
	db    *sql.DB
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
}

// NewConn returns a Conn over db; it takes a connection at its first
// transaction.
func NewConn(db *sql.DB) *Conn {
	return &Conn{db: db}
}

// stmt returns query prepared on the connection, preparing it the first
// time; once ctx is done, its error: database/sql runs a connection's
// statements whatever their context, as it should a transaction's.
func (c *Conn) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s, ok := c.stmts[query]; ok {
		return s, nil
	}
	s, err := c.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.stmts[query] = s
	return s, nil
}

// Tx runs fn in a transaction begun with BEGIN IMMEDIATE, and commits it;
// when fn or the commit fails, it rolls the transaction back and returns
// the failure. The rollback runs even when ctx is done; should it fail,
// the connection is closed, and the next transaction takes another.
func (c *Conn) Tx(ctx context.Context, fn func(Tx) error) error {
	if c.conn == nil {
		conn, err := c.db.Conn(ctx)
		if err != nil {
			return err
		}
		c.conn, c.stmts = conn, map[string]*sql.Stmt{}
	}
	err := c.exec(ctx, "BEGIN IMMEDIATE")
	if err == nil {
		if err = fn(Tx{c}); err == nil {
			err = c.exec(ctx, "COMMIT")
		}
	}
	if err != nil {
		if rerr := c.exec(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil {
			_ = c.drop(true)
		}
	}
	return err
}

func (c *Conn) exec(ctx context.Context, query string) error {
	s, err := c.stmt(ctx, query)
	if err == nil {
		_, err = s.ExecContext(unwatched(ctx))
	}
	return err
}

// unwatched is ctx for a statement of a Conn's, which stmt has checked is not
// done: without its cancellation. go-sqlite3 runs a statement whose
// context can end in a goroutine of its own, to interrupt it then; a
// pass's store of 64 digests ran some 320 statements so, each handed to a
// goroutine and back. A Conn's statements take microseconds, and a
// transaction is abandoned at its next statement once ctx is done.
func unwatched(ctx context.Context) context.Context {
	return context.WithoutCancel(ctx)
}

// Close gives the connection back to the pool.
func (c *Conn) Close() error {
	if c.conn == nil {
		return nil
	}
	return c.drop(false)
}

// drop gives the connection back to the pool; a bad one, one that may
// be in a transaction still, to be closed.
func (c *Conn) drop(bad bool) error {
	for _, s := range c.stmts {
		_ = s.Close()
	}
	if bad {
		// database/sql closes a connection whose Raw function fails so.
		_ = c.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	err := c.conn.Close()
	c.conn, c.stmts = nil, nil
	return err
}

// Tx is a transaction of a Conn; its statements are prepared once.
type Tx struct {
	c *Conn
}

// ExecContext runs query, prepared once, in the transaction.
func (t Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := t.c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(unwatched(ctx), args...)
}

// QueryRowContext runs query, prepared once, in the transaction; an error
// preparing it comes from the row's Scan.
func (t Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := t.c.stmt(ctx, query)
	if err != nil {
		// A query that does not prepare, or a context done: the row
		// carries the error.
		return t.c.conn.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}
