// Package digesttest holds what the tests of several packages need: a
// fresh database under the test's temporary directory, and the captured
// API responses of testdata/fixtures as papers.
package digesttest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/arxiv"
	"github.com/digestd/digestd/digest/hf"
	"github.com/digestd/digestd/digest/sqlite"
	"github.com/digestd/digestd/subscribers"
)

// TokenKey is a token's stored form, as docs/SECURITY.md tells it: the
// SHA-256 of its text, after the 6 bytes of the time it was minted that a
// token minted since the stamp starts with (30 bytes, 40 characters).
func TokenKey(text string) []byte {
	sum := sha256.Sum256([]byte(text))
	raw, err := base64.RawURLEncoding.DecodeString(text)
	if err != nil || len(raw) != 30 {
		return sum[:]
	}
	return append(raw[:6:6], sum[:]...)
}

// Fixtures the tests of several packages use.
const (
	HFDay1    = "hf_daily_papers_limit25_2026-07-13_25items.json"
	HFDay2    = "hf_daily_papers_2026-07-31_5items_pretty.json"
	ArxivFeed = "arxiv_api_query_cat-csAI-OR-csLG_50entries.xml"
)

// Open opens a fresh database in t's temporary directory and a Store over
// it, both closed when the test ends.
func Open(t testing.TB) (*sqlite.Store, *sql.DB) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "digestd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return NewStore(t, db), db
}

// NewStore returns a Store over db, closed when the test ends, before db.
func NewStore(t testing.TB, db *sql.DB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.NewStore(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Dir is the repository's directory of captured API responses.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "fixtures")
}

// Fixture returns the file name of testdata/fixtures.
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Dir(), name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Papers parses a fixture: Hugging Face JSON or arXiv Atom.
func Papers(t testing.TB, name string) []digest.Paper {
	t.Helper()
	if strings.HasSuffix(name, ".json") {
		page, err := hf.Parse(Fixture(t, name))
		if err != nil {
			t.Fatal(err)
		}
		return page.Papers
	}
	feed, err := arxiv.Parse(Fixture(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return feed.Papers
}

// Save stores papers as a fetch would.
func Save(t testing.TB, s *sqlite.Store, papers []digest.Paper) sqlite.SaveResult {
	t.Helper()
	res, err := s.SavePapers(context.Background(), papers)
	if err != nil {
		t.Fatalf("SavePapers: %v", err)
	}
	return res
}

// Count runs a SELECT count(*) query.
func Count(t testing.TB, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// Corpus returns a small archive whose papers each exercise part of the
// query language, their titles naming them in assertions: arXiv ids
// 2607.00001 on, published 1 July 2026, as Hugging Face carried them.
func Corpus() []digest.Paper {
	papers := []digest.Paper{
		{Title: "Long Context Scaling with LoRA", Abstract: "We extend the window of language models.",
			Authors: []string{"Tri Dao", "Ana Ruiz"}, Categories: []string{"cs.CL", "cs.LG"}, Org: "Qwen", Upvotes: 5},
		{Title: "Retrieval for Multimodal QA", Abstract: "We apply RAG to images.",
			Authors: []string{"Dirk Wübben"}, Categories: []string{"cs.CV"}},
		{Title: "RAG Pipelines at Scale", Abstract: "Retrieval for text only.", Categories: []string{"cs.IR"}, Upvotes: 12},
		{Title: "Quantization of Large Models", Abstract: "We quantize weights to 4 bits.",
			Authors: []string{"Dao Tri"}, Categories: []string{"cs.LG", "stat.ML"}, Upvotes: 3},
		{Title: "A Benchmark for Agents", Abstract: "Long context is not tested here.",
			Categories: []string{"stat.ML"}, Org: "Meta AI", Upvotes: 40},
		{Title: "Context Is Long", Abstract: "An essay on windows.", Categories: []string{"cs.AI"}, Upvotes: 1},
		{Title: "GPT-4o Evaluated", Abstract: "We evaluate a benchmark suite.", Categories: []string{"cs.CL"}, Upvotes: 2},
		{Title: "Ising Model Entropy", Abstract: "Statistical mechanics of spins.", Categories: []string{"cond-mat.stat-mech"}},
	}
	for i := range papers {
		p := &papers[i]
		p.ID, p.Source = fmt.Sprintf("2607.%05d", i+1), "huggingface"
		p.PublishedAt = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	}
	return papers
}

// Subscribers opens a fresh database in t's temporary directory and a
// subscribers.Store over it.
func Subscribers(t testing.TB) (*subscribers.Store, *sql.DB) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "digestd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return subscribers.NewStore(db), db
}

// AddReader stores a subscriber with default settings and topics.
func AddReader(t testing.TB, st *subscribers.Store, email string, status subscribers.Status, topics ...string) subscribers.Subscriber {
	t.Helper()
	sub, err := st.Add(context.Background(), email, status, subscribers.DefaultSettings(), topics)
	if err != nil {
		t.Fatalf("Add(%s): %v", email, err)
	}
	return sub
}

// Topics returns a subscriber's stored topics as text.
func Topics(t testing.TB, st *subscribers.Store, id int64) []string {
	t.Helper()
	topics, err := st.Topics(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var qs []string
	for _, tp := range topics {
		qs = append(qs, tp.Query)
	}
	return qs
}
