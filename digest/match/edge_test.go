package match_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/match"
	"github.com/digestd/digestd/subscribers/query"
)

// edgePapers exercise one corner of the language each; their titles name
// them.
var edgePapers = []digest.Paper{
	{Title: "Long Context Scaling with LoRA", Abstract: "We extend the window of language models.",
		Authors: []string{"Tri Dao", "Ana Ruiz"}, Categories: []string{"cs.CL", "cs.LG"}, Org: "Qwen", Upvotes: 5},
	{Title: "Retrieval for Multimodal QA", Abstract: "We apply RAG to images.",
		Authors: []string{"Dirk Wübben", "D. Wübben"}, Categories: []string{"cs.CV"}},
	{Title: "RAG Pipelines at Scale", Abstract: "Retrieval for text only.", Categories: []string{"CS.IR"}, Upvotes: 12},
	{Title: "Quantization of Large Models", Abstract: "We quantize weights to 4 bits; quantized models.",
		Authors: []string{"Dao Tri", "P.-A. Absil"}, Categories: []string{"cs.LG", "stat.ML"}, Upvotes: 3},
	{Title: "A Benchmark for Agents", Abstract: "Long context is not tested here.",
		Categories: []string{"stat.ML"}, Org: "Meta AI", Upvotes: 40},
	{Title: "Context Is Long", Abstract: "An essay on windows, long context and longer contexts.", Categories: []string{"cs.AI"}, Upvotes: 1},
	{Title: "GPT-4o Evaluated", Abstract: "We evaluate a benchmark suite.", Categories: []string{"cs.CL"}, Upvotes: 2},
	{Title: "Ising Model Entropy", Abstract: "Statistical mechanics of spins.", Categories: []string{"cond-mat.stat-mech"}},
	// A phrase must not run from the title into the abstract.
	{Title: "Models with long", Abstract: "Context windows everywhere.", Authors: []string{"Lei Wang", "Jun Wang"}, Upvotes: 7},
	{Title: "Café Naïve Ångström", Abstract: "Crème brûlée and ΣΟΦΙΑ, e\u0301te\u0301 in Łódź.", Authors: []string{"José Núñez"}, Categories: []string{"cs-x.y"}},
	{Title: "Sparse attention attention", Abstract: "Attention is sparse; sparse attention is fast.", Authors: []string{"Wang Jun"}, Upvotes: 7},
	// Two papers alike but for their ids: the lower row id first.
	{Title: "Twin Retrieval Paper", Abstract: "Retrieval twins.", Upvotes: 4},
	{Title: "Twin Retrieval Paper", Abstract: "Retrieval twins.", Upvotes: 4},
	{Title: "Vision-Language Models & <Tools>", Abstract: "Tools for VLMs: R&D at scale.", Authors: []string{"Ana <Ruiz>", "Tom & Jerry"}, Org: "AT&T Labs"},
	// A word more than 255 times in one column: the index counts it in
	// postings of up to 255 each.
	{Title: "Echo Chambers", Abstract: strings.Repeat("echo ", 600) + "chamber echo chamber.", Upvotes: 2},
}

// edgeEnv stores edgePapers as SavePapers would store fetched papers.
func edgeEnv(t *testing.T) ftsEnv {
	t.Helper()
	e := newFTSEnv(t)
	papers := slices.Clone(edgePapers)
	for i := range papers {
		papers[i].ID = fmt.Sprintf("2607.%05d", i+1)
		papers[i].Source = "huggingface"
		papers[i].PublishedAt = time.Date(2026, 7, 1+i%3, 0, 0, 0, 0, time.UTC)
	}
	papers[12].PublishedAt = papers[11].PublishedAt
	e.save(t, papers)
	return e
}

func TestEdgeCasesAgainstFTS(t *testing.T) {
	e := edgeEnv(t)
	ix := e.index(t)
	tests := []struct{ name, qtext string }{
		{"word", "lora"},
		{"case", "LORA"},
		{"prefix", "quantiz*"},
		{"phrase prefix", `"large mod"*`},
		{"prefix of nothing", "zzz*"},
		{"title prefix", "title:con*"},
		{"phrase", `"long context"`},
		{"phrase across title and abstract", `"long context" -lora`},
		{"words", "long context"},
		{"hyphen", "long-context"},
		{"hyphen with digits", "gpt-4o"},
		{"author initials", `author:"D. Wübben"`},
		{"author initial lower case", `author:"d wubben"`},
		{"author initial with prefix", `author:"T. Dao"*`},
		{"author hyphenated initials", `author:"P.-A. Absil"`},
		{"author reversed", `author:"dao tri"`},
		{"author name across two authors", `author:"dao ana"`},
		{"author name across two authors excluded", `title:long -author:"dao ana"`},
		{"name within one author", `author:"jun wang"`},
		{"name only across authors", `author:"wang jun"`},
		{"name ranked beside a word", `title:models OR author:"wang jun"`},
		{"author one word", "author:wang"},
		{"author prefix", "author:wub*"},
		{"diacritics", "café naive"},
		{"diacritics upper case", "CAFÉ ÅNGSTRÖM"},
		{"combining accents", "ete"},
		{"greek keeps accents", "σοφια"},
		{"polish l", "lodz"},
		{"org", "org:qwen"},
		{"org phrase", `org:"meta ai"`},
		{"org with ampersand", `org:"at t"`},
		{"escaped characters in names", `author:ruiz`},
		{"exclusion only group", "we -(rag OR lora OR quantize)"},
		{"nested exclusions", "we -(we -benchmark)"},
		{"or with exclusion branch", "lora OR (rag -images)"},
		{"not first", "NOT rag retrieval"},
		{"upvotes only", "upvotes:>=12"},
		{"upvotes equal", "upvotes:=7"},
		{"upvotes with category", "upvotes:<=1 cat:cs.*"},
		{"text or upvotes", "title:rag OR upvotes:>=40"},
		{"exclude upvotes", "rag -upvotes:>=10"},
		{"category", "cat:cs.CL"},
		{"category case", "cat:CS.lg"},
		{"category upper case stored", "cat:cs.ir"},
		{"archive", "cat:cs"},
		{"archive star", "cat:stat.*"},
		{"archive with hyphen", "cat:cond-mat.*"},
		{"archive is not a prefix", "cat:cs-x"},
		{"category and words", "(cat:cs.CV OR cat:cs.IR) retrieval"},
		{"exclude a category group", "context -(cat:cs.CL upvotes:>=5)"},
		{"duplicate word", "attention attention"},
		{"duplicate in or", "attention OR attention"},
		{"duplicate phrase and words", `"sparse attention" sparse attention`},
		{"ties", "twin"},
		{"single letters", `"a" OR 1=1`},
		{"a word 602 times in a column", "echo"},
		{"a phrase with that word", `"echo chamber"`},
		{"a phrase of that word twice", `"echo echo" -title:chamber`},
		{"a prefix of that word", "ech*"},
		{"everything", "we OR the OR a OR long OR retrieval OR cat:cs OR upvotes:>=0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { e.check(t, ix, tt.qtext, match.Filter{}) })
	}
}

func TestFilterAgainstFTS(t *testing.T) {
	e := edgeEnv(t)
	if _, err := e.db.Exec(`UPDATE papers SET arrived_at = 1000 * id`); err != nil {
		t.Fatal(err)
	}
	ix := e.index(t)
	const qtext = "long OR rag OR we OR benchmark OR entropy OR twin OR attention"
	for _, f := range []match.Filter{
		{}, {AfterID: 4}, {AfterID: 2, UntilID: 5}, {UntilID: 3}, {ArrivedAfter: 6000},
		{AfterID: 3, ArrivedAfter: 9000}, {AfterID: 100}, {AfterID: 5, UntilID: 5},
	} {
		t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) { e.check(t, ix, qtext, f) })
	}
}

// TestNameWithinOneAuthor shows where the engine and sqlite.Matcher part:
// a name of several words matches when one author's name holds it, also
// when an instance overlapping it runs across two names, or when the
// name's JSON text escapes a character ("&" as \u0026), which FTS5's
// highlight() cannot mark.
func TestNameWithinOneAuthor(t *testing.T) {
	docs := []match.Doc{
		{ID: 1, Title: "x", Authors: []string{"Li Li", "Li Wei"}},
		{ID: 2, Title: "x", Authors: []string{"Wei Li", "Li Xu"}},
		{ID: 3, Title: "x", Authors: []string{"Tom & Jerry"}},
		{ID: 4, Title: "x", Authors: []string{"Li", "Li"}},
	}
	ix, err := match.NewIndex(docs)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		qtext string
		want  []int64
	}{
		{`author:"li li"`, []int64{1}},
		{`author:"li wei"`, []int64{1}},
		{`author:"wei li"`, []int64{2}},
		{`author:"li li" -author:"li xu"`, []int64{1}},
		{`author:"t jerry"`, []int64{}},
		{`author:"u jerry"`, []int64{3}},
	} {
		q, err := query.Parse(tt.qtext)
		if err != nil {
			t.Fatal(err)
		}
		matches, err := ix.Match(q, match.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		got := []int64{}
		for _, m := range matches {
			got = append(got, m.PaperID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got papers %v, want %v", tt.qtext, got, tt.want)
		}
	}
}
