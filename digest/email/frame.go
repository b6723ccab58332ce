package email

import (
	"fmt"
	htmpl "html/template"
	"strconv"
	"strings"
)

// The values of a digest that the templates are rendered without: each
// is a mark when they are rendered once, and the digest's own value when
// a digest is put together.
const (
	fieldSubject = iota
	fieldPreheader
	fieldHeading
	fieldManage
	fieldUnsubscribe
	fieldView
	fieldItems    // where the papers go: the first one's mark
	fieldNextItem // the second paper's mark, after the text between papers
	fields
)

// A paper's values that depend on the topics that matched it: marks when
// the paper is rendered once for all its readers (paperFrame), and each
// set of topics' own when that is filled in.
const (
	fieldTitle = fields + iota
	fieldSnippet
	fieldMatched
	paperFields
)

// digestValues are a digest's values by field, the papers aside.
type digestValues [fieldItems]string

// fieldMark is the mark that stands for field f: r.mark and two digits.
func (r *Renderer) fieldMark(f int) string {
	return fmt.Sprintf("%s%02d", r.mark, f)
}

// A frame is the digest templates rendered once, the HTML and the text,
// with marks for the digest's values and two papers.
type frame struct {
	html, text cutTemplate
}

// cutTemplate is a template's output cut at the marks: each part is the
// template's text up to a value.
type cutTemplate struct {
	parts []framePart
	// between is what the template writes between two papers.
	between piece
}

// framePart is the template's text before a value, and the value's field;
// fields after the last part.
type framePart struct {
	text  piece
	field int
}

// newFrame renders the digest templates with marks, with or without the
// "view in browser" link.
func (r *Renderer) newFrame(view bool) (frame, error) {
	v := digestView{
		SiteName: r.siteName, BaseURL: r.baseURL,
		Header: r.header, Footer: r.footer, HeaderText: r.headerText, FooterText: r.footerText,
		Subject: r.fieldMark(fieldSubject), Preheader: r.fieldMark(fieldPreheader), Heading: r.fieldMark(fieldHeading),
		ManageURL: r.fieldMark(fieldManage), UnsubscribeURL: r.fieldMark(fieldUnsubscribe),
	}
	if view {
		v.ViewURL = r.fieldMark(fieldView)
	}
	items := []string{r.fieldMark(fieldItems), r.fieldMark(fieldNextItem)}
	var hb, tb strings.Builder
	h := digestHTML{digestView: v, Items: []htmpl.HTML{htmpl.HTML(items[0]), htmpl.HTML(items[1])}}
	if err := r.html.ExecuteTemplate(&hb, "digest.html.tmpl", h); err != nil {
		return frame{}, fmt.Errorf("render digest html: %w", err)
	}
	if err := r.text.ExecuteTemplate(&tb, "digest.txt.tmpl", digestText{digestView: v, Items: items}); err != nil {
		return frame{}, fmt.Errorf("render digest text: %w", err)
	}
	var f frame
	var err error
	if f.html, err = r.cut(hb.String()); err != nil {
		return frame{}, fmt.Errorf("digest html template: %w", err)
	}
	if f.text, err = r.cut(tb.String()); err != nil {
		return frame{}, fmt.Errorf("digest text template: %w", err)
	}
	return f, nil
}

// cut cuts a template's output at the marks in it.
func (r *Renderer) cut(out string) (cutTemplate, error) {
	var c cutTemplate
	items, between := 0, false
	for {
		i := strings.Index(out, r.mark)
		if i < 0 {
			c.parts = append(c.parts, framePart{text: sharedPiece(out), field: fields})
			break
		}
		end := i + len(r.mark) + 2
		f, err := strconv.Atoi(out[i+len(r.mark) : end])
		if err != nil || f >= fields {
			return cutTemplate{}, fmt.Errorf("unknown mark %q", out[i:end])
		}
		if f == fieldNextItem {
			if len(c.parts) == 0 || c.parts[len(c.parts)-1].field != fieldItems {
				return cutTemplate{}, fmt.Errorf("the papers are not written one after the other")
			}
			c.between, between = sharedPiece(out[:i]), true
		} else {
			if f == fieldItems {
				items++
			}
			c.parts = append(c.parts, framePart{text: sharedPiece(out[:i]), field: f})
		}
		out = out[end:]
	}
	if items != 1 || !between {
		return cutTemplate{}, fmt.Errorf("want the papers written once, one after the other")
	}
	return c, nil
}

// fill writes the template's output for a digest into b: its values, and
// n papers written by item, in up to perItem pieces each.
func (c *cutTemplate) fill(b *Body, v *digestValues, n, perItem int, item func(*Body, int)) {
	b.pieces = make([]piece, 0, len(c.parts)*2+n*(perItem+1))
	for _, p := range c.parts {
		b.add(p.text)
		switch {
		case p.field == fieldItems:
			for i := range n {
				if i > 0 {
					b.add(c.between)
				}
				item(b, i)
			}
		case p.field < fieldItems:
			b.addString(v[p.field])
		}
	}
}
