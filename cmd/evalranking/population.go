package main

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/digestd/digestd/subscribers/query"
)

// population draws simulated readers from what the training days show:
// which keywords occur, how often each word does, and with what. Nothing
// of the test days goes into a reader.
type population struct {
	texts map[int64][]string // folded title + abstract by row id, every day
	train []int64            // the training days' row ids
	df    map[string]int     // training papers per word
	pool  []phrase           // keywords frequent enough to be an interest
	// topical are the words of all the keywords: what readers type.
	topical map[string]bool
}

// Bounds of the simulation, as shares of the training papers: an interest
// keyword occurs in at least minKeywordDocs of them and at most
// maxKeywordShare; a topic word is no broader than maxWordShare, an off
// or near word no narrower than minWordShare.
const (
	minKeywordDocs  = 3
	maxKeywordShare = 0.15
	maxWordShare    = 0.25
	minWordShare    = 0.03
	minRelevant     = 5 // training papers an interest must meet
)

func newPopulation(c *corpus, lastTrain int64) (*population, error) {
	p := &population{texts: map[int64][]string{}, df: map[string]int{}}
	for id, paper := range c.papers {
		p.texts[id] = paperText(paper)
	}
	for id := int64(1); id <= lastTrain; id++ {
		if _, ok := c.papers[id]; ok {
			p.train = append(p.train, id)
		}
	}
	for _, id := range p.train {
		seen := map[string]bool{}
		for _, w := range p.texts[id] {
			if w != "" && !seen[w] {
				seen[w] = true
				p.df[w]++
			}
		}
	}
	p.topical = map[string]bool{}
	for _, k := range c.keywords {
		ph := phrase(words(k))
		for _, w := range ph {
			p.topical[w] = true
		}
		n := 0
		for _, id := range p.train {
			if contains(p.texts[id], ph) {
				n++
			}
		}
		if n >= minKeywordDocs && float64(n) <= maxKeywordShare*float64(len(p.train)) {
			p.pool = append(p.pool, ph)
		}
	}
	if len(p.pool) < 3 {
		return nil, fmt.Errorf("only %d keywords occur in %d or more training papers: too few to draw interests from", len(p.pool), minKeywordDocs)
	}
	return p, nil
}

// reader draws one reader, whose votes go the wrong way at the rate flip.
// Their interest is two or three keywords that together meet at least
// minRelevant training papers. Their topic ORs three words, none of them
// an interest keyword itself: a word of a multi-word keyword, broader than
// it ("matching" for "flow matching"; left out when the interest has none
// no broader than maxWordShare); a keyword word whose papers meet the
// interest at least twice as often as papers at large ("near"); and one
// whose papers meet it less often than chance ("off"), which brings papers
// of no interest into the digest, as real readers' topics do.
func (p *population) reader(rng *rand.Rand, flip float64) (*reader, error) {
	for range 1000 {
		r := &reader{rng: rng, flip: flip, marks: map[string]bool{}}
		for _, i := range rng.Perm(len(p.pool))[:2+rng.IntN(2)] {
			r.interest = append(r.interest, p.pool[i])
		}
		relevant := map[int64]bool{}
		for _, id := range p.train {
			if r.relevance(p.texts[id]) > 0 {
				relevant[id] = true
			}
		}
		if len(relevant) < minRelevant {
			continue
		}
		var broad []string
		for _, ph := range r.interest {
			for _, w := range ph {
				if len(w) >= 4 && float64(p.df[w]) <= maxWordShare*float64(len(p.train)) {
					r.marks[w] = true
					if len(ph) > 1 {
						broad = append(broad, w)
					}
				}
			}
		}
		near, off := p.related(relevant, r.interest)
		if len(near) == 0 || len(off) == 0 {
			continue
		}
		terms := []string{near[rng.IntN(len(near))], off[rng.IntN(len(off))]}
		if len(broad) > 0 {
			terms = append(terms, broad[rng.IntN(len(broad))])
		}
		q, err := query.Parse(strings.Join(terms, " OR "))
		if err != nil {
			return nil, fmt.Errorf("topic %q: %w", strings.Join(terms, " OR "), err)
		}
		r.topic = q
		return r, nil
	}
	return nil, fmt.Errorf("no interest of %d keywords meets %d training papers", len(p.pool), minRelevant)
}

// related splits the words of moderate frequency that are not the
// interest's own by their lift, P(relevant | word) / P(relevant): near
// words have a lift of 2 or more, off words below 1.
func (p *population) related(relevant map[int64]bool, interest []phrase) (near, off []string) {
	own := map[string]bool{}
	for _, ph := range interest {
		for _, w := range ph {
			own[w] = true
		}
	}
	with := map[string]int{}
	for id := range relevant {
		seen := map[string]bool{}
		for _, w := range p.texts[id] {
			if !seen[w] {
				seen[w] = true
				with[w]++
			}
		}
	}
	n := float64(len(p.train))
	base := float64(len(relevant)) / n
	for _, w := range slices.Sorted(maps.Keys(p.df)) {
		df := float64(p.df[w])
		if own[w] || !p.topical[w] || generic[w] || len(w) < 4 || df < minWordShare*n || df > maxWordShare*n || !isWord(w) {
			continue
		}
		switch lift := float64(with[w]) / df / base; {
		case lift >= 2:
			near = append(near, w)
		case lift < 1:
			off = append(off, w)
		}
	}
	return near, off
}

// isWord reports whether w is letters only: a word a reader would type.
func isWord(w string) bool {
	for _, r := range w {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// generic are the words of abstracts frequent enough to be topic words
// that no reader would type as one.
var generic = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`about above across also although among based because been being between both
		could does each either even existing first from further have however into more most other over same several
		show shows such than that their them then there these they this those through thus under using various were
		what when where whether which while with within without would work works paper propose proposed present
		approach approaches method methods results result demonstrate performance novel different significantly
		achieves achieve state across often only well`) {
		m[w] = true
	}
	return m
}()
