package main

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/subscribers"
	"github.com/digestd/digestd/subscribers/query"
)

// Vocabularies readers draw their topics from (-topics).
const (
	narrow = "narrow"
	broad  = "broad"
)

// vocabulary is the topics readers of vocabulary kind choose from, most
// popular first.
func vocabulary(kind string, papers []digest.Paper) ([]string, error) {
	switch kind {
	case narrow:
		return narrowVocabulary(papers), nil
	case broad:
		return broadVocabulary(papers), nil
	}
	return nil, fmt.Errorf("-topics %q: want narrow or broad", kind)
}

// narrowVocabulary is specific topics, each matching a handful of papers:
// the fixtures' AI keywords and frequent title phrases, then authors,
// organisations and categories, with a few exclusions mixed in.
func narrowVocabulary(papers []digest.Paper) []string {
	count := map[string]int{}
	for _, p := range papers {
		for _, k := range p.AIKeywords {
			count[quoted(k)]++
		}
		words := strings.Fields(strings.ToLower(p.Title))
		for i := 0; i+1 < len(words); i++ {
			if len(words[i]) > 3 && len(words[i+1]) > 3 {
				count["title:"+quoted(words[i]+" "+words[i+1])]++
			}
		}
		for _, a := range p.Authors {
			count["author:"+quoted(a)]++
		}
		if p.Org != "" {
			count["org:"+quoted(p.Org)]++
		}
	}
	for _, c := range categories {
		count["cat:"+c] += len(papers) / 20
	}
	topics := slices.SortedFunc(maps.Keys(count), func(a, b string) int {
		return cmp.Or(cmp.Compare(count[b], count[a]), cmp.Compare(a, b))
	})
	var valid []string
	for i, t := range topics {
		// Every seventh topic excludes a popular one: "agents -survey".
		if i%7 == 6 && !strings.Contains(topics[i/7], ":") {
			t += " -" + topics[i/7]
		}
		if _, err := query.Parse(t); err == nil {
			valid = append(valid, t)
		}
	}
	return valid
}

// quoted makes a keyword a phrase term: a word stays bare, several words
// are quoted, and characters the query language reads as syntax go.
func quoted(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`"():*`, r) {
			return ' '
		}
		return r
	}, strings.ToLower(s))
	s = strings.Join(strings.Fields(s), " ")
	if strings.ContainsRune(s, ' ') || strings.HasPrefix(s, "-") {
		return `"` + s + `"`
	}
	return s
}

// broadVocabulary is the topics of readers who write a word or two:
// single words frequent in the papers' titles and abstracts (each in 10%
// to 50% of the papers), two of them ANDed, and two ORed with a third
// excluded. The three kinds take turns down the list, each from its most
// frequent words to its rarest, so that every kind has popular topics.
func broadVocabulary(papers []digest.Paper) []string {
	df := map[string]int{}
	for _, p := range papers {
		seen := map[string]bool{}
		for _, w := range query.Words(p.Title + " " + p.Abstract) {
			if len(w.Text) > 3 && !seen[w.Text] && !unicode.IsDigit(rune(w.Text[0])) {
				seen[w.Text] = true
				df[w.Text]++
			}
		}
	}
	var words []string
	for w, n := range df {
		if n*10 >= len(papers) && n*2 <= len(papers) {
			words = append(words, w)
		}
	}
	slices.SortFunc(words, func(a, b string) int { return cmp.Or(cmp.Compare(df[b], df[a]), cmp.Compare(a, b)) })
	var pairs, groups []string
	for i := range words {
		for j := i + 1; j < len(words); j++ {
			pairs = append(pairs, words[i]+" "+words[j])
			if k := (i + j) % len(words); k != i && k != j {
				groups = append(groups, "("+words[i]+" OR "+words[j]+") -"+words[k])
			}
		}
	}
	var topics []string
	for i := 0; i < len(pairs); i++ {
		if i < len(words) {
			topics = append(topics, words[i])
		}
		topics = append(topics, pairs[i])
		if i < len(groups) {
			topics = append(topics, groups[i])
		}
	}
	return topics
}

// readerTopics draws one to five distinct topics with Zipf popularity, so
// popular topics are shared by many readers and the long tail by few.
func readerTopics(vocab []string, zipf *rand.Zipf, rng *rand.Rand) []string {
	n := 1 + rng.IntN(5)
	var picked []string
	for len(picked) < n {
		t := vocab[zipf.Uint64()]
		if !slices.Contains(picked, t) {
			picked = append(picked, t)
		}
	}
	return picked
}

// benchZones are the readers' time zones, UTC the most common.
var benchZones = []string{"UTC", "UTC", "UTC", "Europe/London", "Europe/Berlin", "America/New_York",
	"America/Los_Angeles", "Asia/Shanghai", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney"}

// addReaders stores n active readers through subscribers.Store.Add, the
// path the web front and `subscribers add` take.
func addReaders(ctx context.Context, subs *subscribers.Store, vocab []string, n int, rng *rand.Rand) (topics int, err error) {
	zipf := rand.NewZipf(rng, 1.1, 4, uint64(len(vocab)-1))
	set := subscribers.DefaultSettings()
	for i := range n {
		t := readerTopics(vocab, zipf, rng)
		topics += len(t)
		set.Timezone = benchZones[rng.IntN(len(benchZones))]
		if _, err := subs.Add(ctx, fmt.Sprintf("reader%d@bench.example", i+1), subscribers.StatusActive, set, t); err != nil {
			return topics, fmt.Errorf("reader %d: %w", i+1, err)
		}
	}
	return topics, nil
}
