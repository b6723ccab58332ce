package match

import (
	"slices"
	"testing"

	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/subscribers/query"
)

// TestHitsAsScan: a term's hits are looked for only at the words it can
// start at, a run of the words in sorted order; they are where trying
// the term at every word finds it, for the words of the fixtures' papers
// as terms, as prefixes and in phrases, and for words they do not hold.
func TestHitsAsScan(t *testing.T) {
	papers := digesttest.Papers(t, "hf_daily_papers_merged_14days_245items.json")
	texts := []string{"", "deep deep deep learning", "Wübben's cafe, Cafe\u0301 and CAFÉ", "GPT-4o beats GPT 4 and gpt-4o-mini", "大規模 言語 大規模"}
	for _, p := range papers[:80] {
		texts = append(texts, p.Title, p.Abstract)
	}
	queries := []string{"zebra", "a*", "z*", `"learning deep"`, "deep*", "title:cafe", "author:wubben"}
	checked := 0
	for _, s := range texts {
		text := NewText(s)
		qs := queries
		for i := range text.words {
			w := text.fold(int32(i))
			qs = append(qs, `"`+w+`"`, `"`+w[:len(w)/2+1]+`"*`)
			if i+1 < len(text.words) {
				qs = append(qs, `"`+w+" "+text.fold(int32(i+1))+`"`)
			}
		}
		var all []query.Term
		for _, qtext := range qs {
			q, err := query.Parse(qtext)
			if err != nil {
				continue // a word the query language reads otherwise
			}
			for _, term := range q.Terms() {
				if len(term.Words) == 0 {
					continue
				}
				got := text.appendHits(nil, term)
				slices.SortFunc(got, func(a, b hit) int { return a.start - b.start })
				if want := scanHits(text, term); !slices.Equal(got, want) {
					t.Fatalf("%q in %q: hits %v, trying every word %v", qtext, s, got, want)
				}
				all = append(all, term)
				checked++
			}
		}
		if got, want := text.hits(all), mergeHits(text, all); !slices.Equal(got, want) {
			t.Fatalf("all terms in %q: hits %v, merged from every word's %v", s, got, want)
		}
	}
	if checked < 10_000 {
		t.Fatalf("checked %d terms: the fixtures did not load as expected", checked)
	}
}

// scanHits is where term matches text, the plain way: tried at every word.
func scanHits(text *Text, term query.Term) []hit {
	var hs []hit
	for i := range text.words {
		if end, ok := text.matchAt(i, term); ok {
			hs = append(hs, hit{int(text.words[i].start), end})
		}
	}
	return hs
}

// mergeHits is where terms match text, the plain way: each scanned,
// the bytes any hit covers marked, and each run of marked bytes a hit.
func mergeHits(text *Text, terms []query.Term) []hit {
	covered := make([]bool, len(text.s)+1)
	for _, term := range terms {
		if term.Searches(query.FieldTitle) || term.Searches(query.FieldAbstract) {
			for _, h := range scanHits(text, term) {
				for i := h.start; i < h.end; i++ {
					covered[i] = true
				}
			}
		}
	}
	var merged []hit
	for i := 0; i < len(text.s); i++ {
		if covered[i] && (i == 0 || !covered[i-1]) {
			merged = append(merged, hit{start: i})
		}
		if covered[i] && !covered[i+1] {
			merged[len(merged)-1].end = i + 1
		}
	}
	return merged
}
