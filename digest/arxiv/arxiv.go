// Package arxiv fetches newly submitted papers from the arXiv export API.
package arxiv

import (
	"bytes"
	"cmp"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/download"
	"github.com/digestd/digestd/internal/arxivid"
)

// Defaults for the zero values of Client's fields.
const (
	// DefaultURL is the export API endpoint.
	DefaultURL = "https://export.arxiv.org/api/query"
	// DefaultPageSize is the papers asked for per request.
	DefaultPageSize = 200
	// DefaultMaxResults bounds one Fetch: 25 requests at the default page size.
	DefaultMaxResults = 5000
)

// category matches arXiv category names ("cs.CL", "astro-ph", "q-bio.NC").
// Legacy feeds also list MSC and ACM classes as categories ("14A20, 14L30"),
// which would only add noise to topic matching.
var category = regexp.MustCompile(`^[a-z-]+(\.[A-Za-z-]+)?$`)

// ErrAPI is what the API's error feed yields, wrapped with arXiv's message.
var ErrAPI = errors.New("arxiv: api error")

// Client fetches the papers submitted to some arXiv categories. It implements
// digest.Source. arXiv allows one request every 3 seconds: give it a Download
// with MinInterval set accordingly.
type Client struct {
	// URL is the API endpoint; empty means DefaultURL.
	URL string
	// Categories are ORed together: "cs.CL", "cs.LG".
	Categories []string
	// Query, when set, is ANDed with the categories in arXiv's query syntax.
	Query string
	// PageSize is the max_results of one request; 0 means DefaultPageSize.
	PageSize int
	// MaxResults bounds the papers of one Fetch; 0 means DefaultMaxResults.
	MaxResults int
	// Download sends the requests; required.
	Download *download.Client
}

// Feed is one decoded page of API results.
type Feed struct {
	// Total is opensearch:totalResults, the matches over all pages.
	Total int
	// Entries counts the page's entries, usable or not.
	Entries int
	// Papers holds the usable entries, the first of each arXiv id.
	Papers []digest.Paper
}

// Name is "arxiv".
func (c *Client) Name() string { return "arxiv" }

// Fetch returns the papers submitted on the days from..to (inclusive, UTC
// dates), newest first, at most MaxResults of them.
func (c *Client) Fetch(ctx context.Context, from, to time.Time) ([]digest.Paper, error) {
	if c.Download == nil {
		return nil, errors.New("arxiv: no download client")
	}
	from, to = from.UTC(), to.UTC()
	if to.Format(time.DateOnly) < from.Format(time.DateOnly) {
		return nil, fmt.Errorf("arxiv: days %s..%s: end before start", from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	base, err := url.Parse(cmp.Or(c.URL, DefaultURL))
	if err != nil {
		return nil, fmt.Errorf("arxiv: url: %w", err)
	}
	q := base.Query()
	q.Set("search_query", c.searchQuery(from, to))
	q.Set("sortBy", "submittedDate")
	q.Set("sortOrder", "descending")
	pageSize, maxResults := cmp.Or(c.PageSize, DefaultPageSize), cmp.Or(c.MaxResults, DefaultMaxResults)
	var papers []digest.Paper
	seen := make(map[string]bool)
	for start := 0; start < maxResults; {
		q.Set("start", strconv.Itoa(start))
		q.Set("max_results", strconv.Itoa(min(pageSize, maxResults-start)))
		u := *base
		u.RawQuery = q.Encode()
		feed, err := c.get(ctx, u.String())
		if err != nil {
			return nil, err
		}
		for _, p := range feed.Papers {
			if !seen[p.ID] {
				seen[p.ID] = true
				papers = append(papers, p)
			}
		}
		// arXiv sometimes returns short pages; continuing from what came
		// back neither skips nor repeats entries.
		start += feed.Entries
		if feed.Entries == 0 || start >= feed.Total {
			break
		}
	}
	return papers, nil
}

func (c *Client) searchQuery(from, to time.Time) string {
	var parts []string
	if len(c.Categories) > 0 {
		cats := make([]string, len(c.Categories))
		for i, cat := range c.Categories {
			cats[i] = "cat:" + cat
		}
		parts = append(parts, "("+strings.Join(cats, " OR ")+")")
	}
	parts = append(parts, fmt.Sprintf("submittedDate:[%s0000 TO %s2359]", from.Format("20060102"), to.Format("20060102")))
	if q := strings.TrimSpace(c.Query); q != "" {
		parts = append(parts, "("+q+")")
	}
	return strings.Join(parts, " AND ")
}

// get fetches one page. arXiv answers a bad query with HTTP 400 and an error
// feed, whose message says more than the status.
func (c *Client) get(ctx context.Context, u string) (Feed, error) {
	body, _, err := c.Download.Get(ctx, u)
	if err != nil {
		if _, perr := Parse(body); errors.Is(perr, ErrAPI) {
			return Feed{}, perr
		}
		return Feed{}, fmt.Errorf("arxiv: %w", err)
	}
	return Parse(body)
}

// Parse decodes one page of API results, in the current or the legacy Atom
// format. An error feed yields ErrAPI with arXiv's message; a feed without
// entries is not an error, as weekends have no new papers.
func Parse(data []byte) (Feed, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var f atomFeed
	if err := dec.Decode(&f); err != nil {
		if serr, ok := errors.AsType[*xml.SyntaxError](err); ok {
			return Feed{}, fmt.Errorf("arxiv: decode feed: line %d: %s", serr.Line, serr.Msg)
		}
		line, _ := dec.InputPos()
		return Feed{}, fmt.Errorf("arxiv: decode feed: line %d: %w", line, err)
	}
	if len(f.Entries) == 1 && strings.Contains(f.Entries[0].ID, "arxiv.org/api/errors") {
		return Feed{}, fmt.Errorf("%w: %s", ErrAPI, clean(f.Entries[0].Summary))
	}
	feed := Feed{Total: f.Total, Entries: len(f.Entries)}
	seen := make(map[string]bool)
	for _, e := range f.Entries {
		p, ok := e.paper()
		if ok && !seen[p.ID] {
			seen[p.ID] = true
			feed.Papers = append(feed.Papers, p)
		}
	}
	if len(f.Entries) > 0 && len(feed.Papers) == 0 {
		return Feed{}, fmt.Errorf("arxiv: none of %d entries has an arxiv id, the first has %q", len(f.Entries), f.Entries[0].ID)
	}
	return feed, nil
}

// The namespaces are spelled out in every tag because the legacy format
// declares them on each element rather than once on the feed.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Total   int         `xml:"http://a9.com/-/spec/opensearch/1.1/ totalResults"`
	Entries []atomEntry `xml:"http://www.w3.org/2005/Atom entry"`
}

type atomEntry struct {
	ID         string   `xml:"http://www.w3.org/2005/Atom id"`
	Title      string   `xml:"http://www.w3.org/2005/Atom title"`
	Summary    string   `xml:"http://www.w3.org/2005/Atom summary"`
	Published  string   `xml:"http://www.w3.org/2005/Atom published"`
	Updated    string   `xml:"http://www.w3.org/2005/Atom updated"`
	Authors    []string `xml:"http://www.w3.org/2005/Atom author>name"`
	Primary    term     `xml:"http://arxiv.org/schemas/atom primary_category"`
	Categories []term   `xml:"http://www.w3.org/2005/Atom category"`
	Comment    string   `xml:"http://arxiv.org/schemas/atom comment"`
	DOI        string   `xml:"http://arxiv.org/schemas/atom doi"`
	JournalRef string   `xml:"http://arxiv.org/schemas/atom journal_ref"`
}

type term struct {
	Term string `xml:"term,attr"`
}

// paper converts an entry; ok is false when its id is no arXiv id.
func (e atomEntry) paper() (digest.Paper, bool) {
	id, version, ok := arxivid.Parse(e.ID)
	if !ok {
		return digest.Paper{}, false
	}
	p := digest.Paper{
		ID:          id,
		Version:     version,
		Title:       clean(e.Title),
		Abstract:    clean(e.Summary),
		PublishedAt: parseTime(e.Published),
		UpdatedAt:   parseTime(e.Updated),
		Comment:     clean(e.Comment),
		DOI:         clean(e.DOI),
		JournalRef:  clean(e.JournalRef),
		Source:      "arxiv",
	}
	for _, name := range e.Authors {
		if name = clean(name); name != "" {
			p.Authors = append(p.Authors, name)
		}
	}
	for _, t := range append([]term{e.Primary}, e.Categories...) {
		if cat := clean(t.Term); category.MatchString(cat) && !slices.Contains(p.Categories, cat) {
			p.Categories = append(p.Categories, cat)
		}
	}
	return p, true
}

// clean collapses runs of whitespace, newlines included, into one space.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

// parseTime reads an RFC 3339 time; a missing or malformed one is zero, as
// a bad date should not cost the paper.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
