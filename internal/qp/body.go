package qp

import (
	"bytes"
	"slices"
	"strings"
)

// Body is the HTML or the text of an email as the pieces it was written
// from. Most of a digest is text many digests share — the template around
// the papers, each paper — which is encoded for the message once, when it
// is rendered; composing a digest then copies those pieces and encodes
// only the reader's own: their links, the subject, the numbering.
type Body struct {
	pieces []Piece
}

// Piece is a run of a body: s, or when enc is set, s and the text enc
// encodes.
type Piece struct {
	s   string
	enc *encoded
}

// Text is a body written in one piece.
func Text(s string) Body {
	return Body{pieces: []Piece{{s: s}}}
}

// Shared is text many messages carry: all but its first line is
// encoded now, once, and kept only encoded; the first line is encoded
// where it falls (encoded). Text with a CR, which the encoding would not
// give back, is kept as it is.
func Shared(s string) Piece {
	// A pass keeps thousands of these: they take no more room than they
	// need, nor keep the text they were cut from.
	if strings.IndexByte(s, '\r') >= 0 {
		return Piece{s: strings.Clone(s)}
	}
	first := strings.IndexByte(s, '\n') + 1
	if first == 0 {
		return Repeated(strings.Clone(s))
	}
	e := encoder{b: make([]byte, 0, (len(s)-first)*3/2)}
	e.write(s[first:])
	return Piece{s: strings.Clone(s[:first]), enc: &encoded{rest: bytes.Clone(e.b), col: e.col, n: len(s) - first}}
}

// Repeated is text that the messages it goes in carry many times,
// or many messages at the same column: it is kept as it is, and encoded
// as it falls, the encoding kept as last written (encoded).
func Repeated(s string) Piece {
	return Piece{s: s, enc: &encoded{}}
}

// text is the piece's text.
func (p Piece) text() string {
	if p.enc == nil {
		return p.s
	}
	return p.s + p.enc.decode()
}

// Len is the piece's length in bytes, before encoding.
func (p Piece) Len() int {
	if p.enc == nil {
		return len(p.s)
	}
	return len(p.s) + p.enc.n
}

// Add appends p to the body.
func (b *Body) Add(p Piece) {
	if p.Len() > 0 {
		b.pieces = append(b.pieces, p)
	}
}

// AddString appends s, encoded when the body is written.
func (b *Body) AddString(s string) {
	b.Add(Piece{s: s})
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
		n += p.Len()
	}
	return n
}

// EncodedLen is about how long the body is quoted-printable encoded.
func (b Body) EncodedLen() int {
	n := 0
	for _, p := range b.pieces {
		n += len(p.s) * 11 / 10
		if p.enc != nil {
			n += len(p.enc.rest)
		}
	}
	return n
}

// AppendBody appends the body quoted-printable encoded to buf: shared
// pieces are copied, the rest encoded.
func AppendBody(buf []byte, b Body) []byte {
	e := encoder{b: buf}
	e.writeBody(b)
	return e.b
}

func (e *encoder) writeBody(b Body) {
	for _, p := range b.pieces {
		if p.enc != nil {
			e.writeEncoded(p.s, p.enc)
		} else {
			e.write(p.s)
		}
	}
}

// Grow makes room for n more pieces.
func (b *Body) Grow(n int) {
	b.pieces = slices.Grow(b.pieces, n)
}
