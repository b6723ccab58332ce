package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/digestd/digestd/subscribers"
	"github.com/digestd/digestd/subscribers/query"
)

// Previewer finds the recent papers a query catches, in the order the
// reader's digest would have them (their model blended in, once they
// taught their digest). pipeline.Previews implements it; the web front
// only shows what it returns.
type Previewer interface {
	Preview(ctx context.Context, subscriberID int64, q *query.Query, limit int) ([]PreviewPaper, error)
}

// PreviewPaper is one paper of a preview, its matched words highlighted.
type PreviewPaper struct {
	ID      string // the arXiv id
	Title   []Span
	Snippet []Span
	URL     string
	Meta    string    // authors, organisation, date: one line
	Date    time.Time // the day it was featured, else published
	// Like is the title of the paper the reader liked that this one is
	// like, when their model raised it.
	Like string
}

// Span is a piece of text; Hit says whether the query matched it.
type Span struct {
	Text string
	Hit  bool
}

// PreviewDays is how far back a preview looks.
const PreviewDays = 7

// previewPerTopic bounds each topic's list: enough to judge a topic by.
const previewPerTopic = 5

// previewData is the data of preview.html: one section per topic line.
type previewData struct {
	Days   int
	Topics []topicPreview
}

type topicPreview struct {
	Query  string
	Error  string
	Caret  string // "   ^" under the column the error names
	Papers []PreviewPaper
}

// previewTopics previews each topic line on its own for a reader, so they
// see which topic catches what, and which one does not parse and where.
func (w *Front) previewTopics(ctx context.Context, subscriberID int64, field string) (*previewData, error) {
	data := &previewData{Days: PreviewDays}
	lines := topicLines(field)
	if len(lines) > subscribers.MaxTopics {
		lines = lines[:subscribers.MaxTopics]
	}
	for _, line := range lines {
		tp := topicPreview{Query: line}
		q, err := query.Parse(line)
		var qe *query.Error
		if errors.As(err, &qe) && qe.Column > 0 {
			tp.Caret = strings.Repeat(" ", qe.Column-1) + "^"
		}
		if err != nil {
			tp.Error = err.Error()
		} else if tp.Papers, err = w.previewer.Preview(ctx, subscriberID, q, previewPerTopic); err != nil {
			return nil, err
		}
		data.Topics = append(data.Topics, tp)
	}
	return data, nil
}

// preview answers the live preview: q holds the topics field. The script
// asks for the bare fragment (X-Requested-With: fetch); opened as a link it
// is a whole page.
func (w *Front) preview(rw http.ResponseWriter, r *http.Request, sub subscribers.Subscriber) {
	data, err := w.previewTopics(r.Context(), sub.ID, r.URL.Query().Get("q"))
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	rw.Header().Set("Vary", "X-Requested-With")
	rw.Header().Set("Cache-Control", "no-store")
	if r.Header.Get("X-Requested-With") == "fetch" {
		w.render(rw, http.StatusOK, "preview", data)
		return
	}
	w.render(rw, http.StatusOK, "preview_page", formPage{Title: "Preview", Subscriber: sub, Preview: data,
		ManageURL: w.baseURL + "/manage/" + r.PathValue("token")})
}
