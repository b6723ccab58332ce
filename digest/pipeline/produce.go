package pipeline

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/email"
	"github.com/digestd/digestd/subscribers"
)

// maxStoreBatch is how many digests a pass stores in one transaction
// when the senders have enough to send meanwhile; it is also how many
// digests wait built for storing, and stored for sending.
const maxStoreBatch = 32

// job is one reader's digest to build; done gets the draft, nil when
// there is nothing to send.
type job struct {
	rd   dueReader
	done chan drafted
}

type drafted struct {
	d   *draft
	err error
}

// draft is a digest composed for its reader, not stored yet: its message
// and the manage token its links carry, which is saved with it.
type draft struct {
	out   *digest.Outgoing
	token string
}

// renderer renders a digest's email: the email templates (email.Renderer)
// or, in a pass, what renders them once for many digests
// (email.PassRenderer).
type renderer interface {
	Render(d *digest.Digest) (email.Rendered, error)
}

// produce builds the digests of the active subscribers that are due,
// stores them and queues them in reader order. Builders, one per CPU,
// build, render and compose them side by side, sharing one pass's
// Builder, which matches each distinct topic once for them all, and
// Renderer, which renders each paper once for all the readers who get it
// highlighted alike; this goroutine stores them, a batch a transaction.
func (r *Runner) produce(ctx context.Context, opt RunOptions, s *sendState) error {
	now := r.Now()
	builder, renderer := r.Builder.ForPass(), r.Renderer.ForPass()
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	jobs := make(chan job)
	inOrder := make(chan job, maxStoreBatch)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for j := range jobs {
				d, err := r.draft(ctx, builder, renderer, j.rd, now, opt, s)
				j.done <- drafted{d, err}
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
	var ready []*draft
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
		case got.d != nil:
			ready = append(ready, got.d)
		}
		if len(ready) == maxStoreBatch || len(s.queue) < len(r.Mailers) {
			store()
		}
	}
	store()
	wg.Wait()
	return context.Cause(ctx)
}

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
			j := job{rd: rd, done: make(chan drafted, 1)}
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
		period, ok := digest.DueSlot(sub, now)
		if opt.All {
			period, ok = digest.CurrentPeriod(sub, now), true
		}
		if ok {
			readers = append(readers, dueReader{sub: sub, period: period})
		}
	}
	if len(readers) == 0 {
		return nil, nil
	}
	if err := r.Builder.readHistories(ctx, readers); err != nil {
		return nil, err
	}
	kept := readers[:0]
	for _, rd := range readers {
		if !rd.history.Done {
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

// draft builds rd's digest and composes it for storing and sending; nil
// when there is nothing to send.
func (r *Runner) draft(ctx context.Context, b *Builder, rend renderer, rd dueReader, now time.Time, opt RunOptions, s *sendState) (*draft, error) {
	sub := rd.sub
	d, err := b.build(ctx, rd, now)
	if err != nil {
		return nil, fmt.Errorf("subscriber %s: %w", sub.Email, err)
	}
	if len(d.Items) == 0 {
		s.count(func(res *RunResult) { res.Empty++ })
		return nil, nil
	}
	if opt.DryRun {
		d.ManageURL, d.UnsubscribeURL = r.BaseURL+"/manage/DRY-RUN", r.BaseURL+"/unsubscribe/DRY-RUN"
		if _, err := rend.Render(d); err != nil {
			return nil, fmt.Errorf("subscriber %s: %w", sub.Email, err)
		}
		s.count(func(res *RunResult) { res.Built++ })
		s.log.Info("dry run: digest not sent", "to", sub.Email, "period", rd.period, "papers", len(d.Items))
		return nil, nil
	}
	dr, err := r.compose(rend, d)
	if err != nil {
		return nil, fmt.Errorf("subscriber %s: %w", sub.Email, err)
	}
	return dr, nil
}

// compose mints d's manage token, renders d with rend and composes its
// message.
func (r *Runner) compose(rend renderer, d *digest.Digest) (*draft, error) {
	token, err := r.link(d)
	if err != nil {
		return nil, err
	}
	rendered, err := rend.Render(d)
	if err != nil {
		return nil, err
	}
	msg, msgID, err := email.ComposeDigest(r.Headers, d, rendered)
	rendered.Recycle()
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(d.Items))
	for i, it := range d.Items {
		ids[i] = it.PaperID
	}
	return &draft{token: token, out: &digest.Outgoing{SubscriberID: d.SubscriberID, Recipient: d.To,
		Period: d.Period, MessageID: msgID, Message: msg, Created: d.Date, WindowEnd: d.WindowEnd, PaperIDs: ids}}, nil
}

// storeAll puts drafts in the outbox in one transaction, claimed by the
// pass's lease, then saves the manage tokens of those stored, and returns
// them, in order, to send. A digest whose period has one already is left
// out, as is one whose papers another digest took (a send-now's, or the
// pass's, built at the same time): that digest is the reader's mail for
// now, and the papers it did not take go into their next one; and so is
// one of a reader deleted meanwhile. Should the tokens not be saved, the
// digests stay pending unsent, and the next pass composes them again with
// new ones.
func (r *Runner) storeAll(ctx context.Context, ds []*draft, s *sendState) ([]*digest.Outgoing, error) {
	if len(ds) == 0 {
		return nil, nil
	}
	outs := make([]*digest.Outgoing, len(ds))
	for i, d := range ds {
		outs[i] = d.out
	}
	errs, err := r.Store.Enqueue(ctx, s.lease, outs)
	if err != nil {
		return nil, fmt.Errorf("store digests: %w", err)
	}
	var stored []*digest.Outgoing
	var grants []subscribers.Grant
	for i, d := range ds {
		switch out := d.out; {
		case errors.Is(errs[i], digest.ErrDigestExists):
		case errors.Is(errs[i], digest.ErrPapersTaken):
			s.log.Info("digest not stored: another digest took some of its papers", "to", out.Recipient, "period", out.Period)
		case errors.Is(errs[i], subscribers.ErrNotFound):
			s.log.Info("digest not stored: the reader was deleted", "to", out.Recipient, "period", out.Period)
		case errs[i] != nil:
			return nil, fmt.Errorf("subscriber %s: %w", out.Recipient, errs[i])
		default:
			stored = append(stored, out)
			grants = append(grants, subscribers.Grant{SubscriberID: out.SubscriberID, Text: d.token})
		}
	}
	// Stored digests get their tokens even when the pass is stopping:
	// they stay pending, and their links work when they go out.
	gone, err := r.saveTokens(context.WithoutCancel(ctx), grants)
	if err != nil {
		return nil, fmt.Errorf("store digests: %w", err)
	}
	if len(gone) > 0 {
		stored = slices.DeleteFunc(stored, func(out *digest.Outgoing) bool { return gone[out.SubscriberID] })
	}
	s.count(func(res *RunResult) { res.Built += len(stored) })
	return stored, nil
}
