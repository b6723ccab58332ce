package library

import (
	"regexp"
	"sort"
	"strings"
)

var (
	// bibtexEntryStart is "@type{" or "@type(" at the start of a line: where a
	// value that runs on has run into the next entry.
	bibtexEntryStart = regexp.MustCompile(`^[ \t]*@[A-Za-z]+[ \t]*[{(]`)
	// bibtexFieldLine is a line that looks like a field of its own, "author =
	// {": inside a value it tells that the value swallowed the next field.
	bibtexFieldLine = regexp.MustCompile(`(?m)^[ \t]*[A-Za-z][\w\-]*[ \t]*=[ \t]*["{0-9]`)
)

// bibParser reads BibTeX: "@type{key, field = value, …}" entries (or with
// parentheses), @string macros, and text outside entries, which BibTeX
// ignores as comment.
type bibParser struct {
	src    string
	pos    int
	starts []int             // byte offset where each line starts
	macros map[string]string // @string names, lower case, to raw values
	last   *bibEntry         // the entry read last, for errors after it
	lastAt int               // where it closed
}

// parseBibTeX reads a BibTeX library.
func parseBibTeX(src string, c *collector) error {
	p := &bibParser{src: src, starts: []int{0}, macros: map[string]string{}}
	for i := range len(src) {
		if src[i] == '\n' {
			p.starts = append(p.starts, i+1)
		}
	}
	for {
		at, err := p.nextEntry()
		if err != nil || at < 0 {
			return err
		}
		e, err := p.entry(at)
		if err != nil {
			return err
		}
		if e != nil {
			if err := c.add(e.ref()); err != nil {
				return err
			}
		}
	}
}

// lineOf is the line, counting from 1, of a byte offset.
func (p *bibParser) lineOf(pos int) int {
	return sort.Search(len(p.starts), func(i int) bool { return p.starts[i] > pos })
}

// nextEntry skips text outside entries up to the next "@" that starts one,
// returning its offset or -1 at the end. A "}" there closes nothing: an entry
// before it closed early.
func (p *bibParser) nextEntry() (int, error) {
	depth := 0
	for ; p.pos < len(p.src); p.pos++ {
		switch p.src[p.pos] {
		case '%':
			if p.atLineStart() {
				p.pos = p.lineEnd(p.pos)
			}
		case '@':
			if bibtexEntryStart.MatchString(p.src[p.pos:]) {
				return p.pos, nil
			}
			if p.atLineStart() {
				return -1, malformed(p.lineOf(p.pos), "want %q after %q", "{", clip(strings.TrimSpace(p.src[p.pos:p.lineEnd(p.pos)])))
			}
		case '{':
			depth++
		case '}':
			if depth--; depth < 0 {
				if p.last != nil {
					return -1, malformed(p.lineOf(p.pos), "unbalanced %q: entry %q already closed at line %d", "}", p.last.key, p.lineOf(p.lastAt))
				}
				return -1, malformed(p.lineOf(p.pos), "unbalanced %q outside any entry", "}")
			}
		}
	}
	return -1, nil
}

func (p *bibParser) atLineStart() bool {
	start := p.starts[p.lineOf(p.pos)-1]
	return strings.TrimLeft(p.src[start:p.pos], " \t") == ""
}

func (p *bibParser) lineEnd(pos int) int {
	if i := strings.IndexByte(p.src[pos:], '\n'); i >= 0 {
		return pos + i
	}
	return len(p.src)
}

// entry reads the entry whose "@" is at offset at. @comment and @preamble
// are skipped and @string defines a macro: they give a nil entry.
func (p *bibParser) entry(at int) (*bibEntry, error) {
	p.pos = at + 1
	p.skipSpace()
	typ := strings.ToLower(p.name())
	p.skipSpace()
	closer := byte('}')
	if p.src[p.pos] == '(' {
		closer = ')'
	}
	p.pos++
	e := &bibEntry{key: "@" + typ, line: p.lineOf(at), fields: map[string]string{}}
	switch typ {
	case "comment", "preamble":
		return nil, p.skipGroup(e, closer)
	case "string":
		if err := p.fields(e, closer); err != nil {
			return nil, err
		}
		for _, f := range e.order {
			p.macros[f.name] = e.fields[f.name]
		}
		return nil, nil
	}
	p.skipSpace()
	start := p.pos
	for p.pos < len(p.src) && !strings.ContainsRune(",{}()=\" \t\n", rune(p.src[p.pos])) {
		p.pos++
	}
	e.key = p.src[start:p.pos]
	p.skipSpace()
	switch {
	case e.key == "":
		return nil, malformed(p.lineOf(p.pos), "want a citation key after %q", "@"+typ+"{")
	case p.pos < len(p.src) && p.src[p.pos] == closer:
		p.pos++
	case p.pos < len(p.src) && p.src[p.pos] == ',':
		p.pos++
		if err := p.fields(e, closer); err != nil {
			return nil, err
		}
	default:
		return nil, malformed(p.lineOf(p.pos), "want %q after the key of entry %q", ",", e.key)
	}
	p.last, p.lastAt = e, p.pos-1
	return e, nil
}

// fields reads "name = value" pairs separated by commas up to the closer.
func (p *bibParser) fields(e *bibEntry, closer byte) error {
	for {
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] == '@' {
			return p.unclosed(e)
		}
		if p.src[p.pos] == closer {
			p.pos++
			return nil
		}
		name := strings.ToLower(p.name())
		if name == "" {
			return malformed(p.lineOf(p.pos), "want a field name or %q in entry %q, got %q", string(closer), e.key, string(p.src[p.pos]))
		}
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != '=' {
			return malformed(p.lineOf(p.pos), "want %q after field %q in entry %q", "=", name, e.key)
		}
		p.pos++
		p.skipSpace()
		start := p.pos
		v, err := p.value(e, name)
		if err != nil {
			return err
		}
		end := len(strings.TrimRight(p.src[:p.pos], " \t\n")) // where the value's last part ends
		if _, dup := e.fields[name]; !dup {
			e.fields[name] = v
			e.order = append(e.order, bibField{name: name, start: start})
		}
		p.skipSpace()
		switch {
		case p.pos >= len(p.src) || p.src[p.pos] == '@':
			return p.unclosed(e)
		case p.src[p.pos] == ',':
			p.pos++
		case p.src[p.pos] != closer:
			return malformed(p.lineOf(end-1), "want %q or %q after field %q of entry %q", ",", string(closer), name, e.key)
		}
	}
}

// unclosed is the error for an entry that never closes: an unbalanced "{"
// in the field that swallowed the next field, or else in the entry itself.
func (p *bibParser) unclosed(e *bibEntry) error {
	for _, f := range e.order {
		if bibtexFieldLine.MatchString(e.fields[f.name]) {
			return malformed(p.lineOf(f.start), "unbalanced %q in field %q of entry %q", "{", f.name, e.key)
		}
	}
	return malformed(e.line, "unbalanced %q in entry %q: nothing closes it", "{", e.key)
}

// skipGroup skips the body of @comment or @preamble.
func (p *bibParser) skipGroup(e *bibEntry, closer byte) error {
	depth := 0
	for ; p.pos < len(p.src); p.pos++ {
		switch c := p.src[p.pos]; {
		case c == closer && depth == 0:
			p.pos++
			return nil
		case c == '{':
			depth++
		case c == '}':
			depth--
		}
	}
	return malformed(e.line, "unbalanced %q in %s: nothing closes it", "{", e.key)
}

// name reads a field, macro or entry-type name.
func (p *bibParser) name() string {
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || p.pos > start && (c >= '0' && c <= '9' || strings.IndexByte("-:.+/", c) >= 0) {
			p.pos++
			continue
		}
		break
	}
	return p.src[start:p.pos]
}

func (p *bibParser) skipSpace() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\n", p.src[p.pos]) >= 0 {
		p.pos++
	}
}
