package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime/metrics"
	"runtime/pprof"
	"runtime/trace"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/email"
	"github.com/digestd/digestd/digest/mailer"
	"github.com/digestd/digestd/digest/pipeline"
	"github.com/digestd/digestd/digest/sqlite"
	"github.com/digestd/digestd/subscribers"
)

// bench is one benchmark run: the database, the pipeline wired as
// `digestd run` wires it, the sink, and what was measured.
type bench struct {
	opt     options
	path    string
	db      *sql.DB
	store   *sqlite.Store
	subs    *subscribers.Store
	runner  *pipeline.Runner
	trainer *pipeline.Trainer
	senders []*mailer.SMTP
	sink    *sink

	phases []phase
	result pipeline.RunResult
	topics int
	sizes  []int // of the digests the pass sent
	pass   phase // the delivery pass, also in phases
	smtp   phase // the SMTP limit, also in phases
}

// phase is one measured step.
type phase struct {
	name     string
	wall     time.Duration
	cpu      time.Duration // user + system time of the whole process
	messages int
	bytes    int64
}

func (p phase) perSecond() float64 { return float64(p.messages) / p.wall.Seconds() }

func newBench(ctx context.Context, path string, o options) (*bench, error) {
	b := &bench{opt: o, path: path}
	var err error
	if b.sink, err = startSink(o.relayRTT); err != nil {
		return nil, err
	}
	if b.db, err = sqlite.Open(ctx, path); err != nil {
		b.sink.Close()
		return nil, err
	}
	if b.store, err = sqlite.NewStore(ctx, b.db); err != nil {
		b.Close()
		return nil, err
	}
	b.subs = subscribers.NewStore(b.db)
	b.trainer = &pipeline.Trainer{Store: b.store, Subscribers: b.subs}
	renderer, err := email.NewRenderer(email.RenderConfig{SiteName: "digestd", BaseURL: "https://digest.bench.example"})
	if err != nil {
		b.Close()
		return nil, err
	}
	var mailers []pipeline.Mailer
	for range o.concurrency {
		s, err := mailer.NewSMTP(mailer.SMTPConfig{Host: "127.0.0.1", Port: b.sink.port(), TLS: mailer.SMTPNoTLS})
		if err != nil {
			b.Close()
			return nil, err
		}
		b.senders = append(b.senders, s)
		mailers = append(mailers, s)
	}
	// The same parts, with the same defaults, as cmd/digestd's app.runner.
	b.runner = &pipeline.Runner{
		Store:       b.store,
		Subscribers: b.subs,
		Builder:     &pipeline.Builder{Store: b.store, Subscribers: b.subs, MaxPapers: o.maxPapers, Trainer: b.trainer},
		Renderer:    renderer,
		Mailers:     mailers,
		Headers: email.Headers{
			From:              "digestd <digest@bench.example>",
			ListID:            "digestd paper digest <digest.digest.bench.example>",
			UnsubscribeMailto: "mailto:digest@bench.example?subject=unsubscribe",
		},
		BaseURL: "https://digest.bench.example",
		Logger:  slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Now:     time.Now,
	}
	return b, nil
}

// Close ends the SMTP sessions, the sink and the database.
func (b *bench) Close() {
	for _, s := range b.senders {
		s.Close()
	}
	b.sink.Close()
	if b.store != nil {
		b.store.Close()
	}
	if b.db != nil {
		b.db.Close()
	}
}

// load stores the papers and the readers through the code paths the fetcher
// and `subscribers add` use.
func (b *bench) load(ctx context.Context, rng *rand.Rand) error {
	base, err := fixturePapers(b.opt.fixtures)
	if err != nil {
		return err
	}
	if err := b.loadArchive(ctx, base, rng); err != nil {
		return err
	}
	papers := derivePapers(base, b.opt.archive, b.opt.papers, rng)
	err = b.measure("load papers", func(p *phase) error {
		res, err := b.store.SavePapers(ctx, papers)
		p.messages = res.New
		return err
	})
	if err != nil {
		return err
	}
	vocab, err := vocabulary(b.opt.topics, base)
	if err != nil {
		return err
	}
	err = b.measure("load readers", func(p *phase) error {
		var err error
		b.topics, err = addReaders(ctx, b.subs, vocab, b.opt.subscribers, rng)
		p.messages = b.opt.subscribers
		return err
	})
	if err != nil || b.opt.votes == 0 {
		return err
	}
	return b.measure("votes and models", func(p *phase) error {
		p.messages = b.opt.subscribers
		return b.vote(ctx, papers, rng)
	})
}

// countTopics counts the readers' topics of a database -from names.
func (b *bench) countTopics(ctx context.Context) error {
	return b.db.QueryRowContext(ctx, `SELECT count(*) FROM topics`).Scan(&b.topics)
}

// save writes the database as loaded to path (VACUUM INTO: one file,
// consistent, whatever the WAL holds), for -from.
func (b *bench) save(ctx context.Context, path string) error {
	if _, err := b.db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("save the database to %s: %w", path, err)
	}
	return nil
}

// restore writes the database -save wrote at from to path, as save wrote
// it (VACUUM INTO), reading from only: the saved file serves run after run.
func restore(ctx context.Context, from, path string) error {
	if _, err := os.Stat(from); err != nil {
		return fmt.Errorf("-from: %w", err)
	}
	db, err := sql.Open("sqlite3", "file:"+from+"?mode=ro")
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `VACUUM INTO ?`, path)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("-from %s: %w", from, err)
	}
	return nil
}

// vote has every reader vote -votes times, on papers of the day, through
// the path the web front takes: each vote stored, then the reader's model
// trained (two readers at a time).
func (b *bench) vote(ctx context.Context, papers []digest.Paper, rng *rand.Rand) error {
	type reader struct {
		id    int64
		votes []int
	}
	readers := make(chan reader)
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			var err error
			for r := range readers {
				for _, i := range r.votes {
					if err == nil {
						err = b.subs.Vote(ctx, r.id, papers[i].ID, i%10 < 7)
					}
				}
				if err == nil {
					_, err = b.trainer.Train(ctx, r.id)
				}
			}
			errs <- err
		}()
	}
	for id := int64(1); id <= int64(b.opt.subscribers); id++ {
		readers <- reader{id, rng.Perm(len(papers))[:b.opt.votes]}
	}
	close(readers)
	return errors.Join(<-errs, <-errs)
}

// loadArchive stores the -archive older papers through the path the
// fetcher takes, a day's worth at a time, then dates their arrival back
// over the year before today, oldest first, as a year of nightly fetches
// would have.
func (b *bench) loadArchive(ctx context.Context, base []digest.Paper, rng *rand.Rand) error {
	if b.opt.archive == 0 {
		return nil
	}
	const day = 1500
	year := 365 * 24 * time.Hour
	start := time.Now().Add(-year - 24*time.Hour)
	return b.measure("load archive", func(p *phase) error {
		for first := 0; first < b.opt.archive; first += day {
			n := min(day, b.opt.archive-first)
			res, err := b.store.SavePapers(ctx, derivePapers(base, first, n, rng))
			if err != nil {
				return err
			}
			p.messages += res.New
			at := start.Add(time.Duration(float64(year) * float64(first) / float64(b.opt.archive)))
			if _, err := b.db.ExecContext(ctx, `UPDATE papers SET arrived_at = ?, published_at = ?
				WHERE id > (SELECT max(id) FROM papers) - ?`, at.Unix(), at.Add(-48*time.Hour).Unix(), n); err != nil {
				return err
			}
		}
		return nil
	})
}

// record starts a CPU profile or an execution trace into the file path,
// when path is set; stop ends it and closes the file.
func record(path string, start func(io.Writer) error, stop func()) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		stop()
		f.Close()
	}, nil
}

// deliver runs the delivery pass of `digestd run --now`.
func (b *bench) deliver(ctx context.Context) error {
	stopProfile, err := record(b.opt.cpuProfile, pprof.StartCPUProfile, pprof.StopCPUProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	stopTrace, err := record(b.opt.trace, trace.Start, trace.Stop)
	if err != nil {
		return err
	}
	defer stopTrace()
	peak := watchHeap(b.opt.memProfile != "")
	err = b.measure("delivery pass", func(p *phase) error {
		var err error
		b.result, err = b.runner.Run(ctx, pipeline.RunOptions{All: true})
		b.sizes = b.sink.take()
		p.messages, p.bytes = total(b.sizes)
		return err
	})
	heap := peak()
	if err != nil {
		return err
	}
	b.pass = b.phases[len(b.phases)-1]
	if b.result.Sent != b.pass.messages {
		return fmt.Errorf("the pass reports %d digests sent, the server got %d", b.result.Sent, b.pass.messages)
	}
	if b.opt.memProfile == "" {
		return nil
	}
	return os.WriteFile(b.opt.memProfile, heap, 0o644)
}

// watchHeap keeps, while a pass runs, the heap profile of its largest live
// heap (as of the collection before), looking every 100 ms: where the
// memory behind its peak RSS is held. stop returns that profile; when on is
// false nothing is watched.
func watchHeap(on bool) (stop func() []byte) {
	if !on {
		return func() []byte { return nil }
	}
	done, profile := make(chan struct{}), make(chan []byte)
	go func() {
		var best bytes.Buffer
		largest := uint64(0)
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				profile <- best.Bytes()
				return
			case <-tick.C:
			}
			metrics.Read(sample)
			if live := sample[0].Value.Uint64(); live > largest {
				largest = live
				best.Reset()
				_ = pprof.WriteHeapProfile(&best) // a bytes.Buffer takes every write
			}
		}
	}()
	return func() []byte {
		close(done)
		return <-profile
	}
}

// limit sends as many pre-rendered messages, of the pass's sizes, through
// the same connections.
func (b *bench) limit(ctx context.Context) error {
	b.sink.mu.Lock()
	model := b.sink.first
	b.sink.mu.Unlock()
	if model == nil {
		return errors.New("no digest was sent: nothing to model the SMTP limit on")
	}
	mailers := make([]pipeline.Mailer, len(b.senders))
	for i, s := range b.senders {
		mailers[i] = s
	}
	err := b.measure("smtp limit", func(p *phase) error {
		err := smtpLimit(ctx, mailers, model, b.sizes)
		p.messages, p.bytes = total(b.sink.take())
		return err
	})
	b.smtp = b.phases[len(b.phases)-1]
	return err
}

// measure runs f as the phase name, timing its wall clock and the
// process's CPU time.
func (b *bench) measure(name string, f func(*phase) error) error {
	p := phase{name: name}
	cpu0, start := cpuTime(), time.Now()
	err := f(&p)
	p.wall, p.cpu = time.Since(start), cpuTime()-cpu0
	b.phases = append(b.phases, p)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// total counts messages and their bytes.
func total(s []int) (n int, total int64) {
	for _, v := range s {
		total += int64(v)
	}
	return len(s), total
}
