package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/digest/sqlite"
	"github.com/digestd/digestd/subscribers/query"
)

func TestMatchHostileTerms(t *testing.T) {
	e := newEnv(t, digesttest.Corpus())
	for _, qtext := range []string{`"a" OR 1=1 --`, `title:"x\" OR *"`, `'); DROP TABLE papers; --`, `title:"x\" OR *`, `"a" OR 1=1`} {
		q, err := query.Parse(qtext)
		if err != nil {
			if !errors.As(err, new(*query.Error)) {
				t.Errorf("ParseQuery(%s): got %v, want a *QueryError", qtext, err)
			}
			continue
		}
		if got := e.matchQuery(t, q, digest.Window{}, "title"); len(got) == len(digesttest.Corpus()) {
			t.Errorf("%s matched every paper", qtext)
		}
	}
	// Syntax trees built by hand, not by ParseQuery, may hold anything.
	for _, term := range []query.Term{
		{Words: []string{`x" OR "a`}},
		{Field: query.FieldTitle, Words: []string{`*`}},
		{Words: []string{`a") OR rowid>0 OR ("`}, Prefix: true},
		{Field: query.FieldAuthor, Words: []string{`NEAR(tri dao)`}},
		{Field: query.FieldCat, Words: []string{`%`}, Prefix: true},
		{Field: query.FieldCat, Words: []string{`' OR 1=1 --`}},
	} {
		t.Run(term.String(), func(t *testing.T) {
			q := &query.Query{Text: term.String(), Root: term}
			if got := e.matchQuery(t, q, digest.Window{}, "title"); len(got) != 0 {
				t.Errorf("got %q, want no match", got)
			}
		})
	}
	var n int
	if err := e.db.QueryRow(`SELECT count(*) FROM papers`).Scan(&n); err != nil || n != len(digesttest.Corpus()) {
		t.Errorf("got %d papers (%v), want %d", n, err, len(digesttest.Corpus()))
	}
}

func TestMatchInvalidTree(t *testing.T) {
	e := newEnv(t, nil)
	for _, root := range []query.Node{
		nil, query.And{}, query.Term{}, query.Term{Field: "venue", Words: []string{"x"}},
		query.Upvotes{Op: "!=", N: 1}, query.Not{Node: query.Or{}},
	} {
		if _, err := e.matcher.Match(context.Background(), &query.Query{Root: root}, digest.Window{}); err == nil {
			t.Errorf("Match(%#v) succeeded, want an error", root)
		}
	}
}

// TestMatchFixture runs queries over a real Hugging Face Daily Papers day.
func TestMatchFixture(t *testing.T) {
	e := newEnv(t, digesttest.Papers(t, digesttest.HFDay1))
	tests := []struct {
		qtext string
		want  []string
	}{
		{`quantiz*`, []string{"2607.07964", "2607.08526"}},
		{`long-horizon`, []string{"2607.08716", "2607.08770", "2607.08964"}},
		{`org:insta360`, []string{"2607.08765", "2607.09661"}},
		{`author:roda`, []string{"2607.08526"}},
		{`panoram* -pretraining`, []string{"2607.09661"}},
		{`agent* upvotes:>=30`, []string{"2607.08768", "2607.08964"}},
	}
	for _, tt := range tests {
		t.Run(tt.qtext, func(t *testing.T) {
			got := e.match(t, tt.qtext, digest.Window{}, "arxiv_id")
			slices.Sort(got)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzMatch checks that every query ParseQuery accepts compiles to SQL and
// FTS5 expressions that SQLite runs without error.
func FuzzMatch(f *testing.F) {
	for _, seed := range []string{
		`"long context" lora`, `(rag OR retrieval) -multimodal`, `quantiz* "large mod"*`, `author:"Tri Dao"`,
		`cat:cs.CL OR cat:stat.*`, `org:Qwen upvotes:<3`, `we -(we -(benchmark OR -x))`, `a b OR c upvotes:>1 OR d -e`,
		`title:x -(cat:cs.CL upvotes:>=5) OR NOT y z`, `"a" OR 1=1`, `near NEAR(x y) AND ^z`,
		`author:"D. Wübben" -author:"dao ana"`, `author:"t dao"* OR (author:wubben title:"x y")`,
	} {
		f.Add(seed)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(f.TempDir(), "digestd.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	papers := digesttest.Corpus()
	for i := range papers {
		papers[i].ID, papers[i].Source = fmt.Sprintf("2607.%05d", i+1), "huggingface"
	}
	if _, err := digesttest.NewStore(f, db).SavePapers(context.Background(), papers); err != nil {
		f.Fatal(err)
	}
	m := sqlite.NewMatcher(db)
	f.Fuzz(func(t *testing.T, s string) {
		q, err := query.Parse(s)
		if err != nil {
			return
		}
		if _, err := m.Match(context.Background(), q, digest.Window{AfterID: 1, ExcludeSentTo: 3}); err != nil {
			t.Fatalf("Match(%q) = %v", q, err)
		}
	})
}
