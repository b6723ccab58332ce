package match

import "slices"

// rankedDoc is a matched paper with its score and its place in the tie
// order (see Index.tie).
type rankedDoc struct {
	score float64
	tie   uint32
	doc   uint32
}

// before reports whether x ranks before y: a higher score, or an equal
// one and a more recent publication (then a lower row id). Scores are
// sums of non-negative terms, never NaN.
func before(x, y rankedDoc) bool {
	if x.score != y.score {
		return x.score > y.score
	}
	return x.tie < y.tie
}

func order(x, y rankedDoc) int {
	switch {
	case before(x, y):
		return -1
	case before(y, x):
		return 1
	}
	return 0
}

// best reorders r so that it begins with its best k in rank order, and
// returns them. Past a few times k it keeps a heap of the best so far:
// most papers of a broad topic are then one comparison each.
func best(r []rankedDoc, k int) []rankedDoc {
	if k <= 0 {
		return r[:0]
	}
	if len(r) <= 4*k {
		slices.SortFunc(r, order)
		return r[:min(k, len(r))]
	}
	// r[:k] is a heap whose root is the worst of them.
	h := r[:k]
	for i := k/2 - 1; i >= 0; i-- {
		down(h, i)
	}
	for _, x := range r[k:] {
		if before(x, h[0]) {
			h[0] = x
			down(h, 0)
		}
	}
	slices.SortFunc(h, order)
	return h
}

// down restores the heap property of h below i: a parent ranks after its
// children.
func down(h []rankedDoc, i int) {
	for {
		worst, l := i, 2*i+1
		if l < len(h) && before(h[worst], h[l]) {
			worst = l
		}
		if r := l + 1; r < len(h) && before(h[worst], h[r]) {
			worst = r
		}
		if worst == i {
			return
		}
		h[i], h[worst] = h[worst], h[i]
		i = worst
	}
}
