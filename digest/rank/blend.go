package rank

import (
	"cmp"
	"math"
	"slices"
)

// HalfShare is the number of examples (votes and library papers) at which
// the model's share of a reader's order reaches one half: its share is
// n/(n+HalfShare).
const HalfShare = 5

// Blend mixes the base scores of a reader's candidates (relevance +
// ln(1 + upvotes), the filters' order) with the model's scores of the same
// candidates, index for index. Both are on scales of their own, so each is
// turned into z-scores within the candidates first; the model's share is
// n/(n+HalfShare) for n examples. With n = 0 the result is base itself.
func Blend(base, model []float64, n int) []float64 {
	if len(base) != len(model) {
		panic("rank.Blend: base and model scores of different lengths")
	}
	out := slices.Clone(base)
	if n <= 0 {
		return out
	}
	share := float64(n) / float64(n+HalfShare)
	zb, zm := zscores(base), zscores(model)
	for i := range out {
		out[i] = (1-share)*zb[i] + share*zm[i]
	}
	return out
}

// Order returns the indexes of the candidates, best first by Blend: a
// permutation of 0..len(base)-1, so that no paper outside the candidates
// can enter. Ties keep the candidates' given order, hence with n = 0 a
// list sorted by base comes back as it was, whatever tie-breaking put it
// in that order.
func Order(base, model []float64, n int) []int {
	score := Blend(base, model, n)
	order := make([]int, len(score))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(score[b], score[a]) })
	return order
}

// zscores standardises xs to mean 0 and deviation 1; all equal, they are
// all 0.
func zscores(xs []float64) []float64 {
	var mean, sq float64
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		sq += (x - mean) * (x - mean)
	}
	sd := math.Sqrt(sq / float64(len(xs)))
	z := make([]float64, len(xs))
	if sd == 0 {
		return z
	}
	for i, x := range xs {
		z[i] = (x - mean) / sd
	}
	return z
}
