package email

import (
	"github.com/digestd/digestd/digest"

	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	htmpl "html/template"
	"io"
	"strings"
	ttmpl "text/template"
	"time"

	"github.com/yuin/goldmark"

	"github.com/digestd/digestd/internal/recent"
	"github.com/digestd/digestd/templates"
)

// DefaultSubject is the subject template used when RenderConfig.Subject is empty.
const DefaultSubject = `{{.Count}} new paper{{if ne .Count 1}}s{{end}} for you — {{.Date}}`

// maxSubjectRunes keeps subjects within what mail clients show in a list.
const maxSubjectRunes = 100

// RenderConfig is what the operator can change about the emails.
type RenderConfig struct {
	SiteName string // shown in every mail; "digestd" when empty
	BaseURL  string // the web front, linked from the site name
	// Subject is a text/template for the digest subject over SubjectData;
	// DefaultSubject when empty.
	Subject string
	// HeaderMarkdown and FooterMarkdown are optional Markdown shown above and
	// below the papers. Raw HTML in them is dropped.
	HeaderMarkdown, FooterMarkdown string
}

// SubjectData is what a RenderConfig.Subject template can use.
type SubjectData struct {
	Count    int    // papers in the digest
	Date     string // the digest date, "Sat 28 Nov"
	Period   string // "2026-11-28" or "2026-W48"
	SiteName string
	Title    string // the first paper's title
}

// Rendered is one email, ready to compose: a one-line subject and both bodies.
type Rendered struct {
	Subject    string
	HTML, Text Body
}

// Confirmation is the double opt-in email sent to a new subscriber.
type Confirmation struct {
	To, ConfirmURL string
	Topics         []string
}

// Renderer turns digests and confirmations into emails. Templates and the
// operator's Markdown are parsed once, so a Renderer is cheap to call and safe
// for concurrent use.
type Renderer struct {
	siteName, baseURL string
	subject           *ttmpl.Template
	html              *htmpl.Template
	text              *ttmpl.Template
	header, footer    htmpl.HTML
	headerText        string
	footerText        string
	// mark starts the marks that stand for each digest's own values where
	// the templates are rendered once for many digests: the frame around
	// the papers, and each paper, rendered once for all the readers who get
	// it marked alike. It is random, so paper data cannot hold it.
	mark string
	// frames are the digest templates rendered with marks, without and
	// with a "view in browser" link.
	frames [2]frame

	// paperFrames are the papers a pass renders once (ForPass), and
	// papers each paper rendered for each set of topics that matched it.
	paperFrames *recent.Map[int64, *paperFrame]
	papers      *recent.Map[paperKey, *renderedPaper]
}

// passPapers is how many papers a pass keeps rendered, a generation (see
// recent.Map): each ~2.7 KB, the papers many readers get with the same
// topics matched.
const passPapers = 25_000

// paperKey is one paper as the topics that matched it mark it: within a
// pass, the items with the same key render the same.
type paperKey struct {
	paper  int64
	topics string // the topics' queries, one a line
}

// ForPass returns a Renderer for one delivery pass, which renders each
// paper once for all the readers who get it with the same highlights.
func (r *Renderer) ForPass() *Renderer {
	pass := *r
	pass.paperFrames = recent.New[int64, *paperFrame](passPapers)
	pass.papers = recent.New[paperKey, *renderedPaper](passPapers)
	return &pass
}

// NewRenderer parses the embedded email templates, the subject template and
// the header and footer Markdown of cfg.
func NewRenderer(cfg RenderConfig) (*Renderer, error) {
	r := &Renderer{
		siteName:   oneLine(cfg.SiteName),
		baseURL:    strings.TrimSpace(cfg.BaseURL),
		headerText: strings.TrimSpace(cfg.HeaderMarkdown),
		footerText: strings.TrimSpace(cfg.FooterMarkdown),
	}
	if r.siteName == "" {
		r.siteName = "digestd"
	}
	var mark [10]byte
	_, _ = rand.Read(mark[:]) // crypto/rand.Read never fails on supported platforms
	r.mark = "mark" + hex.EncodeToString(mark[:])
	var err error
	if r.header, err = markdownHTML(cfg.HeaderMarkdown); err != nil {
		return nil, fmt.Errorf("digest header markdown: %w", err)
	}
	if r.footer, err = markdownHTML(cfg.FooterMarkdown); err != nil {
		return nil, fmt.Errorf("digest footer markdown: %w", err)
	}
	if r.subject, err = parseSubject(cfg.Subject); err != nil {
		return nil, err
	}
	funcs := map[string]any{"wrap": wrapText, "stars": MarkText}
	r.html, err = htmpl.New("email").Funcs(funcs).ParseFS(templates.FS, "email/*.html.tmpl")
	if err != nil {
		return nil, fmt.Errorf("email templates: %w", err)
	}
	r.text, err = ttmpl.New("email").Funcs(funcs).ParseFS(templates.FS, "email/*.txt.tmpl")
	if err != nil {
		return nil, fmt.Errorf("email templates: %w", err)
	}
	for i := range r.frames {
		if r.frames[i], err = r.newFrame(i == 1); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// parseSubject parses the subject template and runs it once on sample data, so
// a typo in the config (an unknown field) stops the program at start-up rather
// than at the first nightly run.
func parseSubject(src string) (*ttmpl.Template, error) {
	if strings.TrimSpace(src) == "" {
		src = DefaultSubject
	}
	t, err := ttmpl.New("subject").Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, fmt.Errorf("digest.subject %q: %w", src, err)
	}
	sample := SubjectData{Count: 2, Date: "Sat 28 Nov", Period: "2026-11-28", SiteName: "digestd", Title: "A paper"}
	var b strings.Builder
	if err := t.Execute(&b, sample); err != nil {
		return nil, fmt.Errorf("digest.subject %q: %w", src, err)
	}
	if oneLine(b.String()) == "" {
		return nil, fmt.Errorf("digest.subject %q: renders empty", src)
	}
	return t, nil
}

// markdownHTML renders operator Markdown with goldmark's defaults, which
// omit raw HTML and dangerous link schemes: that is what makes it safe to
// hand to html/template as trusted HTML.
func markdownHTML(src string) (htmpl.HTML, error) {
	if strings.TrimSpace(src) == "" {
		return "", nil
	}
	var b bytes.Buffer
	if err := goldmark.Convert([]byte(src), &b); err != nil {
		return "", err
	}
	return htmpl.HTML(b.String()), nil
}

// digestView is what the digest templates see: paper data cleaned to single
// lines and cut to size, the same for the HTML and the text part.
type digestView struct {
	SiteName, BaseURL, Subject, Preheader, Heading string
	Header, Footer                                 htmpl.HTML
	HeaderText, FooterText                         string
	ManageURL, UnsubscribeURL, ViewURL             string
}

// digestHTML and digestText are what the digest templates see: the digest
// and its papers, each rendered by the "paper" templates.
type (
	digestHTML struct {
		digestView
		Items []htmpl.HTML
	}
	digestText struct {
		digestView
		Items []string
	}
)

// Render builds the email for one digest: its frame and its papers, each
// rendered once a pass, with the reader's own values put in.
func (r *Renderer) Render(d *digest.Digest) (Rendered, error) {
	if d == nil || len(d.Items) == 0 {
		return Rendered{}, errors.New("render digest: no papers")
	}
	if d.ManageURL == "" || d.UnsubscribeURL == "" {
		return Rendered{}, fmt.Errorf("render digest for subscriber %d: manage and unsubscribe urls are required", d.SubscriberID)
	}
	papers := make([]*renderedPaper, len(d.Items))
	for i, it := range d.Items {
		p, err := r.paper(it)
		if err != nil {
			return Rendered{}, err
		}
		papers[i] = p
	}
	date := d.Date
	if date.IsZero() {
		date = time.Now()
	}
	var subj strings.Builder
	err := r.subject.Execute(&subj, SubjectData{
		Count: len(d.Items), Date: date.Format("Mon 2 Jan"), Period: oneLine(d.Period),
		SiteName: r.siteName, Title: papers[0].title,
	})
	if err != nil {
		return Rendered{}, fmt.Errorf("render digest subject: %w", err)
	}
	titles := make([]string, 0, 3)
	for _, p := range papers[:min(3, len(papers))] {
		titles = append(titles, p.title)
	}
	v := digestValues{
		fieldSubject:   shorten(oneLine(subj.String()), maxSubjectRunes),
		fieldPreheader: shorten(strings.Join(titles, " · "), 150),
		fieldHeading:   fmt.Sprintf("%d new paper%s · %s", len(d.Items), plural(len(d.Items)), date.Format("Monday 2 January 2006")),
		fieldManage:    d.ManageURL, fieldUnsubscribe: d.UnsubscribeURL, fieldView: d.ViewURL,
	}
	var hv digestValues
	for f, s := range v {
		if s == "" {
			continue
		}
		if f == fieldManage || f == fieldUnsubscribe || f == fieldView {
			hv[f], err = r.href(s)
			if err != nil {
				return Rendered{}, err
			}
		} else {
			hv[f] = htmpl.HTMLEscapeString(s)
		}
	}
	f := &r.frames[0]
	if d.ViewURL != "" {
		f = &r.frames[1]
	}
	out := Rendered{Subject: v[fieldSubject]}
	// The reader's manage URL goes in each paper's two links: a piece for
	// each of the four places, which most papers reach at the same column.
	links := [4]piece{repeatedPiece(hv[fieldManage]), repeatedPiece(hv[fieldManage]),
		repeatedPiece(d.ManageURL), repeatedPiece(d.ManageURL)}
	f.html.fill(&out.HTML, &hv, len(papers), 5, func(b *Body, i int) {
		p := papers[i]
		b.add(p.html[0])
		b.add(links[0])
		b.add(p.html[1])
		b.add(links[1])
		b.add(p.html[2])
	})
	f.text.fill(&out.Text, &v, len(papers), 8, func(b *Body, i int) {
		p := papers[i]
		num, rest := p.heading(i + 1)
		b.addString(num)
		b.add(rest)
		b.addString("\n")
		b.add(p.text[0])
		b.add(links[2])
		b.add(p.text[1])
		b.add(links[3])
		b.add(p.text[2])
	})
	return out, nil
}

// href is u as the templates write it in a link. The URLs digestd makes
// are mostly plain, which it leaves as they are.
func (r *Renderer) href(u string) (string, error) {
	if plainURL(u) {
		return u, nil
	}
	var b strings.Builder
	if err := r.html.ExecuteTemplate(&b, "href", u); err != nil {
		return "", fmt.Errorf("render digest: %w", err)
	}
	return strings.TrimSuffix(strings.TrimPrefix(b.String(), `<a href="`), `">`), nil
}

// plainURL reports whether html/template leaves u as it is in a link: an
// http or https URL of letters, digits and the few signs that are neither
// escaped in a URL nor in an attribute.
func plainURL(u string) bool {
	rest, ok := strings.CutPrefix(u, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(u, "http://"); !ok {
			return false
		}
	}
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~/:?#=", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// RenderConfirmation builds the double opt-in email.
func (r *Renderer) RenderConfirmation(c Confirmation) (Rendered, error) {
	if c.ConfirmURL == "" {
		return Rendered{}, errors.New("render confirmation: confirm url is required")
	}
	topics := make([]string, 0, len(c.Topics))
	for _, t := range c.Topics {
		if t = oneLine(t); t != "" {
			topics = append(topics, t)
		}
	}
	subject := shorten("Confirm your subscription to "+r.siteName, maxSubjectRunes)
	v := struct {
		SiteName, Subject, To, ConfirmURL string
		Topics                            []string
	}{r.siteName, subject, oneLine(c.To), c.ConfirmURL, topics}
	return r.executeParts(subject, "confirm", v, v)
}

// paper renders one paper of a digest: the paper's frame (paperFrame)
// with the parts its marks make filled in; in a pass, once for each
// marks. Its links to the reader's manage page are left as marks, where
// Render puts each reader's URL.
func (r *Renderer) paper(it digest.Item) (*renderedPaper, error) {
	pass := r.papers != nil
	key := paperKey{it.PaperID, strings.Join(it.Topics, "\n")}
	if pass {
		if p, ok := r.papers.Get(key); ok {
			return p, nil
		}
	}
	f, err := r.paperFrame(it, pass)
	if err != nil {
		return nil, err
	}
	title, snippet, matched := itemMarks(it)
	var h, t paperValues
	var b strings.Builder
	for _, part := range []struct {
		tmpl  executor
		name  string
		data  any
		value *string
	}{
		{r.html, "spans", title, &h[fieldTitle]},
		{r.html, "spans", snippet, &h[fieldSnippet]},
		{r.html, "matched", matched, &h[fieldMatched]},
		{r.text, "snippet", snippet, &t[fieldSnippet]},
		{r.text, "matched", matched, &t[fieldMatched]},
	} {
		b.Reset()
		if err := part.tmpl.ExecuteTemplate(&b, part.name, part.data); err != nil {
			return nil, fmt.Errorf("render paper %s: %w", it.Paper.ID, err)
		}
		*part.value = b.String()
	}
	p := &renderedPaper{html: f.html.fill(&h), text: f.text.fill(&t), title: plainSpans(title), starredTitle: MarkText(title)}
	p.setHeadings()
	if pass {
		r.papers.Put(key, p)
	}
	return p, nil
}

// executor is an html/template or a text/template Template.
type executor interface {
	ExecuteTemplate(w io.Writer, name string, data any) error
}

// paperFrame renders the "paper" templates for the item's paper with marks for
// what depends on the topics and for the reader's manage URL, or, in a
// pass, takes them from its cache: a pass renders a paper's frame once,
// and fills it in for each set of topics that marks the paper. A pass
// reads each paper once (see passCache), so a row id names the same paper
// all pass long.
func (r *Renderer) paperFrame(it digest.Item, pass bool) (*paperFrame, error) {
	if pass {
		if f, ok := r.paperFrames.Get(it.PaperID); ok {
			return f, nil
		}
	}
	manage := r.fieldMark(fieldManage)
	v := paperView{
		paperInfo: newPaperInfo(it.Paper),
		Title:     r.fieldMark(fieldTitle), Snippet: r.fieldMark(fieldSnippet), Matched: r.fieldMark(fieldMatched),
		MoreURL: manage + "/more/" + it.Paper.ID, FewerURL: manage + "/fewer/" + it.Paper.ID,
	}
	var h, t strings.Builder
	if err := r.html.ExecuteTemplate(&h, "paper", v); err != nil {
		return nil, fmt.Errorf("render paper %s html: %w", it.Paper.ID, err)
	}
	if err := r.text.ExecuteTemplate(&t, "paper", v); err != nil {
		return nil, fmt.Errorf("render paper %s text: %w", it.Paper.ID, err)
	}
	f := &paperFrame{}
	var err error
	if f.html, err = r.cutPaper(h.String()); err != nil {
		return nil, fmt.Errorf("render paper %s html: %w", it.Paper.ID, err)
	}
	if f.text, err = r.cutPaper(t.String()); err != nil {
		return nil, fmt.Errorf("render paper %s text: %w", it.Paper.ID, err)
	}
	if pass {
		r.paperFrames.Put(it.PaperID, f)
	}
	return f, nil
}

// executeParts renders the HTML part of template name over h and the text
// part over t.
func (r *Renderer) executeParts(subject, name string, h, t any) (Rendered, error) {
	var hb, tb strings.Builder
	if err := r.html.ExecuteTemplate(&hb, name+".html.tmpl", h); err != nil {
		return Rendered{}, fmt.Errorf("render %s html: %w", name, err)
	}
	if err := r.text.ExecuteTemplate(&tb, name+".txt.tmpl", t); err != nil {
		return Rendered{}, fmt.Errorf("render %s text: %w", name, err)
	}
	return Rendered{Subject: subject, HTML: BodyOf(hb.String()), Text: BodyOf(tb.String())}, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
