package email

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/digestd/digestd/digest"
)

const (
	// textWidth is the column the text part wraps at (RFC 5322's 78).
	textWidth = 78
	// maxSnippetRunes and maxTitleRunes bound each paper so 50 papers stay
	// well under Gmail's ~102 KB clipping point.
	maxSnippetRunes = 320
	maxTitleRunes   = 250
	// shownAuthors is how many authors are named before "+N more".
	shownAuthors = 3
)

// ItemView is one paper as its reader sees it: highlighted for the topics
// that matched it.
type ItemView struct {
	paperInfo
	Title, Snippet []digest.Span
	Matched        string // the topics that matched, "" when trending
}

// paperInfo is what a paper shows whoever reads it.
type paperInfo struct {
	URL, PDFURL         string
	CodeURL, ProjectURL string
	Meta                string // "A, B, C +4 more · Org · ▲ 12 · 28 Nov 2026"
}

// NewItemView is it as its reader sees it.
func NewItemView(it digest.Item) ItemView {
	v := ItemView{paperInfo: newPaperInfo(it.Paper)}
	v.Title, v.Snippet, v.Matched = highlights(it)
	return v
}

// highlights is what of the item depends on the topics that matched it:
// its title and snippet cleaned and cut to size (spans), and the
// "matched" line (see matchedLine).
func highlights(it digest.Item) (title, snippet []digest.Span, matched string) {
	title, snippet = spans(it)
	return title, snippet, matchedLine(it)
}

// spans is the item's title and snippet, cleaned and cut to size.
func spans(it digest.Item) (title, snippet []digest.Span) {
	p := it.Paper
	title = cleanSpans(it.Title)
	if len(title) == 0 {
		title = cleanSpans([]digest.Span{{Text: p.Title}})
	}
	snippet = cleanSpans(it.Snippet)
	if len(snippet) == 0 {
		snippet = cleanSpans([]digest.Span{{Text: p.AISummary}})
	}
	if len(snippet) == 0 {
		snippet = cleanSpans([]digest.Span{{Text: p.Abstract}})
	}
	return cutSpans(title, maxTitleRunes), cutSpans(snippet, maxSnippetRunes)
}

// matchedLine is the topics that matched the item, and the liked paper
// it is like when the reader's model raised it.
func matchedLine(it digest.Item) string {
	var why []string
	for _, t := range it.Topics {
		if t = oneLine(t); t != "" {
			why = append(why, t)
		}
	}
	if like := oneLine(it.Like); like != "" {
		why = append(why, "like “"+shorten(like, 80)+"”")
	}
	return shorten(strings.Join(why, " · "), 200)
}

func newPaperInfo(p *digest.Paper) paperInfo {
	var meta []string
	if a := shortAuthors(p.Authors); a != "" {
		meta = append(meta, a)
	}
	if org := oneLine(p.Org); org != "" {
		meta = append(meta, org)
	}
	if p.Upvotes > 0 {
		meta = append(meta, fmt.Sprintf("▲ %d", p.Upvotes))
	}
	date := p.FeaturedOn
	if date.IsZero() {
		date = p.PublishedAt
	}
	if !date.IsZero() {
		meta = append(meta, date.Format("2 Jan 2006"))
	}
	return paperInfo{
		URL:        p.AbstractURL(),
		PDFURL:     p.PDFURL(),
		CodeURL:    webURL(p.GithubRepo),
		ProjectURL: webURL(p.ProjectPage),
		Meta:       strings.Join(meta, " · "),
	}
}

// webURL keeps only http(s) links: a link field from the Hugging Face API
// could hold anything, and a mail has no use for other schemes.
func webURL(s string) string {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	return s
}

// shortAuthors names the first few authors; long author lists (some papers
// have hundreds) would otherwise dominate the email.
func shortAuthors(authors []string) string {
	names := make([]string, 0, min(len(authors), shownAuthors))
	for _, a := range authors {
		if a = oneLine(a); a != "" {
			names = append(names, a)
		}
	}
	if len(names) <= shownAuthors {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s +%d more", strings.Join(names[:shownAuthors], ", "), len(names)-shownAuthors)
}

// oneLine turns control characters (CR, LF, escapes) and runs of white space
// into single spaces: paper data comes from the network and must neither break
// a header nor the text layout.
func oneLine(s string) string {
	return strings.TrimSpace(squeeze(s))
}

func squeeze(s string) string {
	if squeezed(s) {
		return s
	}
	return squeezeRunes(s)
}

// squeezeRunes is squeeze written out, for any text.
func squeezeRunes(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	return b.String()
}

// squeezed reports whether squeeze would return s as it is: valid UTF-8
// without control characters, U+FFFD or white space but single spaces, as
// most titles and abstracts are, and the "…" that ends a snippet. Checking
// is much cheaper than copying.
func squeezed(s string) bool {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c < ' ' || c > '~' || c == ' ' && i > 0 && s[i-1] == ' ' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError {
			return false
		}
		i += size
	}
	return true
}

// cleanSpans squeezes white space inside spans and drops empty ones, keeping
// the single spaces between spans so words do not run together.
func cleanSpans(in []digest.Span) []digest.Span {
	if clean(in) {
		return in
	}
	return squeezeSpans(in)
}

// squeezeSpans is cleanSpans written out, for any spans.
func squeezeSpans(in []digest.Span) []digest.Span {
	out := make([]digest.Span, 0, len(in))
	for _, s := range in {
		text := squeeze(s.Text)
		if len(out) == 0 {
			text = strings.TrimLeft(text, " ")
		} else if strings.HasSuffix(out[len(out)-1].Text, " ") {
			text = strings.TrimLeft(text, " ")
		}
		if text != "" {
			out = append(out, digest.Span{Text: text, Hit: s.Hit})
		}
	}
	if n := len(out); n > 0 {
		out[n-1].Text = strings.TrimRight(out[n-1].Text, " ")
		if out[n-1].Text == "" {
			out = out[:n-1]
		}
	}
	return out
}

// clean reports whether cleanSpans would return spans as they are, as it
// does the spans of most titles and abstracts.
func clean(spans []digest.Span) bool {
	for i, s := range spans {
		switch {
		case s.Text == "" || !squeezed(s.Text):
			return false
		case s.Text[0] == ' ' && (i == 0 || strings.HasSuffix(spans[i-1].Text, " ")):
			return false
		}
	}
	return len(spans) == 0 || !strings.HasSuffix(spans[len(spans)-1].Text, " ")
}

// cutSpans keeps about limit runes of text, cutting at a word boundary.
func cutSpans(spans []digest.Span, limit int) []digest.Span {
	left := limit
	for i, s := range spans {
		n := utf8.RuneCountInString(s.Text)
		if n <= left {
			left -= n
			continue
		}
		out := make([]digest.Span, i+1)
		copy(out, spans[:i])
		out[i] = digest.Span{Text: shorten(s.Text, left), Hit: s.Hit}
		return out
	}
	return spans
}

// shorten cuts s to at most limit runes, at a word boundary when there is one,
// and marks the cut with an ellipsis.
func shorten(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	if limit <= 1 {
		return "…"
	}
	cut, n := s, 0
	for i := range s {
		if n == limit-1 {
			cut = s[:i]
			break
		}
		n++
	}
	if !utf8.ValidString(cut) {
		cut = string([]rune(cut)) // bad bytes become U+FFFD, as in the rest of the mail
	}
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		return strings.TrimRight(cut[:i], " ") + "…"
	}
	return cut + "…"
}

func plainSpans(spans []digest.Span) string {
	var b strings.Builder
	for _, s := range spans {
		b.WriteString(s.Text)
	}
	return b.String()
}

// Star joins spans, starring the hits the way plain-text mail always has:
// *like this*.
func Star(spans []digest.Span) string {
	var b strings.Builder
	for _, s := range spans {
		if !s.Hit {
			b.WriteString(s.Text)
			continue
		}
		lead, word, trail := trimSpaces(s.Text)
		b.WriteString(lead)
		b.WriteByte('*')
		b.WriteString(word)
		b.WriteByte('*')
		b.WriteString(trail)
	}
	return b.String()
}

func trimSpaces(s string) (lead, word, trail string) {
	word = strings.TrimLeft(s, " ")
	lead = s[:len(s)-len(word)]
	trimmed := strings.TrimRight(word, " ")
	return lead, trimmed, word[len(trimmed):]
}

// wrapText fills text into lines of at most textWidth columns. The first line
// starts with prefix, the others with as many spaces. Each input line is
// wrapped on its own, so Markdown keeps its shape; a word longer than a line
// (a URL) gets a line of its own rather than being broken.
func wrapText(prefix, text string) string {
	indent := strings.Repeat(" ", utf8.RuneCountInString(prefix))
	var b strings.Builder
	// Room for the text and an indented line break every 40 columns or so:
	// one allocation instead of one per word.
	b.Grow(len(prefix) + len(text) + len(text)/40*(1+len(indent)))
	first := true
	for line := range strings.SplitSeq(text, "\n") {
		if !first {
			b.WriteByte('\n')
		}
		first = false
		col := 0
		for word := range strings.FieldsSeq(line) {
			n := utf8.RuneCountInString(word)
			switch {
			case b.Len() == 0:
				b.WriteString(prefix)
				col = len(indent) + n
			case col == 0:
				b.WriteString(indent)
				col = len(indent) + n
			case col+1+n > textWidth:
				b.WriteByte('\n')
				b.WriteString(indent)
				col = len(indent) + n
			default:
				b.WriteByte(' ')
				col += 1 + n
			}
			b.WriteString(word)
		}
	}
	return b.String()
}
