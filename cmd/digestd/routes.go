package main

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/digestd/digestd/digest/pipeline"
	"github.com/digestd/digestd/docs"
	"github.com/digestd/digestd/subscribers/web"
	"github.com/digestd/digestd/templates"
)

// routes builds the web front: the subscriber pages, health, and in outbox
// mode the list of written messages (to loopback clients only), all with
// the same security headers.
func (a *app) routes() (http.Handler, error) {
	pages, err := fs.Sub(templates.FS, "pages")
	if err != nil {
		return nil, err
	}
	help, err := topicsHelp()
	if err != nil {
		return nil, err
	}
	archive := &pipeline.Archive{Store: a.store, Subscribers: a.subscribers, Builder: a.builder,
		Renderer: a.renderer, BaseURL: a.cfg.BaseURL}
	proxies, err := trustedProxies(a.cfg.Web.TrustedProxies)
	if err != nil {
		return nil, err
	}
	front, err := web.New(web.Config{
		Store:          a.subscribers,
		Confirmer:      a.confirm,
		Previewer:      &pipeline.Previews{Recent: a.recent, Trainer: a.trainer, Now: a.now},
		Sender:         a.runner(),
		Papers:         archive,
		Learner:        a.trainer,
		Library:        a.library,
		Archive:        archive,
		History:        a.store,
		MaxPapers:      a.cfg.Digest.MaxPapers,
		TopicsHelp:     help,
		Log:            a.log,
		BaseURL:        a.cfg.BaseURL,
		Pages:          pages,
		TrustedProxies: proxies,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	front.Register(mux)
	mux.HandleFunc("GET /healthz", a.healthz)
	mux.HandleFunc("GET /readyz", a.readyz)
	mux.Handle("GET /metrics", a.metrics.handler(a.log))
	if a.outbox != nil {
		h := a.outbox.Handler()
		mux.Handle("GET /outbox", h)
		mux.Handle("GET /outbox/{name}", h)
	}
	mux.HandleFunc("/", front.NotFound)
	return web.Secure(mux), nil
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

// topicsHelp renders docs/TOPICS.md, embedded, for the /help/topics page,
// once at start-up. goldmark's defaults drop raw HTML, and the file is
// ours: the result is safe to serve as trusted HTML.
func topicsHelp() (template.HTML, error) {
	var b bytes.Buffer
	md := goldmark.New(goldmark.WithExtensions(extension.Table))
	if err := md.Convert(docs.Topics, &b); err != nil {
		return "", fmt.Errorf("docs/TOPICS.md: %w", err)
	}
	return template.HTML(b.String()), nil
}
