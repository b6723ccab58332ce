package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/digestd/digestd/internal/stmtcache"
)

// Store is digestd's SQLite database as the pipeline sees it: papers, the
// outbox of digests and run history. Subscribers and topics live in
// subscribers.Store over the same database.
type Store struct {
	db  *sql.DB
	now func() time.Time
	// writes lets the outbox's writers — a pass's builders storing digests,
	// its workers recording each send — in one at a time. SQLite admits
	// one writer and makes the others poll, sleeping a millisecond or more
	// between tries: at hundreds of digests a second those sleeps left a
	// core idle. Waiting on a mutex wakes a writer as soon as it can go.
	writes sync.Mutex
	stmts  *stmtcache.Cache
	sent   *sentLog
}

// NewStore returns a Store over a database opened with Open, and opens
// the database's sent log beside its file.
func NewStore(ctx context.Context, db *sql.DB) (*Store, error) {
	var path string
	if err := db.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path); err != nil {
		return nil, fmt.Errorf("database file: %w", err)
	}
	if path == "" {
		return nil, errors.New("the database has no file to keep its sent log beside")
	}
	sent, err := openSentLog(ctx, path)
	if err != nil {
		return nil, err
	}
	return &Store{db: db, now: time.Now, stmts: stmtcache.New(db), sent: sent}, nil
}

// Close closes the sent log; close the Store before the database.
func (s *Store) Close() error {
	s.writes.Lock()
	defer s.writes.Unlock()
	return s.sent.close()
}

// DB returns the underlying database handle.
func (s *Store) DB() *sql.DB { return s.db }

// write runs fn in a write transaction, after any other write of the
// Store's has finished. The transaction first applies the sent log, so
// that fn sees every send recorded before it, as it would had each been
// written to the outbox.
func (s *Store) write(ctx context.Context, fn func(*sql.Tx) error) error {
	s.writes.Lock()
	defer s.writes.Unlock()
	return s.applying(ctx, fn)
}

// Settle applies the sent log to the outbox, so that what reads the
// database alone — a backup, another program — sees every digest sent as
// sent. The Store's own reads of the outbox settle first.
func (s *Store) Settle(ctx context.Context) error {
	s.writes.Lock()
	defer s.writes.Unlock()
	return s.applying(ctx, nil)
}

// applying runs fn, nil for none, in a write transaction that first
// applies the sent log, and then drops from the log the entries applied;
// with no fn and no entries, it writes nothing. The caller holds writes.
func (s *Store) applying(ctx context.Context, fn func(*sql.Tx) error) error {
	entries, err := s.sent.entries(ctx)
	if err != nil {
		return err
	}
	if fn == nil && len(entries) == 0 {
		return nil
	}
	err = inTx(ctx, s.db, func(tx *sql.Tx) error {
		if err := applySent(ctx, tx, entries); err != nil {
			return err
		}
		if fn == nil {
			return nil
		}
		return fn(tx)
	})
	if err != nil || len(entries) == 0 {
		return err
	}
	s.sent.forget(ctx, entries)
	return nil
}

// inTx runs fn in a transaction of db, begun with BEGIN IMMEDIATE (the
// _txlock of writerOptions), and commits it; when fn or the commit fails,
// it rolls the transaction back and returns the failure.
func inTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// queryIDs runs a query whose rows are single row ids and collects them.
func (s *Store) queryIDs(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func fromUnix(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}
