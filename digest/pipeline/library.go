package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/sqlite"
	"github.com/digestd/digestd/subscribers"
)

// IDFetcher fetches papers by their arXiv ids: arxiv.Client.
type IDFetcher interface {
	FetchIDs(ctx context.Context, ids []string) ([]digest.Paper, error)
}

// Library fetches the papers that readers' libraries name by arXiv id and
// that are not stored yet, stores them (sqlite.Store.SaveLibraryPapers:
// an old paper never enters a digest for being fetched) and retrains the
// reader, whose model learns from stored papers only. The web front
// queues a reader after an upload and one worker (Run) fetches in the
// background; `digestd library import` fetches at once (Fetch).
type Library struct {
	Store       *sqlite.Store
	Subscribers *subscribers.Store
	Trainer     *Trainer
	// ArXiv fetches by id, in the arXiv source's pacing; nil when the
	// source is off (sources.arxiv.enabled): then nothing is fetched.
	ArXiv  IDFetcher
	Logger *slog.Logger

	once  sync.Once
	queue chan int64
}

// libraryQueueSize bounds the readers waiting for the worker; a reader
// queued when it is full is dropped, and their next upload queues them
// again (a fetch looks at their whole library).
const libraryQueueSize = 1024

// LibraryFetch is what fetching one reader's library brought.
type LibraryFetch struct {
	// Missing counts the library's arXiv ids not stored before.
	Missing int
	// Found counts those arXiv returned, now stored.
	Found int
}

func (l *Library) init() {
	l.once.Do(func() { l.queue = make(chan int64, libraryQueueSize) })
}

// Queue hands subscriberID's library to Run and returns at once. It does
// nothing when there is no arXiv to fetch from; a full queue drops the
// reader, which the log says.
func (l *Library) Queue(subscriberID int64) {
	if l.ArXiv == nil {
		return
	}
	l.init()
	select {
	case l.queue <- subscriberID:
	default:
		l.Logger.Warn("library fetch dropped: the queue is full", "subscriber", subscriberID, "queued", libraryQueueSize)
	}
}

// Run fetches the queued readers' libraries one reader at a time until
// ctx is done; what is still queued then is dropped.
func (l *Library) Run(ctx context.Context) {
	l.init()
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-l.queue:
			got, err := l.Fetch(ctx, id)
			switch {
			case err != nil && ctx.Err() == nil:
				l.Logger.Error("library fetch failed", "subscriber", id, "missing", got.Missing, "found", got.Found, "error", err)
			case err == nil && got.Missing > 0:
				l.Logger.Info("library papers fetched", "subscriber", id, "missing", got.Missing, "found", got.Found)
			}
		}
	}
}

// Fetch fetches the papers of subscriberID's library that are not stored
// yet, stores what arXiv returns and, when anything came, retrains the
// reader. When arXiv fails part way, the papers that came before are
// stored and the reader retrained all the same.
func (l *Library) Fetch(ctx context.Context, subscriberID int64) (LibraryFetch, error) {
	missing, err := l.missing(ctx, subscriberID)
	got := LibraryFetch{Missing: len(missing)}
	if err != nil || len(missing) == 0 || l.ArXiv == nil {
		return got, err
	}
	papers, fetchErr := l.ArXiv.FetchIDs(ctx, missing)
	if len(papers) == 0 {
		return got, fetchErr
	}
	if _, err := l.Store.SaveLibraryPapers(ctx, papers); err != nil {
		return got, fmt.Errorf("library of subscriber %d: store papers: %w", subscriberID, err)
	}
	asked := make(map[string]bool, len(missing))
	for _, id := range missing {
		asked[id] = true
	}
	for _, p := range papers {
		if asked[p.ID] {
			got.Found++
		}
	}
	if _, err := l.Trainer.Train(ctx, subscriberID); err != nil {
		return got, err
	}
	return got, fetchErr
}

// missing returns the arXiv ids of subscriberID's library with no stored
// paper.
func (l *Library) missing(ctx context.Context, subscriberID int64) ([]string, error) {
	lib, err := l.Subscribers.Library(ctx, subscriberID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, p := range lib {
		if p.ArxivID != "" {
			ids = append(ids, p.ArxivID)
		}
	}
	stored, err := l.Store.PapersByArxivID(ctx, ids)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, id := range ids {
		if _, ok := stored[id]; !ok {
			missing = append(missing, id)
		}
	}
	return missing, nil
}
