package digest

import (
	"context"
	"database/sql"
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
	writer *stmtcache.Conn // the writes' own connection, under writes
	stmts  *stmtcache.Cache
}

// NewStore returns a Store over a database opened with OpenDB.
func NewStore(db *sql.DB) *Store {
	return &Store{db: db, now: time.Now, writer: stmtcache.NewConn(db), stmts: stmtcache.New(db)}
}

// Close gives the connection the Store writes through back to the
// database; close the Store before the database.
func (s *Store) Close() error {
	s.writes.Lock()
	defer s.writes.Unlock()
	return s.writer.Close()
}

// DB returns the underlying database handle.
func (s *Store) DB() *sql.DB { return s.db }

// write runs fn in a write transaction, after any other write of the
// Store's has finished, on the Store's own connection.
func (s *Store) write(ctx context.Context, fn func(stmtcache.Tx) error) error {
	s.writes.Lock()
	defer s.writes.Unlock()
	return s.writer.Tx(ctx, fn)
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
