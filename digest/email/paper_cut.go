package email

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/digestd/digestd/internal/qp"
)

// paperCut is a "paper" template's output cut at its placeholders, into the
// segments between the links to the reader's manage page (any number of
// them, anywhere). A segment is the template's text with placeholders for the
// parts that depend on the topics that matched the paper, in any order; a
// segment without any is encoded once, for every set of topics.
type paperCut struct {
	segments [][]run
	fixed    []qp.Piece // segment i encoded, when it holds no topic's part
}

// run is a template's text before a placeholder, and the placeholder's field;
// paperFields after the last.
type run struct {
	text  string
	field int
}

// cutPaper cuts a "paper" template's output at its placeholders.
func (fs *frames) cutPaper(out string) (paperCut, error) {
	var c paperCut
	var seg []run
	for {
		i := strings.Index(out, fs.prefix)
		if i < 0 {
			seg = append(seg, run{out, paperFields})
			break
		}
		end := i + len(fs.prefix) + 2
		f, err := strconv.Atoi(out[i+len(fs.prefix) : end])
		switch {
		case err != nil || f < 0 || f >= paperFields || f != fieldManage && f < fields:
			return paperCut{}, fmt.Errorf("unknown placeholder %q", out[i:end])
		case f == fieldManage:
			c.segments = append(c.segments, append(seg, run{out[:i], paperFields}))
			seg = nil
		default:
			seg = append(seg, run{out[:i], f})
		}
		out = out[end:]
	}
	c.segments = append(c.segments, seg)
	c.fixed = make([]qp.Piece, len(c.segments))
	for i, seg := range c.segments {
		if len(seg) == 1 {
			c.fixed[i] = qp.Shared(seg[0].text)
		}
	}
	return c, nil
}

// fill is the paper with the parts v holds put in: a piece for each
// segment, the reader's manage URL to go between them.
func (c *paperCut) fill(v *paperValues) []qp.Piece {
	pieces := make([]qp.Piece, len(c.segments))
	var b strings.Builder
	for i, seg := range c.segments {
		if len(seg) == 1 {
			pieces[i] = c.fixed[i]
			continue
		}
		b.Reset()
		for _, t := range seg {
			b.WriteString(t.text)
			if t.field < paperFields {
				b.WriteString(v[t.field])
			}
		}
		pieces[i] = qp.Shared(b.String())
	}
	return pieces
}

// paperValues are a paper's parts that depend on its topics, by field.
type paperValues [paperFields]string

// renderedPaper is one paper of a digest rendered for the topics that
// matched it, cut where the reader's manage URL goes, kept encoded as a
// message carries it.
type renderedPaper struct {
	html, text   []qp.Piece
	title        string // plain, for the subject and the preheader
	starredTitle string // matched words *starred*, for the text part
	// headings are how the text part heads the paper as one of papers 1
	// to 9 and 10 to 99: the starred title wrapped after "1." and "10.",
	// the number left out (heading).
	headings [2]qp.Piece
}

// heading is how the text part heads the paper when it is the nth of its
// digest, textHeading in two pieces: "n." and the rest. (A piece ending
// in a space would have it encoded, =20.)
func (p *renderedPaper) heading(n int) (num string, rest qp.Piece) {
	num = strconv.Itoa(n) + "."
	if w := len(num) - 2; w < len(p.headings) && p.headings[w].Len() > 0 {
		return num, p.headings[w]
	}
	return "", qp.Repeated(textHeading(n, p.starredTitle))
}

// setHeadings wraps the starred title after "1." and "10.".
func (p *renderedPaper) setHeadings() {
	for w, n := range []int{1, 10} {
		prefix := strconv.Itoa(n) + ". "
		if h := textHeading(n, p.starredTitle); len(h) > len(prefix) {
			p.headings[w] = qp.Repeated(h[len(prefix)-1:])
		}
	}
}
