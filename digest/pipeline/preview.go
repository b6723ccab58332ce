package pipeline

import (
	"context"
	"hash/fnv"
	"slices"
	"sync"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/email"
	"github.com/digestd/digestd/digest/match"
	"github.com/digestd/digestd/digest/rank"
	"github.com/digestd/digestd/internal/recent"
	"github.com/digestd/digestd/subscribers/query"
	"github.com/digestd/digestd/subscribers/web"
)

// previewSnippetRunes is shorter than a digest's excerpt: a preview shows
// several topics' papers at once.
const previewSnippetRunes = 160

// Previews lists the stored papers of the last days that a query matches, as
// the web front's live preview shows them: ordered as the reader's digest
// would order them, matched words highlighted. It implements web.Previewer.
type Previews struct {
	Recent *Recent
	// Trainer, when set, orders a reader's preview by their model too, as
	// a pass orders their digest (see Builder.rerank).
	Trainer *Trainer
	// Days is how far back it looks; 0 means web.PreviewDays.
	Days int
	Now  func() time.Time

	once    sync.Once
	vectors *recent.Map[vectorKey, rank.Vector]
}

// previewVectors is how many papers' features Previews remembers a
// generation (see recent.Map), about 3 KB each: those readers' topics
// catch most. Featurising is most of a blended preview's time.
const previewVectors = 2000

// vectorKey is a paper as featurised: its row id and a hash of the text
// its features come from, so that a paper updated since is featurised
// again.
type vectorKey struct {
	id  int64
	sum uint64
}

// Preview returns at most limit papers that arrived in the last p.Days days
// and that q matches, best first for subscriberID: the best by the topic,
// or, once the reader taught their digest, the topic's best rerankPool
// blended with their model (rank.Order), as their digest will have them.
// subscriberID 0 is no one: the topic's order.
func (p *Previews) Preview(ctx context.Context, subscriberID int64, q *query.Query, limit int) ([]web.PreviewPaper, error) {
	days := p.Days
	if days <= 0 {
		days = web.PreviewDays
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	var model *rank.Model
	if p.Trainer != nil && subscriberID != 0 {
		var err error
		if model, err = p.Trainer.Model(ctx, subscriberID); err != nil {
			return nil, err
		}
	}
	pool := limit
	if model != nil {
		pool = max(rerankPool, 2*limit)
	}
	matches, papers, err := p.Recent.Search(ctx, q, now().AddDate(0, 0, -days), pool)
	if err != nil {
		return nil, err
	}
	likes := make([]string, len(matches))
	if model != nil {
		matches, likes = p.blend(model, matches, papers, limit)
	}
	out := make([]web.PreviewPaper, 0, len(matches))
	for i, m := range matches {
		paper := papers[m.PaperID]
		v := email.NewItemView(digest.Item{
			Paper:   &paper,
			Title:   match.Highlight(paper.Title, q.TermsIn(query.FieldTitle)),
			Snippet: match.Snippet(paper.Abstract, q.TermsIn(query.FieldAbstract), previewSnippetRunes),
		})
		date := paper.FeaturedOn
		if date.IsZero() {
			date = paper.PublishedAt
		}
		out = append(out, web.PreviewPaper{ID: paper.ID, Title: spans(v.Title), Snippet: spans(v.Snippet),
			URL: v.URL, Meta: v.Meta, Date: date, Like: likes[i]})
	}
	return out, nil
}

// blend orders matches, best first by the topic, by their blend with the
// reader's model as Builder.rerank does, and keeps the first limit; likes
// says, for each paper the model raised, which liked paper it is like.
func (p *Previews) blend(model *rank.Model, matches []digest.Match, papers map[int64]digest.Paper, limit int) (kept []digest.Match, likes []string) {
	base, vectors := make([]float64, len(matches)), make([]rank.Vector, len(matches))
	for i, m := range matches {
		base[i], vectors[i] = m.Score, p.vector(m.PaperID, papers[m.PaperID])
	}
	order, likes := model.Rerank(base, vectors, limit)
	kept = make([]digest.Match, len(order))
	for at, i := range order {
		kept[at] = matches[i]
	}
	return kept, likes
}

// vector returns a paper's features, featurising it the first time
// Previews meets it as it is.
func (p *Previews) vector(id int64, paper digest.Paper) rank.Vector {
	p.once.Do(func() { p.vectors = recent.New[vectorKey, rank.Vector](previewVectors) })
	h := fnv.New64a()
	for _, s := range slices.Concat([]string{paper.Title, paper.Abstract, paper.Org}, paper.Authors, paper.Categories) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	key := vectorKey{id, h.Sum64()}
	if v, ok := p.vectors.Get(key); ok {
		return v
	}
	v := rank.Featurize(paper)
	p.vectors.Put(key, v)
	return v
}

func spans(in []digest.Span) []web.Span {
	out := make([]web.Span, len(in))
	for i, s := range in {
		out[i] = web.Span{Text: s.Text, Hit: s.Hit}
	}
	return out
}
