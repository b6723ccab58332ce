package query

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Word is one word of a text as SQLite's FTS5 tokenizer
// `unicode61 remove_diacritics 2` sees it. Queries, the papers_fts index and
// highlighting all split text this way, so a word the reader types is a word
// the index holds.
type Word struct {
	Text       string // folded: lower case, Latin diacritics removed
	Start, End int    // byte offsets of the word in the text it came from
}

// Words splits s into words as unicode61 does: letters, digits and
// private-use characters make words, everything else separates them; a
// combining accent inside a word is part of it and folded away.
func Words(s string) []Word {
	var words []Word
	var buf []rune
	start := -1
	for i, r := range s {
		switch {
		case isWordRune(r):
			if start < 0 {
				start = i
			}
			buf = append(buf, fold(r))
		case start >= 0 && isAccent(r):
			// Folded away, but the word goes on: "e\u0301t\u0301e" is one word.
		case start >= 0:
			words = append(words, Word{Text: string(buf), Start: start, End: i})
			buf, start = buf[:0], -1
		}
	}
	if start >= 0 {
		words = append(words, Word{Text: string(buf), Start: start, End: len(s)})
	}
	return words
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r)
}

// isAccent reports whether r is one of the combining marks unicode61 keeps
// inside a word and then drops: those that decompose Latin letters.
func isAccent(r rune) bool {
	switch {
	case r >= 0x300 && r <= 0x304, r >= 0x306 && r <= 0x30C, r == 0x30F, r == 0x311,
		r == 0x31B, r >= 0x323 && r <= 0x328, r == 0x32D, r == 0x32E, r == 0x330, r == 0x331:
		return true
	}
	return false
}

// fold maps r the way unicode61 does: to its case-folded form (ToLower of
// ToUpper folds µ to μ and ſ to s, as FTS5 does), then a Latin letter with
// accents to its bare ASCII letter. Greek and Cyrillic keep their accents:
// FTS5 keeps them too.
func fold(r rune) rune {
	if r == 'ı' {
		// FTS5 keeps the dotless i; ToUpper would turn it into I.
		return r
	}
	r = unicode.ToLower(unicode.ToUpper(r))
	if r < utf8.RuneSelf {
		return r
	}
	var buf [utf8.UTFMax]byte
	d := norm.NFD.Append(nil, buf[:utf8.EncodeRune(buf[:], r)]...)
	if base := rune(d[0]); len(d) > 1 && base < utf8.RuneSelf && isWordRune(base) {
		return base
	}
	return r
}
