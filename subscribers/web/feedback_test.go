package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/subscribers"
)

// feedbackPapers are stored beside digesttest.Corpus for the "more/fewer
// like this" pages: one with keywords, one old-style id without.
var feedbackPapers = []digest.Paper{
	{ID: "2607.00042", Title: "Speculative Decoding for Agents", Authors: []string{"Ann Author"},
		AIKeywords: []string{"speculative decoding", "draft model"}, Source: "huggingface",
		PublishedAt: time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC)},
	{ID: "hep-th/0601001", Title: "Strings Without Hits", Source: "arxiv",
		PublishedAt: time.Date(2006, 1, 1, 0, 0, 0, 0, time.UTC)},
}

// stubArchive has each reader's digest of 2026-07-14 and no other.
type stubArchive struct{}

func (stubArchive) DigestHTML(_ context.Context, sub subscribers.Subscriber, period, token string) ([]byte, error) {
	if period != "2026-07-14" {
		return nil, fmt.Errorf("digest %s: %w", period, subscribers.ErrNotFound)
	}
	return []byte("<html><body>digest " + period + " of " + sub.Email + " token " + token + "</body></html>"), nil
}

// TestFeedbackLinks: a "more/fewer like this" page offers the paper's
// vote button and, below it, the change of topics the link proposes,
// typed in and previewed; the GET stores nothing, and the reader saves
// the proposal as any edit.
func TestFeedbackLinks(t *testing.T) {
	w := newWeb(t)
	ann := digesttest.AddReader(t, w.store, "ann@example.org", subscribers.StatusActive, "lora", "rag OR retrieval")
	bob := digesttest.AddReader(t, w.store, "bob@example.org", subscribers.StatusActive)
	annTok, bobTok := token(t, w.store, ann.ID, subscribers.TokenManage), token(t, w.store, bob.ID, subscribers.TokenManage)
	annURL := `action="http://digestd.test/manage/` + annTok
	tests := []struct {
		name       string
		path       string
		wantStatus int
		want       []string
		wantNot    []string
	}{
		{"more: keywords as a new topic", "/manage/" + annTok + "/more/2607.00042", 200,
			[]string{annURL + `/more/2607.00042">`, `<button type="submit">More like this</button>`,
				">lora\nrag OR retrieval\n&#34;speculative decoding&#34; &#34;draft model&#34;</textarea>",
				"Or, for more papers like “Speculative Decoding for Agents”", "Nothing is saved until you press Save",
				`data-query="&#34;speculative decoding&#34; &#34;draft model&#34;"`, `<form method="post" ` + annURL + `" class="card"`},
			[]string{`data-query="lora"`}},
		{"more: old-style id, title words", "/manage/" + annTok + "/more/hep-th/0601001", 200,
			[]string{annURL + `/more/hep-th/0601001">`, "rag OR retrieval\nstrings hits</textarea>"}, nil},
		{"more: a versioned id", "/manage/" + annTok + "/more/2607.00042v3", 200,
			[]string{annURL + `/more/2607.00042">`}, nil},
		{"fewer: exclusion on each topic", "/manage/" + annTok + "/fewer/2607.00042", 200,
			[]string{annURL + `/fewer/2607.00042">`, `<button type="submit">Fewer like this</button>`,
				">lora -&#34;speculative decoding&#34;\n(rag OR retrieval) -&#34;speculative decoding&#34;</textarea>",
				"end each topic below with -&#34;speculative decoding&#34;",
				`data-query="lora -&#34;speculative decoding&#34;"`},
			nil},
		{"fewer without topics", "/manage/" + bobTok + "/fewer/2607.00042", 200,
			[]string{"an exclusion needs a topic to exclude from", "></textarea>", "Fewer like this</button>"}, nil},
		{"unknown paper", "/manage/" + annTok + "/more/2607.99999", 404, []string{"Link not found"}, nil},
		{"forged token", "/manage/forged/more/2607.00042", 404, []string{"Link not found"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := w.do(t, "GET", tt.path, "")
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("got %d, want %d\n%s", resp.StatusCode, tt.wantStatus, body)
			}
			for _, want := range tt.want {
				if !strings.Contains(body, want) {
					t.Errorf("got no %q in\n%s", want, body)
				}
			}
			for _, not := range tt.wantNot {
				if strings.Contains(body, not) {
					t.Errorf("got %q, want none", not)
				}
			}
		})
	}
	if got := digesttest.Topics(t, w.store, ann.ID); !slices.Equal(got, []string{"lora", "rag OR retrieval"}) {
		t.Errorf("topics after the GETs: got %q, want them unchanged", got)
	}
	if n := digesttest.Count(t, w.db, `SELECT count(*) FROM votes`); n != 0 {
		t.Errorf("votes after the GETs: got %d, want 0", n)
	}
	form := url.Values{"topics": {"lora\nrag OR retrieval\n\"speculative decoding\" \"draft model\""}, "hour": {"7"}, "timezone": {"UTC"}}
	if resp, body := w.post(t, "/manage/"+annTok, form.Encode()); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Saved") {
		t.Fatalf("save the proposal: got %d\n%s", resp.StatusCode, body)
	}
	if got, want := digesttest.Topics(t, w.store, ann.ID), []string{"lora", "rag OR retrieval", `"speculative decoding" "draft model"`}; !slices.Equal(got, want) {
		t.Errorf("topics after Save: got %q, want %q", got, want)
	}
}

// TestViewDigest: the view-in-browser page is the archive's HTML, under a
// policy that lets the mail's inline styles apply and runs no script.
func TestViewDigest(t *testing.T) {
	w := newWeb(t)
	ann := digesttest.AddReader(t, w.store, "ann@example.org", subscribers.StatusActive, "lora")
	tok := token(t, w.store, ann.ID, subscribers.TokenManage)
	tests := []struct {
		name, path string
		wantStatus int
		want       string
	}{
		{"sent digest", "/manage/" + tok + "/digest/2026-07-14", 200, "digest 2026-07-14 of ann@example.org token " + tok},
		{"no such digest", "/manage/" + tok + "/digest/2026-07-13", 404, "Link not found"},
		{"forged token", "/manage/forged/digest/2026-07-14", 404, "Link not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := w.do(t, "GET", tt.path, "")
			if resp.StatusCode != tt.wantStatus || !strings.Contains(body, tt.want) {
				t.Fatalf("got %d\n%s\nwant %d with %q", resp.StatusCode, body, tt.wantStatus, tt.want)
			}
			csp := resp.Header.Get("Content-Security-Policy")
			if tt.wantStatus == 200 && (!strings.Contains(csp, "style-src 'unsafe-inline'") || strings.Contains(csp, "script-src")) {
				t.Errorf("got policy %q, want inline styles and no script", csp)
			}
			if tt.wantStatus != 200 && strings.Contains(csp, "unsafe-inline") {
				t.Errorf("error page: got policy %q, want the site's strict one", csp)
			}
		})
	}
}

func TestTopicsHelp(t *testing.T) {
	w := newWeb(t)
	resp, body := w.do(t, "GET", "/help/topics", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<h1>Topics: the query language</h1>") || !strings.Contains(body, "<title>Writing topics") {
		t.Fatalf("got %d\n%s\nwant 200 with the guide in the layout", resp.StatusCode, body)
	}
	ann := digesttest.AddReader(t, w.store, "ann@example.org", subscribers.StatusActive, "lora")
	if _, body := w.do(t, "GET", "/manage/"+token(t, w.store, ann.ID, subscribers.TokenManage), ""); !strings.Contains(body, `href="/help/topics"`) {
		t.Errorf("manage page: got no link to /help/topics in\n%s", body)
	}
}
