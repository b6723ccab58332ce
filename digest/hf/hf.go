// Package hf fetches Hugging Face Daily Papers: the papers featured each day,
// with their upvotes and organisation.
package hf

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/download"
	"github.com/digestd/digestd/internal/arxivid"
)

// DefaultURL is the Daily Papers API endpoint.
const DefaultURL = "https://huggingface.co/api/daily_papers"

const (
	pageLimit = 100 // items asked for per request, the API's maximum
	maxPages  = 10  // per day; a busy day has about 50 papers
)

// Client fetches Daily Papers. It implements digest.Source.
type Client struct {
	// URL is the API endpoint; empty means DefaultURL.
	URL string
	// Download sends the requests; required.
	Download *download.Client
	// Logger, when set, is told about items Fetch had to skip, so that a
	// change in the API's format does not go unnoticed.
	Logger *slog.Logger
}

// Page is one decoded Daily Papers response.
type Page struct {
	// Papers holds the usable items, the first of each arXiv id.
	Papers []digest.Paper
	// Items is the length of the response array; a full page means more may
	// follow.
	Items int
	// Skipped says why each unusable item was left out.
	Skipped []string
}

// WithLogger returns a copy of c that logs to l.
func (c *Client) WithLogger(l *slog.Logger) digest.Source {
	cp := *c
	cp.Logger = l
	return &cp
}

// Name is "huggingface".
func (c *Client) Name() string { return "huggingface" }

// Fetch returns the papers featured on the days from..to (inclusive, UTC
// dates), each arXiv id once.
func (c *Client) Fetch(ctx context.Context, from, to time.Time) ([]digest.Paper, error) {
	if c.Download == nil {
		return nil, errors.New("huggingface: no download client")
	}
	base, err := url.Parse(cmp.Or(c.URL, DefaultURL))
	if err != nil {
		return nil, fmt.Errorf("huggingface: url: %w", err)
	}
	first, last := date(from), date(to)
	if last.Before(first) {
		return nil, fmt.Errorf("huggingface: days %s..%s: end before start", first.Format(time.DateOnly), last.Format(time.DateOnly))
	}
	var papers []digest.Paper
	seen := make(map[string]bool)
	for day := first; !day.After(last); day = day.AddDate(0, 0, 1) {
		got, err := c.fetchDay(ctx, base, day)
		if err != nil {
			return nil, fmt.Errorf("huggingface: %s: %w", day.Format(time.DateOnly), err)
		}
		for _, p := range got {
			if !seen[p.ID] {
				seen[p.ID] = true
				papers = append(papers, p)
			}
		}
	}
	return papers, nil
}

// fetchDay asks for further pages only while pages come back full.
func (c *Client) fetchDay(ctx context.Context, base *url.URL, day time.Time) ([]digest.Paper, error) {
	var papers []digest.Paper
	for p := range maxPages {
		q := base.Query()
		q.Set("date", day.Format(time.DateOnly))
		q.Set("limit", strconv.Itoa(pageLimit))
		if p > 0 {
			q.Set("p", strconv.Itoa(p))
		}
		u := *base
		u.RawQuery = q.Encode()
		body, _, err := c.Download.Get(ctx, u.String())
		if err != nil {
			return nil, err
		}
		page, err := parse(body)
		if err != nil {
			return nil, err
		}
		if len(page.Skipped) > 0 && c.Logger != nil {
			c.Logger.Warn("huggingface: skipped unusable items", "day", day.Format(time.DateOnly),
				"page", p, "skipped", len(page.Skipped), "items", page.Items, "first", page.Skipped[0])
		}
		papers = append(papers, page.Papers...)
		if page.Items < pageLimit {
			break
		}
	}
	return papers, nil
}

// Parse decodes one Daily Papers response. Items without a valid arXiv id or
// a title are skipped; only a response that is not a JSON array, or whose
// items are all unusable, is an error.
func Parse(data []byte) (Page, error) {
	page, err := parse(data)
	if err != nil {
		return Page{}, fmt.Errorf("huggingface: %w", err)
	}
	return page, nil
}

func parse(data []byte) (Page, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		if serr, ok := errors.AsType[*json.SyntaxError](err); ok {
			return Page{}, fmt.Errorf("decode response at byte %d: %w", serr.Offset, err)
		}
		if terr, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
			return Page{}, fmt.Errorf("decode response at byte %d: want a JSON array, got %s", terr.Offset, terr.Value)
		}
		return Page{}, fmt.Errorf("decode response: %w", err)
	}
	page := Page{Items: len(raw)}
	seen := make(map[string]bool)
	for i, r := range raw {
		var it item
		if err := json.Unmarshal(r, &it); err != nil {
			page.Skipped = append(page.Skipped, fmt.Sprintf("item %d: %v", i, err))
			continue
		}
		p, err := it.paper()
		if err != nil {
			page.Skipped = append(page.Skipped, fmt.Sprintf("item %d: %v", i, err))
			continue
		}
		if !seen[p.ID] {
			seen[p.ID] = true
			page.Papers = append(page.Papers, p)
		}
	}
	if len(raw) > 0 && len(page.Papers) == 0 {
		return Page{}, fmt.Errorf("none of %d items usable: %s", len(raw), page.Skipped[0])
	}
	return page, nil
}

// item is one element of the response. Optional fields are absent rather
// than null, but null decodes to the zero value all the same.
type item struct {
	Paper struct {
		ID                 string        `json:"id"`
		Title              string        `json:"title"`
		Summary            string        `json:"summary"`
		Authors            []author      `json:"authors"`
		Organization       *organization `json:"organization"`
		Upvotes            int           `json:"upvotes"`
		PublishedAt        string        `json:"publishedAt"`
		SubmittedOnDailyAt string        `json:"submittedOnDailyAt"`
		AISummary          string        `json:"ai_summary"`
		AIKeywords         []string      `json:"ai_keywords"`
		GithubRepo         string        `json:"githubRepo"`
		ProjectPage        string        `json:"projectPage"`
	} `json:"paper"`
	Title        string        `json:"title"`
	Summary      string        `json:"summary"`
	Organization *organization `json:"organization"`
}

type author struct {
	Name string `json:"name"`
}

type organization struct {
	Name     string `json:"name"`
	Fullname string `json:"fullname"`
}

func (it item) paper() (digest.Paper, error) {
	id, _, ok := arxivid.Parse(it.Paper.ID)
	if !ok {
		return digest.Paper{}, fmt.Errorf("invalid arxiv id %q", it.Paper.ID)
	}
	p := digest.Paper{
		ID:          id,
		Title:       cmp.Or(clean(it.Paper.Title), clean(it.Title)),
		Abstract:    cmp.Or(clean(it.Paper.Summary), clean(it.Summary)),
		Upvotes:     it.Paper.Upvotes,
		PublishedAt: parseTime(it.Paper.PublishedAt),
		FeaturedOn:  date(parseTime(it.Paper.SubmittedOnDailyAt)),
		AISummary:   clean(it.Paper.AISummary),
		GithubRepo:  strings.TrimSpace(it.Paper.GithubRepo),
		ProjectPage: strings.TrimSpace(it.Paper.ProjectPage),
		Source:      "huggingface",
	}
	if p.Title == "" {
		return digest.Paper{}, fmt.Errorf("paper %s: empty title", id)
	}
	for _, a := range it.Paper.Authors {
		if name := clean(a.Name); name != "" {
			p.Authors = append(p.Authors, name)
		}
	}
	for _, k := range it.Paper.AIKeywords {
		if k = clean(k); k != "" {
			p.AIKeywords = append(p.AIKeywords, k)
		}
	}
	if org := cmp.Or(it.Paper.Organization, it.Organization); org != nil {
		p.Org = cmp.Or(clean(org.Fullname), clean(org.Name))
	}
	return p, nil
}

// clean collapses runs of whitespace, newlines included, into one space.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

// parseTime reads an RFC 3339 time; a missing or malformed one is zero, as
// a bad date should not cost the paper.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// date is t's UTC calendar day at midnight; zero stays zero.
func date(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
