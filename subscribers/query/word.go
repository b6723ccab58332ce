package query

import "github.com/digestd/digestd/internal/unicode61"

// Word is one word of a text as SQLite's FTS5 tokenizer
// `unicode61 remove_diacritics 2` sees it. Queries, the papers_fts index,
// the matching engine and highlighting all split text this way, so a word
// the reader types is a word the index holds.
type Word struct {
	Text       string // folded: lower case, Latin diacritics removed
	Start, End int    // byte offsets of the word in the text it came from
}

// Words splits s into words as unicode61 does (internal/unicode61):
// letters, digits and private-use characters make words, everything else
// separates them; a combining accent inside a word is part of it and
// folded away.
func Words(s string) []Word {
	var words []Word
	unicode61.Scan(s, func(text []byte, start, end int) {
		words = append(words, Word{Text: string(text), Start: start, End: end})
	})
	return words
}
