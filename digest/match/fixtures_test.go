package match_test

import (
	"cmp"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/arxiv"
	"github.com/digestd/digestd/digest/hf"
	"github.com/digestd/digestd/digest/match"
	"github.com/digestd/digestd/internal/unicode61"
)

// paperFixtures returns every fixture that holds papers, parsed: the
// Hugging Face days and the arXiv feeds (the error feed, the empty one
// and the RSS page hold none).
func paperFixtures(t *testing.T) map[string][]digest.Paper {
	t.Helper()
	entries, err := os.ReadDir(fixtures)
	if err != nil {
		t.Fatal(err)
	}
	all := map[string][]digest.Paper{}
	for _, e := range entries {
		data, err := os.ReadFile(fixtures + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		var papers []digest.Paper
		switch {
		case strings.HasPrefix(e.Name(), "hf_"):
			page, err := hf.Parse(data)
			if err != nil {
				t.Fatalf("%s: %v", e.Name(), err)
			}
			papers = page.Papers
		case strings.HasPrefix(e.Name(), "arxiv_api_"):
			if feed, err := arxiv.Parse(data); err == nil {
				papers = feed.Papers
			}
		}
		if len(papers) > 0 {
			all[e.Name()] = papers
		}
	}
	if len(all) < 11 {
		t.Fatalf("got %d fixtures with papers, want 11", len(all))
	}
	return all
}

// TestFixturesAgainstFTS compares the engine with FTS5 over each fixture
// on its own and over all of them stored together, for queries drawn from
// the papers' own words, names, organisations and categories.
func TestFixturesAgainstFTS(t *testing.T) {
	fixtures := paperFixtures(t)
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range fixtures {
			if !yield(n) {
				return
			}
		}
	})
	all := newFTSEnv(t)
	for _, name := range names {
		all.save(t, fixtures[name])
		t.Run(name, func(t *testing.T) {
			e := newFTSEnv(t)
			e.save(t, fixtures[name])
			checkQueries(t, e, e.docs(t))
		})
	}
	t.Run("all", func(t *testing.T) { checkQueries(t, all, all.docs(t)) })
}

func checkQueries(t *testing.T, e ftsEnv, docs []match.Doc) {
	ix, err := match.NewIndex(docs)
	if err != nil {
		t.Fatal(err)
	}
	queries := queriesFor(docs)
	for _, q := range queries {
		e.check(t, ix, q, match.Filter{})
	}
	// A window of the later half of the papers.
	mid := match.Filter{AfterID: docs[len(docs)/2].ID}
	for _, q := range queries[:len(queries)/4] {
		e.check(t, ix, q, mid)
	}
}

// queriesFor writes queries a reader of these papers could type: words
// frequent and rare in their titles (alone, scoped, as prefixes, ANDed,
// ORed, excluded, twice), phrases from the titles, hyphenated words,
// author names (whole, with initials, reversed, across two authors),
// organisations, categories and archives, upvotes.
func queriesFor(docs []match.Doc) []string {
	df := map[string]int{}
	var bigrams []string
	for _, d := range docs {
		toks := unicode61.Tokens(d.Title)
		seen := map[string]bool{}
		for i, tok := range toks {
			if !seen[tok.Text] {
				seen[tok.Text] = true
				df[tok.Text]++
			}
			if i > 0 && len(bigrams) < 40 {
				bigrams = append(bigrams, toks[i-1].Text+" "+tok.Text)
			}
		}
	}
	words := slices.SortedFunc(func(yield func(string) bool) {
		for w := range df {
			if !yield(w) {
				return
			}
		}
	}, func(a, b string) int { return cmp.Or(cmp.Compare(df[b], df[a]), strings.Compare(a, b)) })
	pick := slices.Clone(words[:min(12, len(words))])
	for i := 12; i < len(words); i += max(1, len(words)/12) {
		pick = append(pick, words[i])
	}
	var qs []string
	for i, w := range pick {
		v := pick[(i+1)%len(pick)]
		u := pick[(i+5)%len(pick)]
		qs = append(qs, w, "title:"+w, "abstract:"+w, w+" "+v, w+" OR "+v, w+" -"+v,
			"("+w+" OR "+v+") -"+u, w+" "+w, w+" OR "+w, w+" "+quote(w),
			"NOT "+v+" "+w, w+" -(title:"+v+" "+u+")")
		if len([]rune(w)) > 3 {
			qs = append(qs, string([]rune(w)[:3])+"*", "title:"+string([]rune(w)[:4])+"*")
		}
	}
	for _, bg := range bigrams {
		qs = append(qs, `"`+bg+`"`, strings.ReplaceAll(bg, " ", "-"), `"`+bg+`"*`, bg)
	}
	cats := map[string]bool{}
	for i, d := range docs {
		if i%3 == 0 && len(d.Authors) > 0 {
			name := strings.Fields(d.Authors[0])
			if len(name) >= 2 {
				first, last := name[0], name[len(name)-1]
				qs = append(qs, "author:"+quote(d.Authors[0]), "author:"+last,
					"author:"+quote(string([]rune(first)[:1])+". "+last), "author:"+quote(last+" "+first),
					"author:"+quote(first+" "+string([]rune(last)[:1]))+"*")
			}
			if len(d.Authors) > 1 {
				next := strings.Fields(d.Authors[1])
				if len(name) > 0 && len(next) > 0 {
					qs = append(qs, "author:"+quote(name[len(name)-1]+" "+next[0]))
				}
			}
		}
		if d.Org != "" && i%2 == 0 {
			qs = append(qs, "org:"+quote(d.Org), "org:"+quote(strings.Fields(d.Org)[0]))
		}
		for _, c := range d.Categories {
			cats[c] = true
		}
	}
	for c := range cats {
		archive, _, _ := strings.Cut(c, ".")
		qs = append(qs, "cat:"+c, "cat:"+archive, "cat:"+archive+".*")
		if len(pick) > 0 {
			qs = append(qs, "cat:"+c+" "+pick[0], pick[1%len(pick)]+" -cat:"+archive)
		}
	}
	qs = append(qs, "upvotes:>=10", "upvotes:<5", "upvotes:=0", "upvotes:>100")
	if len(pick) > 1 {
		qs = append(qs, pick[0]+" upvotes:<5", "title:"+pick[1]+" OR upvotes:>=20",
			"("+pick[0]+" OR upvotes:>=10) -"+pick[1])
	}
	return qs
}

// quote makes s a phrase of the query language.
func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, " ") + `"` }
