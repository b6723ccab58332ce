package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/email"
	"github.com/digestd/digestd/digest/sqlite"
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
	Store       *sqlite.Store
	Subscribers *subscribers.Store
	Builder     *Builder
	Renderer    *email.Renderer
	// Mailers are the delivery workers' connections, one worker each: a
	// pass sends through all of them at once, each one message at a time.
	Mailers []Mailer
	Headers email.Headers
	Limits  Limits
	// Budget, when set, is the pacing and hourly count the Runner shares
	// with the process's other senders (send-now, confirmations); it is
	// made from the same Limits.
	Budget *Budget
	Retry  Retry
	// HardBounceLimit is how many permanent refusals of an address make
	// its reader bounced; 1 when 0.
	HardBounceLimit int
	// Lease is how long the leases of a pass and of a send-now outlive
	// their last renewal (DefaultLease when 0): after a crash, the next
	// pass waits this long for them to lapse.
	Lease time.Duration
	// ResendAfter is how long a digest whose final dot the relay did not
	// answer waits before it is sent once more, the one time it is.
	ResendAfter time.Duration
	// Observer, when set, hears of each message sent, bounced or expired.
	Observer digest.DeliveryObserver
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
	// Wait is how long to wait for a pass another process is running;
	// after it, Run returns a *sqlite.LeaseHeldError naming that process.
	Wait time.Duration
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
	// MaybeDelivered counts the digests whose final dot the relay did not
	// answer: it may have them (RecordMaybeDelivered). The first time,
	// such a digest also counts as pending: it goes once more.
	MaybeDelivered int
}

// Run performs one delivery pass. Digests left pending by an earlier pass go
// out first. It returns an error when the pass could not finish — the relay
// unreachable, the database failing — with every built digest kept pending.
//
// A pass holds the database's delivery lease: one pass at a time, whichever
// process runs it. When another process holds it past opt.Wait, Run does
// nothing and returns a *sqlite.LeaseHeldError that names it. A dry run
// takes no lease: it stores and sends nothing.
func (r *Runner) Run(ctx context.Context, opt RunOptions) (RunResult, error) {
	var res RunResult
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	s := &sendState{runner: r, res: &res, pace: r.budget().pace}
	if !opt.DryRun {
		h, err := r.take(ctx, DeliveryLease, opt.Wait, stop)
		if err != nil {
			return res, err
		}
		defer func() {
			if err := h.release(ctx); err != nil {
				r.Logger.Warn("delivery pass: could not release the lease: the next pass waits for it to lapse", "error", err)
			}
		}()
		s.lease = h.lease
	}
	runID, err := r.Store.StartRun(ctx, digest.RunDeliver)
	if err != nil {
		return res, err
	}
	log := r.Logger.With("run", runID)
	s.log = log
	err = r.pass(ctx, opt, s)
	// The outbox takes the pass's last sends from the sent log now, not at
	// the next pass: `digestd status`, backups and the reader's archive
	// read it.
	if serr := r.Store.Settle(context.WithoutCancel(ctx)); serr != nil && err == nil {
		err = fmt.Errorf("record sends: %w", serr)
	}
	rec := digest.Run{ID: runID, Built: res.Built, Sent: res.Sent, Failed: res.Failed, MaybeDelivered: res.MaybeDelivered}
	if err != nil {
		rec.Error = err.Error()
	}
	if ferr := r.Store.FinishRun(rec); ferr != nil && err == nil {
		err = ferr
	}
	log.Info("delivery pass", "due", res.Due, "empty", res.Empty, "built", res.Built, "sent", res.Sent,
		"failed", res.Failed, "pending", res.Pending, "expired", res.Expired, "maybe_delivered", res.MaybeDelivered,
		"dry_run", opt.DryRun, "error", rec.Error)
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
	left, err := r.budget().Left(ctx)
	if err != nil {
		return err
	}
	s.budget = left
	s.queue = make(chan *digest.Outgoing, maxStoreBatch)
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

func (r *Runner) sleep(ctx context.Context, d time.Duration) error {
	if r.Sleep != nil {
		return r.Sleep(ctx, d)
	}
	return sleep(ctx, d)
}

func (r *Runner) hardBounceLimit() int {
	return max(r.HardBounceLimit, 1)
}
