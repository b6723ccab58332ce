package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/digestd/digestd/internal/schema"
)

// OpenReadOnly opens an existing database without migrating or creating
// anything, for checks that must not change what they look at. It returns
// an error wrapping os.ErrNotExist when there is no file at path.
func OpenReadOnly(ctx context.Context, path string) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("_busy_timeout", "10000")
	return openSQLite(ctx, path, q)
}

// SchemaVersion returns how many migrations the database holds and how
// many this digestd knows, over all their owners. They differ when another
// digestd binary opened the file.
func SchemaVersion(ctx context.Context, db *sql.DB) (have, want int, err error) {
	versions, err := schema.Versions(ctx, db, schemas...)
	for _, s := range schemas {
		have += versions[s.Owner]
		want += len(s.Steps)
	}
	return have, want, err
}

// CheckIntegrity runs SQLite's integrity check over every table and index
// and returns its complaints as one error.
func CheckIntegrity(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check: %s", strings.Join(problems, "; "))
	}
	return nil
}
