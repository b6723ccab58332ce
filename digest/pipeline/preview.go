package pipeline

import (
	"context"
	"time"

	"github.com/digestd/digestd/digest/email"

	"github.com/digestd/digestd/digest/match"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/subscribers/query"
	"github.com/digestd/digestd/subscribers/web"
)

// previewSnippetRunes is shorter than a digest's excerpt: a preview shows
// several topics' papers at once.
const previewSnippetRunes = 160

// Previews lists the stored papers of the last days that a query matches, as
// the web front's live preview shows them: ranked as in a digest, matched
// words highlighted. It implements web.Previewer.
type Previews struct {
	Recent *Recent
	// Days is how far back it looks; 0 means web.PreviewDays.
	Days int
	Now  func() time.Time
}

// Preview returns at most limit papers that arrived in the last p.Days days
// and that q matches, best first.
func (p *Previews) Preview(ctx context.Context, q *query.Query, limit int) ([]web.PreviewPaper, error) {
	days := p.Days
	if days <= 0 {
		days = web.PreviewDays
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	matches, papers, err := p.Recent.Search(ctx, q, now().AddDate(0, 0, -days), limit)
	if err != nil {
		return nil, err
	}
	out := make([]web.PreviewPaper, 0, len(matches))
	for _, m := range matches {
		paper := papers[m.PaperID]
		v := email.NewItemView(digest.Item{
			Paper:   paper,
			Title:   match.Highlight(paper.Title, q.TermsIn(query.FieldTitle)),
			Snippet: match.Snippet(paper.Abstract, q.TermsIn(query.FieldAbstract), previewSnippetRunes),
		})
		date := paper.FeaturedOn
		if date.IsZero() {
			date = paper.PublishedAt
		}
		out = append(out, web.PreviewPaper{ID: paper.ID, Title: spans(v.Title), Snippet: spans(v.Snippet),
			URL: v.URL, Meta: v.Meta, Date: date})
	}
	return out, nil
}

func spans(in []digest.Span) []web.Span {
	out := make([]web.Span, len(in))
	for i, s := range in {
		out[i] = web.Span{Text: s.Text, Hit: s.Hit}
	}
	return out
}
