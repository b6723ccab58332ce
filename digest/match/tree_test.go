package match_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/match"
	"github.com/digestd/digestd/subscribers/query"
)

// TestHandBuiltTreesAgainstFTS compares the engine with FTS5 on syntax
// trees ParseQuery would not build: words that hold quotes and operators,
// or no token at all, in phrases, names and groups.
func TestHandBuiltTreesAgainstFTS(t *testing.T) {
	e := edgeEnv(t)
	ix := e.index(t)
	term := func(f query.Field, prefix bool, words ...string) query.Term {
		return query.Term{Field: f, Words: words, Prefix: prefix}
	}
	unscoped, author := query.FieldAny, query.FieldAuthor
	long := term(unscoped, false, "long")
	none := term(unscoped, false, "·")
	for _, root := range []query.Node{
		term(unscoped, false, `x" OR "a`),
		term(query.FieldTitle, false, "*"),
		term(unscoped, true, `a") OR rowid>0 OR ("`),
		term(author, false, "NEAR(tri dao)"),
		term(query.FieldCat, true, "%"),
		term(query.FieldCat, false, "' OR 1=1 --"),
		term(unscoped, false, "sparse attention"),
		term(unscoped, true, "large", "mod"),
		none,
		term(unscoped, true, "long", "·"),
		term(author, false, "d", "·"),
		term(author, true, "dao", "t", "·"),
		term(author, false, "t", "·", "dao"),
		term(author, false, "·", "wubben"),
		query.And{Nodes: []query.Node{none, long}},
		query.Or{Nodes: []query.Node{none, long}},
		query.And{Nodes: []query.Node{long, query.Not{Node: none}}},
		query.And{Nodes: []query.Node{query.Not{Node: long}}},
		query.Or{Nodes: []query.Node{term(author, false, "wang", "jun"), query.Upvotes{Op: ">", N: 6}}},
	} {
		q := &query.Query{Text: root.String(), Root: root}
		t.Run(fmt.Sprintf("%#v", root), func(t *testing.T) {
			if d := e.diff(t, ix, q, match.Filter{}); d != "" {
				t.Error(d)
			}
		})
	}
}

func TestInvalidTree(t *testing.T) {
	ix, err := match.NewIndex([]match.Doc{{ID: 1, Title: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, root := range []query.Node{
		nil, query.And{}, query.Term{}, query.Term{Field: "venue", Words: []string{"x"}},
		query.Upvotes{Op: "!=", N: 1}, query.Not{Node: query.Or{}},
		query.Term{Field: query.FieldCat, Words: []string{"cs", "cl"}},
		query.Term{Words: []string{"x\x00y"}},
	} {
		if _, err := ix.Match(&query.Query{Root: root}, match.Filter{}); !errors.Is(err, match.ErrInvalid) {
			t.Errorf("Match(%#v): got error %v, want ErrInvalid", root, err)
		}
	}
	if _, err := ix.Match(nil, match.Filter{}); !errors.Is(err, match.ErrInvalid) {
		t.Errorf("Match(nil): got error %v, want ErrInvalid", err)
	}
}

func TestDuplicatePaper(t *testing.T) {
	_, err := match.NewIndex([]match.Doc{{ID: 7, Title: "a"}, {ID: 3, Title: "b"}, {ID: 7, Title: "c"}})
	if !errors.Is(err, match.ErrDuplicate) {
		t.Errorf("got error %v, want ErrDuplicate", err)
	}
}

// TestTopIsMatchPrefix checks that Top(k) returns Match's first k for
// every query of the fixtures' battery.
func TestTopIsMatchPrefix(t *testing.T) {
	e := newFTSEnv(t)
	e.save(t, fixturePapers(t, "hf_daily_papers_merged_14days_245items.json"))
	docs := e.docs(t)
	ix := e.index(t)
	for _, qtext := range queriesFor(docs) {
		q, err := query.Parse(qtext)
		if err != nil {
			t.Fatal(err)
		}
		all, err := ix.Match(q, match.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []int{0, 1, 3, 10, 50} {
			top, err := ix.Top(q, match.Filter{}, k)
			if err != nil {
				t.Fatal(err)
			}
			if want := all[:min(k, len(all))]; !slices.Equal(top, want) {
				t.Errorf("Top(%s, %d): got %v, want %v", qtext, k, top, want)
			}
		}
	}
}

// TestConcurrentMatch runs the battery from several goroutines at once
// over one index: each answer is the one a lone caller gets.
func TestConcurrentMatch(t *testing.T) {
	e := newFTSEnv(t)
	e.save(t, fixturePapers(t, "hf_daily_papers_merged_14days_245items.json"))
	docs := e.docs(t)
	ix := e.index(t)
	var queries []*query.Query
	var want [][]digest.Match
	for _, qtext := range queriesFor(docs) {
		q, err := query.Parse(qtext)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ix.Match(q, match.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		queries, want = append(queries, q), append(want, m)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range queries {
				i := (i + g*len(queries)/4) % len(queries)
				got, err := ix.Match(queries[i], match.Filter{})
				if err != nil || !slices.Equal(got, want[i]) {
					t.Errorf("goroutine %d, %s: got %v (%v), want %v", g, queries[i].Text, got, err, want[i])
				}
			}
		})
	}
	wg.Wait()
}

func TestEmptyIndex(t *testing.T) {
	ix, err := match.NewIndex(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, qtext := range []string{"attention", "-x y*", `author:"d. wübben"`, "cat:cs", "upvotes:0", `"a b" OR c`} {
		q, err := query.Parse(qtext)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := ix.Match(q, match.Filter{}); err != nil || len(got) != 0 {
			t.Errorf("%s: got %v (%v), want no match", qtext, got, err)
		}
	}
}
