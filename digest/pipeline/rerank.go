package pipeline

import (
	"context"

	"github.com/digestd/digestd/digest/rank"
)

// rerankPool is how many candidates, the best by the reader's topics, a
// reader's model orders (at least twice their digest's size): it raises
// papers from below the cut, never from outside the topics.
const rerankPool = passTop

// rerank orders picks, best first by the reader's topics, by their blend
// with the reader's model (rank.Order: its share grows with the votes and
// library it learned from) and keeps the first limit. A paper the model
// raised says which paper the reader liked it is like.
func (b *Builder) rerank(ctx context.Context, model *rank.Model, picks []pick, limit int) ([]pick, error) {
	ids := make([]int64, len(picks))
	for i, p := range picks {
		ids[i] = p.id
	}
	vectors, err := b.pass().vectors(ctx, b.Store, ids)
	if err != nil {
		return nil, err
	}
	base, scores := make([]float64, len(picks)), make([]float64, len(picks))
	for i, p := range picks {
		base[i], scores[i] = p.score, model.ScoreVector(vectors[i])
	}
	order := rank.Order(base, scores, model.Examples)
	out := make([]pick, 0, min(limit, len(order)))
	for at, i := range order[:min(limit, len(order))] {
		p := picks[i]
		if at < i {
			p.like, _ = model.LikeOf(vectors[i])
		}
		out = append(out, p)
	}
	return out, nil
}
