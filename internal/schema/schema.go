// Package schema migrates a SQLite database whose tables have several
// owners: each owning package keeps its own append-only list of
// migrations, and the database records how many of each it has applied.
package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// A Set is one owner's migrations. Steps is append only: never edit a
// step that has shipped. Its length is the owner's schema version.
type Set struct {
	Owner string
	Steps []string
	// Legacy maps the steps to the single list of migrations digestd
	// numbered its databases by before December 2026 (PRAGMA user_version
	// 1 to LegacyVersions): Legacy[i] is the version of that list that
	// took Steps[i]. A database at version v of it holds the steps whose
	// Legacy is at most v.
	Legacy []int
}

// LegacyVersions is the last version of the single list of migrations the
// databases of digestd before December 2026 were numbered by.
const LegacyVersions = 6

// ownedVersion is the user_version of a database whose migrations are
// counted per owner: an older digestd, which reads user_version as its
// single list's version, refuses it as newer than itself.
const ownedVersion = 1000

const versionsTable = `CREATE TABLE IF NOT EXISTS schema_versions (
	owner   TEXT PRIMARY KEY,
	version INTEGER NOT NULL
)`

// Apply applies the steps of each set the database has not seen yet, set
// after set in the order given (an owner whose tables others refer to
// comes first), each step in a transaction of its own. A database made
// by a newer digestd, with more steps of an owner than this one knows, is
// an error that says so.
func Apply(ctx context.Context, db *sql.DB, sets ...Set) error {
	have, err := Versions(ctx, db, sets...)
	if err != nil {
		return err
	}
	if err := record(ctx, db, have); err != nil {
		return err
	}
	for _, s := range sets {
		if have[s.Owner] > len(s.Steps) {
			return fmt.Errorf("%s schema version %d is newer than this digestd (%d): upgrade digestd",
				s.Owner, have[s.Owner], len(s.Steps))
		}
		for i := have[s.Owner]; i < len(s.Steps); i++ {
			if err := apply(ctx, db, s.Owner, i+1, s.Steps[i]); err != nil {
				return fmt.Errorf("%s migration %d: %w", s.Owner, i+1, err)
			}
		}
	}
	return nil
}

// Versions returns how many steps of each set the database holds.
func Versions(ctx context.Context, db *sql.DB, sets ...Set) (map[string]int, error) {
	var user int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&user); err != nil {
		return nil, fmt.Errorf("read schema version: %w", err)
	}
	have := map[string]int{}
	switch {
	case user == ownedVersion:
		rows, err := db.QueryContext(ctx, `SELECT owner, version FROM schema_versions`)
		if err != nil {
			return nil, fmt.Errorf("read schema versions: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var owner string
			var v int
			if err := rows.Scan(&owner, &v); err != nil {
				return nil, err
			}
			have[owner] = v
		}
		return have, rows.Err()
	case user > LegacyVersions:
		return nil, fmt.Errorf("schema version %d is newer than this digestd: upgrade digestd", user)
	}
	for _, s := range sets {
		for _, v := range s.Legacy {
			if user > 0 && v <= user {
				have[s.Owner]++
			}
		}
	}
	return have, nil
}

// record makes the database count its migrations per owner, as have
// says, once: a new database, or one numbered by the single list.
func record(ctx context.Context, db *sql.DB, have map[string]int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var user int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&user); err != nil {
		return err
	}
	if user == ownedVersion {
		return nil
	}
	if _, err := tx.ExecContext(ctx, versionsTable); err != nil {
		return err
	}
	for owner, v := range have {
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_versions (owner, version) VALUES (?, ?)`, owner, v); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", ownedVersion)); err != nil {
		return err
	}
	return tx.Commit()
}

// apply runs step number n of owner and records it, in one transaction.
// Two processes opening a new database at once both try: the second
// finds the step recorded and changes nothing.
func apply(ctx context.Context, db *sql.DB, owner string, n int, step string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var v int
	err = tx.QueryRowContext(ctx, `SELECT version FROM schema_versions WHERE owner = ?`, owner).Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if v >= n {
		return nil
	}
	if _, err := tx.ExecContext(ctx, step); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_versions (owner, version) VALUES (?, ?)
		ON CONFLICT (owner) DO UPDATE SET version = excluded.version`, owner, n); err != nil {
		return err
	}
	return tx.Commit()
}
