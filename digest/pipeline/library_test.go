package pipeline_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/arxiv"
	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/digest/download"
	"github.com/digestd/digestd/digest/pipeline"
	"github.com/digestd/digestd/subscribers"
	"github.com/digestd/digestd/subscribers/library"
)

// idListServer answers the arXiv API's id_list requests from the two
// captured id_list responses, an entry for each id it knows, and records
// the ids it was asked for.
type idListServer struct {
	*httptest.Server
	mu    sync.Mutex
	asked []string
}

func startIDList(t *testing.T) *idListServer {
	t.Helper()
	feed := digesttest.IDList(t)
	s := &idListServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ids := strings.Split(r.URL.Query().Get("id_list"), ",")
		s.mu.Lock()
		s.asked = append(s.asked, ids...)
		s.mu.Unlock()
		w.Write([]byte(feed(ids)))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *idListServer) client() *arxiv.Client {
	dl := download.New("test")
	dl.MinInterval = time.Millisecond
	return &arxiv.Client{URL: s.URL + "/api/query", Download: dl}
}

// libraryReader adds a reader with topic and the library in list (ids
// one per line), and returns them with the Library that fetches for them.
func libraryReader(t *testing.T, srv *idListServer, topic, list string) (*pipeline.Library, *subscribers.Store, subscribers.Subscriber) {
	t.Helper()
	store, db := digesttest.Open(t)
	digesttest.Save(t, store, digesttest.Papers(t, digesttest.HFDay1))
	subs := subscribers.NewStore(db)
	sub, err := subs.Add(t.Context(), "ann@example.org", subscribers.StatusActive, subscribers.DefaultSettings(), []string{topic})
	if err != nil {
		t.Fatal(err)
	}
	file, err := library.Parse(strings.NewReader(list))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := subs.AddLibrary(t.Context(), sub.ID, file.Refs); err != nil {
		t.Fatal(err)
	}
	lib := &pipeline.Library{Store: store, Subscribers: subs, Trainer: &pipeline.Trainer{Store: store, Subscribers: subs},
		ArXiv: srv.client(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return lib, subs, sub
}

// learned is how many votes and library papers the reader's model learned
// from, as stored; -1 without a model.
func learned(lib *pipeline.Library, subscriberID int64) (int, error) {
	m, err := lib.Trainer.Model(context.Background(), subscriberID)
	if err != nil || m == nil {
		return -1, err
	}
	return m.Examples, nil
}

// TestLibraryFetchStoresUnknownIDs: the arXiv ids of a library not stored
// yet are asked for by id, and what arXiv knows is stored; the reader's
// model learns from them; a second fetch asks only for what is still
// missing. An old paper fetched so never enters a digest, even one whose
// topic matches it.
func TestLibraryFetchStoresUnknownIDs(t *testing.T) {
	srv := startIDList(t)
	day := digesttest.Papers(t, digesttest.HFDay1)
	list := fmt.Sprintf("1707.08567\nhttps://arxiv.org/abs/astro-ph/0601001v1\n2601.00001\n%s\n10.1145/3442188.3445922\n", day[0].ID)
	word := strings.ToLower(strings.Trim(strings.Fields(day[0].Title)[1], ":,"))
	lib, _, sub := libraryReader(t, srv, "information OR jupiters OR "+word, list)
	ctx := t.Context()
	// As after an upload: the model learns from the one paper stored.
	if err := lib.Trainer.Retrain(ctx, sub.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := learned(lib, sub.ID); err != nil || n != 1 {
		t.Fatalf("model before the fetch: learned from %d papers (%v), want 1", n, err)
	}

	got, err := lib.Fetch(ctx, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got != (pipeline.LibraryFetch{Missing: 3, Found: 2}) {
		t.Errorf("fetch: got %+v, want 3 missing, 2 found", got)
	}
	if want := []string{"1707.08567", "2601.00001", "astro-ph/0601001"}; !slices.Equal(slices.Sorted(slices.Values(srv.asked)), want) {
		t.Errorf("asked arXiv for %q, want %q", srv.asked, want)
	}
	for _, id := range []string{"1707.08567", "astro-ph/0601001"} {
		p, err := lib.Store.PaperByArxivID(ctx, id)
		if err != nil || p.Title == "" || len(p.Authors) == 0 {
			t.Errorf("%s: got %q, %d authors, %v; want the paper stored", id, p.Title, len(p.Authors), err)
		}
	}
	if n, err := learned(lib, sub.ID); err != nil || n != 3 {
		t.Errorf("model: learned from %d papers (%v), want the 3 library papers stored", n, err)
	}

	srv.asked = nil
	if got, err := lib.Fetch(ctx, sub.ID); err != nil || got != (pipeline.LibraryFetch{Missing: 1}) || !slices.Equal(srv.asked, []string{"2601.00001"}) {
		t.Errorf("second fetch: got %+v, %v, asked %q; want 1 missing, only 2601.00001 asked", got, err, srv.asked)
	}

	b := &pipeline.Builder{Store: lib.Store, Subscribers: lib.Subscribers, Trainer: lib.Trainer}
	d, err := b.Build(ctx, sub, "2026-07-14", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range d.Items {
		ids = append(ids, it.Paper.ID)
	}
	if slices.Contains(ids, "1707.08567") || slices.Contains(ids, "astro-ph/0601001") || !slices.Contains(ids, day[0].ID) {
		t.Errorf("digest: got %q, want the day's %s and neither paper of 2017 and 2006 the library fetched", ids, day[0].ID)
	}
}

// TestLibraryWorker: a reader queued for the background worker has their
// library's unknown papers stored while it runs; it stops with its
// context.
func TestLibraryWorker(t *testing.T) {
	srv := startIDList(t)
	lib, _, sub := libraryReader(t, srv, "jupiters", "astro-ph/0601001\n")
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { lib.Run(ctx); close(done) }()
	lib.Queue(sub.ID)
	var p digest.Paper
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if p, err = lib.Store.PaperByArxivID(ctx, "astro-ph/0601001"); err == nil {
			break
		}
	}
	if err != nil || !strings.HasPrefix(p.Title, "Frequency of Hot Jupiters") {
		t.Errorf("10s after queueing: got %q, %v; want the paper stored", p.Title, err)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Error("the worker did not stop within 5s of its context's end")
	}
}
