package pipeline_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/arxiv"
	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/digest/download"
	"github.com/digestd/digestd/digest/hf"
	"github.com/digestd/digestd/digest/pipeline"
)

// feedServer serves whatever body holds; arXiv's later pages are empty.
func feedServer(t *testing.T, body *atomic.Pointer[[]byte], empty []byte) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s := r.URL.Query().Get("start"); s != "" && s != "0" {
			w.Write(empty)
			return
		}
		w.Write(*body.Load())
	}))
	t.Cleanup(srv.Close)
	return srv
}

// snapshot is every Hugging Face paper's stored record, one line each.
func snapshot(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.Query(`SELECT arxiv_id, title, abstract, upvotes, org, sources, arrived_at, changed_at
		FROM papers WHERE sources LIKE '%huggingface%' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, title, abstract, org, sources string
		var upvotes, arrived, changed int64
		if err := rows.Scan(&id, &title, &abstract, &upvotes, &org, &sources, &arrived, &changed); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&b, id, title, abstract, upvotes, org, sources, arrived, changed)
	}
	return b.String()
}

func TestFetcherRun(t *testing.T) {
	ctx := context.Background()
	store, db := digesttest.Open(t)
	var hfBody, arxivBody atomic.Pointer[[]byte]
	hfData, arxivData := digesttest.Fixture(t, digesttest.HFDay1), digesttest.Fixture(t, digesttest.ArxivFeed)
	hfBody.Store(&hfData)
	arxivBody.Store(&arxivData)
	empty := digesttest.Fixture(t, "arxiv_api_empty_totalResults0.xml")
	hfSrv, arxivSrv := feedServer(t, &hfBody, empty), feedServer(t, &arxivBody, empty)
	dl := download.New("test")
	dl.MinInterval = time.Millisecond
	f := &pipeline.Fetcher{
		Store: store,
		Sources: []digest.Source{
			&hf.Client{URL: hfSrv.URL, Download: download.New("test")},
			&arxiv.Client{URL: arxivSrv.URL, Categories: []string{"cs.AI", "cs.LG"}, PageSize: 50, Download: dl},
		},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	day := time.Date(2026, 7, 13, 0, 0, 0, 0, time.UTC)

	results, err := f.Run(ctx, day, day)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := []pipeline.FetchResult{{Source: "huggingface", Papers: 25, New: 25}, {Source: "arxiv", Papers: 50, New: 48, Updated: 2}}
	if fmt.Sprint(results) != fmt.Sprint(want) {
		t.Errorf("got %+v, want %+v", results, want)
	}
	runs, err := store.Runs(ctx, 10)
	if err != nil || len(runs) != 1 {
		t.Fatalf("got %d runs (%v), want 1", len(runs), err)
	}
	if r := runs[0]; r.Kind != "fetch" || r.Fetched != 75 || r.Error != "" || r.FinishedAt.IsZero() {
		t.Errorf("got run %+v, want kind fetch, 75 fetched, no error, finished", r)
	}
	before := snapshot(t, db)

	// Hugging Face breaks off mid-response; arXiv has ten other papers.
	cut := hfData[:1000]
	hfBody.Store(&cut)
	other := digesttest.Fixture(t, "arxiv_api_query_all-testing_10entries.xml")
	arxivBody.Store(&other)
	results, err = f.Run(ctx, day, day)
	if err == nil || !strings.Contains(err.Error(), "huggingface") || !strings.Contains(err.Error(), "byte 1000") {
		t.Errorf("got error %v, want one naming huggingface and byte 1000", err)
	}
	if len(results) != 2 || results[0].Err == nil || results[1].Err != nil || results[1].New != 10 {
		t.Errorf("got %+v, want huggingface failed, arxiv 10 new", results)
	}
	if got := digesttest.Count(t, db, `SELECT count(*) FROM papers`); got != 83 {
		t.Errorf("got %d papers, want 83 (73 + 10 from arXiv)", got)
	}
	if got := snapshot(t, db); got != before {
		t.Errorf("hugging face papers changed:\ngot\n%s\nwant\n%s", got, before)
	}
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("got integrity_check %q (%v), want ok", check, err)
	}
	runs, err = store.Runs(ctx, 10)
	if err != nil || len(runs) != 2 {
		t.Fatalf("got %d runs (%v), want 2", len(runs), err)
	}
	if r := runs[0]; r.Kind != "fetch" || r.Fetched != 10 || !strings.HasPrefix(r.Error, "huggingface: 2026-07-13: ") ||
		!strings.Contains(r.Error, "byte 1000") {
		t.Errorf("got run %+v, want 10 fetched and the huggingface error", r)
	}
}

// TestFetcherLogsRunIDOfSkippedItems: the Hugging Face client's warning
// about unusable items carries the fetch's run id, as every line of a run.
func TestFetcherLogsRunIDOfSkippedItems(t *testing.T) {
	store, _ := digesttest.Open(t)
	body := []byte(`[{"paper": {"id": "not an id", "title": "Broken"}},
		{"paper": {"id": "2607.00001", "title": "Fine", "publishedAt": "2026-07-13T00:00:00.000Z"}}]`)
	var hfBody atomic.Pointer[[]byte]
	hfBody.Store(&body)
	srv := feedServer(t, &hfBody, nil)
	var logs strings.Builder
	f := &pipeline.Fetcher{Store: store, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Sources: []digest.Source{&hf.Client{URL: srv.URL, Download: download.New("test"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}}
	day := time.Date(2026, 7, 13, 0, 0, 0, 0, time.UTC)
	if _, err := f.Run(context.Background(), day, day); err != nil {
		t.Fatalf("Run: %v", err)
	}
	line := ""
	for l := range strings.Lines(logs.String()) {
		if strings.Contains(l, "skipped unusable items") {
			line = l
		}
	}
	if !strings.Contains(line, "run=1 ") {
		t.Errorf("got skipped-items line %q, want it to carry run=1\nlogs:\n%s", line, logs.String())
	}
}
