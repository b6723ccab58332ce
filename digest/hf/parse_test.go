package hf_test

import (
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/hf"
)

const fixtures = "../../testdata/fixtures/"

// view is the part of a paper a reader of the digest would check.
type view struct {
	Title, FirstAuthor, Org string
	Authors, Upvotes        int
	Featured, Published     string
	Github, Project         string
	Keywords                int
	HasAISummary            bool
}

func viewOf(p digest.Paper) view {
	v := view{
		Title: p.Title, Org: p.Org, Authors: len(p.Authors), Upvotes: p.Upvotes,
		Featured: stamp(p.FeaturedOn), Published: stamp(p.PublishedAt),
		Github: p.GithubRepo, Project: p.ProjectPage, Keywords: len(p.AIKeywords), HasAISummary: p.AISummary != "",
	}
	if len(p.Authors) > 0 {
		v.FirstAuthor = p.Authors[0]
	}
	return v
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

func find(papers []digest.Paper, id string) (digest.Paper, bool) {
	for _, p := range papers {
		if p.ID == id {
			return p, true
		}
	}
	return digest.Paper{}, false
}

func TestParseFixtures(t *testing.T) {
	tests := []struct {
		file   string
		papers int
		id     string
		want   view
	}{
		{"hf_daily_papers_2026-06-12_30items.json", 30, "2606.00467", view{
			Title:       "On the Limits of LLM Adaptability: Impact of Model-Internalized Priors on Annotation Task Performance",
			FirstAuthor: "Etienne Casanova", Org: "California institute of technology", Authors: 3, Upvotes: 0,
			Featured: "2026-06-12T00:00:00Z", Published: "2026-05-30T00:00:00Z", Keywords: 14, HasAISummary: true,
		}},
		{"hf_daily_papers_2026-06-12_30items.json", 30, "2606.12575", view{ // one hidden author, still named
			Title:       "High-Fidelity Two-Step Image Generation via Teacher-Aligned End-to-End Distillation",
			FirstAuthor: "Dongyang Liu", Org: "Tongyi-MAI", Authors: 10, Upvotes: 7,
			Featured: "2026-06-12T00:00:00Z", Published: "2026-06-10T00:00:00Z", Keywords: 9, HasAISummary: true,
		}},
		{"hf_daily_papers_2026-07-31_5items_pretty.json", 5, "2607.23193", view{
			Title:       "OmniScope: Modality-Decoupled Token Compression for Omnimodal Large Language Models",
			FirstAuthor: "Jinsen Su", Authors: 6, Upvotes: 3,
			Featured: "2026-07-31T00:00:00Z", Published: "2026-07-28T00:00:00Z",
			Github: "https://github.com/MAC-AutoML/OmniScope",
		}},
		{"hf_daily_papers_2026-07-31_5items_pretty.json", 5, "2607.27958", view{
			Title:       "Σ-Mem: An Online Reliability Memory for LLM-based Multi-Agent Systems",
			FirstAuthor: "Peilin Feng", Org: "Nanyang Technological University", Authors: 3, Upvotes: 11,
			Featured: "2026-07-31T00:00:00Z", Published: "2026-07-30T00:00:00Z",
			Github: "https://github.com/declare-lab/sigma-mem",
		}},
		{"hf_daily_papers_limit25_2026-07-13_25items.json", 25, "2607.06957", view{
			Title:       "Flow-ERD: Agent-type Aware Flow Matching with Entropy-Regularized Distillation for Diverse Traffic Simulation",
			FirstAuthor: "Seulbin Hwang", Org: "Navercorp", Authors: 4, Upvotes: 3,
			Featured: "2026-07-13T00:00:00Z", Published: "2026-07-08T00:00:00Z",
			Project: "https://seulbinhwang.github.io/flow-erd-project-page/", Keywords: 7, HasAISummary: true,
		}},
		{"hf_daily_papers_limit25_2026-07-13_25items.json", 25, "2607.08716", view{
			Title:       "Remember When It Matters: Proactive Memory Agent for Long-Horizon Agents",
			FirstAuthor: "Yifan Wu", Org: "Meta Research", Authors: 8, Upvotes: 10,
			Featured: "2026-07-10T00:00:00Z", Published: "2026-07-09T00:00:00Z",
			Github: "https://github.com/yifannnwu/proactive-memory-agent",
		}},
		{"hf_daily_papers_merged_14days_245items.json", 245, "2607.09024", view{
			Title:       "Video Generation Models are General-Purpose Vision Learners",
			FirstAuthor: "Letian Wang", Org: "GoogleDeepMind", Authors: 12, Upvotes: 84,
			Featured: "2026-07-13T00:00:00Z", Published: "2026-07-10T00:00:00Z",
			Project: "https://genception.github.io/",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.id, func(t *testing.T) {
			data, err := os.ReadFile(fixtures + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			page, err := hf.Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Papers) != tt.papers || page.Items != tt.papers || len(page.Skipped) != 0 {
				t.Errorf("got %d papers of %d items, %d skipped, want %d of %d, 0 skipped",
					len(page.Papers), page.Items, len(page.Skipped), tt.papers, tt.papers)
			}
			p, ok := find(page.Papers, tt.id)
			if !ok {
				t.Fatalf("got no paper %s, want one", tt.id)
			}
			if p.Source != "huggingface" || p.Version != 0 || p.Abstract == "" {
				t.Errorf("got source %q, version %d, abstract %d bytes, want huggingface, 0, some", p.Source, p.Version, len(p.Abstract))
			}
			if got := viewOf(p); got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseEdgeCases(t *testing.T) {
	tests := []struct {
		name        string
		json        string
		wantIDs     string
		wantSkipped int
		want        view
	}{
		{"invalid id and empty title skipped",
			`[{"paper":{"id":"not-an-id","title":"A"}},{"paper":{"id":"2607.00001","title":"  "}},{"paper":{"id":"2607.00002","title":"B"}}]`,
			"2607.00002", 2, view{Title: "B"}},
		{"duplicate ids give one paper",
			`[{"paper":{"id":"2607.00001","title":"First","upvotes":5}},{"paper":{"id":"2607.00001","title":"Second","upvotes":9}}]`,
			"2607.00001", 0, view{Title: "First", Upvotes: 5}},
		{"nulls tolerated",
			`[{"paper":{"id":"2607.00001","title":"T","authors":null,"organization":null,"upvotes":null,"ai_keywords":null,"githubRepo":null},"organization":null}]`,
			"2607.00001", 0, view{Title: "T"}},
		{"whitespace collapsed and top-level fallbacks",
			`[{"paper":{"id":"2607.00001","authors":[{"name":" Ada\n Lovelace "},{"name":""},{"name":"Tri Dao","hidden":true}],"organization":{"name":"qwen"}},"title":"Long\n  context\tLoRA","organization":{"name":"x","fullname":"Other"}}]`,
			"2607.00001", 0, view{Title: "Long context LoRA", FirstAuthor: "Ada Lovelace", Authors: 2, Org: "qwen"}},
		{"top-level organization when the paper has none",
			`[{"paper":{"id":"2607.00001","title":"T"},"organization":{"name":"Qwen","fullname":"Qwen Team"}}]`,
			"2607.00001", 0, view{Title: "T", Org: "Qwen Team"}},
		{"empty array", `[]`, "", 0, view{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := hf.Parse([]byte(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, p := range page.Papers {
				ids = append(ids, p.ID)
			}
			if got := strings.Join(ids, ","); got != tt.wantIDs || len(page.Skipped) != tt.wantSkipped {
				t.Errorf("got ids %q, %d skipped %q, want %q, %d skipped", got, len(page.Skipped), page.Skipped, tt.wantIDs, tt.wantSkipped)
			}
			if len(page.Papers) == 0 {
				return
			}
			if got := viewOf(page.Papers[0]); got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseInvalidUTF8(t *testing.T) {
	data := []byte("[{\"paper\":{\"id\":\"2607.00001\",\"title\":\"Caf\xe9 \xff models\",\"authors\":[{\"name\":\"W\xfcbben\"}]}}]")
	page, err := hf.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	p := page.Papers[0]
	if !utf8.ValidString(p.Title) || !utf8.ValidString(p.Authors[0]) {
		t.Errorf("got title %q, author %q, want valid UTF-8", p.Title, p.Authors[0])
	}
	if want := "Caf\uFFFD \uFFFD models"; p.Title != want {
		t.Errorf("got title %q, want %q", p.Title, want)
	}
}

func TestParseErrors(t *testing.T) {
	full, err := os.ReadFile(fixtures + "hf_daily_papers_2026-06-12_30items.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, data, want string
	}{
		{"truncated", string(full[:1234]), "huggingface: decode response at byte 1234: unexpected end of JSON input"},
		{"not an array", `{"error":"Invalid date"}`, "huggingface: decode response at byte 1: want a JSON array, got object"},
		{"empty body", ``, "huggingface: decode response at byte 0: unexpected end of JSON input"},
		{"no usable item", `[{"paper":{"id":"x"}},{"paper":"oops"}]`, `huggingface: none of 2 items usable: item 0: invalid arxiv id "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := hf.Parse([]byte(tt.data))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got error %v, want %q", err, tt.want)
			}
		})
	}
}
