package library

import "strings"

// parseList reads a list of papers, one per line: an arXiv id (new or old
// style, with or without version or "arXiv:"), an arXiv or Hugging Face
// paper link, or a DOI (bare, "doi:…" or a doi.org link). Blank lines and
// lines starting with "#" are skipped.
func parseList(src string, c *collector) error {
	n := 0
	for line := range strings.Lines(src) {
		n++
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ref := Ref{Line: n}
		ref.addArxiv(line)
		ref.addDOI(line)
		if ref.ArxivID == "" && ref.DOI == "" {
			return malformed(n, "%q is not an arXiv id, an arXiv link or a DOI (a library is BibTeX, RIS, a Zotero CSV export, or one of these per line)", clip(line))
		}
		if err := c.add(ref); err != nil {
			return err
		}
	}
	return nil
}
