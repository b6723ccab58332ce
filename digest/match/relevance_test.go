package match_test

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/arxiv"
	"github.com/digestd/digestd/digest/hf"
	"github.com/digestd/digestd/digest/match"
)

const fixtures = "../../testdata/fixtures/"

// fixturePapers parses a fixture file as the fetcher does: Hugging Face
// JSON or arXiv Atom.
func fixturePapers(t *testing.T, name string) []digest.Paper {
	t.Helper()
	data, err := os.ReadFile(fixtures + name)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(name, "hf_") {
		page, err := hf.Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return page.Papers
	}
	feed, err := arxiv.Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return feed.Papers
}

// relevanceQueries reads the queries of testdata/relevance/queries.txt:
// its "> query" lines.
func relevanceQueries(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../../testdata/relevance/queries.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var queries []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if q, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "> "); ok {
			queries = append(queries, q)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return queries
}

// TestRelevanceSetAgainstFTS runs the relevance set over the papers it was
// written for, stored as digest's relevance test stores them.
func TestRelevanceSetAgainstFTS(t *testing.T) {
	e := newFTSEnv(t)
	for _, name := range []string{"hf_daily_papers_limit25_2026-07-13_25items.json", "hf_daily_papers_2026-06-12_30items.json", "arxiv_api_query_cat-csAI-OR-csLG_50entries.xml"} {
		e.save(t, fixturePapers(t, name))
	}
	ix := e.index(t)
	if ix.Len() != 103 {
		t.Fatalf("indexed %d papers, want the relevance set's 103", ix.Len())
	}
	queries := relevanceQueries(t)
	if len(queries) < 40 {
		t.Fatalf("relevance set: got %d queries, want 40", len(queries))
	}
	for _, q := range queries {
		t.Run(q, func(t *testing.T) { e.check(t, ix, q, match.Filter{}) })
	}
}
