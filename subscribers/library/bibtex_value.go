package library

import "strings"

// bibtexMonths are the month macros BibTeX predefines.
var bibtexMonths = map[string]string{
	"jan": "January", "feb": "February", "mar": "March", "apr": "April", "may": "May", "jun": "June",
	"jul": "July", "aug": "August", "sep": "September", "oct": "October", "nov": "November", "dec": "December",
}

// value reads a field value: braced or quoted text, a number or a macro
// name, or several joined with "#".
func (p *bibParser) value(e *bibEntry, field string) (string, error) {
	var b strings.Builder
	for {
		if p.pos >= len(p.src) {
			return "", p.unclosed(e)
		}
		switch c := p.src[p.pos]; {
		case c == '{' || c == '"':
			s, err := p.delimited(e, field)
			if err != nil {
				return "", err
			}
			b.WriteString(s)
		case c >= '0' && c <= '9':
			start := p.pos
			for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
				p.pos++
			}
			b.WriteString(p.src[start:p.pos])
		default:
			name := p.name()
			if name == "" {
				return "", malformed(p.lineOf(p.pos), "want a value for field %q of entry %q: {…}, \"…\", a number or a @string name; got %q", field, e.key, string(c))
			}
			b.WriteString(p.macro(name))
		}
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != '#' {
			return b.String(), nil
		}
		p.pos++
		p.skipSpace()
	}
}

// macro is the text of a @string name; a name never defined (a journal
// abbreviation from a file the reader did not send) stands for itself.
func (p *bibParser) macro(name string) string {
	if v, ok := p.macros[strings.ToLower(name)]; ok {
		return v
	}
	if v, ok := bibtexMonths[strings.ToLower(name)]; ok {
		return v
	}
	return name
}

// delimited reads "{…}" or "\"…\"" text with balanced braces inside and
// gives what is between the delimiters. Running into the next entry or the
// end of the file is an unbalanced "{" (or a quote never closed) where this
// value starts.
func (p *bibParser) delimited(e *bibEntry, field string) (string, error) {
	start, open := p.pos, p.src[p.pos]
	depth := 0
	if open == '{' {
		depth = 1
	}
	for i := start + 1; i < len(p.src); i++ {
		switch c := p.src[i]; {
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth < 0 {
				return "", malformed(p.lineOf(start), "quoted value of field %q in entry %q meets an unbalanced %q at line %d: a quote not closed?", field, e.key, "}", p.lineOf(i))
			}
			if depth == 0 && open == '{' {
				p.pos = i + 1
				return p.src[start+1 : i], nil
			}
		case c == '"' && open == '"' && depth == 0 && p.src[i-1] != '\\':
			p.pos = i + 1
			return p.src[start+1 : i], nil
		case c == '\n' && bibtexEntryStart.MatchString(p.src[i+1:]):
			return "", p.openValue(open, start, field, e)
		}
	}
	return "", p.openValue(open, start, field, e)
}

func (p *bibParser) openValue(open byte, start int, field string, e *bibEntry) error {
	if open == '"' {
		return malformed(p.lineOf(start), "unterminated %q in field %q of entry %q", `"`, field, e.key)
	}
	return malformed(p.lineOf(start), "unbalanced %q in field %q of entry %q", "{", field, e.key)
}
