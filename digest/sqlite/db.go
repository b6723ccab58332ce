package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/mattn/go-sqlite3"

	"github.com/digestd/digestd/internal/schema"
	"github.com/digestd/digestd/subscribers"
)

// Open opens (creating if needed) the SQLite database at path, turns on WAL,
// foreign keys and a busy timeout, and applies the pending migrations.
// Writers begin their transactions with BEGIN IMMEDIATE (_txlock), so two
// writers queue on the busy timeout instead of failing on a lock upgrade.
func Open(ctx context.Context, path string) (*sql.DB, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("database %s: %w", path, err)
		}
	}
	q := writerOptions()
	q.Set("_foreign_keys", "on")
	db, err := openSQLite(ctx, path, q)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	return db, nil
}

// writerOptions are the connection options of a database digestd writes
// to from several goroutines and processes at once: WAL, commits that
// survive a killed process (not a power cut) without an fsync each, and
// writers that queue rather than fail.
func writerOptions() url.Values {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	// A pass writes a few times per digest from several goroutines, and
	// SQLite's busy handler is not fair: under load a web request's write
	// waited past 10 s (docs/RELIABILITY.md, concurrency). 30 s is still
	// well within the web front's write timeout.
	q.Set("_busy_timeout", "30000")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	return q
}

// schemas are the owners' migrations, in the order they apply: the
// tables of subscribers are what the others' foreign keys refer to.
var schemas = []schema.Set{subscribers.Schema, Schema}

// migrate applies the migrations the database has not seen yet.
func migrate(ctx context.Context, db *sql.DB) error {
	return schema.Apply(ctx, db, schemas...)
}

// isUniqueViolation reports whether err is a UNIQUE constraint failure,
// or a PRIMARY KEY one (as on a WITHOUT ROWID table such as sent_papers).
func isUniqueViolation(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) &&
		(se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey)
}

// isForeignKeyViolation reports whether err is a FOREIGN KEY constraint
// failure: a row for a reader deleted meanwhile.
func isForeignKeyViolation(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintForeignKey
}

// openSQLite opens the file with the driver options in q and checks that it
// answers.
func openSQLite(ctx context.Context, path string, q url.Values) (*sql.DB, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	// A delivery pass uses a connection in each builder and each SMTP
	// worker at once. With database/sql's default of 2 idle connections
	// the others were closed and opened again for every query, and
	// opening one (with its pragmas) costs more than most queries.
	db.SetMaxIdleConns(maxIdleConns)
	return db, nil
}

// maxIdleConns is how many connections the pool keeps open between uses:
// a pass's builders (one per CPU) and SMTP workers, with room to spare.
const maxIdleConns = 16
