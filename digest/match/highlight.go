package match

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/digestd/digestd/digest"

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
	return cut(text, 0, len(text), findHits(text, terms))
}

// Snippet returns at most maxRunes characters of text, as Highlight spans:
// from the start when the first hit fits there, else from a word shortly
// before the first hit. The excerpt ends at a word boundary; "…" stands for
// what is cut at either end.
func Snippet(text string, terms []query.Term, maxRunes int) []digest.Span {
	if maxRunes <= 0 {
		return nil
	}
	hs := findHits(text, terms)
	from, to := 0, excerptEnd(text, 0, maxRunes)
	// Starting later needs room for a leading "…" and a few words of context.
	if len(hs) > 0 && to < hs[0].end && maxRunes >= 8 {
		from = wordStartBefore(text, hs[0].start, maxRunes/4)
		to = excerptEnd(text, from, maxRunes-1)
	}
	spans := cut(text, from, to, hs)
	if from > 0 {
		spans = append([]digest.Span{{Text: "…"}}, spans...)
	}
	if to < len(text) {
		spans = append(spans, digest.Span{Text: "…"})
	}
	return spans
}

// hit is the byte range of matched words in a text.
type hit struct{ start, end int }

// findHits returns where terms match in text, sorted and without overlaps.
func findHits(text string, terms []query.Term) []hit {
	var words []query.Word
	var hs []hit
	for _, t := range terms {
		if len(t.Words) == 0 || !t.Searches(query.FieldTitle) && !t.Searches(query.FieldAbstract) {
			continue
		}
		if words == nil {
			words = query.Words(text)
		}
		for i := range words {
			if end, ok := matchAt(words[i:], t); ok {
				hs = append(hs, hit{words[i].Start, end})
			}
		}
	}
	slices.SortFunc(hs, func(a, b hit) int { return a.start - b.start })
	var merged []hit
	for _, h := range hs {
		if n := len(merged); n > 0 && h.start <= merged[n-1].end {
			merged[n-1].end = max(merged[n-1].end, h.end)
		} else {
			merged = append(merged, h)
		}
	}
	return merged
}

// Names returns the names the query's author terms match, each as the
// matcher matches it: within one name, a one-letter word as an initial.
func Names(names []string, terms []query.Term) []string {
	var hit []string
	for _, name := range names {
		if nameMatches(query.Words(name), terms) {
			hit = append(hit, name)
		}
	}
	return hit
}

func nameMatches(words []query.Word, terms []query.Term) bool {
	for _, t := range terms {
		if t.Field != query.FieldAuthor || len(t.Words) == 0 {
			continue
		}
		for i := range words {
			if _, ok := matchAt(words[i:], t); ok {
				return true
			}
		}
	}
	return false
}

// matchAt reports whether t matches the words starting at words[0], and
// where the match ends.
func matchAt(words []query.Word, t query.Term) (end int, ok bool) {
	if len(words) < len(t.Words) {
		return 0, false
	}
	for i, w := range t.Words {
		prefix := i == len(t.Words)-1 && t.Prefix || t.IsName() && query.IsInitial(w)
		if got := words[i].Text; got != w && !(prefix && strings.HasPrefix(got, w)) {
			return 0, false
		}
	}
	return words[len(t.Words)-1].End, true
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
	if utf8.RuneCountInString(text[from:]) <= room {
		return len(text)
	}
	to := from
	for n := 0; n < room-1; n++ {
		_, size := utf8.DecodeRuneInString(text[to:])
		to += size
	}
	return wordEndBefore(text, from, to)
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
