package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"net/url"
	"path/filepath"
	"time"

	"github.com/digestd/digestd/digest/download"
	"github.com/digestd/digestd/digest/email"
	"github.com/digestd/digestd/digest/mailer"
	"github.com/digestd/digestd/digest/pipeline"
	"github.com/digestd/digestd/digest/sqlite"
	"github.com/digestd/digestd/subscribers"
)

// app is digestd wired together for one command: config, logger, database
// and the pipeline's parts. Close releases what it holds.
type app struct {
	cfg         Config
	configFile  string
	log         *slog.Logger
	db          *sql.DB
	store       *sqlite.Store
	subscribers *subscribers.Store
	matcher     *sqlite.Matcher  // the archive search, FTS5
	recent      *pipeline.Recent // the recent papers, indexed
	trainer     *pipeline.Trainer
	library     *pipeline.Library // fetches the papers of readers' libraries
	arxivDL     *download.Client  // the process's one client for arXiv (see arxiv)
	builder     *pipeline.Builder
	renderer    *email.Renderer
	headers     email.Headers
	mailer      sender
	outbox      *mailer.Folder // set in outbox mode (no smtp.host)
	workers     []*mailer.SMTP // delivery connections beyond mailer
	// budget is the relay limits every sender of the process shares:
	// passes, send-now and confirm, whose queue serve's worker drains.
	budget  *pipeline.Budget
	confirm *pipeline.Confirmations
	metrics *metrics
	now     func() time.Time
}

// sender is what the app sends through: an SMTP relay or the outbox folder.
type sender interface {
	pipeline.Mailer
	Close() error
}

func openApp(ctx context.Context, configPath string, logOut io.Writer) (*app, error) {
	cfg, file, err := loadConfig(configPath)
	if err != nil {
		return nil, usageError{err}
	}
	a := &app{cfg: cfg, configFile: file, log: newLogger(cfg.Log, logOut), now: time.Now}
	a.renderer, err = email.NewRenderer(email.RenderConfig{
		SiteName:       "digestd",
		BaseURL:        cfg.BaseURL,
		Subject:        cfg.Digest.Subject,
		HeaderMarkdown: cfg.Digest.HeaderMarkdown,
		FooterMarkdown: cfg.Digest.FooterMarkdown,
	})
	if err != nil {
		return nil, usageError{fmt.Errorf("config %s: %w", orDefaults(file), err)}
	}
	a.headers = newHeaders(cfg)
	if a.headers.DKIM, err = newDKIM(cfg); err != nil {
		return nil, usageError{fmt.Errorf("config %s: %w", orDefaults(file), err)}
	}
	a.db, err = sqlite.Open(ctx, cfg.Database)
	if err != nil {
		return nil, err
	}
	if a.store, err = sqlite.NewStore(ctx, a.db); err != nil {
		a.db.Close()
		return nil, err
	}
	a.subscribers = subscribers.NewStore(a.db)
	a.matcher = sqlite.NewMatcher(a.db)
	a.recent = &pipeline.Recent{Store: a.store, Now: a.now}
	a.metrics = newMetrics(newStateCollector(a.store, a.subscribers))
	a.trainer = &pipeline.Trainer{Store: a.store, Subscribers: a.subscribers}
	a.arxivDL = a.newDownload()
	a.arxivDL.MinInterval = cfg.Sources.Arxiv.Interval
	a.library = &pipeline.Library{Store: a.store, Subscribers: a.subscribers, Trainer: a.trainer, Logger: a.log}
	if arx := a.arxiv(); arx != nil {
		a.library.ArXiv = arx
	}
	a.builder = &pipeline.Builder{Store: a.store, Subscribers: a.subscribers, MaxPapers: cfg.Digest.MaxPapers, Trainer: a.trainer}
	if cfg.SMTP.Host == "" {
		a.outbox = &mailer.Folder{Dir: filepath.Join(filepath.Dir(cfg.Database), "outbox")}
		a.mailer = a.outbox
	} else {
		a.mailer, err = mailer.NewSMTP(a.smtpConfig())
		if err == nil {
			err = a.addWorkers()
		}
		if err != nil {
			a.Close()
			return nil, usageError{fmt.Errorf("config %s: smtp: %w", orDefaults(file), err)}
		}
	}
	a.budget = pipeline.NewBudget(a.limits(), a.store, a.subscribers)
	a.confirm = &pipeline.Confirmations{Subscribers: a.subscribers, Renderer: a.renderer, Headers: a.headers,
		Mailer: a.mailer, BaseURL: cfg.BaseURL, Budget: a.budget, Logger: a.log}
	return a, nil
}

// limits are smtp.rate_per_second and smtp.max_per_hour.
func (a *app) limits() pipeline.Limits {
	return pipeline.Limits{RatePerSecond: a.cfg.SMTP.RatePerSecond, MaxPerHour: a.cfg.SMTP.MaxPerHour}
}

// Close releases the database and the relay connection.
func (a *app) Close() error {
	if a.mailer != nil {
		a.mailer.Close()
	}
	for _, w := range a.workers {
		w.Close()
	}
	if a.store != nil {
		a.store.Close()
	}
	return a.db.Close()
}

// mailDestination says in one line where mail goes, for the logs.
func (a *app) mailDestination() string {
	if a.outbox != nil {
		return "no smtp.host set: mail is written as .eml files to " + a.outbox.Dir + " (listed at /outbox)"
	}
	return fmt.Sprintf("mail goes to smtp://%s:%d (tls: %s)", a.cfg.SMTP.Host, a.cfg.SMTP.Port, a.cfg.SMTP.TLS)
}

func (a *app) runner() *pipeline.Runner {
	return &pipeline.Runner{
		Store:           a.store,
		Subscribers:     a.subscribers,
		Builder:         a.builder,
		Renderer:        a.renderer,
		Mailers:         a.deliveryMailers(),
		Headers:         a.headers,
		Limits:          a.limits(),
		Budget:          a.budget,
		Retry:           pipeline.Retry{Attempts: a.cfg.SMTP.RetryAttempts, Backoff: a.cfg.SMTP.RetryBackoff},
		HardBounceLimit: a.cfg.SMTP.HardBounceLimit,
		Lease:           a.cfg.Schedule.PassLease,
		ResendAfter:     a.cfg.SMTP.DataTimeout,
		Observer:        a.metrics,
		BaseURL:         a.cfg.BaseURL,
		Logger:          a.log,
		Now:             a.now,
	}
}

// newHeaders derives the digest headers from the config. List-Id names the
// web front's host; the List-Unsubscribe mailto goes to the reply-to (else
// the from) mailbox, where the operator acts on it with `subscribers remove`.
func newHeaders(cfg Config) email.Headers {
	mailbox := cfg.SMTP.From
	if cfg.SMTP.ReplyTo != "" {
		mailbox = cfg.SMTP.ReplyTo
	}
	addr, _ := mail.ParseAddress(mailbox)
	host := "localhost"
	if u, err := url.Parse(cfg.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return email.Headers{
		From:              cfg.SMTP.From,
		ReplyTo:           cfg.SMTP.ReplyTo,
		ListID:            fmt.Sprintf("digestd paper digest <digest.%s>", host),
		UnsubscribeMailto: "mailto:" + addr.Address + "?subject=unsubscribe",
	}
}

func newLogger(cfg LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
