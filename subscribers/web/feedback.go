package web

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/digestd/digestd/subscribers"
)

// A "more/fewer like this" page offers, below its vote button, a change
// of topics built from the paper: the reader's topics with a topic like
// the paper added (more), or an exclusion of its main term on each topic
// (fewer), typed into the topics field and previewed. Nothing is stored
// until the reader presses Save, as for any edit of the manage form.

// proposal fills page's form with the topics the link proposes, the
// preview of the changed lines and why; page.Proposal stays empty when
// the paper offers nothing to build a topic from.
func (w *Front) proposal(ctx context.Context, page *votePage, up bool) error {
	stored, err := w.store.Topics(ctx, page.Subscriber.ID)
	if err != nil {
		return err
	}
	topics := make([]string, len(stored))
	for i, t := range stored {
		topics[i] = t.Query
	}
	page.Form = formFromSubscriber(page.Subscriber, stored)
	if page.Form.MaxPapers == 0 {
		page.Form.MaxPapers = w.maxPapers
	}
	var changed []string
	var why string
	switch p := page.Paper; {
	case up:
		topic := MoreLike(p)
		if topic == "" {
			return nil
		}
		if !slices.Contains(topics, topic) {
			topics = append(topics, topic)
		}
		changed = []string{topic}
		why = fmt.Sprintf("Or, for more papers like “%s”, add the topic %s below, with what it would have caught.", p.Title, topic)
	case len(topics) == 0:
		page.Proposal = "Without topics you get each day's most upvoted papers, and an exclusion needs a topic to exclude from. Add a topic below to choose what comes."
		return nil
	default:
		proposed, exclusion, ok := FewerLike(p, topics)
		if !ok {
			return nil
		}
		topics, changed = proposed, proposed
		why = fmt.Sprintf("Or, for fewer papers like “%s”, end each topic below with %s, with what it would still catch.", p.Title, exclusion)
	}
	page.Form.Topics = strings.Join(topics, "\n")
	if page.Preview, err = w.previewTopics(ctx, page.Subscriber.ID, strings.Join(changed, "\n")); err != nil {
		return err
	}
	page.Proposal = why + " Nothing is saved until you press Save; edit the topics first if you like."
	return nil
}

// voteOn returns the reader's vote on a paper; ok is false when they
// cast none.
func (w *Front) voteOn(ctx context.Context, sub subscribers.Subscriber, arxivID string) (v subscribers.Vote, ok bool, err error) {
	votes, err := w.store.Votes(ctx, sub.ID)
	if err != nil {
		return v, false, err
	}
	for _, v := range votes {
		if v.ArxivID == arxivID {
			return v, true, nil
		}
	}
	return v, false, nil
}
