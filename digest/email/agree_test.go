package email_test

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/digest/email"
	"github.com/digestd/digestd/digest/match"
	"github.com/digestd/digestd/subscribers/query"
	"github.com/digestd/digestd/templates"
	"golang.org/x/net/html"
)

// randomTopics are queries readers write, some with characters HTML and
// quoted-printable must escape.
var randomTopics = []string{
	`"long context"`, "agents", "reasoning OR planning", `title:benchmark`, "diffusion -video", `"x & <y>"`,
	"quantiz*", "author:wang", "cat:cs.CL", "org:qwen", "retrieval agents", "attention", "é=ü",
}

// randomDigests makes n digests of the fixtures' papers for random readers:
// random topics, marked as a pass marks them (the same topics mark a paper
// the same way), some raised by a model, random links, with and without
// "view in browser".
func randomDigests(t *testing.T, rng *rand.Rand, n int) []*digest.Digest {
	t.Helper()
	var papers []digest.Paper
	for _, name := range []string{digesttest.HFDay1, digesttest.ArxivFeed} {
		papers = append(papers, digesttest.Papers(t, name)...)
	}
	// Titles and abstracts that end lines, start them with dots, carry
	// markup and long words: what encoding and escaping must survive.
	papers[0].Title = ".Dots <b>and</b> & ampersands = equals, " + strings.Repeat("ü", 40)
	papers[1].Abstract = "line one\n.line two\r\n" + strings.Repeat("x", 120) + " trailing \t"
	ds := make([]*digest.Digest, n)
	for i := range ds {
		token := fmt.Sprintf("tok%d_%s", i, strings.Repeat("A-z", rng.IntN(12)))
		d := &digest.Digest{SubscriberID: int64(i), To: fmt.Sprintf("r%d@example.org", i), Period: "2026-11-28",
			Date:      time.Date(2026, 11, 28, 7, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(400)) * time.Hour),
			ManageURL: "https://digest.example.org/manage/" + token, UnsubscribeURL: "https://digest.example.org/unsubscribe/" + token}
		if rng.IntN(2) == 0 {
			d.ViewURL = d.ManageURL + "/digest/" + d.Period
		}
		if rng.IntN(8) == 0 {
			d.ManageURL += "?a=1&b=<2>"
		}
		for _, j := range rng.Perm(len(papers))[:1+rng.IntN(min(len(papers), 25))] {
			p := papers[j]
			var topics []string
			var terms []query.Term
			for _, k := range rng.Perm(len(randomTopics))[:rng.IntN(3)] {
				q, err := query.Parse(randomTopics[k])
				if err != nil {
					t.Fatal(err)
				}
				topics, terms = append(topics, randomTopics[k]), append(terms, q.Terms()...)
			}
			// A paper the reader's model raised names the paper liked,
			// whatever the topics.
			var like string
			if rng.IntN(3) == 0 {
				like = papers[rng.IntN(len(papers))].Title
			}
			title, abstract := match.NewText(p.Title), match.NewText(p.Abstract)
			tm, am := title.Marks(terms), abstract.Marks(terms)
			it := digest.Item{PaperID: int64(j), Paper: &p, Topics: topics,
				Title: title.HighlightMarks(tm), Snippet: abstract.SnippetMarks(am, 280), Like: like}
			if i%2 == 0 { // named as a pass names them
				it.Marks = fmt.Sprintf("%d:%s%s", len(tm.Key()), tm.Key(), am.Key())
			}
			d.Items = append(d.Items, it)
		}
		ds[i] = d
	}
	return ds
}

// renderBoth renders d with the templates (want) and for the pass,
// composed (msg).
func renderBoth(t *testing.T, r *email.Renderer, pass *email.PassRenderer, d *digest.Digest) (want email.Rendered, msg []byte) {
	t.Helper()
	want, err := r.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pass.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	if msg, _, err = email.ComposeDigest(email.Headers{From: "digestd <digest@example.org>"}, d, got); err != nil {
		t.Fatal(err)
	}
	return want, msg
}

// parts reads a composed message's text and HTML parts as a mail client
// does (ReadPart). A 7bit HTML part carries its characters outside ASCII
// as numeric character references (refs: the HTML went 7bit).
func parts(t *testing.T, raw []byte) (subject, text, html string, refs bool) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	_, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var bodies []string
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := email.ReadPart(p)
		if err != nil {
			t.Fatal(err)
		}
		refs = refs || p.Header.Get("Content-Transfer-Encoding") == "7bit" && strings.HasPrefix(p.Header.Get("Content-Type"), "text/html")
		bodies = append(bodies, b)
	}
	if len(bodies) != 2 {
		t.Fatalf("got %d parts, want 2", len(bodies))
	}
	return subject, bodies[0], bodies[1], refs
}

// charRefs is s with every character outside ASCII written as a numeric
// character reference, as a 7bit HTML part carries it.
func charRefs(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, "&#%d;", r)
		}
	}
	return b.String()
}

// TestPassRendererAgreesWithTemplates: random readers' digests, rendered
// for a pass and composed, read exactly as the templates executed with
// each digest's data, whichever readers came before in the pass.
func TestPassRendererAgreesWithTemplates(t *testing.T) {
	r, err := email.NewRenderer(email.RenderConfig{SiteName: "digestd", BaseURL: "https://digest.example.org",
		HeaderMarkdown: "Hello *readers* & friends", FooterMarkdown: "Sent by [us](https://example.org/?a=1&b=2)"})
	if err != nil {
		t.Fatal(err)
	}
	pass := r.ForPass()
	rng := rand.New(rand.NewPCG(1, 2))
	sevenBit := 0
	for _, d := range randomDigests(t, rng, 300) {
		if err := r.Agree(pass, d); err != nil {
			t.Fatalf("reader %d: %v", d.SubscriberID, err)
		}
		want, msg := renderBoth(t, r, pass, d)
		subject, text, html, refs := parts(t, msg)
		wantHTML := want.HTML.String()
		if refs {
			wantHTML = charRefs(wantHTML)
			sevenBit++
		}
		if subject != want.Subject || text != want.Text.String() || html != wantHTML {
			t.Fatalf("reader %d: the composed message does not read as the templates render it", d.SubscriberID)
		}
	}
	// The shipped templates' HTML goes as 7bit.
	if sevenBit != 300 {
		t.Errorf("%d of 300 digests' HTML went as 7bit, want all", sevenBit)
	}
}

// editedTemplates returns the embedded templates with old replaced by new
// in file name.
func editedTemplates(t *testing.T, name, old, new string) fs.FS {
	t.Helper()
	files := fstest.MapFS{}
	err := fs.WalkDir(templates.FS, "email", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templates.FS, path)
		files[path] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	src := string(files[name].Data)
	if !strings.Contains(src, old) {
		t.Fatalf("%s has no %q", name, old)
	}
	files[name] = &fstest.MapFile{Data: []byte(strings.Replace(src, old, new, 1))}
	return files
}

// TestTemplateEditsKeepWorkingOrStop: an edit of the paper templates
// either renders for a pass exactly as the templates say, or stops
// digestd at start-up naming the template; never a wrong digest.
func TestTemplateEditsKeepWorkingOrStop(t *testing.T) {
	const html, text = "email/digest.html.tmpl", "email/digest.txt.tmpl"
	tests := []struct {
		name, file, old, new string
		wantErr              string // "" when the edit must keep working
	}{
		{"a third manage link", html, `<a href="{{.FewerURL}}" style="color:#59636e;">Fewer like this</a>`,
			`<a href="{{.FewerURL}}" style="color:#59636e;">Fewer like this</a> &middot; <a href="{{.MoreURL}}">Again</a>`, ""},
		{"snippet before the title", html, `<div style="margin-top:6px;">{{.Snippet}}</div>`, ``, ""},
		{"title after the links", html, `{{- .Matched}}`, `{{- .Matched}} <a href="{{.MoreURL}}">x</a> {{.Title}}`, ""},
		{"matched dropped", text, `{{- .Matched}}`, ``, ""},
		{"a link in the text part twice", text, `   Fewer like this: {{.FewerURL}}`, `   Fewer like this: {{.FewerURL}} {{.MoreURL}}`, ""},
		{"hits underlined", html, `<strong style="background:#fde68a;color:#111111;">{{.Text}}</strong>`, `<u>{{.Text}}</u>`, ""},
		{"hits counted", html, `{{define "spans"}}{{range .}}`, `{{define "spans"}}{{len .}}:{{range .}}`, ""},
		{"matched line reworded", html, `matched: {{.}}`, `why: <em>{{.}}</em>`, ""},
		{"matched line unwrapped", text, `{{wrap "   " (print "matched: " .)}}`, `   why: {{.}}`, ""},
		{"snippet unwrapped", text, `{{define "snippet"}}{{wrap "   " (stars .)}}`, `{{define "snippet"}}   {{stars .}}`, ""},
		{"the title in an attribute", html, `<a href="{{.URL}}" style=`, `<a href="{{.URL}}" title="{{.Title}}" style=`, html},
		{"papers numbered by the template", text, "{{range .Items}}\n{{.}}", "{{range $i, $p := .Items}}\n{{$i}} {{.}}", text},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := email.NewRenderer(email.RenderConfig{BaseURL: "https://digest.example.org",
				Templates: editedTemplates(t, tt.file, tt.old, tt.new)})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewRenderer: %v", err)
			}
			pass := r.ForPass()
			for _, d := range randomDigests(t, rng, 20) {
				if err := r.Agree(pass, d); err != nil {
					t.Fatalf("reader %d: %v", d.SubscriberID, err)
				}
			}
		})
	}
}

// TestEditedTemplatesKeepTheirCharacters: an operator's HTML templates may
// put a character outside ASCII where a reference does not read as it
// (here, in a style element): their digests' HTML goes quoted-printable,
// as rendered, where the shipped templates' goes 7bit.
func TestEditedTemplatesKeepTheirCharacters(t *testing.T) {
	const rule = `  .card a::after { content: "→"; }` + "\n"
	r, err := email.NewRenderer(email.RenderConfig{BaseURL: "https://digest.example.org",
		Templates: editedTemplates(t, "email/digest.html.tmpl", "<style>\n", "<style>\n"+rule)})
	if err != nil {
		t.Fatal(err)
	}
	pass := r.ForPass()
	for _, d := range randomDigests(t, rand.New(rand.NewPCG(5, 6)), 20) {
		want, msg := renderBoth(t, r, pass, d)
		_, _, html, refs := parts(t, msg)
		if refs || html != want.HTML.String() || !strings.Contains(html, rule) {
			t.Fatalf("reader %d: the HTML went 7bit (%v) or does not read as rendered, with %q", d.SubscriberID, refs, rule)
		}
	}
}

// TestShippedHTMLKeepsCharactersWhereReferencesRead: the shipped HTML
// templates put every character outside ASCII — theirs, the papers', the
// readers' topics, the operator's Markdown — in text or an attribute
// value, where a numeric character reference reads as the character, and
// none in a style or script element, where it would not: what lets their
// HTML go 7bit (Rendered.CharRefs).
func TestShippedHTMLKeepsCharactersWhereReferencesRead(t *testing.T) {
	r, err := email.NewRenderer(email.RenderConfig{SiteName: "digestd · Grüße", BaseURL: "https://digest.example.org",
		HeaderMarkdown: "Grüße, *Leser* — ▲", FooterMarkdown: "Envoyé par [nous](https://example.org/é)"})
	if err != nil {
		t.Fatal(err)
	}
	var rendered []email.Rendered
	for _, d := range randomDigests(t, rand.New(rand.NewPCG(7, 8)), 50) {
		got, err := r.Render(d)
		if err != nil {
			t.Fatal(err)
		}
		rendered = append(rendered, got)
	}
	confirm, err := r.RenderConfirmation(email.Confirmation{To: "new@example.org", ConfirmURL: "https://digest.example.org/confirm/t",
		Topics: []string{"é=ü", "diffusion ▲"}})
	if err != nil {
		t.Fatal(err)
	}
	rendered = append(rendered, confirm)
	outside := 0
	for _, got := range rendered {
		if !got.CharRefs {
			t.Fatal("the shipped templates' HTML may not go 7bit")
		}
		z := html.NewTokenizer(strings.NewReader(got.HTML.String()))
		for raw := ""; ; {
			tt := z.Next()
			if tt == html.ErrorToken {
				break
			}
			tok := z.Token()
			switch {
			case tt == html.StartTagToken && (tok.Data == "style" || tok.Data == "script"):
				raw = tok.Data
			case tt == html.EndTagToken:
				raw = ""
			case tt == html.TextToken && raw != "" && strings.ContainsFunc(tok.Data, func(r rune) bool { return r >= utf8.RuneSelf }):
				t.Fatalf("a character outside ASCII in a %s element: %q", raw, tok.Data)
			}
		}
		outside += strings.Count(got.HTML.String(), "ü") + strings.Count(got.HTML.String(), "—")
	}
	if outside == 0 {
		t.Fatal("no character outside ASCII was rendered: the test looks at nothing")
	}
}
