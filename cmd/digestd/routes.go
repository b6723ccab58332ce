package main

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/mail"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/subscribers"
	"github.com/digestd/digestd/templates"
)

// routes builds the web front: the subscriber pages, health, and in outbox
// mode the list of written messages, all with the same security headers.
func (a *app) routes() (http.Handler, error) {
	pages, err := fs.Sub(templates.FS, "pages")
	if err != nil {
		return nil, err
	}
	web, err := subscribers.NewWeb(subscribers.WebConfig{
		Store:     a.subscribers,
		Confirmer: a.confirmations(),
		Previewer: &digest.Preview{Store: a.store, Matcher: a.matcher, Now: a.now},
		Sender:    sampleSender{a},
		Log:       a.log,
		BaseURL:   a.cfg.BaseURL,
		Pages:     pages,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	web.Register(mux)
	mux.HandleFunc("GET /healthz", a.healthz)
	mux.HandleFunc("GET /readyz", a.readyz)
	mux.Handle("GET /metrics", a.metrics.handler(a.log))
	if a.outbox != nil {
		h := a.outbox.Handler()
		mux.Handle("GET /outbox", h)
		mux.Handle("GET /outbox/{name}", h)
	}
	mux.HandleFunc("/", web.NotFound)
	return subscribers.Secure(mux), nil
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

// sampleSender answers "send me my digest now" with the digest the reader
// would get now, built and mailed as `digestd preview` would render it. It
// is a sample: the delivery record is left alone, so the scheduled digest
// still comes and still carries these papers, and its own period keeps its
// Message-ID apart from the scheduled one's.
type sampleSender struct{ a *app }

// SendNow builds, renders and mails sub's digest; an empty one is not sent.
func (s sampleSender) SendNow(ctx context.Context, sub subscribers.Subscriber) (int, error) {
	now := s.a.now()
	d, err := s.a.builder.Build(ctx, sub, digest.CurrentPeriod(sub, now), now)
	if err != nil || len(d.Items) == 0 {
		return 0, err
	}
	d.Period = fmt.Sprintf("sample-%d", now.UnixNano())
	token, err := s.a.subscribers.NewToken(ctx, sub.ID, subscribers.TokenManage)
	if err != nil {
		return 0, err
	}
	d.ManageURL, d.UnsubscribeURL = s.a.cfg.BaseURL+"/manage/"+token, s.a.cfg.BaseURL+"/unsubscribe/"+token
	r, err := s.a.renderer.Render(d)
	if err != nil {
		return 0, err
	}
	msg, _, err := digest.ComposeDigest(s.a.headers, d, r)
	if err != nil {
		return 0, err
	}
	from := s.a.headers.From
	if addr, err := mail.ParseAddress(from); err == nil {
		from = addr.Address
	}
	if err := s.a.mailer.Send(ctx, from, sub.Email, msg); err != nil {
		return 0, fmt.Errorf("digest now to %s: %w", sub.Email, err)
	}
	return len(d.Items), nil
}
