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
// with the reader's model (rank.Model.Rerank: its share grows with the
// votes and library it learned from) and keeps the first limit. A paper
// the model raised says which paper the reader liked it is like.
func (b *Builder) rerank(ctx context.Context, model *rank.Model, picks []pick, limit int) ([]pick, error) {
	ids, base := make([]int64, len(picks)), make([]float64, len(picks))
	for i, p := range picks {
		ids[i], base[i] = p.id, p.score
	}
	vectors, err := b.pass().vectors(ctx, b.Store, ids)
	if err != nil {
		return nil, err
	}
	order, likes := model.Rerank(base, vectors, limit)
	out := make([]pick, len(order))
	for at, i := range order {
		out[at] = picks[i]
		out[at].like = likes[at]
	}
	return out, nil
}
