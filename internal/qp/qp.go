// Package qp writes quoted-printable text (RFC 2045 6.7) for mail: a
// whole text, or a body written from pieces, some of which many messages
// share and which are encoded once for them all.
package qp

import (
	"bytes"
	"fmt"
	"io"
	"mime/quotedprintable"
	"strings"
	"sync/atomic"
)

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

// Append appends text quoted-printable encoded (RFC 2045 6.7) to b, as
// a text part: line breaks become CRLF; '=', control characters and bytes
// outside ASCII become =XX, as does white space at the end of a line; lines
// longer than 76 characters are cut with soft line breaks, never inside an
// =XX. A dot that would start a line becomes =2E too, so that a composed
// message goes as SMTP DATA as it is, with no line to dot-stuff.
// mime/quotedprintable encodes one byte at a time through a buffered
// writer; every digest is ~50 KB encoded for its reader alone, and copying
// runs of plain bytes is several times faster.
func Append(b []byte, text string) []byte {
	e := encoder{b: b}
	e.write(text)
	return e.b
}

// encoder encodes a text written in pieces: it keeps the column the
// last piece ended at. White space that ends a piece is encoded, as the
// encoder cannot see whether a line break follows; a CR and its LF must
// be in the same piece.
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

// encoded is text encoded once for the many messages that carry it:
// all of it but its first line, which is encoded where it falls, as it
// depends on the column it starts at. The first line is kept encoded too,
// as it was last written: the pieces of a digest start at the same
// columns for most readers.
type encoded struct {
	rest  []byte // the text after its first line, encoded from a line's start
	col   int    // the column rest ends at
	n     int    // the length of the text rest encodes
	first atomic.Pointer[encodedLine]
}

// encodedLine is a text's first line encoded from column col to column end.
type encodedLine struct {
	col, end int
	enc      []byte
}

// writeEncoded writes a text encoded once, first its first line.
func (e *encoder) writeEncoded(first string, q *encoded) {
	if l := q.first.Load(); l != nil && l.col == e.col {
		e.b = append(e.b, l.enc...)
		e.col = l.end
	} else {
		start, col := len(e.b), e.col
		e.write(first)
		q.first.Store(&encodedLine{col: col, end: e.col, enc: bytes.Clone(e.b[start:])})
	}
	if q.n == 0 {
		return
	}
	e.b = append(e.b, q.rest...)
	e.col = q.col
}

// decode gives back the text q encodes, which has no CR (Shared):
// its CRLF line breaks become LF again.
func (q *encoded) decode() string {
	dec, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(q.rest)))
	if err != nil {
		// appendQP's output always decodes; a failure is a bug here.
		panic(fmt.Sprintf("decode quoted-printable digestd encoded: %v", err))
	}
	return strings.ReplaceAll(string(dec), "\r\n", "\n")
}

// literal reports whether text[i] stays as it is.
func literal(text string, i int) bool {
	if c := text[i]; c == ' ' || c == '\t' {
		return i+1 < len(text) && text[i+1] != '\n' && text[i+1] != '\r'
	}
	return plain[text[i]]
}
