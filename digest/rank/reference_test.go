package rank

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// The plain reference of a model's lookups: merges of sorted lists.

// dotMerge is the inner product of two vectors.
func dotMerge(v, w Vector) float64 {
	var sum float64
	for i, j := 0, 0; i < len(v.Index) && j < len(w.Index); {
		switch {
		case v.Index[i] < w.Index[j]:
			i++
		case v.Index[i] > w.Index[j]:
			j++
		default:
			sum += float64(v.Value[i]) * float64(w.Value[j])
			i, j = i+1, j+1
		}
	}
	return sum
}

// scoreMerge is m.ScoreVector(v) as the merge of v with the weights.
func scoreMerge(m *Model, v Vector) float64 {
	s := m.Bias
	for i, j := 0, 0; i < len(v.Index) && j < len(m.weights); {
		switch a, b := v.Index[i], m.weights[j].bucket; {
		case a < b:
			i++
		case a > b:
			j++
		default:
			s += float64(v.Value[i]) * float64(m.weights[j].value)
			i, j = i+1, j+1
		}
	}
	return s
}

// like is the index of the liked paper most like a candidate, -1 when
// none shares a feature with it.
func like(candidate Vector, liked []likedPaper) int {
	index, most := -1, 0.0
	for i, l := range liked {
		if s := dotMerge(candidate, l.v); s > most {
			index, most = i, s
		}
	}
	return index
}

// TestLookupsAgreeWithMerges checks ScoreVector and LikeOf against the
// merges, bit for bit, for models of real papers scoring real papers,
// and for random vectors over few buckets, where features collide in the
// model's bucket sets.
func TestLookupsAgreeWithMerges(t *testing.T) {
	papers := fixturePapers(t)
	rng := rand.New(rand.NewPCG(1, 2))
	var models []*Model
	for range 20 {
		var ex []Example
		for _, i := range rng.Perm(len(papers))[:40] {
			ex = append(ex, Example{Paper: papers[i], Kind: Kind(rng.IntN(4))})
		}
		models = append(models, Train(ex, Options{Keep: 64 << rng.IntN(4)}))
	}
	var vectors []Vector
	for _, p := range papers {
		vectors = append(vectors, Featurize(p))
	}
	small := func(n int) Vector {
		v := Vector{}
		for b := uint32(rng.IntN(8)); len(v.Index) < n; b += 1 + uint32(rng.IntN(3000)) {
			v.Index = append(v.Index, b)
			v.Value = append(v.Value, rng.Float32()-0.5)
		}
		return v
	}
	for range 5 {
		m := &Model{Bias: rng.Float64()}
		for _, b := range small(200).Index {
			m.weights = append(m.weights, weight{bucket: b, value: rng.Float32() - 0.5})
		}
		for k := range likedKept {
			m.liked = append(m.liked, likedPaper{title: string(rune('a' + k)), v: small(likedFeatures)})
		}
		m.index()
		models = append(models, m)
	}
	for range 200 {
		vectors = append(vectors, small(300))
	}
	for i, m := range models {
		checkRerank(t, m, vectors[:60], rng)
		checkRerank(t, m, vectors[len(vectors)-60:], rng)
		for j, v := range vectors {
			if got, want := m.ScoreVector(v), scoreMerge(m, v); got != want {
				t.Fatalf("model %d, vector %d: ScoreVector = %v, merge %v", i, j, got, want)
			}
			title, ok := m.LikeOf(v)
			want := like(v, m.liked)
			if ok != (want >= 0) || ok && title != m.liked[want].title {
				t.Fatalf("model %d, vector %d: LikeOf = %q, %v; merge finds liked paper %d", i, j, title, ok, want)
			}
		}
	}
}

// checkRerank checks m.Rerank of candidates against its reference: Order
// of the merges' scores, and the merges' liked paper for each candidate
// raised.
func checkRerank(t *testing.T, m *Model, candidates []Vector, rng *rand.Rand) {
	t.Helper()
	base, scores := make([]float64, len(candidates)), make([]float64, len(candidates))
	for i, v := range candidates {
		base[i], scores[i] = float64(len(candidates)-i)+rng.Float64()/2, scoreMerge(m, v)
	}
	limit := 1 + rng.IntN(len(candidates))
	order, likes := m.Rerank(base, candidates, limit)
	want := Order(base, scores, m.Examples)[:limit]
	if !slices.Equal(order, want) {
		t.Fatalf("Rerank order %v, the reference's %v", order, want)
	}
	for at, i := range order {
		wantLike := ""
		if p := like(candidates[i], m.liked); at < i && p >= 0 {
			wantLike = m.liked[p].title
		}
		if likes[at] != wantLike {
			t.Fatalf("Rerank: candidate %d at %d is like %q, the reference's %q", i, at, likes[at], wantLike)
		}
	}
}
