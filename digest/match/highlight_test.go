package match_test

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/match"
	"github.com/digestd/digestd/digest/sqlite"
	"github.com/digestd/digestd/subscribers/query"
)

// marked writes spans with their hits in brackets.
func marked(spans []digest.Span) string {
	var b strings.Builder
	for _, s := range spans {
		if s.Hit {
			b.WriteString("[" + s.Text + "]")
		} else {
			b.WriteString(s.Text)
		}
	}
	return b.String()
}

func joined(spans []digest.Span) string {
	var b strings.Builder
	for _, s := range spans {
		b.WriteString(s.Text)
	}
	return b.String()
}

func terms(t *testing.T, text string) []query.Term {
	t.Helper()
	q, err := query.Parse(text)
	if err != nil {
		t.Fatalf("query.Parse(%q): %v", text, err)
	}
	return q.Terms()
}

func TestHighlight(t *testing.T) {
	tests := []struct {
		name, qtext, text, want string
	}{
		{"word", `lora`, "Long Context Scaling with LoRA", "Long Context Scaling with [LoRA]"},
		{"phrase in a row only", `"long context"`, "Long context, long-context and context long", "[Long context], [long-context] and context long"},
		{"hyphen phrase", `long-context`, "Long context models", "[Long context] models"},
		{"prefix marks whole words", `quantiz*`, "Quantization and quantized models, not quantum", "[Quantization] and [quantized] models, not quantum"},
		{"accents fold both ways", `wubben Café`, "Wübben's cafe", "[Wübben]'s [cafe]"},
		{"decomposed accent", `café`, "Cafe\u0301 culture", "[Cafe\u0301] culture"},
		{"punctuation phrase", `gpt-4o`, "GPT-4o beats GPT 4 and gpt-4o-mini", "[GPT-4o] beats GPT 4 and [gpt-4o]-mini"},
		{"exclusions are not marked", `rag -multimodal`, "RAG for multimodal data", "[RAG] for multimodal data"},
		{"title scope marks", `title:benchmark`, "A Benchmark", "A [Benchmark]"},
		{"author, org, cat scopes do not", `x author:dao org:meta cat:cs.CL`, "Dao and Meta on cs.CL", "Dao and Meta on cs.CL"},
		{"overlapping hits merge", `"long context" context`, "long context", "[long context]"},
		{"separate hits stay apart", `a b`, "a b", "[a] [b]"},
		{"one phrase's overlapping hits merge", `"deep deep"`, "deep deep deep learning", "[deep deep deep] learning"},
		{"one term, hits apart", `deep`, "deep and deep", "[deep] and [deep]"},
		{"cjk", `大規模`, "大規模 言語", "[大規模] 言語"},
		{"no hit", `zebra`, "Long Context", "Long Context"},
		{"empty text", `zebra`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spans := match.Highlight(tt.text, terms(t, tt.qtext))
			if got := marked(spans); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if got := joined(spans); got != tt.text {
				t.Errorf("spans join to %q, want %q", got, tt.text)
			}
		})
	}
}

func TestHighlightTermsIn(t *testing.T) {
	q, err := query.Parse(`title:agents abstract:benchmark suite`)
	if err != nil {
		t.Fatal(err)
	}
	text := "A benchmark suite for agents"
	for _, tt := range []struct {
		field query.Field
		want  string
	}{
		{query.FieldTitle, "A benchmark [suite] for [agents]"},
		{query.FieldAbstract, "A [benchmark] [suite] for agents"},
	} {
		if got := marked(match.Highlight(text, q.TermsIn(tt.field))); got != tt.want {
			t.Errorf("TermsIn(%s): got %q, want %q", tt.field, got, tt.want)
		}
	}
}

// TestWordsAsFTS5 checks that highlighting splits and folds text as the
// papers_fts index does, by reading the index's own tokens back.
func TestWordsAsFTS5(t *testing.T) {
	texts := []string{
		"Dirk Wübben", "GPT-4o-mini, v2.5", "Ελληνικά Άλφα ΣΟΦΙΑ", "Straße µ ſ ς", "e\u0301cole \u0301x",
		"snake_case x² ½ Ⅻ", "大規模言語モデル と LLM", "naïve café — résumé’s Ærø", "İstanbul ı ǅ", "a\u0345b",
		"Łódź Øresund Ðakovo þorn", "Nguyễn Thị Minh Khai", "Chebyshev Чебышёв",
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "digestd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE VIRTUAL TABLE temp.words USING fts5vocab(main, papers_fts, 'instance')`); err != nil {
		t.Fatal(err)
	}
	for i, text := range texts {
		if _, err := db.Exec(`INSERT INTO papers (id, arxiv_id, title, published_at, arrived_at, changed_at)
			VALUES (?, ?, ?, 0, 0, 0)`, i+1, text, text); err != nil {
			t.Fatal(err)
		}
	}
	for i, text := range texts {
		var fts []string
		rows, err := db.Query(`SELECT term FROM temp.words WHERE doc = ? AND col = 'title' ORDER BY offset`, i+1)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var term string
			if err := rows.Scan(&term); err != nil {
				t.Fatal(err)
			}
			fts = append(fts, term)
		}
		rows.Close()
		var ours []string
		for _, w := range query.Words(text) {
			ours = append(ours, w.Text)
		}
		if !reflect.DeepEqual(ours, fts) {
			t.Errorf("Words(%q) = %q, want FTS5's %q", text, ours, fts)
		}
	}
}

func TestSnippet(t *testing.T) {
	text := "Transformers are everywhere. Many papers study them in depth, and some papers " +
		"study attention sinks, which appear in long-context models of every size."
	tests := []struct {
		name, qtext string
		max         int
		want        string
	}{
		{"fits whole", `sinks`, 500, strings.Replace(text, "sinks", "[sinks]", 1)},
		{"hit far in", `sinks`, 50, "…attention [sinks], which appear in long-context…"},
		{"hit near start", `papers`, 50, "Transformers are everywhere. Many [papers] study…"},
		{"no hit", `zebra`, 30, "Transformers are everywhere.…"},
		{"phrase hit at end", `long-context`, 40, "…appear in [long-context] models of every…"},
		{"tiny budget", `sinks`, 1, "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := marked(match.Snippet(text, terms(t, tt.qtext), tt.max)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("one long word", func(t *testing.T) {
		got := marked(match.Snippet("Pneumonoultramicroscopicsilicovolcanoconiosis", nil, 10))
		if want := "Pneumonou…"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("every budget", func(t *testing.T) {
		for max := 1; max <= 160; max++ {
			spans := match.Snippet(text, terms(t, `sinks`), max)
			got := joined(spans)
			if n := utf8.RuneCountInString(got); n > max {
				t.Errorf("max %d: got %d runes: %q", max, n, got)
			}
			if inner := strings.Trim(got, "…"); !strings.Contains(text, inner) {
				t.Errorf("max %d: %q is not a piece of the text", max, inner)
			}
			if max >= 30 && !strings.Contains(marked(spans), "[sinks]") {
				t.Errorf("max %d: %q lost the hit", max, got)
			}
		}
	})
}

func TestNames(t *testing.T) {
	names := []string{"Dirk Wübben", "Tri Dao", "Lei Wang", "Jun Wang", "P. -A. Absil"}
	tests := []struct {
		qtext string
		want  []string
	}{
		{`author:wubben`, []string{"Dirk Wübben"}},
		{`author:"D. Wübben"`, []string{"Dirk Wübben"}},
		{`author:"wang jun"`, nil},
		{`author:"jun wang"`, []string{"Jun Wang"}},
		{`author:wang OR author:da*`, []string{"Tri Dao", "Lei Wang", "Jun Wang"}},
		{`author:"p.-a. absil"`, []string{"P. -A. Absil"}},
		{`wubben title:dao`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.qtext, func(t *testing.T) {
			q, err := query.Parse(tt.qtext)
			if err != nil {
				t.Fatal(err)
			}
			if got := match.Names(names, q.Terms()); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestMarksNameHighlights: topics that hit the same words of a text mark
// it alike, and the same marks highlight and cut it alike; topics that
// hit other words mark it otherwise. An excerpt's key names its snippet
// the same way, whatever the marks past it.
func TestMarksNameHighlights(t *testing.T) {
	words := []string{"agents", "agent*", `"language models"`, "reasoning", "zzzz", "model*", "title:video", "diffusion", "llm", "language"}
	shared := 0 // marks whose snippet another's excerpt key named already
	for _, p := range fixturePapers(t, "hf_daily_papers_merged_14days_245items.json")[:60] {
		text := match.NewText(p.Abstract)
		byKey := map[string][2]string{}
		byExcerpt := map[string]string{} // snippets by excerpt key
		for i := range 1 << len(words) {
			if i%7 != 0 { // a sample of the subsets
				continue
			}
			var terms []query.Term
			for j, w := range words {
				if i&(1<<j) != 0 {
					q, err := query.Parse(w)
					if err != nil {
						t.Fatal(err)
					}
					terms = append(terms, q.TermsIn(query.FieldAbstract)...)
				}
			}
			m := text.Marks(terms)
			got := [2]string{marked(text.HighlightMarks(m)), marked(text.SnippetMarks(m, 280))}
			if want := [2]string{marked(match.Highlight(p.Abstract, terms)), marked(match.Snippet(p.Abstract, terms, 280))}; got != want {
				t.Fatalf("%s: marks of %v highlight as %q, the terms as %q", p.ID, terms, got, want)
			}
			if seen, ok := byKey[m.Key()]; ok && seen[0] != got[0] {
				t.Fatalf("%s: key %q names two highlights: %q and %q", p.ID, m.Key(), seen[0], got[0])
			}
			byKey[m.Key()] = got
			e := text.Excerpt(m, 280)
			if snippet := marked(text.SnippetOf(e)); snippet != got[1] {
				t.Fatalf("%s: the excerpt of %v cuts %q, the marks %q", p.ID, terms, snippet, got[1])
			}
			if seen, ok := byExcerpt[e.Key()]; ok && seen != got[1] {
				t.Fatalf("%s: excerpt key %q names two snippets: %q and %q", p.ID, e.Key(), seen, got[1])
			}
			byExcerpt[e.Key()] = got[1]
		}
		highlights := map[string]bool{}
		for _, h := range byKey {
			if highlights[h[0]] {
				t.Fatalf("%s: two keys name highlight %q", p.ID, h[0])
			}
			highlights[h[0]] = true
		}
		// Marks that differ only past the excerpt share its key: fewer
		// keys than marks, and still one a snippet.
		snippets := map[string]bool{}
		for _, s := range byExcerpt {
			if snippets[s] {
				t.Fatalf("%s: two excerpt keys name snippet %q", p.ID, s)
			}
			snippets[s] = true
		}
		shared += len(byKey) - len(byExcerpt)
	}
	if shared == 0 {
		t.Error("no two marks of an abstract made the same snippet: excerpt keys gain nothing here")
	}
}
