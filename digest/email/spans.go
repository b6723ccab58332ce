package email

import (
	"fmt"
	htmpl "html/template"
	"slices"
	"strings"
	"sync"
	ttmpl "text/template"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/templates"
)

// spanWriter writes a paper's highlighted title and snippet, and the
// line naming the topics that matched it, as the shipped "spans" (HTML),
// "snippet" (text) and "matched" (both) templates do, without the
// template engine: a broad topic highlights each paper in many ways, and
// a reader's model makes each reader's "matched" lines their own;
// rendering each through the templates took 11% of a broad pass's CPU
// and 9% of one with votes (PERFORMANCE.md items 40 and 46). It stands
// in for the templates only when those four parse to the shipped ones;
// edited, they are executed as written. TestPassRendererAgreesWithTemplates
// and TestSpanWriterAgreesWithTemplates check it against them.
type spanWriter struct {
	// open and close are what "spans" writes around a hit, matched what
	// the HTML "matched" writes around the line: learnt from the
	// templates themselves.
	open, close string
	matched     [2]string
}

// The templates a spanWriter writes as, HTML and text.
var (
	htmlParts = []string{"spans", "matched"}
	textParts = []string{"snippet", "matched"}
)

// newSpanWriter returns the spanWriter for r's templates, nil when their
// "spans", "snippet" or "matched" differ from the shipped ones.
func newSpanWriter(r *Renderer) (*spanWriter, error) {
	shipped, err := shippedTrees()
	if err != nil {
		return nil, err
	}
	got, ok := treesOf(r.html, r.text)
	if !ok || got != shipped.parts {
		return nil, nil
	}
	const mark = "\x01"
	w := &spanWriter{}
	for _, probe := range []struct {
		name        string
		data        any
		open, close *string
	}{
		{"spans", []digest.Span{{Text: mark, Hit: true}}, &w.open, &w.close},
		{"matched", mark, &w.matched[0], &w.matched[1]},
	} {
		out, err := execute(r.html, probe.name, probe.data)
		if err != nil {
			return nil, fmt.Errorf("email templates: %w", err)
		}
		if *probe.open, *probe.close, ok = strings.Cut(out, mark); !ok {
			return nil, nil
		}
	}
	return w, nil
}

// shipped is parse trees of templates, written out: parts those a
// spanWriter writes as (treesOf), html all the HTML ones (htmlTrees).
type shipped struct{ parts, html string }

// shippedTrees is the shipped email templates' trees, written out.
var shippedTrees = sync.OnceValues(func() (shipped, error) {
	funcs := map[string]any{"wrap": wrapText, "stars": Star}
	html, err := htmpl.New("email").Funcs(funcs).ParseFS(templates.FS, "email/*.html.tmpl")
	if err != nil {
		return shipped{}, fmt.Errorf("shipped email templates: %w", err)
	}
	text, err := ttmpl.New("email").Funcs(funcs).ParseFS(templates.FS, "email/*.txt.tmpl")
	if err != nil {
		return shipped{}, fmt.Errorf("shipped email templates: %w", err)
	}
	parts, _ := treesOf(html, text)
	return shipped{parts: parts, html: htmlTrees(html)}, nil
})

// htmlTrees writes out the parse trees of every template of html, by
// name, before html/template has escaped them.
func htmlTrees(html *htmpl.Template) string {
	ts := html.Templates()
	slices.SortFunc(ts, func(a, b *htmpl.Template) int { return strings.Compare(a.Name(), b.Name()) })
	var b strings.Builder
	for _, t := range ts {
		if t.Tree != nil && t.Tree.Root != nil {
			b.WriteString(t.Name() + "\x00" + t.Tree.Root.String() + "\x00")
		}
	}
	return b.String()
}

// treesOf writes out the parse trees of the templates a spanWriter writes
// as, before html/template has escaped them (which rewrites them); ok is
// false when one is missing.
func treesOf(html *htmpl.Template, text *ttmpl.Template) (trees string, ok bool) {
	var b strings.Builder
	for _, name := range htmlParts {
		t := html.Lookup(name)
		if t == nil || t.Tree == nil {
			return "", false
		}
		b.WriteString(t.Tree.Root.String() + "\x00")
	}
	for _, name := range textParts {
		t := text.Lookup(name)
		if t == nil || t.Tree == nil {
			return "", false
		}
		b.WriteString(t.Tree.Root.String() + "\x00")
	}
	return b.String(), true
}

// html writes spans as "spans" does: each hit between open and close,
// every text escaped as html/template escapes element content.
func (w *spanWriter) html(spans []digest.Span) string {
	var b strings.Builder
	for _, s := range spans {
		if s.Hit {
			b.WriteString(w.open)
		}
		htmlEscape(&b, s.Text)
		if s.Hit {
			b.WriteString(w.close)
		}
	}
	return b.String()
}

// text writes spans as "snippet" does.
func (w *spanWriter) text(spans []digest.Span) string {
	return wrapText("   ", Star(spans))
}

// matchedLine writes the line as the HTML and the text "matched" do.
func (w *spanWriter) matchedLine(line string) *[2]string {
	if line == "" {
		return &[2]string{}
	}
	var b strings.Builder
	b.WriteString(w.matched[0])
	htmlEscape(&b, line)
	b.WriteString(w.matched[1])
	return &[2]string{b.String(), "\n" + wrapText("   ", "matched: "+line)}
}

// htmlEscape writes s as html/template writes text in element content.
func htmlEscape(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case 0:
			esc = "\uFFFD"
		case '"':
			esc = "&#34;"
		case '&':
			esc = "&amp;"
		case '\'':
			esc = "&#39;"
		case '+':
			esc = "&#43;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(esc)
		last = i + 1
	}
	b.WriteString(s[last:])
}
