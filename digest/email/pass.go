package email

import (
	"fmt"
	htmpl "html/template"
	"strings"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/internal/qp"
	"github.com/digestd/digestd/internal/recent"
)

// PassRenderer renders the digests of one delivery pass as Renderer does,
// word for word, at a fraction of the cost: the digest templates were
// rendered once with placeholders for each digest's values (frames), each paper
// is rendered once for all the readers whose topics placeholder it alike, and
// the text many digests share is kept quoted-printable encoded, so that
// composing a digest copies it (qp.Body). NewRenderer checks that the
// two agree on a sample digest, and the tests check it on random ones.
// It is safe for concurrent use.
type PassRenderer struct {
	r *Renderer
	// paperCuts are the papers rendered with placeholders, by row id, and papers
	// each paper rendered for each set of topics that matched it.
	paperCuts *recent.Map[int64, *[2]paperCut]
	papers    *recent.Map[paperKey, *renderedPaper]
}

// passPapers is how many papers a pass keeps rendered, a generation (see
// recent.Map): each ~2.7 KB, the papers many readers get with the same
// topics matched.
const passPapers = 25_000

// paperKey is one paper as the topics that matched it placeholder it: within a
// pass, the items with the same key render the same (the pass reads each
// paper once, so a row id names the same paper all pass long).
type paperKey struct {
	paper  int64
	topics string // the topics' queries, one a line
}

// ForPass returns a PassRenderer for one delivery pass.
func (r *Renderer) ForPass() *PassRenderer {
	return &PassRenderer{r: r,
		paperCuts: recent.New[int64, *[2]paperCut](passPapers),
		papers:    recent.New[paperKey, *renderedPaper](passPapers)}
}

// Render builds the email for one digest, as Renderer.Render does.
func (p *PassRenderer) Render(d *digest.Digest) (Rendered, error) {
	if err := checkDigest(d); err != nil {
		return Rendered{}, err
	}
	papers := make([]*renderedPaper, len(d.Items))
	titles := make([]string, len(d.Items))
	for i, it := range d.Items {
		rp, err := p.paper(it)
		if err != nil {
			return Rendered{}, err
		}
		papers[i], titles[i] = rp, rp.title
	}
	view, err := p.r.view(d, titles)
	if err != nil {
		return Rendered{}, err
	}
	v := digestValues{fieldSubject: view.Subject, fieldPreheader: view.Preheader, fieldHeading: view.Heading,
		fieldManage: d.ManageURL, fieldUnsubscribe: d.UnsubscribeURL, fieldView: d.ViewURL}
	var hv digestValues
	for f, s := range v {
		if s == "" {
			continue
		}
		if f == fieldManage || f == fieldUnsubscribe || f == fieldView {
			if hv[f], err = p.r.href(s); err != nil {
				return Rendered{}, err
			}
		} else {
			hv[f] = htmpl.HTMLEscapeString(s)
		}
	}
	f := &p.r.frames.view[0]
	if d.ViewURL != "" {
		f = &p.r.frames.view[1]
	}
	out := Rendered{Subject: view.Subject}
	// The reader's manage URL goes between the segments of each paper: a
	// piece for each place, which most papers reach at the same column.
	var htmlLinks, textLinks []qp.Piece
	link := func(links *[]qp.Piece, k int, url string) qp.Piece {
		for len(*links) <= k {
			*links = append(*links, qp.Repeated(url))
		}
		return (*links)[k]
	}
	f.html.fill(&out.HTML, &hv, len(papers), 5, func(b *qp.Body, i int) {
		for k, seg := range papers[i].html {
			if k > 0 {
				b.Add(link(&htmlLinks, k-1, hv[fieldManage]))
			}
			b.Add(seg)
		}
	})
	f.text.fill(&out.Text, &v, len(papers), 8, func(b *qp.Body, i int) {
		rp := papers[i]
		num, rest := rp.heading(i + 1)
		b.AddString(num)
		b.Add(rest)
		b.AddString("\n")
		for k, seg := range rp.text {
			if k > 0 {
				b.Add(link(&textLinks, k-1, d.ManageURL))
			}
			b.Add(seg)
		}
	})
	return out, nil
}

// paper renders one paper of a digest, once for each set of topics that
// placeholders it: its cut "paper" templates with the parts the topics make
// filled in. Its links to the reader's manage page are left for Render.
func (p *PassRenderer) paper(it digest.Item) (*renderedPaper, error) {
	key := paperKey{it.PaperID, strings.Join(it.Topics, "\n")}
	if rp, ok := p.papers.Get(key); ok {
		return rp, nil
	}
	cuts, err := p.cuts(it)
	if err != nil {
		return nil, err
	}
	title, snippet, matched := highlights(it)
	var h, t paperValues
	var b strings.Builder
	for _, part := range []struct {
		tmpl  executor
		name  string
		data  any
		value *string
	}{
		{p.r.html, "spans", title, &h[fieldTitle]},
		{p.r.html, "spans", snippet, &h[fieldSnippet]},
		{p.r.html, "matched", matched, &h[fieldMatched]},
		{p.r.text, "snippet", snippet, &t[fieldSnippet]},
		{p.r.text, "matched", matched, &t[fieldMatched]},
	} {
		b.Reset()
		if err := part.tmpl.ExecuteTemplate(&b, part.name, part.data); err != nil {
			return nil, fmt.Errorf("render paper %s: %w", it.Paper.ID, err)
		}
		*part.value = b.String()
	}
	rp := &renderedPaper{html: cuts[0].fill(&h), text: cuts[1].fill(&t), title: plainSpans(title), starredTitle: Star(title)}
	rp.setHeadings()
	p.papers.Put(key, rp)
	return rp, nil
}

// cuts renders the "paper" templates, HTML and text, for the item's paper
// with placeholders for what depends on the topics and for the reader's manage
// URL, once a pass.
func (p *PassRenderer) cuts(it digest.Item) (*[2]paperCut, error) {
	if c, ok := p.paperCuts.Get(it.PaperID); ok {
		return c, nil
	}
	fs := p.r.frames
	manage := fs.placeholder(fieldManage)
	v := paperView{
		paperInfo: newPaperInfo(it.Paper),
		Title:     htmpl.HTML(fs.placeholder(fieldTitle)), Snippet: htmpl.HTML(fs.placeholder(fieldSnippet)),
		Matched: htmpl.HTML(fs.placeholder(fieldMatched)),
		MoreURL: manage + "/more/" + it.Paper.ID, FewerURL: manage + "/fewer/" + it.Paper.ID,
	}
	var cuts [2]paperCut
	for i, tmpl := range []executor{p.r.html, p.r.text} {
		var b strings.Builder
		if err := tmpl.ExecuteTemplate(&b, "paper", &v); err != nil {
			return nil, fmt.Errorf("render paper %s: %w", it.Paper.ID, err)
		}
		var err error
		if cuts[i], err = fs.cutPaper(b.String()); err != nil {
			return nil, fmt.Errorf("render paper %s: %w", it.Paper.ID, err)
		}
	}
	p.paperCuts.Put(it.PaperID, &cuts)
	return &cuts, nil
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
