package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/sqlite"
)

// readyz answers 200 when digestd can do its job: the schema is the one this
// binary knows and the papers are fresh. Otherwise 503 with the reason, for
// a load balancer or a human with curl.
func (a *app) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if reason := a.notReady(ctx); reason != "" {
		http.Error(w, reason, http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
}

// notReady says why digestd is not ready, or "" when it is.
func (a *app) notReady(ctx context.Context) string {
	have, want, err := sqlite.SchemaVersion(ctx, a.db)
	if err != nil {
		a.log.Error("readiness check: database", "error", err)
		return "database unavailable"
	}
	if have != want {
		return fmt.Sprintf("database schema version %d, want %d: restart digestd to migrate", have, want)
	}
	last, err := a.store.LastSuccess(ctx, digest.RunFetch)
	if err != nil {
		a.log.Error("readiness check: runs", "error", err)
		return "database unavailable"
	}
	if last.IsZero() {
		return "no successful fetch yet"
	}
	if age := a.now().Sub(last); age > a.cfg.Health.MaxFetchAge {
		return fmt.Sprintf("last successful fetch %s ago, more than health.max_fetch_age (%s)",
			age.Round(time.Minute), a.cfg.Health.MaxFetchAge)
	}
	return ""
}
