package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/rank"
	"github.com/digestd/digestd/digest/sqlite"
	"github.com/digestd/digestd/subscribers"
	"github.com/digestd/digestd/subscribers/query"
)

// firstWindow is how far back a subscriber's first digest reaches: the
// latest day's papers, not the whole archive.
const firstWindow = 24 * time.Hour

// snippetRunes is the length of the abstract excerpt under each paper.
const snippetRunes = 280

// Builder chooses the papers of one subscriber's digest.
type Builder struct {
	Store       *sqlite.Store
	Subscribers *subscribers.Store
	// MaxPapers caps a digest unless the subscriber set their own cap.
	MaxPapers int
	// Trainer, when set, orders each digest by its reader's taste too:
	// their votes and library (see rerank).
	Trainer *Trainer

	cache *passCache // set by ForPass
}

// ForPass returns a Builder for one delivery pass, which reads and
// indexes the recent papers once and matches each distinct topic once for
// all the readers it builds for. Its digests all end at the newest paper stored when the pass
// began; papers stored during the pass go into the next digests.
func (b *Builder) ForPass() *Builder {
	pass := *b
	pass.cache = newPassCache()
	return &pass
}

// pass returns the pass's cache, or a fresh one for a digest built alone.
func (b *Builder) pass() *passCache {
	if b.cache != nil {
		return b.cache
	}
	return newPassCache()
}

// Build returns sub's digest for period: the papers that arrived since their
// previous digest (for a first digest, the latest day's papers) matching any
// of their topics, minus papers already sent to them, best first. A
// subscriber without topics gets the most upvoted papers. The digest may have
// no items; it is then not sent.
func (b *Builder) Build(ctx context.Context, sub subscribers.Subscriber, period string, now time.Time) (*digest.Digest, error) {
	rds := []dueReader{{sub: sub, period: period}}
	if err := b.readHistories(ctx, rds); err != nil {
		return nil, err
	}
	if err := b.readReaders(ctx, rds); err != nil {
		return nil, err
	}
	return b.build(ctx, rds[0], now)
}

// readHistories reads what the earlier digests of readers tell their
// next one, in one query for them all.
func (b *Builder) readHistories(ctx context.Context, readers []dueReader) error {
	due := make([]sqlite.Due, len(readers))
	for i, rd := range readers {
		due[i] = sqlite.Due{SubscriberID: rd.sub.ID, Period: rd.period}
	}
	hs, err := b.Store.Histories(ctx, due)
	if err != nil {
		return fmt.Errorf("read digests: %w", err)
	}
	for i := range readers {
		readers[i].history = hs[i]
	}
	return nil
}

// readReaders reads the topics of readers whose history is read, and the
// papers sent to them past their next digest's start: two queries for
// them all.
func (b *Builder) readReaders(ctx context.Context, readers []dueReader) error {
	ids := make([]int64, len(readers))
	starts := make([]int64, len(readers))
	for i, rd := range readers {
		ids[i], starts[i] = rd.sub.ID, rd.history.WindowStart
	}
	topics, err := b.Subscribers.TopicsOf(ctx, ids)
	if err != nil {
		return fmt.Errorf("read topics: %w", err)
	}
	sent, err := b.Store.SentAfter(ctx, ids, starts)
	if err != nil {
		return fmt.Errorf("read papers sent: %w", err)
	}
	for i := range readers {
		readers[i].topics, readers[i].sent = topics[readers[i].sub.ID], sent[i]
	}
	if b.Trainer == nil {
		return nil
	}
	tastes, err := b.Subscribers.Tastes(ctx, ids)
	if err != nil {
		return fmt.Errorf("read tastes: %w", err)
	}
	models, err := b.Store.Models(ctx, ids)
	if err != nil {
		return fmt.Errorf("read models: %w", err)
	}
	for i := range readers {
		readers[i].taste, readers[i].model = tastes[i], models[i]
	}
	return nil
}

// dueReader is a reader whose digest is due: the subscriber, the period,
// and what a pass reads of them a page of readers at a time.
type dueReader struct {
	sub     subscribers.Subscriber
	period  string
	topics  []subscribers.Topic
	history sqlite.History
	sent    map[int64]bool // papers sent to them already, past the window's start
	// taste is what they taught their digest, model the model stored of
	// it (read when the Builder has a Trainer).
	taste subscribers.Taste
	model sqlite.StoredModel
}

// build builds rd's digest (see Build).
func (b *Builder) build(ctx context.Context, rd dueReader, now time.Time) (*digest.Digest, error) {
	sub := rd.sub
	d := &digest.Digest{SubscriberID: sub.ID, To: sub.Email, Period: rd.period, Date: now.In(sub.Location())}
	cache := b.pass()
	last, err := cache.lastPaper(ctx, b.Store)
	if err != nil {
		return nil, err
	}
	d.WindowEnd = last.id
	corp, err := cache.recent(ctx, b.Store)
	if err != nil {
		return nil, err
	}
	w := digest.Window{UntilID: last.id, ExcludeSentTo: sub.ID, Limit: b.MaxPapers, ArrivedAfter: corp.start}
	if sub.MaxPapers > 0 {
		w.Limit = sub.MaxPapers
	}
	if rd.history.Seen {
		w.AfterID = rd.history.WindowStart
	} else {
		w.ArrivedAfter = last.arrived.Add(-firstWindow)
	}
	if last.id <= w.AfterID {
		return d, nil
	}
	var model *rank.Model
	if b.Trainer != nil {
		dec, _ := cache.decoders.Get().(*rank.Decoder)
		if dec == nil {
			dec = new(rank.Decoder)
		}
		defer cache.decoders.Put(dec)
		if model, err = b.Trainer.model(ctx, sub.ID, rd.taste, rd.model, dec); err != nil {
			return nil, err
		}
	}
	limit := w.Max()
	if model != nil {
		w.Limit = max(rerankPool, 2*limit)
	}
	picks, err := b.pick(ctx, rd.topics, w, rd.sent, func(t *parsedTopic, need int) ([]digest.Match, error) {
		if need <= passTop {
			return cache.match(corp, t, w)
		}
		return corp.ix.Top(t.q, filter(w), need)
	})
	if err != nil {
		return nil, err
	}
	if model != nil {
		if picks, err = b.rerank(ctx, model, picks, limit); err != nil {
			return nil, err
		}
	}
	ids := make([]int64, len(picks))
	for i, p := range picks {
		ids[i] = p.id
	}
	papers, err := cache.papersByID(ctx, b.Store, ids)
	if err != nil {
		return nil, err
	}
	d.Items = make([]digest.Item, 0, len(picks))
	for i, p := range picks {
		paper := papers[i]
		m := cache.highlights(p.id, cache.text(p.id, paper), p)
		d.Items = append(d.Items, digest.Item{
			PaperID: p.id,
			Paper:   paper,
			Topics:  p.texts(),
			Title:   m.title,
			Snippet: m.snippet,
			Marks:   m.marks,
			Score:   p.score,
			Like:    p.like,
		})
	}
	return d, nil
}

// pick is one chosen paper and why: the reader's topics that matched it.
type pick struct {
	id     int64
	score  float64
	topics []*parsedTopic
	like   string // the paper liked it is like, when the reader's model raised it
}

// texts is the topics that matched, as the reader wrote them.
func (p pick) texts() []string {
	var texts []string
	for _, t := range p.topics {
		texts = append(texts, t.text)
	}
	return texts
}

// terms is the terms of the topics that matched, those of each that
// of returns.
func (p pick) terms(of func(*parsedTopic) []query.Term) []query.Term {
	if len(p.topics) == 1 {
		return of(p.topics[0])
	}
	var terms []query.Term
	for _, t := range p.topics {
		terms = append(terms, of(t)...)
	}
	return terms
}

// matcher returns the best need papers of the window a topic matches.
type matcher func(t *parsedTopic, need int) ([]digest.Match, error)

// pick runs each topic over the window with find and merges the matches,
// but the papers sent: a paper that several topics catch appears once,
// with its best score and every topic. A reader without topics gets the
// window's most upvoted papers.
func (b *Builder) pick(ctx context.Context, topics []subscribers.Topic, w digest.Window, sent map[int64]bool, find matcher) ([]pick, error) {
	if len(topics) == 0 {
		ids, err := b.Store.Trending(ctx, w)
		if err != nil {
			return nil, err
		}
		picks := make([]pick, len(ids))
		for i, id := range ids {
			picks[i] = pick{id: id, score: float64(len(ids) - i)}
		}
		return picks, nil
	}
	cache := b.pass()
	at := make(map[int64]int, len(topics)*w.Max()) // where each paper is in picks
	picks := make([]pick, 0, len(topics)*w.Max())
	for _, t := range topics {
		q, err := cache.parsed(t)
		if err != nil {
			return nil, err
		}
		matches, err := unsentMatches(q, w.Max(), sent, find)
		if err != nil {
			return nil, fmt.Errorf("topic %q: %w", t.Query, err)
		}
		for _, m := range matches {
			i, ok := at[m.PaperID]
			if !ok {
				i = len(picks)
				at[m.PaperID] = i
				picks = append(picks, pick{id: m.PaperID, score: m.Score})
			}
			p := &picks[i]
			p.score = max(p.score, m.Score)
			p.topics = append(p.topics, q)
		}
	}
	slices.SortStableFunc(picks, func(a, b pick) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return cmp.Compare(b.id, a.id)
	})
	return picks[:min(len(picks), w.Max())], nil
}

// unsentMatches returns the best limit papers t matches that are not in
// sent: of the first passTop (or limit, when it is more), or, when the
// reader was sent some of those, of as many more as they were sent.
func unsentMatches(t *parsedTopic, limit int, sent map[int64]bool, find matcher) ([]digest.Match, error) {
	first := max(passTop, limit)
	all, err := find(t, first)
	if err != nil {
		return nil, err
	}
	kept := unsent(all, sent, limit)
	if len(kept) < limit && len(all) == first && len(sent) > 0 {
		if all, err = find(t, first+len(sent)); err != nil {
			return nil, err
		}
		kept = unsent(all, sent, limit)
	}
	return kept, nil
}
