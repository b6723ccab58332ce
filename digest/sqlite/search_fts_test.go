package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/digestd/digestd/subscribers/query"
)

// matchParam finds the parameters a compiled condition passes to FTS5.
var matchParam = regexp.MustCompile(`MATCH :(q[0-9]+)`)

// ftsExprs returns every FTS5 expression Match can send SQLite for q: the
// ones its condition binds and the one relevance is computed for.
func ftsExprs(q *query.Query) []string {
	var c compiler
	cond := c.cond(q.Root)
	var exprs []string
	for _, m := range matchParam.FindAllStringSubmatch(cond, -1) {
		for _, a := range c.args {
			if arg := a.(sql.NamedArg); arg.Name == m[1] {
				exprs = append(exprs, arg.Value.(string))
			}
		}
	}
	if expr := rankExpr(q.Terms()); expr != "" {
		exprs = append(exprs, expr)
	}
	return exprs
}

// FuzzFTSExpr checks that SQLite parses every FTS5 expression compiled from
// a query ParseQuery accepts. Running Match (FuzzMatch) alone could miss
// one: SQLite skips a MATCH when the other side of an OR already holds or
// when no paper is in the window. Here each runs on its own.
func FuzzFTSExpr(f *testing.F) {
	for _, seed := range []string{
		`"long context" lora`, `(rag OR retrieval) -multimodal`, `quantiz* "large mod"*`, `long-context`,
		`author:"D. Wübben" OR author:"t dao"*`, `author:"P.-A. Absil"`, `org:"meta ai" OR title:"x y"*`,
		`cat:cs.CL OR title:"a""b"`, `we -(we -(benchmark OR -x)) NOT "c d"`, `near NEAR(x y) AND ^z`,
		`title:x -(cat:cs.CL upvotes:>=5) OR NOT y z`, `"a" OR 1=1 --`, `{title abstract}:x col:y`, `a* OR -b* c`,
	} {
		f.Add(seed)
	}
	db, err := Open(context.Background(), filepath.Join(f.TempDir(), "digestd.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	f.Fuzz(func(t *testing.T, s string) {
		q, err := query.Parse(s)
		if err != nil {
			return
		}
		for _, expr := range ftsExprs(q) {
			var n int
			if err := db.QueryRow(`SELECT count(*) FROM papers_fts WHERE papers_fts MATCH ?`, expr).Scan(&n); err != nil {
				t.Fatalf("query %q: FTS5 rejects %s: %v", s, expr, err)
			}
		}
	})
}

// TestFTSExprsRejected makes sure FuzzFTSExpr would notice: SQLite does
// refuse a malformed expression when it runs on its own.
func TestFTSExprsRejected(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "digestd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q, err := query.Parse(`cat:cs.CL OR "long context"`)
	if err != nil {
		t.Fatal(err)
	}
	if got := ftsExprs(q); len(got) != 2 {
		t.Fatalf("got %q, want the condition's expression and the relevance one", got)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM papers_fts WHERE papers_fts MATCH ?`, `title : "x`).Scan(&n); err == nil {
		t.Error("FTS5 accepted an unterminated string, want an error")
	}
}
