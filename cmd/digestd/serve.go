package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/spf13/cobra"

	"github.com/digestd/digestd/digest/pipeline"
	"github.com/digestd/digestd/digest/sqlite"
)

func newServeCommand(open opener) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the web front and the scheduler until SIGINT or SIGTERM",
		Long: `Serve the web front on listen, fetch papers on schedule.fetch and run a
delivery pass on schedule.deliver, each subscriber getting their digest at
their own hour. A first fetch runs at start when the database has no papers,
and a delivery pass runs at start to catch up on hours missed while digestd
was down. SIGINT or SIGTERM stops it cleanly.`,
		Args: cobra.NoArgs,
		RunE: open.run(func(cmd *cobra.Command, a *app, _ []string) error {
			return a.serve(cmd.Context())
		}),
	}
}

// serve runs the web front and the scheduler until ctx is cancelled.
func (a *app) serve(ctx context.Context) error {
	handler, err := a.routes()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", a.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", a.cfg.Listen, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	a.log.Info("digestd serving", "addr", "http://"+ln.Addr().String(), "base_url", a.cfg.BaseURL,
		"database", a.cfg.Database, "config", orDefaults(a.configFile))
	a.log.Info(a.mailDestination())
	if a.outbox != nil && beyondLoopback(a.cfg.Listen) {
		a.log.Warn(outboxExposed, "listen", a.cfg.Listen)
	}

	jobs := &jobRunner{app: a, ctx: ctx}
	sched, err := jobs.schedule()
	if err != nil {
		return err
	}
	sched.Start()
	go jobs.startup()
	// The confirmation mails the web front queues go out from here, and
	// the papers of the libraries it takes are fetched.
	workersCtx, stopWorkers := context.WithCancel(ctx)
	var workers sync.WaitGroup
	workers.Go(func() { a.confirm.Run(workersCtx) })
	workers.Go(func() { a.library.Run(workersCtx) })

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err = <-served:
	case <-ctx.Done():
		a.log.Info("shutting down: finishing the work in flight")
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv.Shutdown(shutdownCtx)
	stopWorkers()
	workers.Wait()
	<-sched.Stop().Done()
	jobs.wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// jobRunner runs the scheduled pipeline steps one at a time: a fetch and a
// delivery pass never overlap, and a step that is still running when its
// next turn comes is not started twice.
type jobRunner struct {
	app *app
	ctx context.Context
	mu  sync.Mutex // held while a step runs
}

func (j *jobRunner) schedule() (*cron.Cron, error) {
	loc, err := time.LoadLocation(j.app.cfg.Schedule.Timezone)
	if err != nil {
		return nil, err
	}
	c := cron.New(cron.WithLocation(loc), cron.WithChain(cron.SkipIfStillRunning(cron.DiscardLogger)))
	if _, err := c.AddFunc(j.app.cfg.Schedule.Fetch, j.fetch); err != nil {
		return nil, fmt.Errorf("schedule.fetch: %w", err)
	}
	if _, err := c.AddFunc(j.app.cfg.Schedule.Deliver, j.deliver); err != nil {
		return nil, fmt.Errorf("schedule.deliver: %w", err)
	}
	return c, nil
}

// startup fetches when the database has no papers yet, then runs a delivery
// pass for the hours missed while digestd was down.
func (j *jobRunner) startup() {
	if id, _, err := j.app.store.LastPaper(j.ctx); err == nil && id == 0 {
		j.fetch()
	}
	j.deliver()
}

func (j *jobRunner) fetch() {
	j.do(func() {
		to := j.app.now().UTC().Truncate(24 * time.Hour)
		from := to.AddDate(0, 0, 1-j.app.cfg.Sources.Days)
		// Errors are logged per source by the fetcher.
		j.app.fetcher().Run(j.ctx, from, to)
		j.app.purgeTokens(j.ctx)
	})
}

// deliver runs a delivery pass, unless another process is running one:
// then this turn is skipped, and the next finds what that one left.
func (j *jobRunner) deliver() {
	j.do(func() {
		_, err := j.app.deliver(j.ctx, pipeline.RunOptions{}, progress{})
		var held *sqlite.LeaseHeldError
		switch {
		case errors.As(err, &held):
			j.app.log.Info("delivery pass skipped: another process is running one", "holder", held.Holder.String(),
				"since", held.Taken, "renewed", held.Renewed)
		case err != nil && j.ctx.Err() == nil:
			j.app.log.Error("delivery pass failed", "error", err)
		}
	})
}

func (j *jobRunner) do(step func()) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.ctx.Err() == nil {
		step()
	}
}

// wait returns once the step in flight, if any, has finished. Called after
// ctx is cancelled, so no later step starts.
func (j *jobRunner) wait() {
	j.mu.Lock()
	defer j.mu.Unlock()
}
