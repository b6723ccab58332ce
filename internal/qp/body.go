package qp

import (
	"slices"
	"strings"
	"sync"
)

// Body is the HTML or the text of an email as the pieces it was written
// from: a pass renders the template around the papers and each paper once
// for many digests, and a digest is those pieces with the reader's own
// values between them. Composing the message encodes the pieces one after
// the other, as one text, without joining them first.
type Body struct {
	pieces []string
}

// Text is a body written in one piece.
func Text(s string) Body {
	return Body{pieces: []string{s}}
}

// Add appends s to the body.
func (b *Body) Add(s string) {
	if s != "" {
		b.pieces = append(b.pieces, s)
	}
}

// String is the body as one text.
func (b Body) String() string {
	return strings.Join(b.pieces, "")
}

// Len is the body's length in bytes, before encoding.
func (b Body) Len() int {
	n := 0
	for _, p := range b.pieces {
		n += len(p)
	}
	return n
}

// EncodedLen is about how long the body is quoted-printable encoded.
func (b Body) EncodedLen() int {
	return b.Len() * 11 / 10
}

// AppendBody appends the body quoted-printable encoded to buf.
func AppendBody(buf []byte, b Body) []byte {
	e := encoder{b: buf}
	for _, p := range b.pieces {
		e.write(p)
	}
	return e.b
}

// Grow makes room for n more pieces, in the room of a body recycled
// when there is one.
func (b *Body) Grow(n int) {
	if b.pieces == nil {
		if p, ok := bodies.Get().(*[]string); ok {
			b.pieces = *p
		}
	}
	b.pieces = slices.Grow(b.pieces, n)
}

// Recycle gives the room of the body, no longer used, to one written
// after it; the body is empty after. A pass writes each digest's bodies
// in hundreds of pieces, and drops them once the message is composed.
func (b *Body) Recycle() {
	if cap(b.pieces) == 0 {
		return
	}
	p := b.pieces
	clear(p) // lest the room keep the pieces' texts alive
	p = p[:0]
	bodies.Put(&p)
	b.pieces = nil
}

// bodies are the rooms of bodies recycled.
var bodies sync.Pool
