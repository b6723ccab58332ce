package match_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/digestd/digestd/digest/hf"
	"github.com/digestd/digestd/digest/match"
	"github.com/digestd/digestd/subscribers/query"
)

// benchDocs makes n papers from the Hugging Face fixtures as digestbench
// derives its corpus: a fixture paper's words shuffled in runs (phrases
// of a few words survive), its authors shuffled, one to three categories.
func benchDocs(b *testing.B, n int) []match.Doc {
	b.Helper()
	files, err := filepath.Glob(fixtures + "hf_*.json")
	if err != nil || len(files) == 0 {
		b.Fatalf("no Hugging Face fixtures: %v", err)
	}
	var base []match.Doc
	seen := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		page, err := hf.Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range page.Papers {
			if !seen[p.ID] {
				seen[p.ID] = true
				base = append(base, match.Doc{Title: p.Title, Abstract: p.Abstract, Authors: p.Authors, Org: p.Org, Upvotes: p.Upvotes})
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	cats := []string{"cs.CL", "cs.LG", "cs.AI", "cs.CV", "cs.RO", "cs.IR", "stat.ML", "cs.SE", "eess.AS", "q-bio.NC"}
	docs := make([]match.Doc, n)
	for i := range docs {
		d := base[rng.IntN(len(base))]
		d.ID, d.Arrived, d.Published = int64(i+1), 1, int64(1_780_000_000+rng.IntN(72)*3600)
		d.Title, d.Abstract = shuffleRuns(d.Title, 3, rng), shuffleRuns(d.Abstract, 6, rng)
		d.Authors = append([]string(nil), d.Authors...)
		rng.Shuffle(len(d.Authors), func(a, b int) { d.Authors[a], d.Authors[b] = d.Authors[b], d.Authors[a] })
		d.Categories = nil
		for range 1 + rng.IntN(3) {
			d.Categories = append(d.Categories, cats[min(rng.IntN(len(cats)), rng.IntN(len(cats)))])
		}
		d.Upvotes = rng.IntN(max(2*d.Upvotes, 5))
		docs[i] = d
	}
	return docs
}

func shuffleRuns(text string, k int, rng *rand.Rand) string {
	words := strings.Fields(text)
	var runs [][]string
	for len(words) > 0 {
		n := min(len(words), 1+rng.IntN(k))
		runs = append(runs, words[:n])
		words = words[n:]
	}
	rng.Shuffle(len(runs), func(a, b int) { runs[a], runs[b] = runs[b], runs[a] })
	var out []string
	for _, r := range runs {
		out = append(out, r...)
	}
	return strings.Join(out, " ")
}

// BenchmarkNewIndex builds the index of a window; heap-MB/1000 is what it
// keeps per thousand papers.
func BenchmarkNewIndex(b *testing.B) {
	for _, n := range []int{2000, 8000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			docs := benchDocs(b, n)
			// Measured before the loop: after it, the last index built
			// there may be freed in the middle of the measurement.
			heap := heapMB(func() any { ix, _ := match.NewIndex(docs); return ix })
			start := cpuTime()
			for b.Loop() {
				if _, err := match.NewIndex(docs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(heap*1000/float64(n), "heap-MB/1000")
		})
	}
}

// cpuTime returns the CPU time the process has used, in nanoseconds: on
// a shared machine a truer cost than the wall time ns/op reports.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// heapMB returns the live heap that what build returns holds, in MB.
func heapMB(build func() any) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	kept := build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(kept)
	return float64(after.HeapAlloc-before.HeapAlloc) / 1e6
}

// benchQueries are topics of both vocabularies of the issue: narrow
// phrases and names, and broad single words (each in 10-50% of the
// papers), two-word ANDs and OR-groups with an exclusion.
var benchQueries = []struct{ kind, qtext string }{
	{"narrow", `"speculative decoding"`},
	{"narrow", `author:"jun wang"`},
	{"narrow", `quantiz* -cat:cs.CV`},
	{"narrow", `org:qwen "reinforcement learning"`},
	{"broad", `attention`},
	{"broad", `reasoning`},
	{"broad", `language`},
	{"broad", `models`},
	{"broad", `retrieval agents`},
	{"broad", `(video OR image) -diffusion`},
	{"broad", `title:llm* OR upvotes:>=20`},
	{"broad", `cat:cs.*`},
}

// BenchmarkMatch evaluates one distinct topic over 2,000 papers and
// ranks all its matches (all) or the best 50 (top50, a digest's worth);
// matches is how many papers it matched.
func BenchmarkMatch(b *testing.B) {
	ix, err := match.NewIndex(benchDocs(b, 2000))
	if err != nil {
		b.Fatal(err)
	}
	for _, bq := range benchQueries {
		q, err := query.Parse(bq.qtext)
		if err != nil {
			b.Fatal(err)
		}
		all, err := ix.Match(q, match.Filter{})
		if err != nil {
			b.Fatal(err)
		}
		for _, k := range []int{50, ix.Len()} {
			name := "top50"
			if k == ix.Len() {
				name = "all"
			}
			b.Run(bq.kind+"/"+name+"/"+bq.qtext, func(b *testing.B) {
				start := cpuTime()
				for b.Loop() {
					if _, err := ix.Top(q, match.Filter{}, k); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
				b.ReportMetric(float64(len(all)), "matches")
			})
		}
	}
}
