package digest

import (
	"strings"
	"unicode/utf8"
)

// Caps on what one paper may carry, applied by the store whatever the
// source: a hostile or broken feed cannot bloat the database, the digests
// (Gmail clips mail past about 102 KB) or the pages.
const (
	MaxTitle    = 500    // characters
	MaxAbstract = 20_000 // bytes, for the abstract and the AI summary
	MaxName     = 200    // characters, for an author or organisation name
	MaxAuthors  = 1000   // names kept, in order: large collaborations list thousands
	MaxKeywords = 50
	MaxField    = 2000 // bytes, for links, comment, DOI and journal reference
)

// Capped is p with its text cut to the caps, without the characters that
// can only mislead a reader: control characters and the bidi overrides and isolates
// (U+202A–U+202E, U+2066–U+2069) that make text display in another order.
func (p Paper) Capped() Paper {
	p.Title = capText(p.Title, MaxTitle)
	p.Abstract = capBytes(p.Abstract, MaxAbstract)
	p.AISummary = capBytes(p.AISummary, MaxAbstract)
	p.Org = capText(p.Org, MaxName)
	p.Authors = capList(p.Authors, MaxAuthors, MaxName)
	p.AIKeywords = capList(p.AIKeywords, MaxKeywords, MaxName)
	p.GithubRepo, p.ProjectPage = capBytes(p.GithubRepo, MaxField), capBytes(p.ProjectPage, MaxField)
	p.Comment, p.DOI, p.JournalRef = capBytes(p.Comment, MaxField), capBytes(p.DOI, MaxField), capBytes(p.JournalRef, MaxField)
	return p
}

func capList(l []string, n, chars int) []string {
	if len(l) > n {
		l = l[:n]
	}
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = capText(s, chars)
	}
	return out
}

// capText makes s one line of at most n characters, marking a cut with "…".
func capText(s string, n int) string {
	s = strings.Join(strings.Fields(sanitize(s)), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// capBytes keeps at most n bytes of s, cut between characters.
func capBytes(s string, n int) string {
	s = sanitize(s)
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func sanitize(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r < 0x20, r >= 0x7f && r < 0xa0, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return -1
		}
		return r
	}, s)
}
