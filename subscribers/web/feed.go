package web

import (
	"encoding/xml"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/digestd/digestd/subscribers"
)

// feedPerTopic bounds each topic's share of the feed; a week of a broad
// topic would otherwise crowd out the others.
const feedPerTopic = 10

// newFeed gives the reader a personal feed link, replacing any earlier one.
func (w *Front) newFeed(rw http.ResponseWriter, r *http.Request, sub subscribers.Subscriber) {
	token, err := w.store.NewFeedToken(r.Context(), sub.ID)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	url := w.baseURL + "/feed/" + token + ".atom"
	w.render(rw, http.StatusOK, "message", messagePage{
		Title: "Your feed",
		Lines: []string{"Add this address to your feed reader: " + url,
			"It lists what your topics caught in the last week. A link you were given before no longer works."},
		Link: &pageLink{URL: url, Text: "Open my feed"},
	})
}

// atomFeed is an Atom document (RFC 4287).
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Author  string      `xml:"author>name"`
	Link    atomLink    `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
}

type atomEntry struct {
	Title      string         `xml:"title"`
	ID         string         `xml:"id"`
	Updated    string         `xml:"updated"`
	Link       atomLink       `xml:"link"`
	Summary    string         `xml:"summary"`
	Categories []atomCategory `xml:"category"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

// feed serves /feed/{token}.atom: the papers the reader's topics caught in
// the last week, newest first, each with the topics that caught it.
func (w *Front) feed(rw http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutSuffix(r.PathValue("file"), ".atom")
	if !ok {
		w.fail(rw, r, subscribers.ErrNotFound)
		return
	}
	sub, err := w.store.ByFeedToken(r.Context(), token)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	topics, err := w.store.Topics(r.Context(), sub.ID)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	byID := map[string]*atomEntry{}
	dates := map[*atomEntry]time.Time{}
	var entries []*atomEntry
	for _, t := range topics {
		q, err := t.Parsed()
		if err != nil {
			w.fail(rw, r, err)
			return
		}
		papers, err := w.previewer.Preview(r.Context(), sub.ID, q, feedPerTopic)
		if err != nil {
			w.fail(rw, r, err)
			return
		}
		for _, p := range papers {
			e, seen := byID[p.ID]
			if !seen {
				e = &atomEntry{Title: plain(p.Title), ID: p.URL, Updated: p.Date.UTC().Format(time.RFC3339),
					Link: atomLink{Href: p.URL}, Summary: plain(p.Snippet)}
				byID[p.ID], dates[e] = e, p.Date
				entries = append(entries, e)
			}
			e.Categories = append(e.Categories, atomCategory{Term: t.Query})
		}
	}
	slices.SortStableFunc(entries, func(a, b *atomEntry) int { return dates[b].Compare(dates[a]) })
	updated := time.Now()
	if len(entries) > 0 {
		updated = dates[entries[0]]
	}
	self := w.baseURL + "/feed/" + r.PathValue("file")
	doc := atomFeed{Title: "digestd: papers on your topics", ID: self, Author: "digestd",
		Updated: updated.UTC().Format(time.RFC3339), Link: atomLink{Href: self, Rel: "self"}}
	for _, e := range entries {
		doc.Entries = append(doc.Entries, *e)
	}
	rw.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	rw.Header().Set("Cache-Control", "private, max-age=900")
	rw.Write([]byte(xml.Header))
	enc := xml.NewEncoder(rw)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		w.log.Error("feed", "error", err)
	}
}

// plain joins spans back into one string.
func plain(spans []Span) string {
	var b strings.Builder
	for _, m := range spans {
		b.WriteString(m.Text)
	}
	return b.String()
}
