package pipeline

import (
	"context"

	"github.com/digestd/digestd/digest/rank"
)

// Model returns subscriberID's model as a pass would use it: the stored
// one, trained afresh when it is older than their taste; nil when they
// taught nothing, or nothing stored.
func (t *Trainer) Model(ctx context.Context, subscriberID int64) (*rank.Model, error) {
	ids := []int64{subscriberID}
	tastes, err := t.Subscribers.Tastes(ctx, ids)
	if err != nil {
		return nil, err
	}
	stored, err := t.Store.Models(ctx, ids)
	if err != nil {
		return nil, err
	}
	return t.model(ctx, subscriberID, tastes[0], stored[0], new(rank.Decoder))
}

// Retrain trains subscriberID's model on their taste now, after a vote, an
// undo, a library or a reset: Train for whoever needs no model back (the
// web front's web.Learner).
func (t *Trainer) Retrain(ctx context.Context, subscriberID int64) error {
	_, err := t.Train(ctx, subscriberID)
	return err
}

// Terms names up to n of the strongest terms of subscriberID's model each
// way, as topic text: up, those that raise a paper most; down, those that
// lower it most. None without a model.
func (t *Trainer) Terms(ctx context.Context, subscriberID int64, n int) (up, down []string, err error) {
	m, err := t.Model(ctx, subscriberID)
	if err != nil || m == nil {
		return nil, nil, err
	}
	ups, downs := m.Terms(n)
	for _, term := range ups {
		up = append(up, term.Text)
	}
	for _, term := range downs {
		down = append(down, term.Text)
	}
	return up, down, nil
}
