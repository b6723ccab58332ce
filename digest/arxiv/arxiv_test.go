package arxiv_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/arxiv"
	"github.com/digestd/digestd/digest/download"
)

// Fetch must satisfy the interface the pipeline consumes.
var _ digest.Source = (*arxiv.Client)(nil)

// server answers with respond(query) and records every query it saw.
type server struct {
	*httptest.Server
	mu      sync.Mutex
	queries []url.Values
	raw     []string
	agents  []string
}

func serve(t *testing.T, respond func(q url.Values) (int, string)) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.queries = append(s.queries, r.URL.Query())
		s.raw = append(s.raw, r.URL.RawQuery)
		s.agents = append(s.agents, r.Header.Get("User-Agent"))
		s.mu.Unlock()
		status, body := respond(r.URL.Query())
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) param(name string) []string {
	var out []string
	for _, q := range s.queries {
		out = append(out, q.Get(name))
	}
	return out
}

func client(s *server) *arxiv.Client {
	dl := download.New("test")
	dl.BackoffBase = time.Millisecond
	dl.MinInterval = time.Millisecond
	dl.MaxAttempts = 2
	return &arxiv.Client{URL: s.URL + "/api/query", Download: dl}
}

// pager serves slices of the 100-entry fixture as if the query matched
// total papers; entries(start, n) picks which entries a page holds, as far
// as total and the fixture reach.
func pager(t *testing.T, total int, entries func(start, n int) (int, int)) func(url.Values) (int, string) {
	feed := string(readFixture(t, "arxiv_api_query_all-testing_100entries.xml"))
	all := regexp.MustCompile(`(?s)<entry>.*?</entry>`).FindAllString(feed, -1)
	head := feed[:strings.Index(feed, "<entry>")]
	head = regexp.MustCompile(`<opensearch:totalResults>\d+`).ReplaceAllString(head, "<opensearch:totalResults>"+strconv.Itoa(total))
	return func(q url.Values) (int, string) {
		start, _ := strconv.Atoi(q.Get("start"))
		n, _ := strconv.Atoi(q.Get("max_results"))
		from, to := entries(start, n)
		to = min(to, total, len(all))
		from = min(from, to)
		return 200, head + strings.Join(all[from:to], "\n") + "</feed>"
	}
}

func asked(start, n int) (int, int) { return start, start + n }

func day(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

func TestFetchQuery(t *testing.T) {
	s := serve(t, pager(t, 3, asked))
	c := client(s)
	c.Categories = []string{"cs.CL", "cs.LG"}
	c.Query = "abs:lora"
	if _, err := c.Fetch(t.Context(), day("2026-07-13"), day("2026-07-14")); err != nil {
		t.Fatal(err)
	}
	q := s.queries[0]
	want := url.Values{
		"search_query": {"(cat:cs.CL OR cat:cs.LG) AND submittedDate:[202607130000 TO 202607142359] AND (abs:lora)"},
		"sortBy":       {"submittedDate"},
		"sortOrder":    {"descending"},
		"start":        {"0"},
		"max_results":  {"200"},
	}
	if q.Encode() != want.Encode() {
		t.Errorf("got query %v, want %v", q, want)
	}
	if strings.ContainsAny(s.raw[0], " ()[]:") {
		t.Errorf("got raw query %q, want it URL-encoded", s.raw[0])
	}
	if ua := "digestd/test (+https://github.com/digestd/digestd)"; s.agents[0] != ua {
		t.Errorf("got User-Agent %q, want %q", s.agents[0], ua)
	}
}

func TestFetchPaging(t *testing.T) {
	tests := []struct {
		name       string
		total      int
		max        int
		entries    func(start, n int) (int, int)
		wantStarts []string
		wantSizes  []string
		wantPapers int
	}{
		{"until totalResults", 25, 0, asked, []string{"0", "10", "20"}, []string{"10", "10", "10"}, 25},
		{"at most MaxResults", 214881, 25, asked, []string{"0", "10", "20"}, []string{"10", "10", "5"}, 25},
		{"until an empty page", 100, 0, func(start, n int) (int, int) {
			if start > 0 {
				return 0, 0
			}
			return start, start + n
		}, []string{"0", "10"}, []string{"10", "10"}, 10},
		{"short page continues where it ended", 20, 0, func(start, n int) (int, int) {
			return start, min(start+7, 20)
		}, []string{"0", "7", "14"}, []string{"10", "10", "10"}, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := serve(t, pager(t, tt.total, tt.entries))
			c := client(s)
			c.PageSize, c.MaxResults = 10, tt.max
			papers, err := c.Fetch(t.Context(), day("2026-07-13"), day("2026-07-13"))
			if err != nil {
				t.Fatal(err)
			}
			if got := s.param("start"); !slices.Equal(got, tt.wantStarts) {
				t.Errorf("got starts %q, want %q", got, tt.wantStarts)
			}
			if got := s.param("max_results"); !slices.Equal(got, tt.wantSizes) {
				t.Errorf("got max_results %q, want %q", got, tt.wantSizes)
			}
			if len(papers) != tt.wantPapers {
				t.Errorf("got %d papers, want %d", len(papers), tt.wantPapers)
			}
		})
	}
}

func TestFetchEmptyDay(t *testing.T) {
	empty := string(readFixture(t, "arxiv_api_empty_totalResults0.xml"))
	s := serve(t, func(url.Values) (int, string) { return 200, empty })
	papers, err := client(s).Fetch(t.Context(), day("2026-08-01"), day("2026-08-02"))
	if err != nil || len(papers) != 0 || len(s.queries) != 1 {
		t.Errorf("got %d papers, %v after %d requests, want none, no error, 1 request", len(papers), err, len(s.queries))
	}
}

func TestFetchErrors(t *testing.T) {
	errFeed := string(readFixture(t, "arxiv_api_error_incorrect_id_format_http400.xml"))
	full := string(readFixture(t, "arxiv_api_query_all-testing_10entries.xml"))
	tests := []struct {
		name         string
		status       int
		body         string
		want         string
		wantRequests int
	}{
		{"error feed with 400", 400, errFeed, "arxiv: api error: incorrect id format for abc", 1},
		{"error feed with 200", 200, errFeed, "arxiv: api error: incorrect id format for abc", 1},
		{"bad gateway", 502, "<html>Bad Gateway</html>", "arxiv: get URL: 502 Bad Gateway: giving up after 2 attempts", 2},
		{"truncated feed", 200, full[:5000], "arxiv: decode feed: line 53: unexpected EOF", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := serve(t, func(url.Values) (int, string) { return tt.status, tt.body })
			c := client(s)
			_, err := c.Fetch(t.Context(), day("2026-07-13"), day("2026-07-13"))
			want := tt.want
			if len(s.raw) > 0 {
				want = strings.Replace(want, "URL", c.URL+"?"+s.raw[0], 1)
			}
			if err == nil || err.Error() != want {
				t.Errorf("got error %v, want %q", err, want)
			}
			if strings.Contains(tt.want, "api error") && !errors.Is(err, arxiv.ErrAPI) {
				t.Errorf("got %v, want it to wrap ErrAPI", err)
			}
			if len(s.queries) != tt.wantRequests {
				t.Errorf("got %d requests, want %d", len(s.queries), tt.wantRequests)
			}
		})
	}
}
