package email

import (
	"bytes"
	"strings"
)

// Body is the HTML or the text of an email as the pieces it was written
// from. Most of a digest is text many digests share — the template around
// the papers, each paper — which is encoded for the message once, when it
// is rendered; composing a digest then copies those pieces and encodes
// only the reader's own: their links, the subject, the numbering.
type Body struct {
	pieces []piece
}

// piece is a run of a body: s, or when enc is set, s and the text enc
// encodes.
type piece struct {
	s   string
	enc *qpText
}

// BodyOf is a body written in one piece.
func BodyOf(s string) Body {
	return Body{pieces: []piece{{s: s}}}
}

// sharedPiece is text many messages carry: all but its first line is
// encoded now, once, and kept only encoded; the first line is encoded
// where it falls (qpText). Text with a CR, which the encoding would not
// give back, is kept as it is.
func sharedPiece(s string) piece {
	// A pass keeps thousands of these: they take no more room than they
	// need, nor keep the text they were cut from.
	if strings.IndexByte(s, '\r') >= 0 {
		return piece{s: strings.Clone(s)}
	}
	first := strings.IndexByte(s, '\n') + 1
	if first == 0 {
		return repeatedPiece(strings.Clone(s))
	}
	e := qpEncoder{b: make([]byte, 0, (len(s)-first)*3/2)}
	e.write(s[first:])
	return piece{s: strings.Clone(s[:first]), enc: &qpText{rest: bytes.Clone(e.b), col: e.col, n: len(s) - first}}
}

// repeatedPiece is text that the messages it goes in carry many times,
// or many messages at the same column: it is kept as it is, and encoded
// as it falls, the encoding kept as last written (qpText).
func repeatedPiece(s string) piece {
	return piece{s: s, enc: &qpText{}}
}

// text is the piece's text.
func (p piece) text() string {
	if p.enc == nil {
		return p.s
	}
	return p.s + p.enc.decode()
}

func (p piece) len() int {
	if p.enc == nil {
		return len(p.s)
	}
	return len(p.s) + p.enc.n
}

func (b *Body) add(p piece) {
	if p.len() > 0 {
		b.pieces = append(b.pieces, p)
	}
}

func (b *Body) addString(s string) {
	b.add(piece{s: s})
}

// String is the body as one text.
func (b Body) String() string {
	var s strings.Builder
	s.Grow(b.Len())
	for _, p := range b.pieces {
		s.WriteString(p.text())
	}
	return s.String()
}

// Len is the body's length in bytes, before encoding.
func (b Body) Len() int {
	n := 0
	for _, p := range b.pieces {
		n += p.len()
	}
	return n
}

// encodedLen is about how long the body is quoted-printable encoded.
func (b Body) encodedLen() int {
	n := 0
	for _, p := range b.pieces {
		n += len(p.s) * 11 / 10
		if p.enc != nil {
			n += len(p.enc.rest)
		}
	}
	return n
}

// writeBody encodes the body into e: shared pieces are copied, the rest
// encoded.
func (e *qpEncoder) writeBody(b Body) {
	for _, p := range b.pieces {
		if p.enc != nil {
			e.writeEncoded(p.s, p.enc)
		} else {
			e.write(p.s)
		}
	}
}
