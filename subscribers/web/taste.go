package web

import (
	"context"
	"net/http"

	"github.com/digestd/digestd/subscribers"
)

// tasteTerms is how many of the model's strongest terms the manage page
// names each way.
const tasteTerms = 8

// tasteData is what the manage page shows of what a reader taught their
// digest, and of what their model learned from it.
type tasteData struct {
	Up, Down int // "more/fewer like this" votes
	Library  int // papers in their library
	// Raised and Lowered are the model's strongest terms each way.
	Raised, Lowered []string
}

// taste reads what sub taught their digest and what it learned.
func (w *Front) taste(ctx context.Context, sub subscribers.Subscriber) (*tasteData, error) {
	votes, err := w.store.Votes(ctx, sub.ID)
	if err != nil {
		return nil, err
	}
	tastes, err := w.store.Tastes(ctx, []int64{sub.ID})
	if err != nil {
		return nil, err
	}
	t := &tasteData{Library: tastes[0].Library}
	for _, v := range votes {
		if v.Up {
			t.Up++
		} else {
			t.Down++
		}
	}
	if t.Raised, t.Lowered, err = w.learner.Terms(ctx, sub.ID, tasteTerms); err != nil {
		return nil, err
	}
	return t, nil
}

// reset forgets what the reader taught their digest, votes and library,
// and drops their model: their digests go back to their topics' order.
// The box must be ticked: one stray click must not lose a library.
func (w *Front) reset(rw http.ResponseWriter, r *http.Request, sub subscribers.Subscriber) {
	if r.PostFormValue("confirm") != "yes" {
		w.fail(rw, r, subscribers.Invalidf("tick the box to confirm the reset; nothing was forgotten"))
		return
	}
	if err := w.store.Forget(r.Context(), sub.ID); err != nil {
		w.fail(rw, r, err)
		return
	}
	w.retrain(r.Context(), sub.ID)
	page, err := w.storedPage(r, sub)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	page.Saved = "Forgotten: your votes and your library are gone, and your digests follow your topics' order alone."
	w.render(rw, http.StatusOK, "manage", page)
}
