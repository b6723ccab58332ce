package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/hf"
)

// categories are the arXiv categories the made-up papers are filed under,
// the common ones of Hugging Face's Daily Papers first.
var categories = []string{"cs.CL", "cs.LG", "cs.AI", "cs.CV", "cs.RO", "cs.IR", "stat.ML", "cs.SE", "eess.AS", "q-bio.NC"}

// fixturePapers reads the Hugging Face fixtures through the parser the
// fetcher uses, each arXiv id once.
func fixturePapers(dir string) ([]digest.Paper, error) {
	files, err := filepath.Glob(filepath.Join(dir, "hf_*.json"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("fixtures %s: no hf_*.json files (%v)", dir, err)
	}
	var papers []digest.Paper
	seen := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		page, err := hf.Parse(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, p := range page.Papers {
			if !seen[p.ID] {
				seen[p.ID] = true
				papers = append(papers, p)
			}
		}
	}
	return papers, nil
}

// derivePapers makes n papers from the fixture papers, numbered from
// first: each is a fixture paper under a new arXiv id, with the words of
// its title and abstract shuffled in runs, so word frequencies and lengths
// stay realistic while no two papers are the same text.
func derivePapers(base []digest.Paper, first, n int, rng *rand.Rand) []digest.Paper {
	day := time.Now().UTC().Truncate(24 * time.Hour)
	papers := make([]digest.Paper, n)
	for i := range papers {
		p := base[rng.IntN(len(base))]
		id := first + i
		p.ID = fmt.Sprintf("2%03d.%05d", 1+id/90000, 1+id%90000)
		p.Version = 1
		p.Title = shuffleRuns(p.Title, 3, rng)
		p.Abstract = shuffleRuns(p.Abstract, 6, rng)
		p.Authors = slices.Clone(p.Authors)
		rng.Shuffle(len(p.Authors), func(a, b int) { p.Authors[a], p.Authors[b] = p.Authors[b], p.Authors[a] })
		p.Categories = pickCategories(rng)
		p.Upvotes = rng.IntN(max(2*p.Upvotes, 5))
		p.PublishedAt = day.Add(-time.Duration(rng.IntN(72)) * time.Hour)
		p.FeaturedOn = day
		papers[i] = p
	}
	return papers
}

// shuffleRuns cuts text into runs of up to k words and shuffles the runs:
// phrases of a few words survive, the paper as a whole is new.
func shuffleRuns(text string, k int, rng *rand.Rand) string {
	words := strings.Fields(text)
	var runs [][]string
	for len(words) > 0 {
		n := min(len(words), 1+rng.IntN(k))
		runs = append(runs, words[:n])
		words = words[n:]
	}
	rng.Shuffle(len(runs), func(a, b int) { runs[a], runs[b] = runs[b], runs[a] })
	var out []string
	for _, r := range runs {
		out = append(out, r...)
	}
	return strings.Join(out, " ")
}

// pickCategories files a paper under one to three categories, the first
// ones far more often.
func pickCategories(rng *rand.Rand) []string {
	n := 1 + rng.IntN(3)
	var cats []string
	for len(cats) < n {
		c := categories[min(rng.IntN(len(categories)), rng.IntN(len(categories)))]
		if !slices.Contains(cats, c) {
			cats = append(cats, c)
		}
	}
	return cats
}
