package query

import (
	"fmt"
	"strings"
	"unicode"
)

type tokenKind int

const (
	tokEnd    tokenKind = iota
	tokOpen             // (
	tokClose            // )
	tokOr               // OR
	tokAnd              // AND
	tokNot              // NOT, or a "-" glued to what follows
	tokField            // title: … upvotes:
	tokWord             // a run of anything else, as typed
	tokPhrase           // "…"
)

// token is one lexeme of a query.
type token struct {
	kind   tokenKind
	raw    string // as typed, for error messages
	text   string // tokField: the lower-case name; tokPhrase: what is inside the quotes
	col    int    // column of the first character, from 1
	glued  bool   // no space between this token and the one before
	prefix bool   // tokPhrase: a "*" follows the closing quote
}

// lexer cuts a query into tokens on demand, so that the first error the
// parser reports is the leftmost one.
type lexer struct {
	rs    []rune
	i     int
	glued bool
}

// fieldNames lists the scopes in the order error messages name them.
const fieldNames = "title, abstract, author, cat, org, upvotes"

func (l *lexer) next() (token, error) {
	for l.i < len(l.rs) && unicode.IsSpace(l.rs[l.i]) {
		l.i++
		l.glued = false
	}
	start := l.i
	t := token{col: start + 1, glued: l.glued}
	l.glued = true
	if l.i == len(l.rs) {
		return t, nil
	}
	switch r := l.rs[l.i]; {
	case r == '(':
		t.kind = tokOpen
		l.i++
	case r == ')':
		t.kind = tokClose
		l.i++
	case r == '"':
		end := l.i + 1
		for end < len(l.rs) && l.rs[end] != '"' {
			end++
		}
		if end == len(l.rs) {
			return t, &Error{Column: t.col, Msg: "unterminated phrase starting"}
		}
		t.kind, t.text = tokPhrase, string(l.rs[l.i+1:end])
		l.i = end + 1
		if l.i < len(l.rs) && l.rs[l.i] == '*' {
			t.prefix = true
			l.i++
		}
	case r == '-':
		if l.i+1 == len(l.rs) || unicode.IsSpace(l.rs[l.i+1]) || l.rs[l.i+1] == ')' {
			return t, &Error{Column: t.col, Msg: `unexpected "-"`, Expected: `a word, phrase or group right after "-"`}
		}
		t.kind = tokNot
		l.i++
	default:
		end := l.i
		for end < len(l.rs) && !unicode.IsSpace(l.rs[end]) && !strings.ContainsRune(`()"`, l.rs[end]) {
			end++
		}
		if n := fieldLen(l.rs[l.i:end]); n > 0 {
			t.kind, t.text = tokField, strings.ToLower(string(l.rs[l.i:l.i+n]))
			l.i += n + 1
			t.raw = string(l.rs[start:l.i])
			if !isFieldName(t.text) {
				return t, &Error{Column: t.col, Msg: fmt.Sprintf("unknown field %q", t.raw), Expected: "one of " + fieldNames}
			}
			return t, nil
		}
		t.kind = tokWord
		switch string(l.rs[l.i:end]) {
		case "OR":
			t.kind = tokOr
		case "AND":
			t.kind = tokAnd
		case "NOT":
			t.kind = tokNot
		}
		l.i = end
	}
	t.raw = string(l.rs[start:l.i])
	return t, nil
}

func isFieldName(name string) bool {
	switch name {
	case "title", "abstract", "author", "cat", "org", "upvotes":
		return true
	}
	return false
}

// fieldLen returns the length of the field name that chunk starts with
// ("title" in "title:x"), or 0 when it does not start with letters and a colon.
func fieldLen(chunk []rune) int {
	for i, r := range chunk {
		switch {
		case r == ':' && i > 0:
			return i
		case r > unicode.MaxASCII || !unicode.IsLetter(r):
			return 0
		}
	}
	return 0
}
