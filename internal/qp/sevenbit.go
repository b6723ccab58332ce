package qp

import (
	"strconv"
	"unicode/utf8"
)

// lineMax7bit is the longest line a message may hold (RFC 5322 2.1.1),
// its CRLF apart.
const lineMax7bit = 998

// AppendSevenBit appends the body as 7bit data (RFC 2045 2.7), which
// needs no decoding and is about a twentieth shorter than the same body
// quoted-printable: line breaks become CRLF and every other byte stays as
// it is. With refs, a character outside ASCII is written as an HTML
// numeric character reference (é as &#233;), which an HTML reader reads
// as the character itself: for HTML whose every such character is in
// text or an attribute value, never in a style or script element. ok is
// false, and buf as it was, when the body cannot go as 7bit: a line
// longer than 998 bytes, one that starts with a dot (the message goes as
// SMTP DATA as it is, with no line to dot-stuff), a control character
// other than a tab, a lone CR, a character outside ASCII without refs,
// a C1 control character, or bytes that are not UTF-8.
func AppendSevenBit(buf []byte, b Body, refs bool) (_ []byte, ok bool) {
	w := sevenBit{b: buf, refs: refs}
	for _, p := range b.pieces {
		if !w.write(p) {
			return buf, false
		}
	}
	return w.b, true
}

// sevenBit writes 7bit data in pieces: it keeps the column the last piece
// ended at. A CR and its LF must be in the same piece, and so must the
// bytes of a character.
type sevenBit struct {
	b    []byte
	col  int
	refs bool
}

func (w *sevenBit) write(text string) bool {
	b, col := w.b, w.col
	if col == 0 && text != "" && text[0] == '.' {
		return false
	}
	run := 0 // where the bytes not appended yet start
	for i := 0; i < len(text); {
		if i+8 <= len(text) && printable8(text[i:i+8]) {
			i += 8
			continue
		}
		c := text[i]
		if c >= ' ' && c < 0x7f || c == '\t' {
			i++
			continue
		}
		b = append(b, text[run:i]...)
		col += i - run
		switch {
		case c == '\n' || c == '\r' && i+1 < len(text) && text[i+1] == '\n':
			if col > lineMax7bit {
				return false
			}
			b = append(b, '\r', '\n')
			col = 0
			if c == '\r' {
				i++
			}
			i++
			if i < len(text) && text[i] == '.' {
				return false
			}
		case c >= utf8.RuneSelf && w.refs:
			r, n := utf8.DecodeRuneInString(text[i:])
			if r == utf8.RuneError && n == 1 || r < 0xa0 {
				return false
			}
			n0 := len(b)
			b = append(b, '&', '#')
			b = strconv.AppendInt(b, int64(r), 10)
			b = append(b, ';')
			col += len(b) - n0
			i += n
		default:
			return false
		}
		run = i
	}
	b = append(b, text[run:]...)
	col += len(text) - run
	if col > lineMax7bit {
		return false
	}
	w.b, w.col = b, col
	return true
}

// printable8 reports whether the 8 bytes of s are all printable ASCII
// (' ' to '~'), looking at them as one word: a byte below ' ' borrows
// into its top bit when ' ' is taken from it, one above '~' carries into
// it when 1 is added, and one from 0x80 up has it set already.
func printable8(s string) bool {
	_ = s[7]
	x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	const ones, tops = 0x0101010101010101, 0x8080808080808080
	return (x|(x+ones)|((x-' '*ones)&^x))&tops == 0
}
