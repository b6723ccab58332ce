package rank

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestZeroVotesKeepBaseOrder(t *testing.T) {
	tests := []struct {
		name        string
		base, model []float64
	}{
		{"model disagrees", []float64{5.2, 3.1, 0.4}, []float64{-3, 0, 9}},
		{"ties keep their order", []float64{2, 2, 2, 1, 1}, []float64{0, 1, 2, 3, 4}},
		{"one candidate", []float64{7}, []float64{1}},
		{"none", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Blend(tt.base, tt.model, 0); !slices.Equal(got, tt.base) {
				t.Errorf("Blend(base, model, 0) = %v, want base %v", got, tt.base)
			}
			want := make([]int, len(tt.base))
			for i := range want {
				want[i] = i
			}
			if got := Order(tt.base, tt.model, 0); !slices.Equal(got, want) {
				t.Errorf("Order(base, model, 0) = %v, want %v", got, want)
			}
		})
	}
}

func TestModelShareGrowsWithVotes(t *testing.T) {
	// The filters put candidate 0 first, the model candidate 2.
	base := []float64{9, 5, 1}
	model := []float64{-1, 0, 1}
	tests := []struct {
		name  string
		votes int
		want  []int
	}{
		{"no votes: filters", 0, []int{0, 1, 2}},
		{"few votes: filters still lead", 2, []int{0, 1, 2}},
		{"as many votes as HalfShare: a tie, kept in base order", HalfShare, []int{0, 1, 2}},
		{"many votes: model leads", 50, []int{2, 1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Order(base, model, tt.votes); !slices.Equal(got, tt.want) {
				t.Errorf("Order(%v, %v, %d) = %v, want %v", base, model, tt.votes, got, tt.want)
			}
		})
	}
}

func TestOrderNeverLeavesTheCandidates(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 1000 {
		n := rng.IntN(60)
		base, model := make([]float64, n), make([]float64, n)
		for i := range n {
			base[i] = float64(rng.IntN(5)) + rng.Float64()
			model[i] = rng.NormFloat64() * 3
		}
		votes := rng.IntN(40)
		order := Order(base, model, votes)
		sorted := slices.Sorted(slices.Values(order))
		for i, k := range sorted {
			if k != i {
				t.Fatalf("trial %d: Order of %d candidates with %d votes = %v: want a permutation of 0..%d", trial, n, votes, order, n-1)
			}
		}
	}
}

func TestBlendOfUniformScoresIsZero(t *testing.T) {
	got := Blend([]float64{3, 3, 3}, []float64{1, 1, 1}, 5)
	if !slices.Equal(got, []float64{0, 0, 0}) {
		t.Errorf("Blend of uniform scores = %v, want zeros", got)
	}
}
