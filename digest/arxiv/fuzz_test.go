package arxiv

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/digestd/digestd/internal/arxivid"
)

// FuzzParse feeds the Atom parser arbitrary bytes: it never panics, an
// error names arXiv, and every paper has a versionless arXiv id, one-line
// text and well-formed categories.
func FuzzParse(f *testing.F) {
	for _, name := range []string{
		"arxiv_api_empty_totalResults0.xml", "arxiv_api_error_incorrect_id_format_http400.xml",
		"arxiv_api_oldformat_2025-10_csRO_2entries.xml", "arxiv_api_idlist_astro-ph_0601001_oldid_affiliation.xml",
	} {
		b, err := os.ReadFile("../../testdata/fixtures/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	const feed = `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">%s</feed>`
	for _, entry := range []string{
		``, `<entry><id>http://arxiv.org/abs/2410.13276v1</id><title>T</title></entry>`,
		`<entry><id>x</id></entry>`, `<entry><id>2410.13276</id><title>&lt;script&gt;</title><author><name>A
B</name></author><category term="cs.CL"/><category term="14A20, 14L30"/></entry>`,
		`<entry><id>2410.13276</id></entry><entry><id>2410.13276v2</id></entry>`, `<entry>`, `<!DOCTYPE x [<!ENTITY a "b">]>`,
	} {
		f.Add([]byte(strings.Replace(feed, "%s", entry, 1)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		feed, err := Parse(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "arxiv: ") && !errors.Is(err, ErrAPI) {
				t.Fatalf("error %q does not name arxiv", err)
			}
			return
		}
		for _, p := range feed.Papers {
			if id, _, ok := arxivid.Parse(p.ID); !ok || id != p.ID {
				t.Fatalf("paper id %q is not a versionless arXiv id", p.ID)
			}
			for _, s := range append([]string{p.Title, p.Abstract}, p.Authors...) {
				if strings.ContainsAny(s, "\r\n") {
					t.Fatalf("paper %s: line break in %q", p.ID, s)
				}
			}
			for _, c := range p.Categories {
				if !category.MatchString(c) {
					t.Fatalf("paper %s: category %q", p.ID, c)
				}
			}
		}
	})
}
