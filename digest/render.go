package digest

import (
	"bytes"
	"errors"
	"fmt"
	htmpl "html/template"
	"strings"
	ttmpl "text/template"
	"time"

	"github.com/yuin/goldmark"

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
	Subject, HTML, Text string
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
	Items                                          []itemView
	ManageURL, UnsubscribeURL, ViewURL             string
}

// Render builds the email for one digest.
func (r *Renderer) Render(d *Digest) (Rendered, error) {
	if d == nil || len(d.Items) == 0 {
		return Rendered{}, errors.New("render digest: no papers")
	}
	if d.ManageURL == "" || d.UnsubscribeURL == "" {
		return Rendered{}, fmt.Errorf("render digest for subscriber %d: manage and unsubscribe urls are required", d.SubscriberID)
	}
	v := digestView{
		SiteName: r.siteName, BaseURL: r.baseURL,
		Header: r.header, Footer: r.footer, HeaderText: r.headerText, FooterText: r.footerText,
		ManageURL: d.ManageURL, UnsubscribeURL: d.UnsubscribeURL, ViewURL: d.ViewURL,
	}
	titles := make([]string, 0, len(d.Items))
	for i, it := range d.Items {
		iv := newItemView(i+1, it)
		iv.MoreURL, iv.FewerURL = d.ManageURL+"/more/"+it.Paper.ID, d.ManageURL+"/fewer/"+it.Paper.ID
		v.Items = append(v.Items, iv)
		titles = append(titles, plainSpans(iv.Title))
	}
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
		return Rendered{}, fmt.Errorf("render digest subject: %w", err)
	}
	v.Subject = shorten(oneLine(subj.String()), maxSubjectRunes)
	v.Preheader = shorten(strings.Join(titles[:min(3, len(titles))], " · "), 150)
	v.Heading = fmt.Sprintf("%d new paper%s · %s", len(d.Items), plural(len(d.Items)), date.Format("Monday 2 January 2006"))
	return r.execute(v.Subject, "digest", v)
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
	return r.execute(subject, "confirm", v)
}

func (r *Renderer) execute(subject, name string, data any) (Rendered, error) {
	var h, t bytes.Buffer
	if err := r.html.ExecuteTemplate(&h, name+".html.tmpl", data); err != nil {
		return Rendered{}, fmt.Errorf("render %s html: %w", name, err)
	}
	if err := r.text.ExecuteTemplate(&t, name+".txt.tmpl", data); err != nil {
		return Rendered{}, fmt.Errorf("render %s text: %w", name, err)
	}
	return Rendered{Subject: subject, HTML: h.String(), Text: t.String()}, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
