// Package qp writes the body of a mail part written from pieces, as one
// text: quoted-printable (RFC 2045 6.7), or 7bit where the body allows.
package qp

// lineMax is the longest line quoted-printable allows (RFC 2045 6.7),
// a soft line break's "=" included.
const lineMax = 76

// plain marks the bytes that stand for themselves in quoted-printable:
// printable ASCII but '='. Spaces and tabs do too, unless a line ends
// after them (literal).
var plain = func() (plain [256]bool) {
	for c := '!'; c <= '~'; c++ {
		plain[c] = c != '='
	}
	return plain
}()

// encoder writes quoted-printable (RFC 2045 6.7) for a text part: line
// breaks become CRLF; '=', control characters and bytes outside ASCII
// become =XX, as does white space at the end of a line; lines longer than
// 76 characters are cut with soft line breaks, never inside an =XX. A dot
// that would start a line becomes =2E too, so that a composed message goes
// as SMTP DATA as it is, with no line to dot-stuff. It copies runs of
// plain bytes where mime/quotedprintable goes a byte at a time through a
// buffered writer, and it encodes a text written in pieces: it keeps the
// column the last piece ended at. White space that ends a piece is
// encoded, as the encoder cannot see whether a line break follows; a CR
// and its LF must be in the same piece.
type encoder struct {
	b   []byte
	col int
}

func (e *encoder) write(text string) {
	const hexDigits = "0123456789ABCDEF"
	b, col := e.b, e.col
	for i := 0; i < len(text); {
		// The run of bytes that stay as they are and fit on the line.
		j, end := i, min(len(text), i+lineMax-1-col)
		if col == 0 && text[i] == '.' {
			end = i
		}
		for j < end && (plain[text[j]] || literal(text, j)) {
			j++
		}
		if j > i {
			b = append(b, text[i:j]...)
			col += j - i
			i = j
			continue
		}
		c := text[i]
		switch {
		case c == '\n' || c == '\r' && i+1 < len(text) && text[i+1] == '\n':
			b = append(b, '\r', '\n')
			col = 0
			i++
			if c == '\r' {
				i++
			}
		case c == '.' && col == 0:
			b = append(b, "=2E"...)
			col += 3
			i++
		case literal(text, i) || col+3 > lineMax-1:
			// The line is full: a soft line break.
			b = append(b, '=', '\r', '\n')
			col = 0
		default:
			b = append(b, '=', hexDigits[c>>4], hexDigits[c&0xf])
			col += 3
			i++
		}
	}
	e.b, e.col = b, col
}

// literal reports whether text[i] stays as it is.
func literal(text string, i int) bool {
	if c := text[i]; c == ' ' || c == '\t' {
		return i+1 < len(text) && text[i+1] != '\n' && text[i+1] != '\r'
	}
	return plain[text[i]]
}
