package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/digestd/digestd/subscribers"
)

// Mailer delivers one message. SMTPSender and OutboxDir are the two kinds.
type Mailer interface {
	Send(ctx context.Context, from, to string, msg []byte) error
}

// maxConnectFailures is how many messages in a row may fail to reach the
// relay at all before a pass gives up: past that the relay is down, and
// failing every reader one by one would only flood the log.
const maxConnectFailures = 3

// Runner is one delivery pass: it builds the digests that are due, stores each
// in the outbox, and sends it. `digestd run` and the scheduler both call Run.
type Runner struct {
	Store       *Store
	Subscribers *subscribers.Store
	Builder     *Builder
	Renderer    *Renderer
	// Mailers are the delivery workers' connections, one worker each: a
	// pass sends through all of them at once, each one message at a time.
	Mailers []Mailer
	Headers Headers
	Limits  Limits
	Retry   Retry
	// HardBounceLimit is how many permanent refusals of an address make
	// its reader bounced; 1 when 0.
	HardBounceLimit int
	// Observer, when set, hears of each message sent, bounced or expired.
	Observer DeliveryObserver
	// BaseURL is the web front's public address, for the links in the mail.
	BaseURL string
	Logger  *slog.Logger
	Now     func() time.Time
	// Sleep waits out backoffs and the rate limit; a timer when nil. Tests
	// pass one that moves a fake clock instead of waiting.
	Sleep func(context.Context, time.Duration) error
}

// RunOptions change what a pass does.
type RunOptions struct {
	// All treats every active subscriber as due now (`run --now`); the
	// digest is still for the current period, so a second pass sends nothing.
	All bool
	// DryRun builds and renders the digests but stores and sends nothing.
	DryRun bool
}

// RunResult counts what a pass did.
type RunResult struct {
	Due     int // subscribers whose digest was due
	Empty   int // due, but nothing new matched: no mail
	Built   int // digests built (and, unless dry run, stored)
	Sent    int // digests the relay accepted, earlier pending ones included
	Failed  int // digests refused for good
	Pending int // digests left in the outbox for the next pass
	Expired int // pending digests dropped: their period ended
}

// Run performs one delivery pass. Digests left pending by an earlier pass go
// out first. It returns an error when the pass could not finish — the relay
// unreachable, the database failing — with every built digest kept pending.
func (r *Runner) Run(ctx context.Context, opt RunOptions) (RunResult, error) {
	var res RunResult
	runID, err := r.Store.startRun(ctx, "deliver")
	if err != nil {
		return res, err
	}
	log := r.Logger.With("run", runID)
	s := &sendState{runner: r, log: log, res: &res, pace: newPacer(r.Limits.RatePerSecond, r.Now, r.sleep)}
	err = r.pass(ctx, opt, s)
	// The outbox takes the pass's last sends from the sent log now, not at
	// the next pass: `digestd status`, backups and the reader's archive
	// read it.
	if serr := r.Store.Settle(context.WithoutCancel(ctx)); serr != nil && err == nil {
		err = fmt.Errorf("record sends: %w", serr)
	}
	rec := Run{ID: runID, Due: res.Built, Sent: res.Sent, Failed: res.Failed}
	if err != nil {
		rec.Error = err.Error()
	}
	if ferr := r.Store.finishRun(rec); ferr != nil && err == nil {
		err = ferr
	}
	log.Info("delivery pass", "due", res.Due, "empty", res.Empty, "built", res.Built, "sent", res.Sent,
		"failed", res.Failed, "pending", res.Pending, "expired", res.Expired, "dry_run", opt.DryRun, "error", rec.Error)
	return res, err
}

// pass runs the producer — flush the outbox, then build each due digest —
// in this goroutine and one worker per mailer, joined by a channel of
// maxStoreBatch messages: a pass holds a few hundred messages in memory
// at most (~10 MB), however many readers there are.
func (r *Runner) pass(ctx context.Context, opt RunOptions, s *sendState) error {
	if opt.DryRun {
		return r.produce(ctx, opt, s)
	}
	if len(r.Mailers) == 0 {
		return errors.New("no mailer to send with")
	}
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	s.stop = stop
	s.budget = -1
	if limit := r.Limits.MaxPerHour; limit > 0 {
		// sent_at is the store's clock, so the hour is too.
		n, err := r.Store.sentSince(ctx, r.Store.now().Add(-time.Hour))
		if err != nil {
			return fmt.Errorf("read outbox: %w", err)
		}
		s.budget = max(limit-n, 0)
	}
	s.queue = make(chan Outgoing, maxStoreBatch)
	var wg sync.WaitGroup
	for _, m := range r.Mailers {
		wg.Go(func() { s.work(ctx, m) })
	}
	if err := r.flushPending(ctx, s); err != nil {
		stop(err)
	} else if err := r.produce(ctx, opt, s); err != nil {
		stop(err)
	}
	close(s.queue)
	wg.Wait()
	return context.Cause(ctx)
}

// produce builds the digests of the active subscribers that are due,
// stores them and queues them in reader order. Builders, one per CPU,
// build, render and compose them side by side, sharing one pass's
// Builder, which matches each distinct topic once for them all, and
// Renderer, which renders each paper once for all the readers who get it
// marked alike; this goroutine stores them, a batch a transaction.
func (r *Runner) produce(ctx context.Context, opt RunOptions, s *sendState) error {
	now := r.Now()
	w := passWork{builder: r.Builder.ForPass(), renderer: r.Renderer.ForPass()}
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	n := runtime.GOMAXPROCS(0)
	jobs := make(chan job)
	inOrder := make(chan job, maxStoreBatch)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for j := range jobs {
				c, err := r.deliver(ctx, w, j.rd, now, opt, s)
				j.done <- built{c, err}
			}
		})
	}
	go func() {
		if err := r.listDue(ctx, now, opt, s, jobs, inOrder); err != nil {
			stop(err)
		}
		close(jobs)
		close(inOrder)
	}()
	// The digests built are stored together, in one transaction, and then
	// queued: a batch of maxStoreBatch, or fewer when the senders are
	// about to run out of messages.
	var ready []*composed
	store := func() {
		outs, err := r.storeAll(ctx, ready, s)
		clear(ready) // the messages go with the senders, not with this batch
		ready = ready[:0]
		for _, out := range outs {
			if err == nil {
				err = s.enqueue(ctx, out)
			}
		}
		if err != nil {
			stop(err)
		}
	}
	for j := range inOrder {
		got := <-j.done
		switch {
		case got.err != nil:
			stop(got.err)
		case got.c != nil:
			ready = append(ready, got.c)
		}
		if len(ready) == maxStoreBatch || len(s.queue) < len(r.Mailers) {
			store()
		}
	}
	store()
	wg.Wait()
	return context.Cause(ctx)
}

// passWork is what a pass's builders share.
type passWork struct {
	builder  *Builder
	renderer *Renderer
}

// job is one reader's digest to build; done gets the outcome.
type job struct {
	rd   dueReader
	done chan built
}

// built is a built digest, nil when there is none to send.
type built struct {
	c   *composed
	err error
}

// composed is a built digest, rendered and composed, not stored yet.
type composed struct {
	store toStore
	out   Outgoing // what the senders get, once stored (with its ID)
}

// maxStoreBatch is how many digests a pass stores in one transaction
// when the senders have enough to send meanwhile; it is also how many
// digests wait built for storing, and stored for sending. Beginning and
// committing a transaction cost ~40 µs (docs/PERFORMANCE.md).
const maxStoreBatch = 64

// listDue hands each active subscriber whose digest is due, and not
// built yet, to the builders (jobs) and, in the same order, to the
// queueing loop (inOrder). It reads them a page at a time, with their
// topics and their history.
func (r *Runner) listDue(ctx context.Context, now time.Time, opt RunOptions, s *sendState, jobs, inOrder chan<- job) error {
	var after int64
	for {
		page, err := r.Subscribers.List(ctx, subscribers.ListOptions{Status: subscribers.StatusActive, AfterID: after, Limit: 500})
		if err != nil {
			return fmt.Errorf("list subscribers: %w", err)
		}
		if len(page) == 0 {
			return nil
		}
		after = page[len(page)-1].ID
		readers, err := r.readPage(ctx, page, now, opt)
		if err != nil {
			return err
		}
		s.count(func(res *RunResult) { res.Due += len(readers) })
		for _, rd := range readers {
			j := job{rd: rd, done: make(chan built, 1)}
			select {
			case inOrder <- j:
			case <-ctx.Done():
				return ctx.Err()
			}
			jobs <- j
		}
	}
}

// readPage returns the readers of page whose digest is due and not built
// yet, with their history, topics and papers sent: three queries for the
// page.
func (r *Runner) readPage(ctx context.Context, page []subscribers.Subscriber, now time.Time, opt RunOptions) ([]dueReader, error) {
	var readers []dueReader
	for _, sub := range page {
		period, ok := dueSlot(sub, now)
		if opt.All {
			period, ok = CurrentPeriod(sub, now), true
		}
		if ok {
			readers = append(readers, dueReader{sub: sub, period: period})
		}
	}
	if len(readers) == 0 {
		return nil, nil
	}
	hs, err := r.Store.histories(ctx, readers)
	if err != nil {
		return nil, fmt.Errorf("read digests: %w", err)
	}
	kept := readers[:0]
	for i, rd := range readers {
		if !hs[i].done {
			rd.history = hs[i]
			kept = append(kept, rd)
		}
	}
	if len(kept) == 0 {
		return nil, nil
	}
	if err := r.Builder.readReaders(ctx, kept); err != nil {
		return nil, err
	}
	return kept, nil
}

// deliver builds and composes rd's digest and returns it for storing and
// sending; nil when there is nothing to send.
func (r *Runner) deliver(ctx context.Context, w passWork, rd dueReader, now time.Time, opt RunOptions, s *sendState) (*composed, error) {
	sub := rd.sub
	d, err := w.builder.build(ctx, rd, now)
	if err != nil {
		return nil, fmt.Errorf("subscriber %s: %w", sub.Email, err)
	}
	if len(d.Items) == 0 {
		s.count(func(res *RunResult) { res.Empty++ })
		return nil, nil
	}
	if opt.DryRun {
		d.ManageURL, d.UnsubscribeURL = r.BaseURL+"/manage/DRY-RUN", r.BaseURL+"/unsubscribe/DRY-RUN"
		if _, err := w.renderer.Render(d); err != nil {
			return nil, fmt.Errorf("subscriber %s: %w", sub.Email, err)
		}
		s.count(func(res *RunResult) { res.Built++ })
		s.log.Info("dry run: digest not sent", "to", sub.Email, "period", rd.period, "papers", len(d.Items))
		return nil, nil
	}
	c, err := r.compose(w.renderer, d)
	if err != nil {
		return nil, fmt.Errorf("subscriber %s: %w", sub.Email, err)
	}
	return c, nil
}

// compose mints d's manage token, renders d with rend and composes its
// message.
func (r *Runner) compose(rend *Renderer, d *Digest) (*composed, error) {
	token, err := r.link(d)
	if err != nil {
		return nil, err
	}
	rendered, err := rend.Render(d)
	if err != nil {
		return nil, err
	}
	msg, msgID, err := composeDigest(messageBuffer(), r.Headers, d, rendered)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(d.Items))
	for i, it := range d.Items {
		ids[i] = it.PaperID
	}
	return &composed{
		store: toStore{d: d, token: token, messageID: msgID, paperIDs: ids},
		out: Outgoing{SubscriberID: d.SubscriberID, Recipient: d.To, MessageID: msgID, Message: msg,
			Period: d.Period, Created: d.Date},
	}, nil
}

// storeAll puts composed digests in the outbox in one transaction and
// returns those stored, in order, to send. A digest whose period has one
// already is left out, as is one whose papers another pass's digest took:
// that digest is the reader's mail for now, and the papers it did not take
// go into their next one.
func (r *Runner) storeAll(ctx context.Context, cs []*composed, s *sendState) ([]Outgoing, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	ds := make([]toStore, len(cs))
	for i, c := range cs {
		ds[i] = c.store
	}
	ids, errs, err := r.Store.enqueue(ctx, ds)
	if err != nil {
		return nil, fmt.Errorf("store digests: %w", err)
	}
	outs := make([]Outgoing, 0, len(cs))
	for i, c := range cs {
		switch d := c.store.d; {
		case errors.Is(errs[i], ErrDigestExists):
		case errors.Is(errs[i], errPapersTaken):
			s.log.Info("digest not stored: another pass's digest took some of its papers", "to", d.To, "period", d.Period)
		case errs[i] != nil:
			return outs, fmt.Errorf("subscriber %s: %w", d.To, errs[i])
		default:
			out := c.out
			out.ID = ids[i]
			outs = append(outs, out)
			s.count(func(res *RunResult) { res.Built++ })
		}
	}
	return outs, nil
}

func (r *Runner) sleep(ctx context.Context, d time.Duration) error {
	if r.Sleep != nil {
		return r.Sleep(ctx, d)
	}
	return sleep(ctx, d)
}

func (r *Runner) hardBounceLimit() int {
	return max(r.HardBounceLimit, 1)
}
