package pipeline_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/digestd/digestd/digest/mailer/smtptest"
	"github.com/digestd/digestd/digest/pipeline"
	"github.com/digestd/digestd/subscribers"
)

// TestArchiveDigestHTML: a sent digest, its body dropped from the outbox,
// is rebuilt from sent_papers with the links of the token it is opened with.
func TestArchiveDigestHTML(t *testing.T) {
	p := newPipeline(t)
	ann := p.add(t, "ann@example.org", subscribers.StatusActive, subscribers.DefaultSettings(), "video")
	bob := p.add(t, "bob@example.org", subscribers.StatusActive, subscribers.DefaultSettings())
	relay := smtptest.Start(t)
	r := p.runner(t, sender(t, relay.Port()))
	run(t, r, pipeline.RunOptions{All: true})
	a := &pipeline.Archive{Store: p.store, Subscribers: p.subs, Builder: r.Builder, Renderer: p.ren, BaseURL: "https://papers.example.org"}

	page, err := a.DigestHTML(context.Background(), ann, "2026-07-14", "tok")
	if err != nil {
		t.Fatalf("DigestHTML: %v", err)
	}
	html := string(page)
	for _, want := range []string{
		"4 new papers",
		`<strong style="background:#fde68a;color:#111111;">Video</strong> Generation Models are General-Purpose Vision Learners`,
		"LongE2V: Long-Horizon Event-based",
		`href="https://papers.example.org/manage/tok/more/2607.08770"`,
		`href="https://papers.example.org/unsubscribe/tok"`,
		"matched: video",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(html, "View in browser") {
		t.Error("page links to itself: got View in browser, want none")
	}

	tests := []struct {
		name   string
		sub    subscribers.Subscriber
		period string
	}{
		{"no digest that day", ann, "2026-07-13"},
		{"another reader's period", bob, "2026-07-15"},
		{"not a period", ann, "../etc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := a.DigestHTML(context.Background(), tt.sub, tt.period, "tok"); !errors.Is(err, subscribers.ErrNotFound) {
				t.Errorf("got %v, want ErrNotFound", err)
			}
		})
	}
}

func TestArchiveFindPaper(t *testing.T) {
	p := newPipeline(t)
	a := &pipeline.Archive{Store: p.store}
	tests := []struct {
		id, wantTitle string
		wantKeywords  []string
	}{
		{"2607.08770", "LongE2V: Long-Horizon Event-based Video Reconstruction", []string{"video diffusion priors", "event-based video reconstruction"}},
		{"2607.08770v2", "LongE2V", nil},
		{"2607.09024", "Video Generation Models are General-Purpose Vision Learners", nil},
		{"2607.99999", "", nil},
		{"not-an-id", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			got, err := a.FindPaper(context.Background(), tt.id)
			if tt.wantTitle == "" {
				if !errors.Is(err, subscribers.ErrNotFound) {
					t.Errorf("got %+v, %v; want ErrNotFound", got, err)
				}
				return
			}
			if err != nil || !strings.HasPrefix(got.Title, tt.wantTitle) {
				t.Fatalf("got %+v, %v; want title %q", got, err, tt.wantTitle)
			}
			if len(got.Keywords) < len(tt.wantKeywords) || !slices.Equal(got.Keywords[:len(tt.wantKeywords)], tt.wantKeywords) {
				t.Errorf("got keywords %q, want them to start with %q", got.Keywords, tt.wantKeywords)
			}
		})
	}
}
