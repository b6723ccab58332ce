package hf_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/download"
	"github.com/digestd/digestd/digest/hf"
)

// Fetch must satisfy the interface the pipeline consumes.
var _ digest.Source = (*hf.Client)(nil)

// server answers with body(query) and records each query string and
// User-Agent it saw.
type server struct {
	*httptest.Server
	mu      sync.Mutex
	queries []string
	agents  []string
}

func serve(t *testing.T, body func(q map[string][]string) (int, []byte)) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.queries = append(s.queries, r.URL.RawQuery)
		s.agents = append(s.agents, r.Header.Get("User-Agent"))
		s.mu.Unlock()
		status, data := body(r.URL.Query())
		w.WriteHeader(status)
		w.Write(data)
	}))
	t.Cleanup(s.Close)
	return s
}

func client(s *server) *hf.Client {
	dl := download.New("test")
	dl.BackoffBase = time.Millisecond
	return &hf.Client{URL: s.URL + "/api/daily_papers", Download: dl}
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(fixtures + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// pages splits a fixture's array into pages of 100 items, as the API's p
// parameter would.
func pages(t *testing.T, name string) [][]byte {
	t.Helper()
	var items []json.RawMessage
	if err := json.Unmarshal(readFixture(t, name), &items); err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for chunk := range slices.Chunk(items, 100) {
		data, err := json.Marshal(chunk)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

func day(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

func TestFetchAsksForEachDay(t *testing.T) {
	july31 := readFixture(t, "hf_daily_papers_2026-07-31_5items_pretty.json")
	s := serve(t, func(q map[string][]string) (int, []byte) {
		if q["date"][0] == "2026-07-31" {
			return 200, july31
		}
		return 200, []byte("[]")
	})
	// A late evening west of Greenwich is already the next UTC day.
	from := time.Date(2026, 7, 29, 20, 0, 0, 0, time.FixedZone("EDT", -4*3600))
	papers, err := client(s).Fetch(t.Context(), from, day("2026-07-31"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"date=2026-07-30&limit=100", "date=2026-07-31&limit=100"}
	if !slices.Equal(s.queries, want) {
		t.Errorf("got queries %q, want %q", s.queries, want)
	}
	if ua := "digestd/test (+https://github.com/digestd/digestd)"; s.agents[0] != ua {
		t.Errorf("got User-Agent %q, want %q", s.agents[0], ua)
	}
	if len(papers) != 5 || papers[0].ID != "2607.23193" {
		t.Fatalf("got %d papers, want 5 starting with 2607.23193", len(papers))
	}
}

func TestFetchPaging(t *testing.T) {
	merged := pages(t, "hf_daily_papers_merged_14days_245items.json")
	tests := []struct {
		name        string
		page        func(p int) []byte
		wantQueries int
		wantLast    string
		wantPapers  int
	}{
		{"while pages are full", func(p int) []byte { return merged[p] }, 3, "date=2026-07-13&limit=100&p=2", 245},
		{"at most ten pages", func(int) []byte { return merged[0] }, 10, "date=2026-07-13&limit=100&p=9", 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := serve(t, func(q map[string][]string) (int, []byte) {
				p, _ := strconv.Atoi(strings.Join(q["p"], ""))
				return 200, tt.page(p)
			})
			papers, err := client(s).Fetch(t.Context(), day("2026-07-13"), day("2026-07-13"))
			if err != nil {
				t.Fatal(err)
			}
			if len(s.queries) != tt.wantQueries || s.queries[len(s.queries)-1] != tt.wantLast {
				t.Errorf("got queries %q, want %d ending with %q", s.queries, tt.wantQueries, tt.wantLast)
			}
			if s.queries[1] != "date=2026-07-13&limit=100&p=1" {
				t.Errorf("got second query %q, want p=1", s.queries[1])
			}
			if len(papers) != tt.wantPapers {
				t.Errorf("got %d papers, want %d", len(papers), tt.wantPapers)
			}
		})
	}
}

func TestFetchErrors(t *testing.T) {
	full := readFixture(t, "hf_daily_papers_2026-06-12_30items.json")
	tests := []struct {
		name   string
		status int
		body   []byte
		want   string
	}{
		{"truncated JSON", 200, full[:1234], "huggingface: 2026-06-12: decode response at byte 1234: unexpected end of JSON input"},
		{"not found", 404, []byte(`{"error":"not found"}`), "huggingface: 2026-06-12: get URL?date=2026-06-12&limit=100: 404 Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := serve(t, func(map[string][]string) (int, []byte) { return tt.status, tt.body })
			c := client(s)
			_, err := c.Fetch(t.Context(), day("2026-06-12"), day("2026-06-12"))
			if want := strings.Replace(tt.want, "URL", c.URL, 1); err == nil || err.Error() != want {
				t.Errorf("got error %v, want %q", err, want)
			}
			if len(s.queries) != 1 {
				t.Errorf("got %d requests, want 1", len(s.queries))
			}
		})
	}
}

func TestFetchLogsSkippedItems(t *testing.T) {
	s := serve(t, func(map[string][]string) (int, []byte) {
		return 200, []byte(`[{"paper":{"id":"bad","title":"X"}},{"paper":{"id":"2607.00001","title":"T"}}]`)
	})
	var logs bytes.Buffer
	c := client(s)
	c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	papers, err := c.Fetch(t.Context(), day("2026-07-13"), day("2026-07-13"))
	if err != nil || len(papers) != 1 {
		t.Fatalf("got %d papers, %v, want 1 and no error", len(papers), err)
	}
	if want := `skipped=1 items=2 first="item 0: invalid arxiv id \"bad\""`; !strings.Contains(logs.String(), want) {
		t.Errorf("got log %q, want it to contain %q", logs.String(), want)
	}
}

func TestFetchRejectsBackwardRange(t *testing.T) {
	c := &hf.Client{Download: download.New("test")}
	_, err := c.Fetch(t.Context(), day("2026-07-14"), day("2026-07-13"))
	if want := "huggingface: days 2026-07-14..2026-07-13: end before start"; err == nil || err.Error() != want {
		t.Errorf("got error %v, want %q", err, want)
	}
}
