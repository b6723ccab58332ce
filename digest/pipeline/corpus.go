package pipeline

import (
	"context"
	"sync"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/match"
	"github.com/digestd/digestd/digest/sqlite"
	"github.com/digestd/digestd/subscribers/query"
)

// corpus is the recent papers, loaded for matching: the engine's index of
// them, which is also their relevance statistics. A pass loads one and
// keeps it to its end; the live preview and `topics test` share a Recent
// one.
type corpus struct {
	ix *match.Index
	// start is the arrival after which papers are in: digest.RecentSpan
	// before the newest paper's.
	start time.Time
}

// loadCorpus reads the papers that arrived up to digest.RecentSpan before
// the newest one, up to it, and indexes them.
func loadCorpus(ctx context.Context, s *sqlite.Store, newest lastPaper) (*corpus, error) {
	start := newest.arrived.Add(-digest.RecentSpan)
	stored, err := s.Recent(ctx, start, newest.id)
	if err != nil {
		return nil, err
	}
	docs := make([]match.Doc, len(stored))
	for i := range stored {
		sp := &stored[i]
		p := &sp.Paper
		docs[i] = match.Doc{ID: sp.RowID, Title: p.Title, Abstract: p.Abstract, Org: p.Org,
			Authors: p.Authors, Categories: p.Categories, Upvotes: p.Upvotes,
			Published: unix(p.PublishedAt), Arrived: unix(sp.Arrived)}
	}
	ix, err := match.NewIndex(docs)
	if err != nil {
		return nil, err
	}
	return &corpus{ix: ix, start: start}, nil
}

// filter is w as the engine takes it.
func filter(w digest.Window) match.Filter {
	return match.Filter{AfterID: w.AfterID, UntilID: w.UntilID, ArrivedAfter: unix(w.ArrivedAfter)}
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// recentTTL is how long Recent keeps its corpus when no paper has arrived
// since: a fetch also changes papers it has (upvotes, new versions).
const recentTTL = 10 * time.Minute

// Recent keeps the recent papers' corpus for what matches outside a pass
// — the live preview and `topics test` — built again when a paper has
// arrived since, or after recentTTL. It is safe for concurrent use.
type Recent struct {
	Store *sqlite.Store
	Now   func() time.Time

	mu     sync.Mutex
	c      *corpus
	newest lastPaper
	built  time.Time
}

// corpus returns the corpus of the papers stored now.
func (r *Recent) corpus(ctx context.Context) (*corpus, error) {
	id, arrived, err := r.Store.LastPaper(ctx)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if r.c == nil || id != r.newest.id || now.Sub(r.built) > recentTTL {
		newest := lastPaper{id, arrived}
		c, err := loadCorpus(ctx, r.Store, newest)
		if err != nil {
			return nil, err
		}
		r.c, r.newest, r.built = c, newest, now
	}
	return r.c, nil
}

func (r *Recent) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Search returns the best limit papers of the recent ones that arrived
// after arrivedAfter and that q matches, ranked as a digest ranks them,
// and the papers by row id.
func (r *Recent) Search(ctx context.Context, q *query.Query, arrivedAfter time.Time, limit int) ([]digest.Match, map[int64]digest.Paper, error) {
	c, err := r.corpus(ctx)
	if err != nil {
		return nil, nil, err
	}
	matches, err := c.ix.Top(q, match.Filter{ArrivedAfter: unix(arrivedAfter)}, limit)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int64, len(matches))
	for i, m := range matches {
		ids[i] = m.PaperID
	}
	papers, err := r.Store.PapersByID(ctx, ids)
	return matches, papers, err
}
