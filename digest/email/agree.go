package email

import (
	"fmt"
	"time"

	"github.com/digestd/digestd/digest"
)

// Agree renders d with the templates and with a PassRenderer and returns
// an error describing the first difference between the two emails, nil
// when they are the same.
func (r *Renderer) Agree(pass *PassRenderer, d *digest.Digest) error {
	want, err := r.Render(d)
	if err != nil {
		return err
	}
	got, err := pass.Render(d)
	if err != nil {
		return err
	}
	for _, part := range []struct{ name, want, got string }{
		{"subject", want.Subject, got.Subject},
		{"email/digest.html.tmpl", want.HTML.String(), got.HTML.String()},
		{"email/digest.txt.tmpl", want.Text.String(), got.Text.String()},
	} {
		if part.got == part.want {
			continue
		}
		i := 0
		for i < len(part.got) && i < len(part.want) && part.got[i] == part.want[i] {
			i++
		}
		from := max(i-40, 0)
		return fmt.Errorf("%s: the pass renderer writes %q where the templates write %q (byte %d)",
			part.name, part.got[from:min(i+40, len(part.got))], part.want[from:min(i+40, len(part.want))], i)
	}
	return nil
}

// checkPass renders sample digests both ways: a template edit the pass
// renderer cannot follow stops digestd at start-up instead of sending
// digests that differ from what the templates say.
func (r *Renderer) checkPass() error {
	pass := r.ForPass()
	for _, d := range sampleDigests(r.baseURL) {
		if err := r.Agree(pass, d); err != nil {
			return fmt.Errorf("email templates: %w", err)
		}
	}
	return nil
}

// sampleDigests are two digests that use every part of the templates,
// one with three papers: two could hide what differs between papers.
func sampleDigests(baseURL string) []*digest.Digest {
	day := time.Date(2026, 11, 28, 7, 0, 0, 0, time.UTC)
	manage := baseURL + "/manage/sample-Token_1"
	items := []digest.Item{{
		PaperID: 1,
		Paper: &digest.Paper{ID: "2410.13276", Title: "Scaling Long Context <Models> & Co", Abstract: "We study how long context scales.",
			Authors: []string{"Ada Lovelace", "Alan Turing", "Grace Hopper", "Kurt Gödel"}, Org: "Qwen", Upvotes: 42,
			FeaturedOn: day, GithubRepo: "https://github.com/example/longctx?a=1&b=2", ProjectPage: "https://longctx.example.org"},
		Topics:  []string{`"long context" -"x & y"`, "cat:cs.CL"},
		Title:   []digest.Span{{Text: "Scaling "}, {Text: "Long Context", Hit: true}, {Text: " <Models> & Co"}},
		Snippet: []digest.Span{{Text: "We study how "}, {Text: "long context", Hit: true}, {Text: " scales."}},
	}, {
		PaperID: 2,
		Paper: &digest.Paper{ID: "hep-th/0601001", Title: "Strings Without Hits", Authors: []string{"Ed Witten"},
			PublishedAt: day.AddDate(-20, 0, 0), AISummary: "A summary written by a machine."},
	}, {
		PaperID: 3,
		Paper:   &digest.Paper{ID: "2411.00003", Title: "A Third", Abstract: "Three papers tell what a template writes between them."},
		Topics:  []string{"third"},
		Title:   []digest.Span{{Text: "A "}, {Text: "Third", Hit: true}},
	}}
	return []*digest.Digest{
		{SubscriberID: 1, To: "reader@example.org", Period: "2026-11-28", Date: day, Items: items,
			ManageURL: manage, UnsubscribeURL: baseURL + "/unsubscribe/sample-Token_1", ViewURL: manage + "/digest/2026-11-28"},
		{SubscriberID: 2, To: "other@example.org", Period: "2026-W48", Date: day, Items: items[1:2],
			ManageURL: manage + "&x", UnsubscribeURL: baseURL + "/unsubscribe/x"},
	}
}
