package email

import (
	"fmt"
	htmpl "html/template"
	"strings"
	"sync"
	ttmpl "text/template"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/templates"
)

// spanWriter writes a paper's highlighted title and snippet as the
// shipped "spans" (HTML) and "snippet" (text) templates do, without the
// template engine: a broad topic highlights each paper in many ways, and
// rendering each way through html/template took 11% of a broad pass's
// CPU (PERFORMANCE.md item 40). It stands in for the templates only when
// their "spans" and "snippet" are the shipped ones; edited, they are
// executed as written. TestPassRendererAgreesWithTemplates and
// TestSpanWriterAgreesWithTemplates check it against them.
type spanWriter struct {
	// open and close are what "spans" writes around a hit, learnt from
	// the template itself.
	open, close string
}

// newSpanWriter returns the spanWriter for r's templates, nil when their
// "spans" or "snippet" differ from the shipped ones.
func newSpanWriter(r *Renderer) (*spanWriter, error) {
	shipped, err := shippedSpans()
	if err != nil {
		return nil, err
	}
	html, text := r.html.Lookup("spans"), r.text.Lookup("snippet")
	if html == nil || text == nil || html.Tree == nil || text.Tree == nil ||
		html.Tree.Root.String() != shipped[0] || text.Tree.Root.String() != shipped[1] {
		return nil, nil
	}
	const mark = "\x01"
	out, err := execute(r.html, "spans", []digest.Span{{Text: mark, Hit: true}})
	if err != nil {
		return nil, fmt.Errorf("email templates: %w", err)
	}
	open, close, ok := strings.Cut(out, mark)
	if !ok {
		return nil, nil
	}
	return &spanWriter{open: open, close: close}, nil
}

// shippedSpans is the parse trees of the shipped "spans" and "snippet"
// templates, written out.
var shippedSpans = sync.OnceValues(func() ([2]string, error) {
	funcs := map[string]any{"wrap": wrapText, "stars": Star}
	html, err := htmpl.New("email").Funcs(funcs).ParseFS(templates.FS, "email/*.html.tmpl")
	if err != nil {
		return [2]string{}, fmt.Errorf("shipped email templates: %w", err)
	}
	text, err := ttmpl.New("email").Funcs(funcs).ParseFS(templates.FS, "email/*.txt.tmpl")
	if err != nil {
		return [2]string{}, fmt.Errorf("shipped email templates: %w", err)
	}
	return [2]string{html.Lookup("spans").Tree.Root.String(), text.Lookup("snippet").Tree.Root.String()}, nil
})

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
