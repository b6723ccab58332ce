package main

import (
	"context"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/rank"
)

// simulation runs simulated readers through the training days, a digest a
// day, and scores their digests of the test days.
type simulation struct {
	corpus  *corpus
	pop     *population
	opt     rank.Options
	shown   int // papers a digest shows, which the reader votes on
	vectors map[int64]rank.Vector
}

// seen is a paper a digest showed a reader, and the reader's vote on it:
// 1 up, -1 down, 0 passed over.
type seen struct {
	id   int64
	vote int
}

// history is what a reader's digests showed them, in order.
type history []seen

func (h history) votes() int {
	n := 0
	for _, s := range h {
		if s.vote != 0 {
			n++
		}
	}
	return n
}

// examples are the reader's first v votes and the papers they passed over
// before casting the v-th, as Train takes them.
func (h history) examples(c *corpus, v int) []rank.Example {
	var ex []rank.Example
	for _, s := range h {
		if v == 0 {
			break
		}
		kind := rank.Passed
		switch s.vote {
		case 1:
			kind, v = rank.Up, v-1
		case -1:
			kind, v = rank.Down, v-1
		}
		ex = append(ex, rank.Example{Paper: s.paper(c), Kind: kind})
	}
	return ex
}

func (s seen) paper(c *corpus) digest.Paper { return c.papers[s.id] }

// live runs reader r through days: each day their topic's matches of the
// day, in the order of the model of their votes so far; they vote on the
// first s.shown until they have cast maxVotes.
func (s *simulation) live(ctx context.Context, r *reader, days []day, maxVotes int) (history, error) {
	var h history
	for _, d := range days {
		ms, err := s.corpus.match(r.topic, d.after, d.until)
		if err != nil {
			return nil, err
		}
		order := s.order(ms, h.examples(s.corpus, h.votes()))
		for _, i := range order[:min(s.shown, len(order))] {
			id := ms[i].PaperID
			v := 0
			if h.votes() < maxVotes {
				v = r.vote(s.pop.texts[id])
			}
			h = append(h, seen{id: id, vote: v})
		}
	}
	return h, nil
}

// order ranks a topic's matches for a reader who taught the model with
// examples: the indexes of ms, best first.
func (s *simulation) order(ms []digest.Match, examples []rank.Example) []int {
	base, model := make([]float64, len(ms)), make([]float64, len(ms))
	for i, m := range ms {
		base[i] = m.Score
	}
	n := 0
	if len(examples) > 0 {
		m := rank.Train(examples, s.opt)
		for i, match := range ms {
			model[i] = m.ScoreVector(s.vector(match.PaperID))
		}
		n = m.Examples
	}
	return rank.Order(base, model, n)
}

// vector is a paper's features, computed once per run as a pass would.
func (s *simulation) vector(id int64) rank.Vector {
	v, ok := s.vectors[id]
	if !ok {
		v = rank.Featurize(s.corpus.papers[id])
		s.vectors[id] = v
	}
	return v
}

// evaluate adds reader i's list of the papers after < id <= until to the
// table, once for each row's number of votes V the reader cast. A list
// with no paper of interest to the reader has nothing to rank and is left
// out.
func (s *simulation) evaluate(ctx context.Context, t *table, i int, r *reader, h history, after, until int64) error {
	ms, err := s.corpus.match(r.topic, after, until)
	if err != nil {
		return err
	}
	relevance := make([]int, len(ms))
	found := false
	for j, m := range ms {
		relevance[j] = min(r.relevance(s.pop.texts[m.PaperID]), 3)
		found = found || relevance[j] > 0
	}
	if !found {
		return nil
	}
	for row, v := range voteCounts {
		if h.votes() < v {
			continue
		}
		order := s.order(ms, h.examples(s.corpus, v))
		learned := make([]int, len(order))
		for j, k := range order {
			learned[j] = relevance[k]
		}
		t.add(row, i, relevance, learned)
	}
	return nil
}
