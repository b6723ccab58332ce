package email

import (
	"fmt"
	"strconv"
	"strings"
)

// renderedPaper is one paper of a digest rendered by the "paper" templates,
// cut where the reader's manage URL goes. A pass keeps each paper it
// renders with the marks it rendered it for (markedPaper), ~2.7 KB a
// paper (kept quoted-printable encoded, as messages carry it), as long as
// it keeps those: a paper is rendered the same for every reader whose
// topics mark the same words in it, and most readers share their topics
// with many others (at 100,000 readers of 2,000 papers, 2 million papers
// in digests took ~92,000 renders; see docs/PERFORMANCE.md).
type renderedPaper struct {
	html         [3]piece
	text         [3]piece
	title        string // plain, for the subject and the preheader
	starredTitle string // matched words *starred*, for the text part
	// headings are how the text part heads the paper as one of papers 1
	// to 9 and 10 to 99: the starred title wrapped after "1." and "10.",
	// the number left out (heading).
	headings [2]piece
}

// paperView is a paper as the "paper" templates see it. Title, Snippet
// and Matched are marks: they depend on the topics that matched the
// paper, and Renderer.paper puts in for each set of topics what the
// "spans", "snippet" and "matched" templates write.
type paperView struct {
	paperInfo
	Title, Snippet, Matched string
	// MoreURL and FewerURL open the reader's manage page with a topic
	// proposed from the paper.
	MoreURL, FewerURL string
}

// paperValues are a paper's parts that depend on its topics, by field.
type paperValues [paperFields]string

// paperFrame is a paper rendered by the "paper" templates with marks: the
// same for all the readers who get it, however their topics mark it.
type paperFrame struct {
	html, text paperCut
}

// paperCut is a "paper" template's output cut at its marks: the text up
// to the first link to the manage page, with the marks of the paper's
// parts in it, then the text after each of the two links, which no topic
// changes, encoded once.
type paperCut struct {
	head  []markedText
	links [2]piece
}

// markedText is a template's text before a mark, and the mark's field;
// paperFields after the last.
type markedText struct {
	text  string
	field int
}

// cutPaper cuts a "paper" template's output at its marks.
func (r *Renderer) cutPaper(out string) (paperCut, error) {
	var c paperCut
	links := 0
	var seen [paperFields]bool
	for {
		i := strings.Index(out, r.mark)
		if i < 0 {
			break
		}
		end := i + len(r.mark) + 2
		f, err := strconv.Atoi(out[i+len(r.mark) : end])
		switch {
		case err != nil || f < 0 || f >= paperFields || f != fieldManage && f < fields:
			return paperCut{}, fmt.Errorf("unknown mark %q", out[i:end])
		case f != fieldManage && (links > 0 || seen[f]):
			return paperCut{}, fmt.Errorf("the topics' parts must come once each, before the links to the manage page")
		case f == fieldManage && links == 2:
			return paperCut{}, fmt.Errorf("want two links to the manage page, got more")
		case f == fieldManage && links > 0:
			c.links[links-1] = sharedPiece(out[:i])
			links++
		case f == fieldManage:
			c.head = append(c.head, markedText{out[:i], paperFields})
			links++
		default:
			c.head = append(c.head, markedText{out[:i], f})
			seen[f] = true
		}
		out = out[end:]
	}
	if links != 2 {
		return paperCut{}, fmt.Errorf("want two links to the manage page, got %d", links)
	}
	c.links[1] = sharedPiece(out)
	return c, nil
}

// fill is the paper with the parts v holds put in, cut where the reader's
// manage URL goes.
func (c *paperCut) fill(v *paperValues) [3]piece {
	n := 0
	for _, t := range c.head {
		n += len(t.text)
		if t.field < paperFields {
			n += len(v[t.field])
		}
	}
	var b strings.Builder
	b.Grow(n)
	for _, t := range c.head {
		b.WriteString(t.text)
		if t.field < paperFields {
			b.WriteString(v[t.field])
		}
	}
	return [3]piece{sharedPiece(b.String()), c.links[0], c.links[1]}
}

// heading is how the text part heads the paper when it is the nth of its
// digest, "n. Title" wrapped, in two pieces: "n." and the rest. (A piece
// ending in a space would have it encoded, =20.)
func (p *renderedPaper) heading(n int) (num string, rest piece) {
	num = strconv.Itoa(n) + "."
	if w := len(num) - 2; w < len(p.headings) && p.headings[w].len() > 0 {
		return num, p.headings[w]
	}
	return "", piece{s: wrapText(num+" ", p.starredTitle)}
}

// setHeadings wraps the starred title after "1." and "10.".
func (p *renderedPaper) setHeadings() {
	for w, prefix := range []string{"1. ", "10. "} {
		if h := wrapText(prefix, p.starredTitle); len(h) > len(prefix) {
			p.headings[w] = repeatedPiece(h[len(prefix)-1:])
		}
	}
}
