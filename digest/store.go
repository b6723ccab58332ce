package digest

import (
	"database/sql"
	"time"
)

// Store is digestd's SQLite database as the pipeline sees it: papers, the
// outbox of digests and run history. Subscribers and topics live in
// subscribers.Store over the same database.
type Store struct {
	db  *sql.DB
	now func() time.Time
}

// NewStore returns a Store over a database opened with OpenDB.
func NewStore(db *sql.DB) *Store {
	return &Store{db: db, now: time.Now}
}

// DB returns the underlying database handle.
func (s *Store) DB() *sql.DB { return s.db }

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
