package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/digest/sqlite"
	"github.com/digestd/digestd/subscribers/query"
)

type env struct {
	db      *sql.DB
	store   *sqlite.Store
	matcher *sqlite.Matcher
}

func newEnv(t *testing.T, papers []digest.Paper) env {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "digestd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := env{db: db, store: digesttest.NewStore(t, db), matcher: sqlite.NewMatcher(db)}
	e.save(t, papers)
	return e
}

// save stores papers, filling in what the tests do not care about.
func (e env) save(t *testing.T, papers []digest.Paper) {
	t.Helper()
	var n int
	if err := e.db.QueryRow(`SELECT count(*) FROM papers`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	for i := range papers {
		p := &papers[i]
		if p.ID == "" {
			p.ID = fmt.Sprintf("2607.%05d", n+i+1)
		}
		if p.PublishedAt.IsZero() {
			p.PublishedAt = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
		}
		p.Source = "huggingface"
	}
	if _, err := e.store.SavePapers(context.Background(), papers); err != nil {
		t.Fatal(err)
	}
}

// match runs query and returns the matched papers' column (title or
// arxiv_id) in rank order.
func (e env) match(t *testing.T, qtext string, w digest.Window, column string) []string {
	t.Helper()
	q, err := query.Parse(qtext)
	if err != nil {
		t.Fatalf("ParseQuery(%q): %v", qtext, err)
	}
	return e.matchQuery(t, q, w, column)
}

func (e env) matchQuery(t *testing.T, q *query.Query, w digest.Window, column string) []string {
	t.Helper()
	matches, err := e.matcher.Match(context.Background(), q, w)
	if err != nil {
		t.Fatalf("Match(%q): %v", q.Text, err)
	}
	got := []string{}
	for _, m := range matches {
		var v string
		if err := e.db.QueryRow(`SELECT `+column+` FROM papers WHERE id = ?`, m.PaperID).Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	return got
}

func TestMatchLanguage(t *testing.T) {
	e := newEnv(t, digesttest.Corpus())
	tests := []struct {
		qtext string
		want  []string
	}{
		{`lora`, []string{"Long Context Scaling with LoRA"}},
		{`LORA`, []string{"Long Context Scaling with LoRA"}},
		{`long context`, []string{"A Benchmark for Agents", "Context Is Long", "Long Context Scaling with LoRA"}},
		{`"long context"`, []string{"A Benchmark for Agents", "Long Context Scaling with LoRA"}},
		{`long-context`, []string{"A Benchmark for Agents", "Long Context Scaling with LoRA"}},
		{`rag OR retrieval`, []string{"RAG Pipelines at Scale", "Retrieval for Multimodal QA"}},
		{`(rag OR retrieval) -multimodal`, []string{"RAG Pipelines at Scale"}},
		{`(rag OR retrieval) NOT "multimodal qa"`, []string{"RAG Pipelines at Scale"}},
		{`lora OR (rag -images)`, []string{"Long Context Scaling with LoRA", "RAG Pipelines at Scale"}},
		{`we -(rag OR lora OR quantize)`, []string{"GPT-4o Evaluated"}},
		{`we -(we -benchmark)`, []string{"GPT-4o Evaluated"}},
		{`quantiz*`, []string{"Quantization of Large Models"}},
		{`"large mod"*`, []string{"Quantization of Large Models"}},
		{`gpt-4o`, []string{"GPT-4o Evaluated"}},
		{`title:benchmark`, []string{"A Benchmark for Agents"}},
		{`benchmark`, []string{"A Benchmark for Agents", "GPT-4o Evaluated"}},
		{`abstract:benchmark`, []string{"GPT-4o Evaluated"}},
		{`wübben`, []string{}},
		{`author:wubben`, []string{"Retrieval for Multimodal QA"}},
		{`author:"tri dao"`, []string{"Long Context Scaling with LoRA"}},
		{`author:dao*`, []string{"Long Context Scaling with LoRA", "Quantization of Large Models"}},
		{`author:"T. Dao"`, []string{"Long Context Scaling with LoRA"}},
		{`author:"dao ana"`, []string{}}, // "Tri Dao", "Ana Ruiz": two names
		{`title:long -author:"dao ana"`, []string{"Context Is Long", "Long Context Scaling with LoRA"}},
		{`org:qwen`, []string{"Long Context Scaling with LoRA"}},
		{`org:"meta ai"`, []string{"A Benchmark for Agents"}},
		{`ai`, []string{}},
		{`cat:cs.CL`, []string{"GPT-4o Evaluated", "Long Context Scaling with LoRA"}},
		{`cat:CS.lg`, []string{"Long Context Scaling with LoRA", "Quantization of Large Models"}},
		{`cat:cs.*`, []string{"Context Is Long", "GPT-4o Evaluated", "Long Context Scaling with LoRA",
			"Quantization of Large Models", "RAG Pipelines at Scale", "Retrieval for Multimodal QA"}},
		{`cat:stat`, []string{"A Benchmark for Agents", "Quantization of Large Models"}},
		{`cat:cond-mat.*`, []string{"Ising Model Entropy"}},
		{`cat:cs.CL OR cat:cs.CV`, []string{"GPT-4o Evaluated", "Long Context Scaling with LoRA", "Retrieval for Multimodal QA"}},
		{`cat:cs.* -cat:cs.LG we`, []string{"GPT-4o Evaluated", "Retrieval for Multimodal QA"}},
		{`upvotes:>=12`, []string{"A Benchmark for Agents", "RAG Pipelines at Scale"}},
		{`upvotes:12`, []string{"A Benchmark for Agents", "RAG Pipelines at Scale"}},
		{`upvotes:>12`, []string{"A Benchmark for Agents"}},
		{`upvotes:=12`, []string{"RAG Pipelines at Scale"}},
		{`upvotes:<=1 cat:cs.*`, []string{"Context Is Long", "Retrieval for Multimodal QA"}},
		{`upvotes:<1`, []string{"Ising Model Entropy", "Retrieval for Multimodal QA"}},
		{`rag -upvotes:>=10`, []string{"Retrieval for Multimodal QA"}},
		{`title:rag OR upvotes:>=40`, []string{"A Benchmark for Agents", "RAG Pipelines at Scale"}},
		{`(cat:cs.CV OR cat:cs.IR) retrieval`, []string{"RAG Pipelines at Scale", "Retrieval for Multimodal QA"}},
		{`context -(cat:cs.CL upvotes:>=5)`, []string{"A Benchmark for Agents", "Context Is Long"}},
		{`"a" OR 1=1`, []string{"A Benchmark for Agents", "GPT-4o Evaluated"}},
	}
	for _, tt := range tests {
		t.Run(tt.qtext, func(t *testing.T) {
			got := e.match(t, tt.qtext, digest.Window{}, "title")
			slices.Sort(got)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMatchWindow(t *testing.T) {
	e := newEnv(t, digesttest.Corpus()[:4]) // row ids 1-4
	e.save(t, digesttest.Corpus()[4:])      // row ids 5-8
	if _, err := e.db.Exec(`UPDATE papers SET arrived_at = 1000 * id`); err != nil {
		t.Fatal(err)
	}
	_, err := e.db.Exec(`INSERT INTO subscribers (id, email, status, created_at, updated_at) VALUES (7, 'r@example.org', 'active', 0, 0);
		INSERT INTO digests (id, subscriber_id, period, status, message_id, recipient, papers, window_end, created_at)
		VALUES (1, 7, '2026-07-13', 'sent', '<m1@example.org>', 'r@example.org', 2, 4, 0);
		INSERT INTO sent_papers (subscriber_id, paper_id, digest_id) VALUES (7, 1, 1), (7, 5, 1)`)
	if err != nil {
		t.Fatal(err)
	}
	const qtext = `long OR rag OR we OR benchmark OR entropy`
	tests := []struct {
		name string
		w    digest.Window
		want []string
	}{
		{"all", digest.Window{}, []string{"2607.00001", "2607.00002", "2607.00003", "2607.00004", "2607.00005", "2607.00006", "2607.00007", "2607.00008"}},
		{"after id", digest.Window{AfterID: 4}, []string{"2607.00005", "2607.00006", "2607.00007", "2607.00008"}},
		{"id range", digest.Window{AfterID: 2, UntilID: 5}, []string{"2607.00003", "2607.00004", "2607.00005"}},
		{"arrived after", digest.Window{ArrivedAfter: time.Unix(6000, 0)}, []string{"2607.00007", "2607.00008"}},
		{"exclude sent", digest.Window{ExcludeSentTo: 7}, []string{"2607.00002", "2607.00003", "2607.00004", "2607.00006", "2607.00007", "2607.00008"}},
		{"other subscriber", digest.Window{AfterID: 4, ExcludeSentTo: 8}, []string{"2607.00005", "2607.00006", "2607.00007", "2607.00008"}},
		{"limit", digest.Window{Limit: 3}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := e.match(t, qtext, tt.w, "arxiv_id")
			if tt.w.Limit > 0 {
				if len(got) != tt.w.Limit {
					t.Errorf("got %d papers, want %d", len(got), tt.w.Limit)
				}
				return
			}
			slices.Sort(got)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMatchRanking(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 7, d, 0, 0, 0, 0, time.UTC) }
	filler := "We study models of language and vision with many experiments."
	papers := []digest.Paper{
		{ID: "2607.00001", Title: "Sparse Attention Kernels", Abstract: filler, Upvotes: 10, PublishedAt: day(1)},
		{ID: "2607.00002", Title: "Efficient Kernels", Abstract: filler + " Attention is sparse here.", Upvotes: 10, PublishedAt: day(1)},
		{ID: "2607.00003", Title: "Fast Kernels", Abstract: filler + " Attention is sparse here.", Upvotes: 400, PublishedAt: day(1)},
		{ID: "2607.00004", Title: "Other Kernels", Abstract: filler + " Attention is sparse here.", Upvotes: 10, PublishedAt: day(2)},
		{ID: "2607.00005", Title: "Unrelated", Abstract: filler, Upvotes: 1000, PublishedAt: day(3)},
	}
	// Papers without the word keep it rare, as in a real archive: bm25
	// gives no weight to a word most papers have.
	for i := range 15 {
		papers = append(papers, digest.Paper{ID: fmt.Sprintf("2607.%05d", 100+i), Title: "Dense Kernels", Abstract: filler})
	}
	e := newEnv(t, papers)
	t.Run("title beats abstract, upvotes lift, newer breaks ties", func(t *testing.T) {
		got := e.match(t, `sparse`, digest.Window{}, "arxiv_id")
		want := []string{"2607.00003", "2607.00001", "2607.00004", "2607.00002"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("score without text terms is popularity", func(t *testing.T) {
		q, err := query.Parse(`upvotes:>=400`)
		if err != nil {
			t.Fatal(err)
		}
		matches, err := e.matcher.Match(context.Background(), q, digest.Window{})
		if err != nil {
			t.Fatal(err)
		}
		want := []float64{math.Log(1001), math.Log(401)}
		if len(matches) != 2 || math.Abs(matches[0].Score-want[0]) > 1e-9 || math.Abs(matches[1].Score-want[1]) > 1e-9 {
			t.Errorf("got %+v, want scores %v", matches, want)
		}
	})
}
