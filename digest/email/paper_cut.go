package email

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/digestd/digestd/internal/qp"
)

// paperCut is a "paper" template's output cut at its placeholders, into
// the segments between the links to the reader's manage page (any number
// of them, anywhere). A segment is a list of runs: the template's text,
// and the field of the placeholder after it — the parts that depend on
// the topics that matched the paper, in any order.
type paperCut struct {
	segments [][]run
}

// run is a template's text before a placeholder, and the placeholder's
// field; paperFields after the last.
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
	return c, nil
}

// parts are a paper's parts that depend on the topics that matched it —
// title, snippet, "matched" line, by field from fieldTitle — each rendered
// once for every digest that carries it.
type parts [paperFields - fieldTitle]string

// pieces is how many pieces write adds to a body, at most.
func (c *paperCut) pieces() int {
	n := len(c.segments) - 1 // the manage URLs
	for _, seg := range c.segments {
		n += 2 * len(seg)
	}
	return n
}

// write writes the paper into b: its segments with the parts put in, the
// reader's manage URL between them.
func (c *paperCut) write(b *qp.Body, ps *parts, manage string) {
	for k, seg := range c.segments {
		if k > 0 {
			b.Add(manage)
		}
		for _, r := range seg {
			b.Add(r.text)
			if r.field < paperFields {
				b.Add(ps[r.field-fieldTitle])
			}
		}
	}
}

// title is a paper's title as a set of topics highlights it: the pieces of
// both parts that show it, and what the digest around it needs.
type title struct {
	html    string
	plain   string // for the subject and the preheader
	starred string // matched words *starred*, for the text part
	// headings are how the text part heads the paper as one of papers 1
	// to 9 and 10 to 99: the starred title wrapped after "1." and "10.",
	// the number left out (heading).
	headings [2]string
}

// heading is how the text part heads the paper when it is the nth of its
// digest, textHeading in two pieces: "n." and the rest. (A piece ending
// in a space would have it encoded, =20.)
func (t *title) heading(n int) (num, rest string) {
	num = strconv.Itoa(n) + "."
	if w := len(num) - 2; w < len(t.headings) && len(t.headings[w]) > 0 {
		return num, t.headings[w]
	}
	return "", textHeading(n, t.starred)
}

// setHeadings wraps the starred title after "1." and "10.".
func (t *title) setHeadings() {
	for w, n := range []int{1, 10} {
		prefix := strconv.Itoa(n) + ". "
		if h := textHeading(n, t.starred); len(h) > len(prefix) {
			t.headings[w] = h[len(prefix)-1:]
		}
	}
}
