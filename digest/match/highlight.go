package match

import (
	"cmp"
	"encoding/binary"
	"slices"
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/internal/unicode61"
	"github.com/digestd/digestd/subscribers/query"
)

// Highlight cuts text into spans, marking the words terms match the way
// FTS5 matches them: whatever the case and Latin accents, a prefix term
// every word it starts, a phrase only its words in a row. Terms scoped to
// authors, categories or organisation are left out, since text is a title or
// an abstract; pass q.TermsIn(query.FieldTitle) rather than q.Terms()
// to also leave abstract: terms out of a title. Joining the spans' texts
// gives text back unchanged.
func Highlight(text string, terms []query.Term) []digest.Span {
	return NewText(text).Highlight(terms)
}

// Snippet returns at most maxRunes characters of text, as Highlight spans:
// from the start when the first hit fits there, else from a word shortly
// before the first hit. The excerpt ends at a word boundary; "…" stands for
// what is cut at either end.
func Snippet(text string, terms []query.Term, maxRunes int) []digest.Span {
	return NewText(text).Snippet(terms, maxRunes)
}

// Text is a title or an abstract split into its words once, for the many
// highlights a pass makes of it for different readers' topics. It is safe
// for concurrent use.
type Text struct {
	s     string
	words []word
	// folded holds the words' folded forms, one after the other.
	folded string
	// order is the words' indexes sorted by their folded forms: the
	// words a term can start at are a run of it.
	order []int32
	// head is where an excerpt of runes characters from the start ends
	// (excerptEnd), once found: runes<<32 | end, 0 until then.
	head atomic.Uint64
}

// word is one word of a Text: where it stands in the text, and where its
// folded form stands in Text.folded.
type word struct {
	start, end, fold, foldEnd int32
}

// NewText splits s into its words as the index does.
func NewText(s string) *Text {
	t := &Text{s: s}
	var folded []byte
	unicode61.Scan(s, func(text []byte, start, end int) {
		t.words = append(t.words, word{int32(start), int32(end), int32(len(folded)), int32(len(folded) + len(text))})
		folded = append(folded, text...)
	})
	t.folded = string(folded)
	t.order = make([]int32, len(t.words))
	for i := range t.order {
		t.order[i] = int32(i)
	}
	slices.SortFunc(t.order, func(a, b int32) int {
		return cmp.Or(strings.Compare(t.fold(a), t.fold(b)), cmp.Compare(a, b))
	})
	return t
}

// fold is the ith word's folded form.
func (t *Text) fold(i int32) string {
	w := t.words[i]
	return t.folded[w.fold:w.foldEnd]
}

// Highlight is Highlight of the text.
func (t *Text) Highlight(terms []query.Term) []digest.Span {
	return t.HighlightMarks(t.Marks(terms))
}

// Snippet is Snippet of the text.
func (t *Text) Snippet(terms []query.Term, maxRunes int) []digest.Span {
	return t.SnippetMarks(t.Marks(terms), maxRunes)
}

// Marks are where terms match a Text: all that its highlights and
// snippets for the terms depend on. Many sets of terms mark a text alike.
type Marks struct{ hs []hit }

// Marks returns where terms match the text.
func (t *Text) Marks(terms []query.Term) Marks { return Marks{t.hits(terms)} }

// Key names the marks: of one text, the same key is the same marks.
func (m Marks) Key() string {
	b := make([]byte, 0, 4*len(m.hs))
	for _, h := range m.hs {
		b = binary.AppendUvarint(b, uint64(h.start))
		b = binary.AppendUvarint(b, uint64(h.end))
	}
	return string(b)
}

// HighlightMarks is Highlight of the text for the terms that marked it.
func (t *Text) HighlightMarks(m Marks) []digest.Span {
	return cut(t.s, 0, len(t.s), m.hs)
}

// SnippetMarks is Snippet of the text for the terms that marked it.
func (t *Text) SnippetMarks(m Marks, maxRunes int) []digest.Span {
	return t.SnippetOf(t.Excerpt(m, maxRunes))
}

// Excerpt is the part of a text a snippet shows, [from, to) in bytes, and
// the marks it was found for; from is -1 when the snippet is empty.
type Excerpt struct {
	from, to int
	hs       []hit
}

// Excerpt returns the part of the text SnippetMarks shows for marks m.
// Marks that differ only past it make the same snippet: a pass names
// snippets by their Excerpt's Key, not by the marks.
func (t *Text) Excerpt(m Marks, maxRunes int) Excerpt {
	if maxRunes <= 0 {
		return Excerpt{from: -1}
	}
	text := t.s
	hs := m.hs
	from, to := 0, t.headEnd(maxRunes)
	// Starting later needs room for a leading "…" and a few words of context.
	if len(hs) > 0 && to < hs[0].end && maxRunes >= 8 {
		from = wordStartBefore(text, hs[0].start, maxRunes/4)
		to = excerptEnd(text, from, maxRunes-1)
	}
	return Excerpt{from, to, hs}
}

// Key names the excerpt: of one text, the same key is the same snippet.
// It holds where the excerpt starts and ends and the marks within it,
// cut at its ends as the snippet cuts them.
func (e Excerpt) Key() string {
	b := make([]byte, 0, 8+4*len(e.hs))
	b = binary.AppendVarint(b, int64(e.from))
	b = binary.AppendUvarint(b, uint64(e.to))
	for _, h := range e.hs {
		if start, end := max(h.start, e.from), min(h.end, e.to); start < end {
			b = binary.AppendUvarint(b, uint64(start))
			b = binary.AppendUvarint(b, uint64(end))
		}
	}
	return string(b)
}

// SnippetOf returns the excerpt as Snippet does: its marks highlighted,
// "…" for what is cut at either end.
func (t *Text) SnippetOf(e Excerpt) []digest.Span {
	if e.from < 0 {
		return nil
	}
	text := t.s
	spans := cut(text, e.from, e.to, e.hs)
	if e.from > 0 {
		spans = append([]digest.Span{{Text: "…"}}, spans...)
	}
	if e.to < len(text) {
		spans = append(spans, digest.Span{Text: "…"})
	}
	return spans
}

// headEnd is excerptEnd(t.s, 0, runes), found once for the snippets
// of many readers.
func (t *Text) headEnd(runes int) int {
	if h := t.head.Load(); h>>32 == uint64(runes) {
		return int(uint32(h))
	}
	end := excerptEnd(t.s, 0, runes)
	t.head.Store(uint64(runes)<<32 | uint64(end))
	return end
}

// hit is the byte range of matched words in a text.
type hit struct{ start, end int }

// hits returns where terms match in the text, sorted and without
// overlaps.
func (t *Text) hits(terms []query.Term) []hit {
	var hs []hit
	for _, term := range terms {
		if len(term.Words) > 0 && (term.Searches(query.FieldTitle) || term.Searches(query.FieldAbstract)) {
			hs = t.appendHits(hs, term)
		}
	}
	if apart(hs) {
		return hs
	}
	slices.SortFunc(hs, func(a, b hit) int { return a.start - b.start })
	merged := hs[:0]
	for _, h := range hs {
		if n := len(merged); n > 0 && h.start <= merged[n-1].end {
			merged[n-1].end = max(merged[n-1].end, h.end)
		} else {
			merged = append(merged, h)
		}
	}
	return merged
}

// apart reports whether hs are sorted and none touches the next, as hits
// returns them.
func apart(hs []hit) bool {
	for i := 1; i < len(hs); i++ {
		if hs[i].start <= hs[i-1].end {
			return false
		}
	}
	return true
}

// appendHits appends where term matches in the text to hs. It looks only
// at the words the term can start at: those its first word is, or, as a
// prefix, starts.
func (t *Text) appendHits(hs []hit, term query.Term) []hit {
	first := term.Words[0]
	prefix := len(term.Words) == 1 && term.Prefix || term.IsName() && query.IsInitial(first)
	from, _ := slices.BinarySearchFunc(t.order, first, func(i int32, w string) int { return strings.Compare(t.fold(i), w) })
	for _, i := range t.order[from:] {
		if got := t.fold(i); got != first && !(prefix && strings.HasPrefix(got, first)) {
			break
		}
		if end, ok := t.matchAt(int(i), term); ok {
			hs = append(hs, hit{int(t.words[i].start), end})
		}
	}
	return hs
}

// Names returns the names the query's author terms match, each as the
// matcher matches it: within one name, a one-letter word as an initial.
func Names(names []string, terms []query.Term) []string {
	var hit []string
	for _, name := range names {
		if NewText(name).nameMatches(terms) {
			hit = append(hit, name)
		}
	}
	return hit
}

func (t *Text) nameMatches(terms []query.Term) bool {
	for _, term := range terms {
		if term.Field != query.FieldAuthor || len(term.Words) == 0 {
			continue
		}
		for i := range t.words {
			if _, ok := t.matchAt(i, term); ok {
				return true
			}
		}
	}
	return false
}

// matchAt reports whether term matches the words from the ith on, and
// where the match ends.
func (t *Text) matchAt(i int, term query.Term) (end int, ok bool) {
	if len(t.words)-i < len(term.Words) {
		return 0, false
	}
	for j, w := range term.Words {
		prefix := j == len(term.Words)-1 && term.Prefix || term.IsName() && query.IsInitial(w)
		tw := t.words[i+j]
		if got := t.folded[tw.fold:tw.foldEnd]; got != w && !(prefix && strings.HasPrefix(got, w)) {
			return 0, false
		}
	}
	return int(t.words[i+len(term.Words)-1].end), true
}

// cut returns text[from:to] as spans, the parts inside hs marked.
func cut(text string, from, to int, hs []hit) []digest.Span {
	var spans []digest.Span
	for _, h := range hs {
		start, end := max(h.start, from), min(h.end, to)
		if start >= end {
			continue
		}
		if start > from {
			spans = append(spans, digest.Span{Text: text[from:start]})
		}
		spans = append(spans, digest.Span{Text: text[start:end], Hit: true})
		from = end
	}
	if from < to {
		spans = append(spans, digest.Span{Text: text[from:to]})
	}
	return spans
}

// wordStartBefore returns the start of the first word that begins at most
// lead characters before pos, or pos when none does.
func wordStartBefore(text string, pos, lead int) int {
	start := pos
	for n := 0; n < lead && start > 0; n++ {
		_, size := utf8.DecodeLastRuneInString(text[:start])
		start -= size
	}
	if r, _ := utf8.DecodeLastRuneInString(text[:start]); start > 0 && !unicode.IsSpace(r) {
		i := strings.IndexFunc(text[start:pos], unicode.IsSpace)
		if i < 0 {
			return pos
		}
		start += i
	}
	return start + len(text[start:pos]) - len(strings.TrimLeftFunc(text[start:pos], unicode.IsSpace))
}

// excerptEnd returns where an excerpt from from ends: at the end of text
// when the rest fits in room characters, else at the last word boundary
// that leaves room for the closing "…".
func excerptEnd(text string, from, room int) int {
	// Where the room ends, and whether a character is left after it.
	to, cut := from, from
	for n := 0; n < room && to < len(text); n++ {
		if n == room-1 {
			cut = to
		}
		_, size := utf8.DecodeRuneInString(text[to:])
		to += size
	}
	if to == len(text) {
		return len(text)
	}
	return wordEndBefore(text, from, cut)
}

// wordEndBefore moves a cut at to back to the end of the last whole word
// after from; a single word longer than the room is cut where it is.
func wordEndBefore(text string, from, to int) int {
	if r, _ := utf8.DecodeRuneInString(text[to:]); !unicode.IsSpace(r) {
		if i := strings.LastIndexFunc(text[from:to], unicode.IsSpace); i > 0 {
			to = from + i
		}
	}
	return from + len(strings.TrimRightFunc(text[from:to], unicode.IsSpace))
}
