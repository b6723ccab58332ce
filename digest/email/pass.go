package email

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	htmpl "html/template"
	"strconv"
	"strings"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/internal/qp"
	"github.com/digestd/digestd/internal/recent"
)

// PassRenderer renders the digests of one delivery pass as Renderer does,
// word for word, at a fraction of the cost: the digest templates were
// rendered once with placeholders for each digest's values (frames); each
// paper is rendered once with placeholders for its title, snippet and
// "matched" line, and each of those once for every digest that shows it
// alike; a digest is those pieces with its own values between them
// (qp.Body), encoded as one text when composed. NewRenderer checks that
// the two agree on sample digests, and the tests check it on random ones.
// It is safe for concurrent use.
type PassRenderer struct {
	r *Renderer
	// paperCuts are the papers rendered with placeholders, by row id.
	paperCuts *recent.Map[int64, *[2]paperCut]
	// items are a paper's title and snippet as highlighted, by the
	// item's Marks or, without, by its spans; titles and snippets are
	// the parts themselves, by their spans cleaned and cut. matched are
	// the "matched" lines, by the topics; likes those that name a paper
	// liked too, kept apart so that readers' own lines do not push the
	// shared ones out.
	items    *recent.Map[spansKey, *item]
	titles   *recent.Map[spansKey, *title]
	snippets *recent.Map[spansKey, *[2]string]
	matched  *recent.Map[string, *[2]string]
	likes    *recent.Map[likeKey, *[2]string]
}

// likeKey is a "matched" line that names a paper liked: the topics, a
// line apart, and the paper's title.
type likeKey struct {
	topics, like string
}

// passPapers is how many papers and titles a pass keeps rendered, a
// generation (see recent.Map), passItems how many items and snippets:
// what many readers' digests carry alike. An item or a snippet depends on
// the words the topics hit, which broad topics make vary the most: 100,000
// broad readers' digests show 107,000 different ones of 2,000 papers, and
// a generation of 3,000 renders about 980,000 of their 2,000,000 items
// afresh, one of 10,000 about 470,000 (a snippet is about 1 KB, HTML and
// text).
const (
	passPapers = 8_000
	passItems  = 10_000
)

// spansKey is a paper's title or snippet as highlighted: which of its
// runs are hits, and how long each is (spansSignature), or the Marks of
// an item. Within a pass, a row id names the same paper all pass long.
type spansKey struct {
	paper int64
	spans string
}

// item is a paper's title and snippet as highlighted, rendered: HTML and
// text.
type item struct {
	title   *title
	snippet *[2]string
}

// parts are the item's parts in the HTML (i = 0) or the text part (1),
// with the "matched" line m.
func (x *item) parts(i int, m *[2]string) parts {
	if i == 0 {
		return parts{x.title.html, x.snippet[0], m[0]}
	}
	return parts{"", x.snippet[1], m[1]}
}

// ForPass returns a PassRenderer for one delivery pass.
func (r *Renderer) ForPass() *PassRenderer {
	return &PassRenderer{r: r,
		paperCuts: recent.New[int64, *[2]paperCut](passPapers),
		items:     recent.New[spansKey, *item](passItems),
		titles:    recent.New[spansKey, *title](passPapers),
		snippets:  recent.New[spansKey, *[2]string](passItems),
		matched:   recent.New[string, *[2]string](passPapers),
		likes:     recent.New[likeKey, *[2]string](passItems)}
}

// Render builds the email for one digest, as Renderer.Render does.
func (p *PassRenderer) Render(d *digest.Digest) (Rendered, error) {
	if err := checkDigest(d); err != nil {
		return Rendered{}, err
	}
	items := make([]*item, len(d.Items))
	matched := make([]*[2]string, len(d.Items))
	cuts := make([]*[2]paperCut, len(d.Items))
	titles := make([]string, len(d.Items))
	for i, it := range d.Items {
		var err error
		if cuts[i], err = p.cuts(it); err != nil {
			return Rendered{}, err
		}
		if items[i], err = p.item(it); err != nil {
			return Rendered{}, err
		}
		if matched[i], err = p.matchedLine(it); err != nil {
			return Rendered{}, err
		}
		titles[i] = items[i].title.plain
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
	var pieces [2]int // how many the papers add to each body, at most
	for i := range cuts {
		pieces[0] += cuts[i][0].pieces()
		pieces[1] += cuts[i][1].pieces() + 3
	}
	out := Rendered{Subject: view.Subject, CharRefs: p.r.charRefs}
	f.html.fill(&out.HTML, &hv, len(items), pieces[0], func(b *qp.Body, i int) {
		ps := items[i].parts(0, matched[i])
		cuts[i][0].write(b, &ps, hv[fieldManage])
	})
	f.text.fill(&out.Text, &v, len(items), pieces[1], func(b *qp.Body, i int) {
		num, rest := items[i].title.heading(i + 1)
		b.Add(num)
		b.Add(rest)
		b.Add("\n")
		ps := items[i].parts(1, matched[i])
		cuts[i][1].write(b, &ps, d.ManageURL)
	})
	return out, nil
}

// item renders the title and snippet of one paper of a digest, once for
// each way the pass highlights it, each part once for every way that
// shows it alike.
func (p *PassRenderer) item(it digest.Item) (*item, error) {
	key := spansKey{it.PaperID, "m" + it.Marks}
	if it.Marks == "" {
		title := spansSignature(it.Title)
		key.spans = "s" + strconv.Itoa(len(title)) + ":" + title + spansSignature(it.Snippet)
	}
	if x, ok := p.items.Get(key); ok {
		return x, nil
	}
	titleSpans, snippet := spans(it)
	x := &item{}
	var err error
	if x.title, err = p.title(it, titleSpans); err != nil {
		return nil, err
	}
	if x.snippet, err = p.snippet(it, snippet); err != nil {
		return nil, err
	}
	p.items.Put(key, x)
	return x, nil
}

// title renders a paper's title as highlighted, once a pass.
func (p *PassRenderer) title(it digest.Item, spans []digest.Span) (*title, error) {
	key := spansKey{it.PaperID, spansSignature(spans)}
	if t, ok := p.titles.Get(key); ok {
		return t, nil
	}
	html, err := p.spansHTML(spans)
	if err != nil {
		return nil, fmt.Errorf("render paper %s: %w", it.Paper.ID, err)
	}
	t := &title{html: html, plain: plainSpans(spans), starred: Star(spans)}
	t.setHeadings()
	p.titles.Put(key, t)
	return t, nil
}

// spansHTML renders a title or snippet as highlighted, as "spans" does.
func (p *PassRenderer) spansHTML(spans []digest.Span) (string, error) {
	if w := p.r.spans; w != nil {
		return w.html(spans), nil
	}
	return execute(p.r.html, "spans", spans)
}

// snippet renders a paper's snippet as highlighted, HTML and text, once a
// pass.
func (p *PassRenderer) snippet(it digest.Item, spans []digest.Span) (*[2]string, error) {
	key := spansKey{it.PaperID, spansSignature(spans)}
	if s, ok := p.snippets.Get(key); ok {
		return s, nil
	}
	html, err := p.spansHTML(spans)
	if err != nil {
		return nil, fmt.Errorf("render paper %s: %w", it.Paper.ID, err)
	}
	var text string
	if w := p.r.spans; w != nil {
		text = w.text(spans)
	} else if text, err = execute(p.r.text, "snippet", spans); err != nil {
		return nil, fmt.Errorf("render paper %s: %w", it.Paper.ID, err)
	}
	s := &[2]string{html, text}
	p.snippets.Put(key, s)
	return s, nil
}

// matchedLine renders the line naming the topics that matched an item
// (and the paper liked), HTML and text, once a pass for each line: readers
// whose topics are alike, and who liked the same paper, share it.
func (p *PassRenderer) matchedLine(it digest.Item) (*[2]string, error) {
	render := func() (*[2]string, error) { return p.renderMatched(matchedLine(it)) }
	topics := strings.Join(it.Topics, "\n")
	if it.Like == "" {
		return remember(p.matched, topics, render)
	}
	return remember(p.likes, likeKey{topics, it.Like}, render)
}

// remember returns k's value in m, rendering it the first time.
func remember[K comparable](m *recent.Map[K, *[2]string], k K, render func() (*[2]string, error)) (*[2]string, error) {
	if v, ok := m.Get(k); ok {
		return v, nil
	}
	v, err := render()
	if err != nil {
		return nil, err
	}
	m.Put(k, v)
	return v, nil
}

// renderMatched renders a "matched" line, HTML and text.
func (p *PassRenderer) renderMatched(line string) (*[2]string, error) {
	if w := p.r.spans; w != nil {
		return w.matchedLine(line), nil
	}
	m := &[2]string{}
	var err error
	if m[0], err = execute(p.r.html, "matched", line); err != nil {
		return nil, err
	}
	if m[1], err = execute(p.r.text, "matched", line); err != nil {
		return nil, err
	}
	return m, nil
}

// execute runs the template name of t over data.
func execute(t executor, name string, data any) (string, error) {
	var b strings.Builder
	err := t.ExecuteTemplate(&b, name, data)
	return b.String(), err
}

// spansSignature is which of spans are hits, how long each is and a hash
// of their text: of one paper's title or snippet, the same signature is
// the same spans.
func spansSignature(spans []digest.Span) string {
	var h maphash.Hash
	h.SetSeed(signatureSeed)
	b := make([]byte, 0, 8*len(spans)+8)
	for _, s := range spans {
		if s.Hit {
			b = append(b, '*')
		}
		b = strconv.AppendInt(b, int64(len(s.Text)), 10)
		b = append(b, ' ')
		h.WriteString(s.Text)
	}
	return string(binary.LittleEndian.AppendUint64(b, h.Sum64()))
}

// signatureSeed seeds the hash of spansSignature: signatures live for a
// pass, in one process.
var signatureSeed = maphash.MakeSeed()

// cuts renders the "paper" templates, HTML and text, for the item's paper
// with placeholders for what depends on the topics and for the reader's
// manage URL, once a pass.
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
		out, err := execute(tmpl, "paper", &v)
		if err != nil {
			return nil, fmt.Errorf("render paper %s: %w", it.Paper.ID, err)
		}
		if cuts[i], err = fs.cutPaper(out); err != nil {
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
