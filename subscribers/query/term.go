package query

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// textTerm turns a word or a phrase into a Term of field f.
func textTerm(f Field, t token) (Node, error) {
	text, prefix := t.text, t.prefix
	if t.kind == tokWord {
		text, prefix = strings.CutSuffix(t.raw, "*")
		if i := strings.IndexRune(text, '*'); i >= 0 {
			return nil, &Error{Column: t.col + utf8.RuneCountInString(text[:i]), Msg: `misplaced "*"`,
				Expected: `"*" only at the end of a word, as in quantiz*`}
		}
	}
	var words []string
	for _, w := range Words(text) {
		words = append(words, w.Text)
	}
	switch {
	case len(words) > 0:
		return Term{Field: f, Words: words, Prefix: prefix}, nil
	case t.kind == tokPhrase:
		return nil, &Error{Column: t.col, Msg: "empty phrase", Expected: "letters or digits between the quotes"}
	}
	return nil, &Error{Column: t.col, Msg: fmt.Sprintf("unexpected %q", t.raw), Expected: "a word or phrase"}
}

var (
	upvotesPattern  = regexp.MustCompile(`^(>=|<=|>|<|=)?([0-9]{1,9})$`)
	categoryPattern = regexp.MustCompile(`^([a-z][a-z0-9-]*)(\.\*|\.[a-z0-9-]+)?$`)
)

func upvotesTerm(t token) (Node, error) {
	m := upvotesPattern.FindStringSubmatch(t.raw)
	if m == nil {
		return nil, &Error{Column: t.col, Msg: fmt.Sprintf("invalid upvotes %q", t.raw),
			Expected: "a count such as 10, >=10 or <5"}
	}
	n, _ := strconv.Atoi(m[2])
	if m[1] == "" {
		m[1] = ">="
	}
	return Upvotes{Op: m[1], N: n}, nil
}

func catTerm(t token) (Node, error) {
	m := categoryPattern.FindStringSubmatch(strings.ToLower(t.raw))
	if m == nil {
		return nil, &Error{Column: t.col, Msg: fmt.Sprintf("invalid category %q", t.raw),
			Expected: "an arXiv category such as cs.CL, or an archive such as cs.*"}
	}
	if m[2] == "" || m[2] == ".*" {
		return Term{Field: FieldCat, Words: []string{m[1]}, Prefix: true}, nil
	}
	return Term{Field: FieldCat, Words: []string{m[1] + m[2]}}, nil
}
