package sqlite_test

import (
	"bufio"
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/arxiv"
	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/digest/hf"
)

// relevanceEnv stores the fixture papers the relevance set was written for:
// two Hugging Face days, then an arXiv page, as a fetch would.
func relevanceEnv(t *testing.T) env {
	t.Helper()
	e := newEnv(t, nil)
	for _, name := range []string{"hf_daily_papers_limit25_2026-07-13_25items.json", "hf_daily_papers_2026-06-12_30items.json"} {
		page, err := hf.Parse(digesttest.Fixture(t, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		e.saveAs(t, page.Papers)
	}
	feed, err := arxiv.Parse(digesttest.Fixture(t, "arxiv_api_query_cat-csAI-OR-csLG_50entries.xml"))
	if err != nil {
		t.Fatal(err)
	}
	e.saveAs(t, feed.Papers)
	return e
}

// saveAs stores papers as their source parsed them.
func (e env) saveAs(t *testing.T, papers []digest.Paper) {
	t.Helper()
	if _, err := e.store.SavePapers(context.Background(), papers); err != nil {
		t.Fatal(err)
	}
}

// relevanceCase is one query of testdata/relevance/queries.txt.
type relevanceCase struct {
	query string
	want  []string
	line  int
}

func readRelevanceCases(t *testing.T) []relevanceCase {
	t.Helper()
	f, err := os.Open("../../testdata/relevance/queries.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []relevanceCase
	var cur *relevanceCase
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "#"):
		case line == "":
			cur = nil
		case strings.HasPrefix(line, "> "):
			cases = append(cases, relevanceCase{query: strings.TrimPrefix(line, "> "), want: []string{}, line: n})
			cur = &cases[len(cases)-1]
		case cur == nil:
			t.Fatalf("queries.txt:%d: ids without a query above them", n)
		case line != "-":
			cur.want = append(cur.want, strings.Fields(line)...)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

// TestRelevance checks each query of the relevance set matches exactly the
// papers a reader of the abstracts expects.
func TestRelevance(t *testing.T) {
	cases := readRelevanceCases(t)
	if len(cases) < 20 {
		t.Fatalf("relevance set: got %d queries, want at least 20", len(cases))
	}
	e := relevanceEnv(t)
	var n int
	if err := e.db.QueryRow(`SELECT count(*) FROM papers`).Scan(&n); err != nil || n != 103 {
		t.Fatalf("fixture papers stored: got %d (%v), want 103", n, err)
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			got := e.match(t, c.query, digest.Window{}, "arxiv_id")
			slices.Sort(got)
			want := slices.Sorted(slices.Values(c.want))
			if !slices.Equal(got, want) {
				t.Errorf("queries.txt:%d: got %q, want %q", c.line, got, want)
			}
		})
	}
}

// TestRelevanceRanking checks the order of fixture matches: the paper with
// more of the words first, a title hit above an abstract-only one, and far
// more upvotes lifting a paper above equally relevant ones.
func TestRelevanceRanking(t *testing.T) {
	e := relevanceEnv(t)
	tests := []struct {
		name, query, first string   // first: the best match, if it matters
		order              []string // papers in this order, others between them
	}{
		// All four words in 2607.09493's title, one or two elsewhere;
		// upvotes:<1 leaves only arXiv papers, all without upvotes.
		{"more words", `(shared OR selective OR persistent OR memory) upvotes:<1`, "2607.09493", nil},
		// Both words against EEG alone.
		{"both words", `eeg OR dream`, "2607.09662", []string{"2607.09662", "2607.09543"}},
		// The phrase in two titles; 2607.09503's title says "Models".
		{"title over abstract", `"foundation model" upvotes:<1`, "", []string{"2607.09526", "2607.09503"}},
		{"title over abstract 2", `"foundation model" upvotes:<1`, "", []string{"2607.09424", "2607.09503"}},
		// Agents in every title; 118 and 38 upvotes against none.
		{"upvotes", `title:agent*`, "2606.13681", []string{"2606.13681", "2607.08964", "2607.09474"}},
		// 103 upvotes and a title hit against 6 upvotes and two abstract words.
		{"title and upvotes", `sparse attention`, "2606.13392", []string{"2606.13392", "2607.08688"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := e.match(t, tt.query, digest.Window{}, "arxiv_id")
			if tt.first != "" && (len(got) == 0 || got[0] != tt.first) {
				t.Errorf("%s: got %q, want %s first", tt.query, got, tt.first)
			}
			last := -1
			for _, id := range tt.order {
				i := slices.Index(got, id)
				if i <= last {
					t.Errorf("%s: got %q, want %q in this order", tt.query, got, tt.order)
					break
				}
				last = i
			}
		})
	}
}
