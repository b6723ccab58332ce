package main

import (
	"fmt"
	"io"
	"math"
	"slices"
)

// voteCounts are the rows of the table: how many votes the readers'
// models learned from.
var voteCounts = []int{0, 5, 10, 20}

// table sums, for each row, the metrics of every ranked list the row's
// readers got: the filters' order and the learned one.
type table struct {
	rows []tally // one per voteCounts
}

type tally struct {
	readers                  map[int]bool
	lists                    int
	ndcgFilters, ndcgLearned float64
	p5Filters, p5Learned     float64
}

func newTable() *table {
	t := &table{rows: make([]tally, len(voteCounts))}
	for i := range t.rows {
		t.rows[i].readers = map[int]bool{}
	}
	return t
}

// add counts one list of reader r at row i: the relevance of its papers
// in the filters' order and in the learned order.
func (t *table) add(i, r int, filters, learned []int) {
	row := &t.rows[i]
	row.readers[r] = true
	row.lists++
	row.ndcgFilters += ndcg(filters, 10)
	row.ndcgLearned += ndcg(learned, 10)
	row.p5Filters += precision(filters, 5)
	row.p5Learned += precision(learned, 5)
}

// print writes one line per row, the metrics averaged over its lists.
func (t *table) print(w io.Writer) error {
	for i, row := range t.rows {
		n := float64(max(row.lists, 1))
		if _, err := fmt.Fprintf(w, "eval: votes=%d readers=%d ndcg_filters=%.3f ndcg_learned=%.3f p5_filters=%.3f p5_learned=%.3f\n",
			voteCounts[i], len(row.readers), row.ndcgFilters/n, row.ndcgLearned/n, row.p5Filters/n, row.p5Learned/n); err != nil {
			return err
		}
	}
	return nil
}

// ndcg is the normalised discounted cumulative gain of the first k papers
// of a list, from their graded relevance (gain 2^rel - 1), against the
// best order of the same papers: 1 when no order could do better. A list
// without a relevant paper has no NDCG; callers leave it out.
func ndcg(relevance []int, k int) float64 {
	ideal := slices.Clone(relevance)
	slices.SortFunc(ideal, func(a, b int) int { return b - a })
	best := dcg(ideal, k)
	if best == 0 {
		return 0
	}
	return dcg(relevance, k) / best
}

func dcg(relevance []int, k int) float64 {
	var sum float64
	for i, rel := range relevance[:min(k, len(relevance))] {
		sum += (math.Exp2(float64(rel)) - 1) / math.Log2(float64(i+2))
	}
	return sum
}

// precision is the share of relevant papers among the first k places; a
// shorter list counts its empty places as not relevant.
func precision(relevance []int, k int) float64 {
	n := 0
	for _, rel := range relevance[:min(k, len(relevance))] {
		if rel > 0 {
			n++
		}
	}
	return float64(n) / float64(k)
}
