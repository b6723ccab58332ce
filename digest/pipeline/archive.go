package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/email"
	"github.com/digestd/digestd/digest/match"
	"github.com/digestd/digestd/digest/sqlite"
	"github.com/digestd/digestd/internal/arxivid"
	"github.com/digestd/digestd/subscribers"
	"github.com/digestd/digestd/subscribers/query"
	"github.com/digestd/digestd/subscribers/web"
)

// Archive serves what readers were sent: a sent digest for its "view in
// browser" link, a paper for the "more/fewer like this" links. Sending
// drops a digest's body from the outbox, so the page is rebuilt from
// sent_papers, which records every digest's papers anyway to keep them from
// coming twice. The view thus stores nothing more (the database does not
// grow with it) and shows the papers' current data and the reader's
// current topics; the papers are the ones sent. It implements
// subscribers.Archive and subscribers.PaperFinder.
type Archive struct {
	Store       *sqlite.Store
	Subscribers *subscribers.Store
	Builder     *Builder
	Renderer    *email.Renderer
	BaseURL     string
}

// FindPaper returns the stored paper with the given arXiv id.
func (a *Archive) FindPaper(ctx context.Context, arxivID string) (web.FoundPaper, error) {
	id, _, ok := arxivid.Parse(arxivID)
	if !ok {
		return web.FoundPaper{}, fmt.Errorf("paper %q: %w", arxivID, subscribers.ErrNotFound)
	}
	p, err := a.Store.PaperByArxivID(ctx, id)
	if errors.Is(err, digest.ErrNotFound) {
		return web.FoundPaper{}, fmt.Errorf("paper %s: %w", id, subscribers.ErrNotFound)
	}
	if err != nil {
		return web.FoundPaper{}, err
	}
	v := email.NewItemView(digest.Item{Paper: &p})
	return web.FoundPaper{ID: p.ID, Title: strings.Join(strings.Fields(p.Title), " "), URL: v.URL, Meta: v.Meta,
		Keywords: p.AIKeywords}, nil
}

// DigestHTML renders sub's sent digest of period as its email's HTML, the
// papers ranked and highlighted by the reader's current topics, those no
// topic catches any more last.
func (a *Archive) DigestHTML(ctx context.Context, sub subscribers.Subscriber, period, manageToken string) ([]byte, error) {
	digestID, created, err := a.Store.SentDigest(ctx, sub.ID, period)
	if err != nil {
		return nil, err
	}
	items, err := a.Builder.storedItems(ctx, sub.ID, digestID)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("digest %s: no papers: %w", period, subscribers.ErrNotFound)
	}
	d := &digest.Digest{SubscriberID: sub.ID, To: sub.Email, Period: period, Date: created.In(sub.Location()), Items: items,
		ManageURL: a.BaseURL + "/manage/" + manageToken, UnsubscribeURL: a.BaseURL + "/unsubscribe/" + manageToken}
	r, err := a.Renderer.Render(d)
	if err != nil {
		return nil, err
	}
	return []byte(r.HTML.String()), nil
}

// storedItems returns the papers a stored digest of the subscriber's
// holds (sent_papers records them), ranked and highlighted by the reader's
// current topics, those no topic catches any more last; none when the
// digest holds none.
func (b *Builder) storedItems(ctx context.Context, subscriberID, digestID int64) ([]digest.Item, error) {
	ids, err := b.Store.DigestPapers(ctx, subscriberID, digestID)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	topics, err := b.Subscribers.Topics(ctx, subscriberID)
	if err != nil {
		return nil, err
	}
	papers, err := b.Store.PapersByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	// The digest's own papers, indexed: what its topics match among them.
	docs := make([]match.Doc, 0, len(papers))
	for id, p := range papers {
		docs = append(docs, match.Doc{ID: id, Title: p.Title, Abstract: p.Abstract, Org: p.Org,
			Authors: p.Authors, Categories: p.Categories, Upvotes: p.Upvotes, Published: unix(p.PublishedAt)})
	}
	ix, err := match.NewIndex(docs)
	if err != nil {
		return nil, err
	}
	w := digest.Window{Limit: len(ids)}
	picks, err := b.pick(ctx, topics, w, nil, func(t *parsedTopic, need int) ([]digest.Match, error) {
		return ix.Top(t.q, match.Filter{}, need)
	})
	if err != nil {
		return nil, err
	}
	picks = slices.DeleteFunc(picks, func(p pick) bool { return !slices.Contains(ids, p.id) })
	for _, id := range ids {
		if !slices.ContainsFunc(picks, func(p pick) bool { return p.id == id }) {
			picks = append(picks, pick{id: id})
		}
	}
	items := make([]digest.Item, 0, len(picks))
	for _, p := range picks {
		paper := papers[p.id]
		items = append(items, digest.Item{PaperID: p.id, Paper: &paper, Topics: p.texts(), Score: p.score,
			Title:   match.Highlight(paper.Title, p.terms(func(t *parsedTopic) []query.Term { return t.inTitle })),
			Snippet: match.Snippet(paper.Abstract, p.terms(func(t *parsedTopic) []query.Term { return t.inAbstract }), snippetRunes)})
	}
	return items, nil
}
