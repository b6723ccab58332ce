package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/sqlite"
)

// Fetcher pulls papers from every configured source into the store.
type Fetcher struct {
	Store   *sqlite.Store
	Sources []digest.Source
	Logger  *slog.Logger
	// Observer, when set, is told what each source brought.
	Observer digest.FetchObserver
}

// FetchResult is what one source brought.
type FetchResult struct {
	Source  string
	Papers  int // papers in the responses
	New     int // papers stored for the first time
	Updated int // known papers whose record changed
	Err     error
}

// logsItems is a source that logs what it meets in the responses (items it
// had to skip): a fetch hands it a logger carrying the run id, which every
// line of a run has.
type logsItems interface {
	WithLogger(*slog.Logger) digest.Source
}

// Run fetches the days from..to from each source in turn and stores what
// came back. A failing source does not stop the others, and stores nothing
// of its own: the papers stored before stay as they were. The error joins
// every source's error, each naming its source.
func (f *Fetcher) Run(ctx context.Context, from, to time.Time) ([]FetchResult, error) {
	runID, err := f.Store.StartRun(ctx, digest.RunFetch)
	if err != nil {
		return nil, err
	}
	var (
		results []FetchResult
		errs    []error
		changed int
	)
	for _, src := range f.Sources {
		if l, ok := src.(logsItems); ok {
			src = l.WithLogger(f.Logger.With("run", runID))
		}
		r := FetchResult{Source: src.Name()}
		papers, err := src.Fetch(ctx, from, to)
		if err == nil {
			r.Papers = len(papers)
			var saved sqlite.SaveResult
			saved, err = f.Store.SavePapers(ctx, papers)
			if err != nil {
				err = fmt.Errorf("%s: store papers: %w", src.Name(), err)
			}
			r.New, r.Updated = saved.New, saved.Updated
			changed += saved.New + saved.Updated
		}
		r.Err = err
		if f.Observer != nil {
			f.Observer.Fetched(r.Source, r.Papers, err)
		}
		switch {
		case err != nil && ctx.Err() != nil:
			errs = append(errs, err)
			f.Logger.Info("fetch interrupted", "run", runID, "source", src.Name(), "error", err)
		case err != nil:
			errs = append(errs, err)
			f.Logger.Error("fetch failed", "run", runID, "source", src.Name(), "error", err)
		default:
			f.Logger.Info("fetched", "run", runID, "source", src.Name(), "from", from.Format(time.DateOnly),
				"to", to.Format(time.DateOnly), "papers", r.Papers, "new", r.New, "updated", r.Updated)
		}
		results = append(results, r)
	}
	err = errors.Join(errs...)
	rec := digest.Run{ID: runID, Fetched: changed}
	if err != nil {
		rec.Error = errs[0].Error()
	}
	if ferr := f.Store.FinishRun(rec); ferr != nil && err == nil {
		err = ferr
	}
	// One summary line per fetch, like the delivery pass's, for a log
	// reader who wants each night in one line.
	f.Logger.Info("fetch pass", "run", runID, "sources", len(f.Sources), "failed", len(errs),
		"new_or_changed", changed, "error", rec.Error)
	return results, err
}
