package main

import (
	"context"
	"io/fs"
	"net/http"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/subscribers"
	"github.com/digestd/digestd/templates"
)

// routes builds the web front: the subscriber pages, health, and in outbox
// mode the list of written messages.
func (a *app) routes() (http.Handler, error) {
	pages, err := fs.Sub(templates.FS, "pages")
	if err != nil {
		return nil, err
	}
	web, err := subscribers.NewWeb(a.subscribers, a.confirmations(), a.log, a.cfg.BaseURL, pages)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	web.Register(mux)
	mux.HandleFunc("GET /healthz", a.healthz)
	if a.outbox != nil {
		h := a.outbox.Handler()
		mux.Handle("GET /outbox", h)
		mux.Handle("GET /outbox/{name}", h)
	}
	mux.HandleFunc("/", web.NotFound)
	return mux, nil
}

// healthz answers 200 while the process runs and the database answers.
func (a *app) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := a.db.PingContext(ctx); err != nil {
		a.log.Error("health check: database", "error", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ok\n"))
}

// confirmations sends double opt-in mail through the app's mailer.
func (a *app) confirmations() *digest.Confirmations {
	return &digest.Confirmations{
		Subscribers: a.subscribers,
		Renderer:    a.renderer,
		Headers:     a.headers,
		Mailer:      a.mailer,
		BaseURL:     a.cfg.BaseURL,
	}
}
