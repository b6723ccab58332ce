package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/digestd/digestd/digest/sqlite"
)

// DeliveryLease is the name of the lease a delivery pass holds
// (sqlite.Lease): one pass at a time per database. A send-now holds one
// of its own for its reader (leaseSendNow).
const DeliveryLease = "deliver"

func leaseSendNow(subscriberID int64) string {
	return "send-now/" + strconv.FormatInt(subscriberID, 10)
}

// DefaultLease is how long a lease outlives its last renewal when
// Runner.Lease is not set.
const DefaultLease = 2 * time.Minute

// leasePoll is how often a pass waiting for another process's lease asks
// for it again.
const leasePoll = time.Second

// hold is a lease the pipeline keeps renewed while it works.
type hold struct {
	lease *sqlite.Lease
	stop  context.CancelFunc
	wg    sync.WaitGroup
}

// take takes the lease name, asking again every leasePoll for up to wait
// while another process holds it, and renews it every eighth of its term
// until release. When it cannot be kept — it lapsed and is gone, or has
// not been renewed for half its term — lost is called with why, once: the
// work under it must stop. The error of a lease still held after wait
// is a *sqlite.LeaseHeldError.
func (r *Runner) take(ctx context.Context, name string, wait time.Duration, lost context.CancelCauseFunc) (*hold, error) {
	term := r.leaseTerm()
	deadline := time.Now().Add(wait)
	var l *sqlite.Lease
	for waited := false; ; waited = true {
		var err error
		l, err = r.Store.TakeLease(ctx, name, term)
		var held *sqlite.LeaseHeldError
		if !errors.As(err, &held) || !time.Now().Before(deadline) {
			if err != nil {
				return nil, err
			}
			break
		}
		if !waited {
			r.Logger.Info("another process holds the lease: waiting for it", "lease", name,
				"holder", held.Holder.String(), "since", held.Taken, "wait", wait)
		}
		if err := sleep(ctx, min(leasePoll, time.Until(deadline))); err != nil {
			return nil, err
		}
	}
	ctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	h := &hold{lease: l, stop: stop}
	h.wg.Go(func() { r.renew(ctx, l, term/8, lost) })
	return h, nil
}

// renew renews l every interval until ctx is done, and calls lost when l
// cannot be kept.
func (r *Runner) renew(ctx context.Context, l *sqlite.Lease, interval time.Duration, lost context.CancelCauseFunc) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := l.Renew(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, sqlite.ErrLeaseLost):
			lost(fmt.Errorf("stopped: %w; another process may take over what this one claimed", err))
			return
		case err != nil:
			r.Logger.Warn("could not renew the lease", "error", err)
		}
		if !l.Held() {
			lost(fmt.Errorf("stopped: the lease was not renewed for half its term (%s), last error: %w", r.leaseTerm()/2, err))
			return
		}
	}
}

// release stops renewing the lease and gives it up: what it claimed and
// did not send is free for the next holder.
func (h *hold) release(ctx context.Context) error {
	h.stop()
	h.wg.Wait()
	return h.lease.Release(context.WithoutCancel(ctx))
}

func (r *Runner) leaseTerm() time.Duration {
	if r.Lease > 0 {
		return r.Lease
	}
	return DefaultLease
}
