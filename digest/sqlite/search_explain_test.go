package sqlite_test

import (
	"strings"
	"testing"

	"github.com/digestd/digestd/digest/sqlite"
	"github.com/digestd/digestd/subscribers/query"
)

func TestExplain(t *testing.T) {
	tests := []struct {
		qtext string
		want  []string
	}{
		{`"long context" -lora author:"D. Wübben"`, []string{
			`query:     "long context" -lora author:"d wubben"`,
			`condition: (p.id IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH :q0 AND rowid > :after AND rowid <= :until AND EXISTS (`,
			`  :q0 = 'authors : ("d" * + "wubben")'`,
			`  :q1 = '(({title abstract} : "long context") NOT {title abstract} : "lora")'`,
			`relevance: -bm25(papers_fts, 4.0, 1.0, 2.0, 1.0, 2.0) for MATCH '{title abstract} : "long context" OR authors : ("d" * + "wubben")'`,
		}},
		{`cat:cs.* upvotes:5`, []string{
			`  :q0 = 'cs'`, `  :q1 = 'cs.%'`, `p.upvotes >= :q2`, `  :q2 = 5`,
			`relevance: 0 (no text terms: upvotes alone rank)`,
		}},
		{`title:"it's"*`, []string{`  :q0 = 'title : "it s" *'`}},
	}
	for _, tt := range tests {
		t.Run(tt.qtext, func(t *testing.T) {
			q, err := query.Parse(tt.qtext)
			if err != nil {
				t.Fatal(err)
			}
			got, err := sqlite.Explain(q)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range tt.want {
				if !strings.Contains(got, want) {
					t.Errorf("got\n%s\nwant a line %q", got, want)
				}
			}
		})
	}
	if _, err := sqlite.Explain(&query.Query{Root: query.Term{}}); err == nil {
		t.Error("Explain of a term without words succeeded, want an error")
	}
}
