// Package arxivid reads arXiv identifiers: a paper's identity in digestd
// is its arXiv id without version, however a source or a reader writes it.
package arxivid

import (
	"regexp"
	"strings"
)

// newStyleID and oldStyleID are arXiv's two id schemes, the version
// optional: "2401.01234v2" (since 2007), "hep-th/0601001v1" (before).
var (
	newStyleID = regexp.MustCompile(`^(\d{4}\.\d{4,5})(?:v(\d{1,6}))?$`)
	oldStyleID = regexp.MustCompile(`^([a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v(\d{1,6}))?$`)
)

// Parse splits what s is, as a whole, into its versionless arXiv id
// and its version (0 when s has none): a bare id new or old style
// ("2401.01234v2", "hep-th/0601001"), with an "arXiv:" prefix, or an
// arxiv.org abs/pdf/html or huggingface.co/papers link.
func Parse(s string) (id string, version int, ok bool) {
	s = strings.TrimSpace(s)
	rest, isURL := trimScheme(s)
	if host, path, ok := strings.Cut(rest, "/"); ok && isArxivHost(host) {
		kind, id, _ := strings.Cut(path, "/")
		if kind != "abs" && kind != "pdf" && kind != "html" {
			return "", 0, false
		}
		return bareID(trimURLTail(id))
	}
	if host, id, ok := strings.Cut(rest, "/papers/"); ok && strings.EqualFold(host, "huggingface.co") {
		return bareID(trimURLTail(id))
	}
	if isURL {
		return "", 0, false
	}
	if len(s) > len("arxiv:") && strings.EqualFold(s[:len("arxiv:")], "arxiv:") {
		s = strings.TrimSpace(s[len("arxiv:"):])
	}
	return bareID(s)
}

// bareID splits an id written alone into id and version.
func bareID(s string) (id string, version int, ok bool) {
	for _, re := range []*regexp.Regexp{newStyleID, oldStyleID} {
		if m := re.FindStringSubmatch(s); m != nil {
			for _, c := range m[2] {
				version = version*10 + int(c-'0')
			}
			return m[1], version, true
		}
	}
	return "", 0, false
}

func isArxivHost(host string) bool {
	host = strings.ToLower(host)
	return host == "arxiv.org" || host == "www.arxiv.org" || host == "export.arxiv.org"
}

// trimScheme drops "http://" or "https://", reporting whether there was one.
func trimScheme(s string) (string, bool) {
	for _, scheme := range []string{"https://", "http://"} {
		if len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
			return s[len(scheme):], true
		}
	}
	return s, false
}

// trimURLTail drops what may follow an id in a link: a query, a fragment, a
// trailing slash, ".pdf".
func trimURLTail(s string) string {
	s, _, _ = strings.Cut(s, "?")
	s, _, _ = strings.Cut(s, "#")
	s = strings.TrimSuffix(s, "/")
	return strings.TrimSuffix(s, ".pdf")
}
