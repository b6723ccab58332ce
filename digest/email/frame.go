package email

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	htmpl "html/template"
	"strconv"
	"strings"

	"github.com/digestd/digestd/internal/qp"
)

// The values of a digest that a PassRenderer renders the templates
// without: each is a placeholder when they are rendered once, and the digest's
// own value when a digest is put together.
const (
	fieldSubject = iota
	fieldPreheader
	fieldHeading
	fieldManage
	fieldUnsubscribe
	fieldView
	fieldItems    // where the papers go: the first one's placeholder
	fieldNextItem // the second paper's placeholder, after the text between papers
	fields
)

// A paper's values that depend on the topics that matched it: placeholders when
// the paper is rendered once for all its readers (paperCut), and each set
// of topics' own when that is filled in.
const (
	fieldTitle = fields + iota
	fieldSnippet
	fieldMatched
	paperFields
)

// digestValues are a digest's values by field, the papers aside.
type digestValues [fieldItems]string

// frames are the digest templates rendered once, with placeholders for each
// digest's values, without and with a "view in browser" link: what a
// PassRenderer puts each digest together from.
type frames struct {
	// prefix starts each placeholder. It is random, so paper data cannot
	// hold it.
	prefix string
	view   [2]frame
}

// A frame is the digest templates rendered once, the HTML and the text,
// with placeholders for the digest's values and two papers.
type frame struct {
	html, text cutTemplate
}

// cutTemplate is a template's output cut at the placeholders: each part is the
// template's text up to a value.
type cutTemplate struct {
	parts []framePart
	// between is what the template writes between two papers.
	between string
}

// framePart is the template's text before a value, and the value's field;
// fields after the last part.
type framePart struct {
	text  string
	field int
}

func newFrames(r *Renderer) (*frames, error) {
	var random [10]byte
	_, _ = rand.Read(random[:]) // crypto/rand.Read never fails on supported platforms
	fs := &frames{prefix: "mark" + hex.EncodeToString(random[:])}
	for i := range fs.view {
		var err error
		if fs.view[i], err = fs.newFrame(r, i == 1); err != nil {
			return nil, err
		}
	}
	return fs, nil
}

// placeholder is what stands for field f: the prefix and two digits.
func (fs *frames) placeholder(f int) string {
	return fmt.Sprintf("%s%02d", fs.prefix, f)
}

// newFrame renders the digest templates with placeholders, with or without the
// "view in browser" link.
func (fs *frames) newFrame(r *Renderer, view bool) (frame, error) {
	v := digestView{
		SiteName: r.siteName, BaseURL: r.baseURL,
		Header: r.header, Footer: r.footer, HeaderText: r.headerText, FooterText: r.footerText,
		Subject: fs.placeholder(fieldSubject), Preheader: fs.placeholder(fieldPreheader), Heading: fs.placeholder(fieldHeading),
		ManageURL: fs.placeholder(fieldManage), UnsubscribeURL: fs.placeholder(fieldUnsubscribe),
	}
	if view {
		v.ViewURL = fs.placeholder(fieldView)
	}
	items := []string{fs.placeholder(fieldItems), fs.placeholder(fieldNextItem)}
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
	if f.html, err = fs.cut(hb.String()); err != nil {
		return frame{}, fmt.Errorf("template email/digest.html.tmpl: %w", err)
	}
	if f.text, err = fs.cut(tb.String()); err != nil {
		return frame{}, fmt.Errorf("template email/digest.txt.tmpl: %w", err)
	}
	return f, nil
}

// cut cuts a digest template's output at the placeholders in it.
func (fs *frames) cut(out string) (cutTemplate, error) {
	var c cutTemplate
	items, between := 0, false
	for {
		i := strings.Index(out, fs.prefix)
		if i < 0 {
			c.parts = append(c.parts, framePart{text: out, field: fields})
			break
		}
		end := i + len(fs.prefix) + 2
		f, err := strconv.Atoi(out[i+len(fs.prefix) : end])
		if err != nil || f >= fields {
			return cutTemplate{}, fmt.Errorf("unknown placeholder %q", out[i:end])
		}
		if f == fieldNextItem {
			if len(c.parts) == 0 || c.parts[len(c.parts)-1].field != fieldItems {
				return cutTemplate{}, fmt.Errorf("the papers are not written one after the other")
			}
			c.between, between = out[:i], true
		} else {
			if f == fieldItems {
				items++
			}
			c.parts = append(c.parts, framePart{text: out[:i], field: f})
		}
		out = out[end:]
	}
	if items != 1 || !between {
		return cutTemplate{}, fmt.Errorf("want the papers written once each, one after the other")
	}
	return c, nil
}

// fill writes the template's output for a digest into b: its values, and
// n papers written by item, in at most pieces pieces in all.
func (c *cutTemplate) fill(b *qp.Body, v *digestValues, n, pieces int, item func(*qp.Body, int)) {
	b.Grow(len(c.parts)*2 + n + pieces)
	for _, p := range c.parts {
		b.Add(p.text)
		switch {
		case p.field == fieldItems:
			for i := range n {
				if i > 0 {
					b.Add(c.between)
				}
				item(b, i)
			}
		case p.field < fieldItems:
			b.Add(v[p.field])
		}
	}
}
