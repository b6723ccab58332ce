package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/subscribers/query"
)

// How a simulated reader votes on the papers a digest shows: a paper that
// meets their interest gets an up-vote at upRate, one clearly outside it
// (none of the interest's distinctive words) a down-vote at downRate, the
// rest are passed over; and a share of the votes cast, the flip rate
// (-flip, 0.15 by default), go the wrong way: a slip, a change of mind, a
// vote on the title alone.
const (
	upRate   = 0.7
	downRate = 0.6
)

// reader is a simulated reader: a hidden interest (keyword phrases of the
// fixtures' ai_keywords, which the evaluation grades papers by) and a
// topic that only approximates it, which chooses their digests.
type reader struct {
	interest []phrase
	// marks are the interest's distinctive words: a paper with one of
	// them is not clearly outside it.
	marks map[string]bool
	topic *query.Query
	flip  float64 // the share of votes that go the wrong way
	rng   *rand.Rand
}

// phrase is a keyword as its folded words.
type phrase []string

// words are the folded words of s, as topics and the index cut them.
func words(s string) []string {
	var ws []string
	for _, w := range query.Words(s) {
		ws = append(ws, w.Text)
	}
	return ws
}

func phraseKey(ws []string) string { return strings.Join(ws, " ") }

// paperText is a paper's title and abstract as folded words, an empty word
// between the two so that no phrase spans them.
func paperText(p digest.Paper) []string {
	return append(append(words(p.Title), ""), words(p.Abstract)...)
}

// contains reports whether the phrase occurs in text.
func contains(text []string, ph phrase) bool {
	for i := 0; i+len(ph) <= len(text); i++ {
		match := true
		for j, w := range ph {
			if text[i+j] != w {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// relevance is how many of the interest's phrases a paper's text has: the
// graded relevance NDCG counts.
func (r *reader) relevance(text []string) int {
	n := 0
	for _, ph := range r.interest {
		if contains(text, ph) {
			n++
		}
	}
	return n
}

// vote is what the reader does with a paper their digest shows them: 1
// up, -1 down, 0 passed over.
func (r *reader) vote(text []string) int {
	v := 0
	switch {
	case r.relevance(text) > 0:
		if r.rng.Float64() < upRate {
			v = 1
		}
	case r.unrelated(text):
		if r.rng.Float64() < downRate {
			v = -1
		}
	}
	if v != 0 && r.rng.Float64() < r.flip {
		v = -v
	}
	return v
}

// unrelated reports whether text has none of the interest's distinctive
// words: the reader sees at a glance that it is not for them.
func (r *reader) unrelated(text []string) bool {
	for _, w := range text {
		if r.marks[w] {
			return false
		}
	}
	return true
}

// describe writes what reader i wanted, typed and did.
func describe(w io.Writer, i int, r *reader, h history) {
	var interest []string
	for _, ph := range r.interest {
		interest = append(interest, `"`+phraseKey(ph)+`"`)
	}
	var up, down int
	for _, s := range h {
		switch s.vote {
		case 1:
			up++
		case -1:
			down++
		}
	}
	fmt.Fprintf(w, "reader %d: interest %s, topic %s: shown %d, up %d, down %d\n",
		i, strings.Join(interest, " + "), r.topic.Text, len(h), up, down)
}
