package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fault answers a source request in place of the fixture when it returns
// true; n counts the requests to that source since the fault was set.
type fault func(w http.ResponseWriter, n int32) bool

// faultySource serves body (and empty for arXiv's later pages), or what
// the current fault answers instead.
type faultySource struct {
	body, empty []byte
	fault       atomic.Pointer[fault]
	n           atomic.Int32
}

func (s *faultySource) set(f fault) {
	s.n.Store(0)
	s.fault.Store(&f)
}

func (s *faultySource) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.n.Add(1)
	if f := s.fault.Load(); f != nil && *f != nil && (*f)(w, n) {
		return
	}
	if strings.Contains(r.URL.Path, "query") && r.URL.Query().Get("start") != "0" {
		w.Write(s.empty)
		return
	}
	w.Write(s.body)
}

// status answers the first n requests with code and the header h.
func status(code int, n int32, h ...string) fault {
	return func(w http.ResponseWriter, i int32) bool {
		if i > n {
			return false
		}
		for j := 0; j+1 < len(h); j += 2 {
			w.Header().Set(h[j], h[j+1])
		}
		w.WriteHeader(code)
		return true
	}
}

// body answers every request with b.
func body(b []byte) fault {
	return func(w http.ResponseWriter, _ int32) bool { w.Write(b); return true }
}

// TestSourceFaults breaks one source at a time after a first fetch: the
// fetch retries what may pass, fails with an error naming the source for
// what cannot, leaves the stored papers intact, and the next fetch with the
// source healthy catches up.
func TestSourceFaults(t *testing.T) {
	emptyFeed := readFixture(t, "arxiv_api_empty_totalResults0.xml")
	hfDay := readFixture(t, "hf_daily_papers_limit25_2026-07-13_25items.json")
	feed := readFixture(t, "arxiv_api_query_cat-csAI-OR-csLG_50entries.xml")
	var items []json.RawMessage
	if err := json.Unmarshal(hfDay, &items); err != nil {
		t.Fatal(err)
	}
	twice, _ := json.Marshal(append(items, items...))
	big, _ := json.Marshal([]any{map[string]any{"paper": map[string]any{"id": "2607.99998", "title": "Big",
		"summary": strings.Repeat("long abstract ", 10<<20/14), "publishedAt": fixtureDay + "T00:00:00.000Z"}}})
	badUTF8 := []byte(strings.Replace(string(feed), "<title>", "<title>\xff\xfe", 1))
	stall := func(w http.ResponseWriter, _ int32) bool { time.Sleep(time.Second); return false }
	tests := []struct {
		name       string
		hf, arxiv  fault
		long       bool   // torture only: it waits out several backoffs
		wantErr    string // "" for a fetch that succeeds
		afterFault int    // papers stored after the faulty fetch; 0: as before
		// timeout is sources.timeout, 300ms unless set: short, for the
		// stalls to fail fast; a 10 MB body needs longer on a loaded
		// machine under -race.
		timeout string
	}{
		{name: "429 with Retry-After", hf: status(429, 1, "Retry-After", "1"), afterFault: 73},
		{name: "500 then success", arxiv: status(500, 1)},
		{name: "500s throughout", hf: status(503, 99), long: true, wantErr: "huggingface: 2026-07-13: get http"},
		{name: "timeout", arxiv: stall, long: true, wantErr: "arxiv: get http"},
		{name: "truncated JSON", hf: body(hfDay[:len(hfDay)/2]), wantErr: "huggingface: 2026-07-13: decode response at byte"},
		{name: "truncated XML", arxiv: body(feed[:len(feed)/3]), wantErr: "arxiv: decode feed: line"},
		{name: "arXiv error feed", arxiv: body(readFixture(t, "arxiv_api_error_incorrect_id_format_http400.xml")), wantErr: "arxiv: api error"},
		{name: "invalid UTF-8 in XML", arxiv: body(badUTF8), wantErr: "arxiv: decode feed: line"},
		{name: "10 MB abstract", hf: body(big), afterFault: 51, timeout: "20s"},
		{name: "duplicate ids in one response", hf: body(twice), afterFault: 73},
		{name: "empty weekend", hf: body([]byte("[]")), arxiv: body(emptyFeed)},
	}
	checked := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.long && !torture {
				t.Skip("waits out the backoffs: make torture runs it")
			}
			hf, ax := &faultySource{body: hfDay}, &faultySource{body: feed, empty: emptyFeed}
			src := &sources{hf: httptest.NewServer(hf), arxiv: httptest.NewServer(ax)}
			defer src.hf.Close()
			defer src.arxiv.Close()
			timeout := tt.timeout
			if timeout == "" {
				timeout = "300ms"
			}
			t.Setenv("DIGESTD_SOURCES_TIMEOUT", timeout)
			e := newEnv(t, src, nil)
			hf.set(body([]byte("[]")))
			e.mustRun("fetch", "--date", fixtureDay, "--days", "1")
			before := e.count(`SELECT count(*) FROM papers`)

			// The other source stays healthy, Hugging Face with nothing new.
			hf.set(tt.hf)
			if tt.hf == nil {
				hf.set(body([]byte("[]")))
			}
			ax.set(tt.arxiv)
			r := e.run("fetch", "--date", fixtureDay, "--days", "1")
			switch {
			case tt.wantErr == "" && r.code != 0:
				t.Errorf("fetch: exit %d, want 0\n%s", r.code, r.stderr)
			case tt.wantErr != "" && (r.code != exitFailure || !strings.Contains(r.stderr, tt.wantErr)):
				t.Errorf("fetch: exit %d %q, want %d and %q", r.code, r.stderr, exitFailure, tt.wantErr)
			}
			want := tt.afterFault
			if want == 0 {
				want = before
			}
			if got := e.count(`SELECT count(*) FROM papers`); got != want {
				t.Errorf("papers after the faulty fetch: got %d, want %d", got, want)
			}
			if got := e.count(`SELECT count(*) FROM papers WHERE length(CAST(abstract AS BLOB)) > 20000`); got != 0 {
				t.Errorf("papers with an abstract over the cap: got %d, want 0", got)
			}
			var check string
			if err := e.db().QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
				t.Errorf("integrity_check: got %q (%v), want ok", check, err)
			}

			hf.set(nil)
			ax.set(nil)
			e.mustRun("fetch", "--date", fixtureDay, "--days", "1")
			if got := e.count(`SELECT count(*) FROM papers WHERE arxiv_id != '2607.99998'`); got != 73 {
				t.Errorf("papers after the next, healthy fetch: got %d, want 73", got)
			}
			if !t.Failed() {
				checked++
			}
		})
	}
	t.Logf("source: faults=%d long=%v held=%d", len(tests), torture, checked)
}
