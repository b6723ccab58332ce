package email

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/digestd/digestd/digest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// testDigest is a two-paper digest with every optional field in play.
func testDigest() *digest.Digest {
	day := time.Date(2026, 11, 28, 7, 0, 0, 0, time.UTC)
	return &digest.Digest{
		SubscriberID: 42, To: "reader@example.org", Period: "2026-11-28", Date: day,
		ManageURL:      "https://digest.example.org/manage/tok123",
		UnsubscribeURL: "https://digest.example.org/unsubscribe/tok123",
		ViewURL:        "https://digest.example.org/manage/tok123/digest/2026-11-28",
		Items: []digest.Item{{
			Paper: &digest.Paper{
				ID: "2410.13276", Title: "Scaling Long Context Models",
				Abstract: "We study how long context language models scale.",
				Authors:  []string{"Ada Lovelace", "Alan Turing", "Grace Hopper", "Tri Dao", "Kurt Gödel"},
				Org:      "Qwen", Upvotes: 42,
				FeaturedOn: day, GithubRepo: "https://github.com/example/longctx",
				ProjectPage: "https://longctx.example.org",
			},
			Topics:  []string{`"long context" lora`},
			Title:   []digest.Span{{Text: "Scaling "}, {Text: "Long Context", Hit: true}, {Text: " Models"}},
			Snippet: []digest.Span{{Text: "We study how "}, {Text: "long context", Hit: true}, {Text: " language models scale with " + strings.Repeat("more and more data ", 6)}},
		}, {
			Paper: &digest.Paper{
				ID: "hep-th/0601001", Title: "Strings Without Hits", Authors: []string{"Ed Witten"},
				PublishedAt: time.Date(2006, 1, 1, 0, 0, 0, 0, time.UTC),
				AISummary:   "A summary written by a machine.",
			},
		}},
	}
}

func newTestRenderer(t *testing.T, cfg RenderConfig) *Renderer {
	t.Helper()
	r, err := NewRenderer(cfg)
	if err != nil {
		t.Fatalf("NewRenderer: %v", err)
	}
	return r
}

func TestRenderDigestHTML(t *testing.T) {
	r := newTestRenderer(t, RenderConfig{SiteName: "digestd", BaseURL: "https://digest.example.org"})
	got, err := r.Render(testDigest())
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	for _, want := range []string{
		`<meta name="color-scheme" content="light dark">`,
		`max-width:600px`,
		`Scaling <strong style="background:#fde68a;color:#111111;">Long Context</strong> Models`,
		`href="https://arxiv.org/abs/2410.13276"`,
		`href="https://arxiv.org/pdf/2410.13276"`,
		`href="https://github.com/example/longctx"`,
		`href="https://longctx.example.org"`,
		`Ada Lovelace, Alan Turing, Grace Hopper &#43;2 more · Qwen · ▲ 42 · 28 Nov 2026`,
		`matched: &#34;long context&#34; lora`,
		`A summary written by a machine.`,
		`href="https://digest.example.org/manage/tok123"`,
		`href="https://digest.example.org/unsubscribe/tok123"`,
		`>Unsubscribe</a>`,
		`<a href="https://digest.example.org/manage/tok123/digest/2026-11-28" style="color:#59636e;">View in browser</a>`,
		`<a href="https://digest.example.org/manage/tok123/more/2410.13276" style="color:#59636e;">More like this</a>`,
		`<a href="https://digest.example.org/manage/tok123/fewer/hep-th/0601001" style="color:#59636e;">Fewer like this</a>`,
	} {
		if !strings.Contains(got.HTML.String(), want) {
			t.Errorf("html lacks %q", want)
		}
	}
	if strings.Count(got.HTML.String(), ">Code</a>") != 1 {
		t.Errorf("got %d Code links, want 1 (only the first paper has code)", strings.Count(got.HTML.String(), ">Code</a>"))
	}
	preheader := regexp.MustCompile(`(?s)<div style="display:none[^>]*>(.*?)&#847;`).FindStringSubmatch(got.HTML.String())
	if preheader == nil || preheader[1] != "Scaling Long Context Models · Strings Without Hits" {
		t.Errorf("got preheader %q, want the first titles", preheader)
	}
	checkGolden(t, "digest.html", got.HTML.String())
}

func TestRenderDigestText(t *testing.T) {
	r := newTestRenderer(t, RenderConfig{FooterMarkdown: "Sent by **the lab**. " + strings.Repeat("Long footer words ", 10)})
	got, err := r.Render(testDigest())
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	for _, want := range []string{
		"1. Scaling *Long Context* Models",
		"We study how *long context* language",
		"   https://arxiv.org/abs/2410.13276",
		"   Code: https://github.com/example/longctx",
		"2. Strings Without Hits",
		"Unsubscribe: https://digest.example.org/unsubscribe/tok123",
		"Sent by **the lab**.",
		"View in browser: https://digest.example.org/manage/tok123/digest/2026-11-28\n",
		"   More like this: https://digest.example.org/manage/tok123/more/2410.13276\n" +
			"   Fewer like this: https://digest.example.org/manage/tok123/fewer/2410.13276\n",
		"   Fewer like this: https://digest.example.org/manage/tok123/fewer/hep-th/0601001\n",
	} {
		if !strings.Contains(got.Text.String(), want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if strings.Contains(got.Text.String(), "<") {
		t.Errorf("text part contains markup:\n%s", got.Text.String())
	}
	checkWidth(t, got.Text.String())
	checkGolden(t, "digest.txt", got.Text.String())
}

// checkWidth asserts every line fits 78 columns unless a URL makes it longer.
func checkWidth(t *testing.T, text string) {
	t.Helper()
	for i, line := range strings.Split(text, "\n") {
		if n := utf8.RuneCountInString(line); n > textWidth && !strings.Contains(line, "://") {
			t.Errorf("line %d: got %d columns, want <= %d: %q", i+1, n, textWidth, line)
		}
	}
}

func TestRenderEscapesHostilePaperData(t *testing.T) {
	hostile := []string{`<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`, `{{.}} {{template "x"}}`}
	d := testDigest()
	d.Items[0].Title = nil
	d.Items[0].Paper.Title = strings.Join(hostile, " ")
	d.Items[0].Paper.Org = `<b>Evil</b>`
	d.Items[0].Paper.GithubRepo = "javascript:alert(1)"
	d.Items[0].Topics = []string{`</div><script>x</script>`}
	d.Items[1].Paper.Title = "line\r\nBcc: victim@example.org"
	r := newTestRenderer(t, RenderConfig{Subject: "{{.Title}}"})
	got, err := r.Render(d)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	for _, bad := range []string{"<script", "<img", "<b>Evil", "javascript:", `href="javascript`} {
		if strings.Contains(got.HTML.String(), bad) {
			t.Errorf("html contains %q", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;", "{{.}} {{template &#34;x&#34;}}"} {
		if !strings.Contains(got.HTML.String(), want) {
			t.Errorf("html lacks escaped %q", want)
		}
	}
	if strings.Contains(got.Text.String(), "javascript:") {
		t.Errorf("text part keeps a javascript: link")
	}
	if !strings.Contains(got.Text.String(), "{{.}}") || !strings.Contains(got.Text.String(), "line Bcc: victim@example.org") {
		t.Errorf("text part does not keep hostile text literal on one line:\n%s", got.Text.String())
	}
	if strings.ContainsAny(got.Subject, "\r\n") || !strings.HasPrefix(got.Subject, "<script>") {
		t.Errorf("got subject %q, want the raw title on one line", got.Subject)
	}
}

func TestRenderSubject(t *testing.T) {
	tests := []struct {
		name, tmpl, title, want string
	}{
		{"default", "", "", "2 new papers for you — Sat 28 Nov"},
		{"custom", "[{{.SiteName}}] {{.Period}}: {{.Title}}", "", "[digestd] 2026-11-28: Scaling Long Context Models"},
		{"control characters", "{{.Title}}", "a\r\nb\x1b[31mc\td", "a b [31mc d"},
		{"long", "{{.Title}}", strings.Repeat("word ", 60), strings.TrimSpace(strings.Repeat("word ", 19)) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := testDigest()
			if tt.title != "" {
				d.Items[0].Title = []digest.Span{{Text: tt.title}}
			}
			got, err := newTestRenderer(t, RenderConfig{Subject: tt.tmpl}).Render(d)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if got.Subject != tt.want {
				t.Errorf("got subject %q, want %q", got.Subject, tt.want)
			}
		})
	}
}

func TestNewRendererRejectsBadSubject(t *testing.T) {
	for _, subject := range []string{"{{.Count", "{{.Nope}}", "{{/* empty */}}"} {
		if _, err := NewRenderer(RenderConfig{Subject: subject}); err == nil || !strings.Contains(err.Error(), "digest.subject") {
			t.Errorf("subject %q: got error %v, want one naming digest.subject", subject, err)
		}
	}
}

func TestRenderMarkdownHeaderIsSafe(t *testing.T) {
	r := newTestRenderer(t, RenderConfig{HeaderMarkdown: "Hello *readers* <script>alert(1)</script> [x](javascript:alert(1)) [ok](https://example.org)"})
	got, err := r.Render(testDigest())
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if !strings.Contains(got.HTML.String(), "<em>readers</em>") || !strings.Contains(got.HTML.String(), `<a href="https://example.org">ok</a>`) {
		t.Errorf("html lacks the rendered header markdown")
	}
	if strings.Contains(got.HTML.String(), "<script") || strings.Contains(got.HTML.String(), "javascript:") {
		t.Errorf("header markdown let raw html or a javascript link through")
	}
}

func TestRenderSizeAtFiftyPapers(t *testing.T) {
	d := testDigest()
	long := strings.Repeat("This abstract goes on about transformers and attention at length. ", 40)
	// Real tokens are 32 characters, in every paper's feedback links.
	d.ManageURL = "https://digest.example.org/manage/" + strings.Repeat("T", 32)
	d.Items = d.Items[:0]
	for i := range 50 {
		d.Items = append(d.Items, digest.Item{
			Paper: &digest.Paper{
				ID: fmt.Sprintf("2411.%05d", i), Title: "A Rather Long Title About Efficient Long Context Attention for Large Language Models " + strings.Repeat("x", 40),
				Abstract: long, AISummary: long, Authors: []string{"An Author", "Another Author", "Third Author", "Fourth", "Fifth"},
				Org: "Some Research Organisation", Upvotes: 100 + i, FeaturedOn: d.Date,
				GithubRepo: "https://github.com/some-organisation/some-long-repository-name", ProjectPage: "https://project.example.org/paper",
			},
			Topics:  []string{"attention", `"long context"`},
			Snippet: []digest.Span{{Text: long[:200]}, {Text: "attention", Hit: true}, {Text: long}},
		})
	}
	got, err := newTestRenderer(t, RenderConfig{}).Render(d)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if len(got.HTML.String()) >= 100*1024 {
		t.Errorf("got %d bytes of html for 50 papers, want < %d", len(got.HTML.String()), 100*1024)
	}
	text := got.Text.String()
	for _, n := range []int{1, 9, 10, 50} {
		if want := wrapText(strconv.Itoa(n)+". ", Star(NewItemView(d.Items[n-1]).Title)); !strings.Contains(text, "\n"+want+"\n") {
			t.Errorf("text part lacks paper %d's heading %q", n, want)
		}
	}
	// Encoded, the headings stay as readable as the text: no space
	// encoded (=20) where one piece of the body ends and the next begins.
	msg, _, err := ComposeDigest(testHeaders, d, got)
	if err != nil {
		t.Fatalf("ComposeDigest: %v", err)
	}
	if !strings.Contains(string(msg), "\r\n10. A Rather Long Title") {
		t.Errorf("the message's text part lacks the plain heading %q", "10. A Rather Long Title")
	}
	t.Logf("50 papers: html %d bytes, text %d bytes", len(got.HTML.String()), len(text))
}

// TestPassRendererRendersAsAlone: a pass renders each paper once and
// reuses it for every reader who gets it marked alike; each reader's mail
// must still be exactly what rendering their digest alone gives, their own
// links and numbering included, and a paper marked differently for another
// reader must not be taken from the cache.
func TestPassRendererRendersAsAlone(t *testing.T) {
	r := newTestRenderer(t, RenderConfig{SiteName: "digestd", BaseURL: "https://digest.example.org"})
	first := testDigest()
	// Twelve papers, so numbers reach two digits and wrap differently.
	for i := range 10 {
		it := first.Items[1]
		it.PaperID = int64(100 + i)
		it.Paper.ID = fmt.Sprintf("2411.%05d", i)
		it.Paper.Title = "A title long enough to wrap onto a second line of the text part of the digest " + it.Paper.ID
		first.Items = append(first.Items, it)
	}
	first.Items[0].PaperID = 1
	first.Items[1].PaperID = 2
	second := testDigest()
	second.SubscriberID, second.To = 43, "other@example.org"
	second.ManageURL = "https://digest.example.org/manage/other"
	second.UnsubscribeURL = "https://digest.example.org/unsubscribe/other"
	second.ViewURL = ""
	// The same papers in the other order, the first one marked differently.
	second.Items = []digest.Item{first.Items[11], first.Items[1], first.Items[0]}
	second.Items[2].Title = []digest.Span{{Text: "Scaling Long "}, {Text: "Context", Hit: true}, {Text: " Models"}}
	second.Items[2].Topics = []string{"context"}
	pass := r.ForPass()
	for round := range 2 {
		for _, d := range []*digest.Digest{first, second} {
			want, err := r.Render(d)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			got, err := pass.Render(d)
			if err != nil {
				t.Fatalf("pass Render: %v", err)
			}
			if got.Subject != want.Subject || got.HTML.String() != want.HTML.String() || got.Text.String() != want.Text.String() {
				t.Errorf("round %d, %s: the pass rendered\n%s\n%s\nalone:\n%s\n%s", round+1, d.To, got.HTML.String(), got.Text.String(), want.HTML.String(), want.Text.String())
			}
		}
	}
	got, err := pass.Render(second)
	if err != nil {
		t.Fatalf("pass Render: %v", err)
	}
	for _, want := range []string{
		"1. A title long enough to wrap onto a second line of the text part of the\n   digest 2411.00009\n",
		"3. Scaling Long *Context* Models\n",
		"   More like this: https://digest.example.org/manage/other/more/2410.13276\n",
	} {
		if !strings.Contains(got.Text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, got.Text.String())
		}
	}
	for _, want := range []string{
		`Scaling Long <strong style="background:#fde68a;color:#111111;">Context</strong> Models`,
		`matched: context</div>`,
	} {
		if !strings.Contains(got.HTML.String(), want) {
			t.Errorf("html lacks the second reader's marks, %q:\n%s", want, got.HTML.String())
		}
	}
}

func TestRenderRejectsIncompleteDigest(t *testing.T) {
	r := newTestRenderer(t, RenderConfig{})
	empty := testDigest()
	empty.Items = nil
	noLinks := testDigest()
	noLinks.UnsubscribeURL = ""
	for name, d := range map[string]*digest.Digest{"nil": nil, "empty": empty, "no unsubscribe url": noLinks} {
		if _, err := r.Render(d); err == nil {
			t.Errorf("%s: got no error, want one", name)
		}
	}
}

func TestRenderConfirmation(t *testing.T) {
	r := newTestRenderer(t, RenderConfig{SiteName: "Paper <Digest>"})
	got, err := r.RenderConfirmation(Confirmation{
		To: "new@example.org", ConfirmURL: "https://digest.example.org/confirm/abc",
		Topics: []string{"lora", "<i>x</i>"},
	})
	if err != nil {
		t.Fatalf("RenderConfirmation: %v", err)
	}
	if got.Subject != "Confirm your subscription to Paper <Digest>" {
		t.Errorf("got subject %q", got.Subject)
	}
	for _, want := range []string{`href="https://digest.example.org/confirm/abc"`, "<li>lora</li>", "<li>&lt;i&gt;x&lt;/i&gt;</li>", "Paper &lt;Digest&gt;"} {
		if !strings.Contains(got.HTML.String(), want) {
			t.Errorf("html lacks %q", want)
		}
	}
	if !strings.Contains(got.Text.String(), "\nhttps://digest.example.org/confirm/abc\n") || !strings.Contains(got.Text.String(), "  - lora") {
		t.Errorf("text part lacks the link or topics:\n%s", got.Text.String())
	}
	checkWidth(t, got.Text.String())
	checkGolden(t, "confirm.txt", got.Text.String())
}

// checkGolden compares got with testdata/render_<name>; -update rewrites it.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "render_"+name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (run with -update and review the diff)\ngot:\n%s", name, path, got)
	}
}

// TestHref checks that the links Render leaves as they are come out as
// html/template writes them, and that the others are escaped.
func TestHref(t *testing.T) {
	r := newTestRenderer(t, RenderConfig{})
	for _, tt := range []struct {
		url   string
		plain bool
	}{
		{"https://digest.example.org/manage/AbC-_12", true},
		{"http://127.0.0.1:8080/unsubscribe/x.y~z", true},
		{"https://example.org/a?b=c#d", true},
		{"https://example.org/a b", false},
		{"https://example.org/ü", false},
		{"https://example.org/a&b", false},
		{"https://example.org/a'b\"c", false},
		{"https://example.org/a+b", false},
		{"https://example.org/%41", true},
		{"javascript:alert(1)", false},
	} {
		got, err := r.href(tt.url)
		if err != nil {
			t.Fatalf("href %q: %v", tt.url, err)
		}
		var b strings.Builder
		if err := r.html.ExecuteTemplate(&b, "href", tt.url); err != nil {
			t.Fatal(err)
		}
		if want := strings.TrimSuffix(strings.TrimPrefix(b.String(), `<a href="`), `">`); got != want {
			t.Errorf("href %q = %q, html/template writes %q", tt.url, got, want)
		}
		if (got == tt.url) != tt.plain {
			t.Errorf("href %q = %q: plain %v, want %v", tt.url, got, got == tt.url, tt.plain)
		}
	}
}
