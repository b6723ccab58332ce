package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	Mailer      Mailer
	Headers     Headers
	// BaseURL is the web front's public address, for the links in the mail.
	BaseURL string
	Logger  *slog.Logger
	Now     func() time.Time
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
	s := &sendState{runner: r, log: log, res: &res}
	err = r.pass(ctx, opt, s)
	rec := Run{ID: runID, Due: res.Built, Sent: res.Sent, Failed: res.Failed}
	if err != nil {
		rec.Error = err.Error()
	}
	if ferr := r.Store.finishRun(rec); ferr != nil && err == nil {
		err = ferr
	}
	log.Info("delivery pass", "due", res.Due, "empty", res.Empty, "built", res.Built,
		"sent", res.Sent, "failed", res.Failed, "pending", res.Pending, "dry_run", opt.DryRun, "error", rec.Error)
	return res, err
}

func (r *Runner) pass(ctx context.Context, opt RunOptions, s *sendState) error {
	if !opt.DryRun {
		if err := s.flushPending(ctx); err != nil {
			return err
		}
	}
	now := r.Now()
	var after int64
	for {
		page, err := r.Subscribers.List(ctx, subscribers.ListOptions{Status: subscribers.StatusActive, AfterID: after, Limit: 500})
		if err != nil {
			return fmt.Errorf("list subscribers: %w", err)
		}
		if len(page) == 0 {
			return nil
		}
		for _, sub := range page {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := r.deliver(ctx, sub, now, opt, s); err != nil {
				return err
			}
		}
		after = page[len(page)-1].ID
	}
}

// deliver builds, stores and sends one subscriber's digest if it is due.
func (r *Runner) deliver(ctx context.Context, sub subscribers.Subscriber, now time.Time, opt RunOptions, s *sendState) error {
	period, due := dueSlot(sub, now)
	if opt.All {
		period, due = CurrentPeriod(sub, now), true
	}
	if !due {
		return nil
	}
	if done, err := r.Store.hasDigest(ctx, sub.ID, period); err != nil || done {
		return err
	}
	s.res.Due++
	d, err := r.Builder.Build(ctx, sub, period, now)
	if err != nil {
		return fmt.Errorf("subscriber %s: %w", sub.Email, err)
	}
	if len(d.Items) == 0 {
		s.res.Empty++
		return nil
	}
	if opt.DryRun {
		d.ManageURL, d.UnsubscribeURL = r.BaseURL+"/manage/DRY-RUN", r.BaseURL+"/unsubscribe/DRY-RUN"
		if _, err := r.Renderer.Render(d); err != nil {
			return fmt.Errorf("subscriber %s: %w", sub.Email, err)
		}
		s.res.Built++
		s.log.Info("dry run: digest not sent", "to", sub.Email, "period", period, "papers", len(d.Items))
		return nil
	}
	token, err := r.Subscribers.NewToken(ctx, sub.ID, subscribers.TokenManage)
	if err != nil {
		return err
	}
	d.ManageURL, d.UnsubscribeURL = r.BaseURL+"/manage/"+token, r.BaseURL+"/unsubscribe/"+token
	out, err := r.store(ctx, d)
	if errors.Is(err, ErrDigestExists) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("subscriber %s: %w", sub.Email, err)
	}
	s.res.Built++
	return s.send(ctx, out)
}

// store renders a digest and puts it in the outbox.
func (r *Runner) store(ctx context.Context, d *Digest) (Outgoing, error) {
	rendered, err := r.Renderer.Render(d)
	if err != nil {
		return Outgoing{}, err
	}
	msg, msgID, err := ComposeDigest(r.Headers, d, rendered)
	if err != nil {
		return Outgoing{}, err
	}
	ids := make([]int64, len(d.Items))
	for i, it := range d.Items {
		ids[i] = it.PaperID
	}
	id, err := r.Store.enqueue(ctx, d, msgID, msg, d.WindowEnd, ids)
	if err != nil {
		return Outgoing{}, err
	}
	return Outgoing{ID: id, SubscriberID: d.SubscriberID, Recipient: d.To, MessageID: msgID, Message: msg}, nil
}
