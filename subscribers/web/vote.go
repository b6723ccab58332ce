package web

import (
	"context"
	"net/http"

	"github.com/digestd/digestd/subscribers"
)

// Learner keeps a reader's ranking model in step with what they taught
// their digest, and names what it learned. pipeline.Trainer implements it.
type Learner interface {
	// Retrain trains the reader's model on their votes and library now:
	// after a vote, an undo, a library import or a reset.
	Retrain(ctx context.Context, subscriberID int64) error
	// Terms names up to n of the model's strongest terms each way, as
	// topic text; none before the reader taught anything.
	Terms(ctx context.Context, subscriberID int64, n int) (up, down []string, err error)
}

// votePage is the data of vote.html: a "more/fewer like this" link's
// paper with its button, or the vote it recorded with the undo button;
// below, the change of topics the link proposes (formPage's form).
type votePage struct {
	formPage
	Paper FoundPaper
	// Up is "more like this"; else "fewer like this".
	Up      bool
	VoteURL string
	UndoURL string
	// Voted is the reader's vote on the paper so far, when HasVote.
	Voted   subscribers.Vote
	HasVote bool
	// Recorded says the page answers the button: the vote is in.
	Recorded bool
	// Proposal explains the change of topics the page typed into its
	// form, not saved yet; empty when it proposes none.
	Proposal string
}

// newVotePage reads the link's paper and the reader's vote on it.
func (w *Front) newVotePage(r *http.Request, sub subscribers.Subscriber, up bool) (*votePage, error) {
	paper, err := w.papers.FindPaper(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	manage := w.baseURL + "/manage/" + r.PathValue("token")
	kind := "/fewer/"
	if up {
		kind = "/more/"
	}
	page := &votePage{Paper: paper, Up: up, VoteURL: manage + kind + paper.ID, UndoURL: manage + "/undo/" + paper.ID}
	page.Title = "Fewer like this?"
	if up {
		page.Title = "More like this?"
	}
	page.Subscriber, page.ManageURL = sub, manage
	page.UnsubscribeURL = w.baseURL + "/unsubscribe/" + r.PathValue("token")
	page.Voted, page.HasVote, err = w.voteOn(r.Context(), sub, paper.ID)
	return page, err
}

// votePage answers a "more/fewer like this" link of a digest: the paper
// and one button that votes. Mail scanners fetch every link of a mail, so
// the GET records nothing; it also offers the link's change of topics.
func (w *Front) votePage(up bool) readerHandler {
	return func(rw http.ResponseWriter, r *http.Request, sub subscribers.Subscriber) {
		page, err := w.newVotePage(r, sub, up)
		if err == nil {
			err = w.proposal(r.Context(), page, up)
		}
		if err != nil {
			w.fail(rw, r, err)
			return
		}
		rw.Header().Set("Cache-Control", "no-store")
		w.render(rw, http.StatusOK, "vote", page)
	}
}

// vote is the button of a "more/fewer like this" page: it records the
// reader's vote on the paper, replacing an earlier one, and retrains their
// model. A failed training is logged, not shown: the vote is stored, and
// the next pass trains the model of a reader whose votes changed.
func (w *Front) vote(up bool) readerHandler {
	return func(rw http.ResponseWriter, r *http.Request, sub subscribers.Subscriber) {
		page, err := w.newVotePage(r, sub, up)
		if err == nil {
			err = w.store.Vote(r.Context(), sub.ID, page.Paper.ID, up)
		}
		if err != nil {
			w.fail(rw, r, err)
			return
		}
		w.retrain(r.Context(), sub.ID)
		page.Recorded = true
		page.Title = "Noted: fewer like this"
		if up {
			page.Title = "Noted: more like this"
		}
		w.render(rw, http.StatusOK, "vote", page)
	}
}

// undoVote takes the reader's vote on the paper back and retrains their
// model.
func (w *Front) undoVote(rw http.ResponseWriter, r *http.Request, sub subscribers.Subscriber) {
	paper, err := w.papers.FindPaper(r.Context(), r.PathValue("id"))
	if err == nil {
		err = w.store.Unvote(r.Context(), sub.ID, paper.ID)
	}
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	w.retrain(r.Context(), sub.ID)
	w.render(rw, http.StatusOK, "message", messagePage{
		Title: "Vote taken back",
		Lines: []string{"Your vote on “" + paper.Title + "” is gone: your digests order papers as if you had never cast it."},
		Link:  &pageLink{URL: w.baseURL + "/manage/" + r.PathValue("token"), Text: "Back to my digest's settings"},
	})
}

// retrain retrains the reader's model after a change of their taste; a
// failure is logged, since the change itself is stored and the next pass
// trains the models of readers whose taste changed.
func (w *Front) retrain(ctx context.Context, subscriberID int64) {
	if err := w.learner.Retrain(ctx, subscriberID); err != nil {
		w.log.Error("retrain after a change of taste", "subscriber", subscriberID, "error", err)
	}
}
