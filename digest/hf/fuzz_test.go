package hf

import (
	"os"
	"testing"
	"unicode/utf8"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/internal/arxivid"
)

// FuzzParse feeds the Daily Papers parser arbitrary bytes: it never panics,
// and every paper it returns has a versionless arXiv id, a title, text
// without line breaks and valid UTF-8.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"hf_daily_papers_2026-07-31_5items_pretty.json"} {
		b, err := os.ReadFile("../../testdata/fixtures/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, seed := range []string{
		`[]`, `null`, `{}`, `[null]`, `[{"paper":null}]`, `[{"paper":{"id":"2410.13276","title":"T"}}]`,
		`[{"paper":{"id":"2410.13276v2","title":"<script>x</script>","authors":[{"name":"A\r\nB"}],"organization":{"name":"o"}}}]`,
		`[{"paper":{"id":"hep-th/0601001","upvotes":-1,"ai_keywords":[null,""]},"title":"x\u202e"}]`,
		`[{"paper":{"id":"2410.13276","title":"a"}},{"paper":{"id":"2410.13276","title":"b"}}]`,
		"[{\"paper\":{\"id\":\"2410.13276\",\"title\":\"\xff\xfe\"}}]", `[{"paper":{"id":"1","title":"t"}}]`, `[1,"a",[]]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		page, err := Parse(data)
		if err != nil {
			return
		}
		for _, p := range page.Papers {
			if id, v, ok := arxivid.Parse(p.ID); !ok || id != p.ID || v != 0 {
				t.Fatalf("paper id %q is not a versionless arXiv id", p.ID)
			}
			checkText(t, p)
		}
	})
}

// checkText fails on a title, abstract or author with a line break or
// invalid UTF-8: clean and the JSON decoder rule both out.
func checkText(t *testing.T, p digest.Paper) {
	t.Helper()
	if p.Title == "" {
		t.Fatalf("paper %s: empty title", p.ID)
	}
	for _, s := range append([]string{p.Title, p.Abstract, p.Org}, p.Authors...) {
		if !utf8.ValidString(s) {
			t.Fatalf("paper %s: invalid UTF-8 in %q", p.ID, s)
		}
		for _, r := range s {
			if r == '\n' || r == '\r' {
				t.Fatalf("paper %s: line break in %q", p.ID, s)
			}
		}
	}
}
