package schema_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"github.com/digestd/digestd/internal/schema"
)

// Two owners, the second's table referring to the first's, numbered by
// one list before: a (1), b (2), a (3).
var (
	people = schema.Set{Owner: "people", Legacy: []int{1, 3}, Steps: []string{
		`CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)`,
		`ALTER TABLE people ADD COLUMN email TEXT`,
	}}
	notes = schema.Set{Owner: "notes", Legacy: []int{2}, Steps: []string{
		`CREATE TABLE notes (id INTEGER PRIMARY KEY, person INTEGER REFERENCES people(id), text TEXT)`,
	}}
)

func open(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "x.db")+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func versions(t *testing.T, db *sql.DB) map[string]int {
	t.Helper()
	v, err := schema.Versions(context.Background(), db, people, notes)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestApplyNewDatabaseTwice(t *testing.T) {
	db := open(t)
	for range 2 {
		if err := schema.Apply(context.Background(), db, people, notes); err != nil {
			t.Fatal(err)
		}
		if v := versions(t, db); v["people"] != 2 || v["notes"] != 1 {
			t.Fatalf("got versions %v, want people 2, notes 1", v)
		}
	}
	if _, err := db.Exec(`INSERT INTO people (name, email) VALUES ('ann', 'a@x'); INSERT INTO notes (person, text) VALUES (1, 'n')`); err != nil {
		t.Fatal(err)
	}
}

// TestApplyLegacyDatabase: a database numbered by the single list takes
// only the steps it lacks, and keeps its rows.
func TestApplyLegacyDatabase(t *testing.T) {
	db := open(t)
	if _, err := db.Exec(people.Steps[0] + `; ` + notes.Steps[0] + `; INSERT INTO people (name) VALUES ('ann'); PRAGMA user_version = 2`); err != nil {
		t.Fatal(err)
	}
	if v := versions(t, db); v["people"] != 1 || v["notes"] != 1 {
		t.Fatalf("legacy version 2: got versions %v, want people 1, notes 1", v)
	}
	if err := schema.Apply(context.Background(), db, people, notes); err != nil {
		t.Fatal(err)
	}
	var name string
	if err := db.QueryRow(`SELECT name FROM people WHERE email IS NULL`).Scan(&name); err != nil || name != "ann" {
		t.Errorf("got %q (%v), want ann kept and the email column added", name, err)
	}
	var user int
	db.QueryRow(`PRAGMA user_version`).Scan(&user)
	if user <= schema.LegacyVersions {
		t.Errorf("got user_version %d, want one an older digestd refuses", user)
	}
}

func TestApplyNewerDatabase(t *testing.T) {
	for name, prepare := range map[string]string{
		"newer owner":       `UPDATE schema_versions SET version = 9 WHERE owner = 'notes'`,
		"newer single list": `DROP TABLE schema_versions; PRAGMA user_version = 7`,
	} {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			if err := schema.Apply(context.Background(), db, people, notes); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(prepare); err != nil {
				t.Fatal(err)
			}
			err := schema.Apply(context.Background(), db, people, notes)
			if err == nil || !strings.Contains(err.Error(), "upgrade digestd") {
				t.Errorf("got %v, want an error asking to upgrade", err)
			}
		})
	}
}
