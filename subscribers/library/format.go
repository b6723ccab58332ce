package library

import (
	"regexp"
	"strings"
)

// Format is a kind of library file.
type Format string

// The formats Parse reads.
const (
	// BibTeX is a .bib file: Zotero's, Google Scholar's, arXiv's or DBLP's
	// export, or one kept by hand.
	BibTeX Format = "bibtex"
	// RIS is a RIS export (Zotero, EndNote, Mendeley, publishers).
	RIS Format = "ris"
	// CSV is Zotero's CSV export, or any CSV whose header names a DOI, Url,
	// Extra or arXiv column.
	CSV Format = "csv"
	// List is arXiv ids, arXiv links and DOIs, one per line.
	List Format = "list"
)

var (
	risLine    = regexp.MustCompile(`^([A-Z][A-Z0-9]) {1,2}-(?: (.*))?$`)
	bibtexType = regexp.MustCompile(`(?m)^[ \t]*@[A-Za-z]+[ \t]*[{(]`)
)

// detect tells a library's format from its content.
func detect(src string) Format {
	first := firstLine(src)
	switch {
	case risLine.MatchString(first):
		return RIS
	case csvHeader(first):
		return CSV
	case strings.HasPrefix(first, "@"), strings.HasPrefix(first, "%"), bibtexType.MatchString(src):
		return BibTeX
	}
	return List
}

// firstLine is the first line of src that is not blank, trimmed.
func firstLine(src string) string {
	for line := range strings.Lines(src) {
		if t := strings.TrimSpace(line); t != "" {
			return t
		}
	}
	return ""
}
