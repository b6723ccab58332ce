package library

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/digestd/digestd/internal/arxivid"
)

var (
	doiPattern = regexp.MustCompile(`^10\.\d{4,9}/\S+$`)

	// arxivMention finds the places in free text where an arXiv id may follow:
	// "arXiv:2401.01234", "arXiv preprint arXiv:2401.01234", "arXiv: 2401.01234",
	// arXiv's DOI "10.48550/arXiv.2401.01234", and abs/pdf/html links.
	arxivMention = regexp.MustCompile(`(?i)(?:arxiv\.org/(?:abs|pdf|html)/|huggingface\.co/papers/|arxiv\s*[:.]?\s*)`)
	idToken      = regexp.MustCompile(`^[A-Za-z0-9.\-/]+`)
)

// arxivDOIPrefix starts the DOIs arXiv gives its own papers: the rest is the id.
const arxivDOIPrefix = "10.48550/arxiv."

// trimScheme drops "http://" or "https://", reporting whether there was one.
func trimScheme(s string) (string, bool) {
	for _, scheme := range []string{"https://", "http://"} {
		if len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
			return s[len(scheme):], true
		}
	}
	return s, false
}

// findArxivID returns the first arXiv id that free text names: after
// "arXiv:" (or "arXiv " or arXiv's DOI prefix "arXiv."), or in an arxiv.org
// or huggingface.co/papers link. A number that no "arXiv" or link announces
// is not taken: page ranges and report numbers look like ids too.
func findArxivID(text string) (string, bool) {
	for _, loc := range arxivMention.FindAllStringIndex(text, -1) {
		tok := idToken.FindString(text[loc[1]:])
		tok = strings.TrimRight(strings.TrimSuffix(tok, ".pdf"), "./")
		if id, _, ok := arxivid.Parse(tok); ok {
			return id, true
		}
	}
	return "", false
}

// ParseDOI returns the DOI that s is, as a whole, in lower case (DOIs ignore
// case): bare ("10.1145/3442188.3445922"), with a "doi:" prefix, or as a
// doi.org link.
func ParseDOI(s string) (string, bool) {
	doi, ok := doiOf(s)
	return strings.ToLower(doi), ok
}

// doiOf is ParseDOI keeping the case, which the ids in arXiv's DOIs need
// ("10.48550/arXiv.math.GT/0309136").
func doiOf(s string) (string, bool) {
	s = strings.TrimSpace(s)
	rest, isURL := trimScheme(s)
	lower := strings.ToLower(rest)
	switch {
	case strings.HasPrefix(lower, "doi.org/"), strings.HasPrefix(lower, "dx.doi.org/"), strings.HasPrefix(lower, "www.doi.org/"):
		_, path, _ := strings.Cut(rest, "/")
		unescaped, err := url.PathUnescape(path)
		if err != nil {
			return "", false
		}
		rest = unescaped
	case isURL:
		return "", false
	case strings.HasPrefix(lower, "doi:"):
		rest = strings.TrimSpace(rest[len("doi:"):])
	}
	if !doiPattern.MatchString(rest) {
		return "", false
	}
	return rest, true
}
