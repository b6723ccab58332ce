package pipeline

import (
	"context"
	"fmt"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/rank"
	"github.com/digestd/digestd/digest/sqlite"
	"github.com/digestd/digestd/subscribers"
)

// passedOver is how many of the papers last sent to a reader a model
// learns from as passed over (those the reader did not vote on).
const passedOver = 50

// Trainer learns a reader's ranking model from what they taught their
// digest — their votes and their library — and stores it. A pass trains
// the readers whose model is older than their taste; the web front and
// `library import` train a reader as soon as they change it.
type Trainer struct {
	Store       *sqlite.Store
	Subscribers *subscribers.Store
	// Options tune the training; the zero value is rank's defaults.
	Options rank.Options
}

// Train trains subscriberID's model on their taste now and stores it; a
// reader who taught nothing has their model dropped. The model is nil
// then, or when their votes and library hold no paper stored.
func (t *Trainer) Train(ctx context.Context, subscriberID int64) (*rank.Model, error) {
	tastes, err := t.Subscribers.Tastes(ctx, []int64{subscriberID})
	if err != nil {
		return nil, err
	}
	return t.train(ctx, subscriberID, tastes[0])
}

func (t *Trainer) train(ctx context.Context, subscriberID int64, taste subscribers.Taste) (*rank.Model, error) {
	if taste.Empty() {
		return nil, t.Store.DeleteModel(ctx, subscriberID)
	}
	examples, err := t.examples(ctx, subscriberID)
	if err != nil {
		return nil, fmt.Errorf("train subscriber %d: %w", subscriberID, err)
	}
	m := rank.Train(examples, t.Options)
	b, err := m.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("train subscriber %d: %w", subscriberID, err)
	}
	if err := t.Store.SaveModel(ctx, subscriberID, sqlite.StoredModel{Taste: tasteSignature(taste), Model: b}); err != nil {
		return nil, err
	}
	if m.Examples == 0 {
		return nil, nil
	}
	return m, nil
}

// examples are a reader's votes and library, the papers stored of them,
// and what their latest digests showed them that they did not vote on as
// passed over — or, for a reader who had no digest yet, the latest day's
// papers: the background their library stands out from.
func (t *Trainer) examples(ctx context.Context, subscriberID int64) ([]rank.Example, error) {
	votes, err := t.Subscribers.Votes(ctx, subscriberID)
	if err != nil {
		return nil, err
	}
	lib, err := t.Subscribers.Library(ctx, subscriberID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(votes)+len(lib))
	for _, p := range lib {
		if p.ArxivID != "" {
			ids = append(ids, p.ArxivID)
		}
	}
	for _, v := range votes {
		ids = append(ids, v.ArxivID)
	}
	papers, err := t.Store.PapersByArxivID(ctx, ids)
	if err != nil {
		return nil, err
	}
	var examples []rank.Example
	taught := map[string]bool{}
	for _, p := range lib {
		if paper, ok := papers[p.ArxivID]; ok {
			examples = append(examples, rank.Example{Paper: paper, Kind: rank.Library})
			taught[p.ArxivID] = true
		}
	}
	for _, v := range votes {
		paper, ok := papers[v.ArxivID]
		if !ok {
			continue
		}
		kind := rank.Down
		if v.Up {
			kind = rank.Up
		}
		examples = append(examples, rank.Example{Paper: paper, Kind: kind})
		taught[v.ArxivID] = true
	}
	shown, err := t.Store.RecentlySent(ctx, subscriberID, passedOver+len(votes))
	if err != nil {
		return nil, err
	}
	if len(shown) == 0 {
		if shown, err = t.latest(ctx); err != nil {
			return nil, err
		}
	}
	passed := 0
	for _, p := range shown {
		if !taught[p.ID] && passed < passedOver {
			examples = append(examples, rank.Example{Paper: p, Kind: rank.Passed})
			passed++
		}
	}
	return examples, nil
}

// latest returns the latest papers stored, up to passedOver.
func (t *Trainer) latest(ctx context.Context) ([]digest.Paper, error) {
	return t.Store.Latest(ctx, passedOver)
}

// tasteSignature names a taste: a model trained on another is stale.
func tasteSignature(t subscribers.Taste) string {
	return fmt.Sprintf("v%d l%d at%d", t.Votes, t.Library, t.Changed)
}

// model returns a reader's model as stored, decoded by d (valid until
// its next Decode), trained afresh when it is older than their taste (or
// of another format), nil when they taught nothing.
func (t *Trainer) model(ctx context.Context, subscriberID int64, taste subscribers.Taste, stored sqlite.StoredModel, d *rank.Decoder) (*rank.Model, error) {
	if taste.Empty() && stored.Model == nil {
		return nil, nil
	}
	if stored.Taste == tasteSignature(taste) {
		if m, err := d.Decode(stored.Model); err == nil {
			if m.Examples == 0 {
				return nil, nil
			}
			return m, nil
		}
	}
	return t.train(ctx, subscriberID, taste)
}
