// Package unicode61 splits text into tokens exactly as SQLite FTS5's
// unicode61 tokenizer does with remove_diacritics 2 and its default token
// characters: the tokenizer of the papers_fts index. It is a port of
// fts5UnicodeTokenize and the Unicode 6.1 tables it reads (tables.go,
// written by maketables.go from the SQLite source go-sqlite3 compiles), so
// that an in-memory index and the query language see the very tokens FTS5
// sees, down to how it reads invalid UTF-8.
//
// Letters, digits, private-use characters and code points Unicode 6.1 did
// not assign make tokens; everything else separates them. A token is
// folded to lower case and Latin letters lose their diacritics; a
// combining diacritic continues a token and is dropped from it.
package unicode61

// Token is one token of a text: its folded form and where it stands.
type Token struct {
	Text       string // folded: lower case, Latin diacritics removed
	Start, End int    // byte offsets of the token in the text
}

// Tokens returns the tokens of s in order.
func Tokens(s string) []Token {
	var toks []Token
	Scan(s, func(text []byte, start, end int) {
		toks = append(toks, Token{Text: string(text), Start: start, End: end})
	})
	return toks
}

// Scan calls fn with each token of s in order: its folded text, which is
// only valid during the call (one buffer serves every token), and its byte
// offsets in s.
func Scan(s string, fn func(text []byte, start, end int)) {
	var buf [64]byte
	out := buf[:0]
	i := 0
	for {
		// Skip separators; the first token character starts the token.
		var start int
		out = out[:0]
		for {
			if i >= len(s) {
				return
			}
			if c := s[i]; c < 0x80 {
				if asciiToken[c] {
					start = i
					out = append(out, lowerASCII(c))
					i++
					break
				}
				i++
				continue
			}
			start = i
			var c uint32
			c, i = decode(s, i)
			if isAlnum(c) {
				out = appendFolded(out, c)
				break
			}
		}
		end := i
		// Run through the token characters. A non-ASCII character that
		// ends the token is consumed with it, as in fts5UnicodeTokenize.
		for i < len(s) {
			if c := s[i]; c < 0x80 {
				if !asciiToken[c] {
					break
				}
				out = append(out, lowerASCII(c))
				i++
			} else {
				var c uint32
				c, i = decode(s, i)
				if !isAlnum(c) && !isDiacritic(c) {
					break
				}
				out = appendFolded(out, c)
			}
			end = i
		}
		fn(out, start, end)
	}
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// utf8Lead is fts5Utf8Trans1: the payload bits of a lead byte from 0xC0.
var utf8Lead = [64]uint32{
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x00, 0x01, 0x02, 0x03, 0x00, 0x01, 0x00, 0x00,
}

// decode is FTS5_READ_UTF8: the character at s[i] (not ASCII) and where
// the next one starts. Like SQLite it is lenient: a stray continuation
// byte reads as the code point of its value, a lead byte takes every
// continuation byte that follows, and an overlong form, a surrogate or
// U+FFFE/U+FFFF reads as U+FFFD.
func decode(s string, i int) (uint32, int) {
	c := uint32(s[i])
	i++
	if c >= 0xC0 {
		c = utf8Lead[c-0xC0]
		for i < len(s) && s[i]&0xC0 == 0x80 {
			c = c<<6 + uint32(s[i]&0x3F)
			i++
		}
		if c < 0x80 || c&0xFFFFF800 == 0xD800 || c&0xFFFFFFFE == 0xFFFE {
			c = 0xFFFD
		}
	}
	return c, i
}

// appendFolded folds c and appends it as FTS5_WRITE_UTF8 writes it: a
// character that folds to 0 is dropped, and one past U+10FFFF keeps only
// its low 21 bits in a 4-byte form.
func appendFolded(out []byte, c uint32) []byte {
	c = fold(c)
	switch {
	case c == 0:
		return out
	case c < 0x80:
		return append(out, byte(c))
	case c < 0x800:
		return append(out, 0xC0+byte(c>>6&0x1F), 0x80+byte(c&0x3F))
	case c < 0x10000:
		return append(out, 0xE0+byte(c>>12&0x0F), 0x80+byte(c>>6&0x3F), 0x80+byte(c&0x3F))
	}
	return append(out, 0xF0+byte(c>>18&0x07), 0x80+byte(c>>12&0x3F), 0x80+byte(c>>6&0x3F), 0x80+byte(c&0x3F))
}
