package digest

import (
	"strconv"
	"strings"
)

// passPapers is how many rendered papers a pass remembers, twice over
// (see recent), at ~2.7 KB a paper (kept quoted-printable encoded, as
// messages carry it): up to ~135 MB however many readers
// there are. A paper is rendered the same for every reader whose topics
// mark the same words in it, and most readers share their topics with
// many others: at 100,000 readers of 2,000 papers, 2 million papers in
// digests took 92,000 renders (296,000 with 10,000 a generation; see
// docs/PERFORMANCE.md). A pass reads each paper once (see passCache), so
// a paper id names the same paper all pass long.
const passPapers = 25_000

// renderedPaper is one paper of a digest rendered by the "paper" templates,
// cut where the reader's manage URL goes.
type renderedPaper struct {
	html         [3]piece
	text         [3]piece
	title        string // plain, for the subject and the preheader
	starredTitle string // matched words *starred*, for the text part
	// numbered is the starred title numbered "1. " and "10. ", wrapped:
	// how the text part heads papers 1 to 9 and 10 to 99.
	numbered [2]string
}

// heading is how the text part heads the paper when it is the nth of its
// digest, "n. Title" wrapped, in two pieces: "n." and the rest. (A piece
// ending in a space would have it encoded, =20.)
func (p *renderedPaper) heading(n int) (num, rest string) {
	num = strconv.Itoa(n) + "."
	if w := len(num) - 2; w < len(p.numbered) && len(p.numbered[w]) > len(num)+1 {
		return num, p.numbered[w][len(num):]
	}
	return "", wrapText(num+" ", p.starredTitle)
}

// paperKey names what a rendered paper depends on: the paper, its
// marked title and snippet, and the topics that matched it. An item a
// pass built is named by its marks; another by all of those.
type paperKey struct {
	marks   markKey
	content string
}

func keyOf(it Item) paperKey {
	if it.marks.paper != 0 {
		return paperKey{marks: it.marks}
	}
	return paperKey{content: itemContent(it)}
}

// itemContent is an item's paper, marked title and snippet, and topics,
// each piece length-prefixed, so no two items share it.
func itemContent(it Item) string {
	var b strings.Builder
	piece := func(kind byte, s string) {
		b.WriteByte(kind)
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	b.WriteString(strconv.FormatInt(it.PaperID, 10))
	piece('i', it.Paper.ID)
	for _, s := range it.Title {
		piece(spanKind('t', s), s.Text)
	}
	for _, s := range it.Snippet {
		piece(spanKind('s', s), s.Text)
	}
	for _, t := range it.Topics {
		piece('m', t)
	}
	return b.String()
}

// spanKind is kind for a plain span and its upper case for a hit.
func spanKind(kind byte, s Span) byte {
	if s.Hit {
		return kind - 'a' + 'A'
	}
	return kind
}
