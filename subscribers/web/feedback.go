package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/digestd/digestd/subscribers"
)

// The "more like this" and "fewer like this" links under each paper of a
// digest open the manage page with the proposed change already typed into
// the topics field and previewed. GET stores nothing (mail scanners
// prefetch links); the reader reviews, edits and saves the form as usual.

// moreLike adds a topic built from the paper to the topics field.
func (w *Front) moreLike(rw http.ResponseWriter, r *http.Request) {
	sub, paper, topics, err := w.feedbackTarget(r)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	proposal := MoreLike(paper)
	if proposal == "" {
		w.fail(rw, r, subscribers.Invalidf("paper %s has no keywords or title words to build a topic from", paper.ID))
		return
	}
	if !slices.Contains(topics, proposal) {
		topics = append(topics, proposal)
	}
	w.propose(rw, r, sub, topics, []string{proposal},
		fmt.Sprintf("For more papers like “%s”, the topic %s is added below, with what it would have caught.", paper.Title, proposal))
}

// fewerLike appends an exclusion of the paper's main term to each topic.
func (w *Front) fewerLike(rw http.ResponseWriter, r *http.Request) {
	sub, paper, topics, err := w.feedbackTarget(r)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	if len(topics) == 0 {
		w.propose(rw, r, sub, nil, nil, "Without topics you get each day's most upvoted papers, and an exclusion needs a topic to exclude from. Add a topic below to choose what comes.")
		return
	}
	proposed, exclusion, ok := FewerLike(paper, topics)
	if !ok {
		w.fail(rw, r, subscribers.Invalidf("paper %s has no keywords or title words to exclude", paper.ID))
		return
	}
	w.propose(rw, r, sub, proposed, proposed,
		fmt.Sprintf("For fewer papers like “%s”, each topic below now ends with %s, with what it would still catch.", paper.Title, exclusion))
}

// feedbackTarget reads the reader and the paper of a feedback link.
func (w *Front) feedbackTarget(r *http.Request) (subscribers.Subscriber, FoundPaper, []string, error) {
	sub, err := w.store.ByToken(r.Context(), r.PathValue("token"), subscribers.TokenManage)
	if err != nil {
		return sub, FoundPaper{}, nil, err
	}
	paper, err := w.papers.FindPaper(r.Context(), r.PathValue("id"))
	if err != nil {
		return sub, paper, nil, err
	}
	stored, err := w.store.Topics(r.Context(), sub.ID)
	if err != nil {
		return sub, paper, nil, err
	}
	topics := make([]string, len(stored))
	for i, t := range stored {
		topics[i] = t.Query
	}
	return sub, paper, topics, nil
}

// propose shows the manage page with topics in the topics field and the
// preview of the changed lines.
func (w *Front) propose(rw http.ResponseWriter, r *http.Request, sub subscribers.Subscriber, topics, changed []string, why string) {
	f := formFromSubscriber(sub, nil)
	f.Topics = strings.Join(topics, "\n")
	page := w.managePage(r, sub, f)
	var err error
	if page.Preview, err = w.previewTopics(r.Context(), strings.Join(changed, "\n")); err != nil {
		w.fail(rw, r, err)
		return
	}
	page.Proposal = why + " Nothing is saved until you press Save; edit the topics first if you like."
	w.render(rw, http.StatusOK, "manage", page)
}
