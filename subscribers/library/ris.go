package library

import (
	"slices"
	"strings"
)

// What the RIS tags of a record tell about its paper; other tags are read
// and ignored. TI/T1 hold the title, DO the DOI, UR and L1/L2 links (Zotero
// writes an arXiv preprint's abs page in UR), N1 notes ("arXiv:2401.01234
// [cs]"), JO/JF/JA/J2/T2 the journal ("arXiv preprint arXiv:…"), AN, M1 and M3
// identifiers some exporters use.
var (
	risTitle = []string{"TI", "T1"}
	risDOI   = []string{"DO"}
	risLink  = []string{"UR", "L1", "L2"}
	risText  = []string{"N1", "JO", "JF", "JA", "J2", "T2", "AN", "M1", "M3"}
)

// risRecord is one record between "TY  - " and "ER  - ".
type risRecord struct {
	line   int
	tags   []string
	values [][]string // each tag's value: its line and the lines that continue it
}

// parseRIS reads a RIS library: records of "XX  - value" lines, each from a
// TY line to an ER line. Blank lines may come anywhere; a line inside a
// record without a tag continues the value above it, as some exporters wrap
// long values.
func parseRIS(src string, c *collector) error {
	var rec *risRecord
	n := 0
	for line := range strings.Lines(src) {
		n++
		line = strings.TrimRight(line, " \t\n")
		if strings.TrimSpace(line) == "" {
			continue
		}
		m := risLine.FindStringSubmatch(line)
		switch {
		case m == nil && rec == nil:
			return malformed(n, "want a %q line to start a record, got %q", "TY  - ", clip(line))
		case m == nil && len(rec.values) == 0:
			return malformed(n, "want a tag line such as %q, got %q", "TI  - title", clip(line))
		case m == nil:
			last := &rec.values[len(rec.values)-1]
			*last = append(*last, strings.TrimSpace(line))
		case m[1] == "TY" && rec != nil:
			return malformed(rec.line, "record has no %q line before the next %q at line %d", "ER  - ", "TY  - ", n)
		case m[1] == "TY":
			rec = &risRecord{line: n}
		case rec == nil:
			return malformed(n, "want a %q line to start a record, got %q", "TY  - ", clip(line))
		case m[1] == "ER":
			if err := c.add(rec.ref()); err != nil {
				return err
			}
			rec = nil
		default:
			rec.tags = append(rec.tags, m[1])
			rec.values = append(rec.values, []string{strings.TrimSpace(m[2])})
		}
	}
	if rec != nil {
		return malformed(rec.line, "record has no %q line before the end of the file", "ER  - ")
	}
	return nil
}

// ref is the paper a record names.
func (rec *risRecord) ref() Ref {
	ref := Ref{Line: rec.line}
	for i, tag := range rec.tags {
		v := strings.Join(rec.values[i], " ")
		switch {
		case ref.Title == "" && slices.Contains(risTitle, tag):
			ref.Title = strings.Join(strings.Fields(v), " ")
		case slices.Contains(risDOI, tag):
			ref.addDOI(v)
		case slices.Contains(risLink, tag):
			ref.addLink(v)
		case slices.Contains(risText, tag):
			ref.addText(v)
		}
	}
	return ref
}

// clip shortens a line quoted in an error.
func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:57]) + "..."
	}
	return s
}
