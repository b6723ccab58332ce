package email

import (
	"bytes"
	"errors"
	"fmt"
	htmpl "html/template"
	"io"
	"io/fs"
	"strconv"
	"strings"
	ttmpl "text/template"
	"time"

	"github.com/yuin/goldmark"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/internal/qp"
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
	// Templates holds email/*.html.tmpl and email/*.txt.tmpl; the embedded
	// templates when nil.
	Templates fs.FS
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
	HTML, Text qp.Body
	// CharRefs: the HTML may write its characters outside ASCII as
	// numeric character references, and go as 7bit (qp.AppendSevenBit).
	CharRefs bool
}

// Recycle gives the room of the bodies, composed and no longer used, to
// the next email a PassRenderer renders (qp.Body.Recycle).
func (r *Rendered) Recycle() {
	r.HTML.Recycle()
	r.Text.Recycle()
}

// Confirmation is the double opt-in email sent to a new subscriber.
type Confirmation struct {
	To, ConfirmURL string
	Topics         []string
}

// Renderer turns digests and confirmations into emails by executing the
// templates with each one's data: the reference every other way of
// rendering a digest must agree with (PassRenderer). Templates and the
// operator's Markdown are parsed once, so a Renderer is cheap to call and
// safe for concurrent use.
type Renderer struct {
	siteName, baseURL string
	subject           *ttmpl.Template
	html              *htmpl.Template
	text              *ttmpl.Template
	header, footer    htmpl.HTML
	headerText        string
	footerText        string
	// frames is what a PassRenderer renders each digest from; spans
	// writes its highlights when the templates' are the shipped ones.
	frames *frames
	spans  *spanWriter
	// charRefs: the HTML templates are the shipped ones, which put no
	// value and no character outside ASCII in a style or script element
	// (Rendered.CharRefs).
	charRefs bool
}

// NewRenderer parses the embedded email templates, the subject template and
// the header and footer Markdown of cfg, and checks that a PassRenderer
// renders a sample digest exactly as the templates do.
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
	files := cfg.Templates
	if files == nil {
		files = templates.FS
	}
	funcs := map[string]any{"wrap": wrapText, "stars": Star}
	r.html, err = htmpl.New("email").Funcs(funcs).ParseFS(files, "email/*.html.tmpl")
	if err != nil {
		return nil, fmt.Errorf("email templates: %w", err)
	}
	r.text, err = ttmpl.New("email").Funcs(funcs).ParseFS(files, "email/*.txt.tmpl")
	if err != nil {
		return nil, fmt.Errorf("email templates: %w", err)
	}
	// Before the templates run: html/template rewrites them as it does.
	shipped, err := shippedTrees()
	if err != nil {
		return nil, err
	}
	r.charRefs = htmlTrees(r.html) == shipped.html
	if r.spans, err = newSpanWriter(r); err != nil {
		return nil, err
	}
	if r.frames, err = newFrames(r); err != nil {
		return nil, err
	}
	if err := r.checkPass(); err != nil {
		return nil, err
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

// paperView is a paper as the "paper" templates see it: what any reader
// sees of it, what "spans", "snippet" and "matched" wrote for the topics
// that matched it, and the links to the reader's manage page.
type paperView struct {
	paperInfo
	Title, Snippet, Matched htmpl.HTML
	// MoreURL and FewerURL open the reader's vote page for the paper: its
	// button records "more/fewer like this"; a topic proposed from the
	// paper is offered below.
	MoreURL, FewerURL string
}

// view returns the digest's values the templates show around the papers,
// given the first papers' titles.
func (r *Renderer) view(d *digest.Digest, titles []string) (digestView, error) {
	date := d.Date
	if date.IsZero() {
		date = time.Now()
	}
	var subj strings.Builder
	err := r.subject.Execute(&subj, SubjectData{
		Count: len(d.Items), Date: date.Format("Mon 2 Jan"), Period: oneLine(d.Period),
		SiteName: r.siteName, Title: titles[0],
	})
	if err != nil {
		return digestView{}, fmt.Errorf("render digest subject: %w", err)
	}
	return digestView{
		SiteName: r.siteName, BaseURL: r.baseURL,
		Header: r.header, Footer: r.footer, HeaderText: r.headerText, FooterText: r.footerText,
		Subject:   shorten(oneLine(subj.String()), maxSubjectRunes),
		Preheader: shorten(strings.Join(titles[:min(3, len(titles))], " · "), 150),
		Heading:   fmt.Sprintf("%d new paper%s · %s", len(d.Items), plural(len(d.Items)), date.Format("Monday 2 January 2006")),
		ManageURL: d.ManageURL, UnsubscribeURL: d.UnsubscribeURL, ViewURL: d.ViewURL,
	}, nil
}

// checkDigest refuses a digest that cannot be rendered.
func checkDigest(d *digest.Digest) error {
	if d == nil || len(d.Items) == 0 {
		return errors.New("render digest: no papers")
	}
	if d.ManageURL == "" || d.UnsubscribeURL == "" {
		return fmt.Errorf("render digest for subscriber %d: manage and unsubscribe urls are required", d.SubscriberID)
	}
	return nil
}

// Render builds the email for one digest: the digest templates executed
// with its values and its papers, each rendered by the "paper" templates.
func (r *Renderer) Render(d *digest.Digest) (Rendered, error) {
	if err := checkDigest(d); err != nil {
		return Rendered{}, err
	}
	titles := make([]string, len(d.Items))
	h := digestHTML{Items: make([]htmpl.HTML, len(d.Items))}
	t := digestText{Items: make([]string, len(d.Items))}
	var b strings.Builder
	for i, it := range d.Items {
		title, snippet, matched := highlights(it)
		titles[i] = plainSpans(title)
		v := paperView{paperInfo: newPaperInfo(it.Paper),
			MoreURL: d.ManageURL + "/more/" + it.Paper.ID, FewerURL: d.ManageURL + "/fewer/" + it.Paper.ID}
		hv, tv := v, v
		for _, part := range []struct {
			tmpl  executor
			name  string
			data  any
			value *htmpl.HTML
		}{
			{r.html, "spans", title, &hv.Title},
			{r.html, "spans", snippet, &hv.Snippet},
			{r.html, "matched", matched, &hv.Matched},
			{r.text, "snippet", snippet, &tv.Snippet},
			{r.text, "matched", matched, &tv.Matched},
			{r.html, "paper", &hv, &h.Items[i]},
		} {
			b.Reset()
			if err := part.tmpl.ExecuteTemplate(&b, part.name, part.data); err != nil {
				return Rendered{}, fmt.Errorf("render paper %s: %w", it.Paper.ID, err)
			}
			*part.value = htmpl.HTML(b.String())
		}
		b.Reset()
		if err := r.text.ExecuteTemplate(&b, "paper", &tv); err != nil {
			return Rendered{}, fmt.Errorf("render paper %s: %w", it.Paper.ID, err)
		}
		t.Items[i] = textHeading(i+1, Star(title)) + "\n" + b.String()
	}
	var err error
	if h.digestView, err = r.view(d, titles); err != nil {
		return Rendered{}, err
	}
	t.digestView = h.digestView
	return r.executeParts(h.Subject, "digest", h, t)
}

// textHeading is how the text part heads the nth paper of a digest: its
// number and its title, matched words starred, wrapped.
func textHeading(n int, starredTitle string) string {
	return wrapText(strconv.Itoa(n)+". ", starredTitle)
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

// executor is an html/template or a text/template Template.
type executor interface {
	ExecuteTemplate(w io.Writer, name string, data any) error
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
	return Rendered{Subject: subject, HTML: qp.Text(hb.String()), Text: qp.Text(tb.String()), CharRefs: r.charRefs}, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
