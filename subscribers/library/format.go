package library

import (
	"regexp"
	"strings"
)

// Format is a kind of library file.
type Format string

// The formats Parse reads.
const (
	BibTeX Format = "bibtex"
	RIS    Format = "ris"
	CSV    Format = "csv" // Zotero's CSV export, or any CSV whose header names a DOI, Url, Extra or arXiv column
	List   Format = "list"
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
