package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/digestd/digestd/digest/mailer/smtptest"
	"github.com/digestd/digestd/digest/pipeline"
)

// TestMetricsAfterFetchAndPass scrapes /metrics after two fetches (the
// second with arXiv broken) and a delivery pass, and checks that each
// counter moved by what those runs reported.
func TestMetricsAfterFetchAndPass(t *testing.T) {
	src := startSources(t)
	relay := smtptest.Start(t)
	e := newEnv(t, src, relay)
	e.mustRun("subscribers", "add", "ada@example.org", "--confirmed", "--topic", "title:pretraining")
	e.mustRun("subscribers", "add", "bob@example.org", "--confirmed", "--topic", `title:"foundation model" -pathology`)
	e.mustRun("subscribers", "add", "cy@example.org")

	ctx := context.Background()
	a, err := openApp(ctx, e.config, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	handler, err := a.routes()
	if err != nil {
		t.Fatal(err)
	}
	day, _ := time.Parse(time.DateOnly, fixtureDay)
	first, err := a.fetcher().Run(ctx, day, day)
	if err != nil {
		t.Fatal(err)
	}
	fetched := map[string]float64{}
	for _, r := range first {
		fetched[r.Source] = float64(r.Papers)
	}
	if fetched["huggingface"] == 0 || fetched["arxiv"] == 0 {
		t.Fatalf("first fetch: got %+v, want papers from both sources", first)
	}
	res, err := a.deliver(ctx, pipeline.RunOptions{All: true}, progress{})
	if err != nil || res.Sent != 2 {
		t.Fatalf("delivery pass: got %+v, %v, want 2 sent", res, err)
	}
	src.arxivBody = []byte("not a feed")
	if _, err := a.fetcher().Run(ctx, day, day); err == nil {
		t.Fatal("second fetch with a broken arXiv: got no error")
	}

	got := scrape(t, handler)
	want := map[string]float64{
		`digestd_papers_fetched_total{source="huggingface"}`: 2 * fetched["huggingface"],
		`digestd_papers_fetched_total{source="arxiv"}`:       fetched["arxiv"],
		`digestd_fetch_errors_total{source="arxiv"}`:         1,
		`digestd_digests_built_total`:                        2,
		`digestd_digests_sent_total`:                         2,
		`digestd_digests_failed_total`:                       0,
		`digestd_delivery_passes_total{result="ok"}`:         1,
		`digestd_delivery_pass_duration_seconds_count`:       1,
		`digestd_readers{status="active"}`:                   2,
		`digestd_readers{status="pending"}`:                  1,
		`digestd_readers{status="bounced"}`:                  0,
		`digestd_outbox_depth`:                               0,
	}
	for name, w := range want {
		if g, ok := got[name]; !ok || g != w {
			t.Errorf("%s: got %v (present %v), want %v", name, g, ok, w)
		}
	}
	for _, name := range []string{"digestd_last_fetch_success_timestamp_seconds", "digestd_last_delivery_success_timestamp_seconds"} {
		if age := time.Since(time.Unix(int64(got[name]), 0)); age < 0 || age > time.Minute {
			t.Errorf("%s: got %v, want a time in the last minute", name, got[name])
		}
	}
}

// TestReadyz checks /readyz before the first fetch, after it, and once
// the fetch is older than health.max_fetch_age.
func TestReadyz(t *testing.T) {
	e := newEnv(t, startSources(t), nil, "health:\n  max_fetch_age: 1h\n")
	ctx := context.Background()
	a, err := openApp(ctx, e.config, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	handler, err := a.routes()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		fetch bool
		later time.Duration
		code  int
		body  string
	}{
		{"before any fetch", false, 0, http.StatusServiceUnavailable, "no successful fetch yet"},
		{"after a fetch", true, 0, http.StatusOK, "ready"},
		{"fetch too old", false, 2 * time.Hour, http.StatusServiceUnavailable, "more than health.max_fetch_age (1h0m0s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fetch {
				day, _ := time.Parse(time.DateOnly, fixtureDay)
				if _, err := a.fetcher().Run(ctx, day, day); err != nil {
					t.Fatal(err)
				}
			}
			a.now = func() time.Time { return time.Now().Add(tt.later) }
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if rec.Code != tt.code || !strings.Contains(rec.Body.String(), tt.body) {
				t.Errorf("GET /readyz: got %d %q, want %d and %q", rec.Code, rec.Body.String(), tt.code, tt.body)
			}
		})
	}
}

// scrape reads /metrics in the text format into name{labels} → value.
func scrape(t *testing.T, h http.Handler) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: got %d, want 200\n%s", rec.Code, rec.Body.String())
	}
	values := map[string]float64{}
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		line := sc.Text()
		i := strings.LastIndexByte(line, ' ')
		if strings.HasPrefix(line, "#") || i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		values[line[:i]] = v
	}
	return values
}
