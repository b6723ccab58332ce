package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/subscribers"
)

// SendNow delivers sub's digest at once, outside their schedule: "send me
// my digest now" on the manage page. It is a real delivery, stored in the
// outbox under a period of its own and its papers recorded as sent, so the
// scheduled digest holds only what arrives after it. It returns the number
// of papers sent; 0, with nothing stored or sent, when nothing new matches.
// A digest the relay put off (a 4xx reply, the relay down) stays in the
// outbox and goes out with the next pass; one it refused for good is an
// error. It shares the pass's pacing and hourly cap: at the cap it sends
// nothing and returns a *CapError.
//
// It runs beside the passes, of this process or another: it holds a lease
// of its own, one send-now per reader at a time, and its digest is
// claimed by it from the moment it is stored, so no pass sends it too.
func (r *Runner) SendNow(ctx context.Context, sub subscribers.Subscriber) (int, error) {
	if len(r.Mailers) == 0 {
		return 0, errors.New("no mailer to send with")
	}
	budget := r.budget()
	if left, err := budget.Left(ctx); err != nil || left == 0 {
		if err == nil {
			err = &CapError{Max: budget.limits.MaxPerHour}
		}
		return 0, err
	}
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	h, err := r.take(ctx, leaseSendNow(sub.ID), 0, stop)
	if err != nil {
		return 0, fmt.Errorf("subscriber %s: a digest asked for now is being sent: %w", sub.Email, err)
	}
	defer func() {
		if err := h.release(ctx); err != nil {
			r.Logger.Warn("send now: could not release the lease", "to", sub.Email, "error", err)
		}
	}()
	now := r.Now()
	base := digest.CurrentPeriod(sub, now)
	n, err := r.Store.CountNowDigests(ctx, sub.ID, base)
	if err != nil {
		return 0, err
	}
	d, err := r.Builder.Build(ctx, sub, digest.NowPeriod(base, n+1), now)
	if err != nil || len(d.Items) == 0 {
		return 0, err
	}
	dr, err := r.compose(r.Renderer, d)
	if err != nil {
		return 0, fmt.Errorf("subscriber %s: %w", sub.Email, err)
	}
	var res RunResult
	s := &sendState{runner: r, log: r.Logger, res: &res, lease: h.lease, pace: budget.pace, budget: -1}
	outs, err := r.storeAll(ctx, []*draft{dr}, s)
	if err == nil && len(outs) == 0 {
		err = errors.New("digest not stored: another digest took its papers first, or the reader is gone")
	}
	if err != nil {
		return 0, fmt.Errorf("subscriber %s: %w", sub.Email, err)
	}
	if err := s.send(ctx, r.Mailers[0], outs[0]); err != nil {
		return 0, err
	}
	if err := r.Store.Settle(context.WithoutCancel(ctx)); err != nil {
		return 0, fmt.Errorf("record the send: %w", err)
	}
	if res.Failed > 0 {
		return 0, fmt.Errorf("digest %s to %s: the relay refused it", d.Period, sub.Email)
	}
	return len(d.Items), nil
}

// link mints the digest's manage token and sets the links that carry it.
// The token works once the digest is stored: Store.enqueue saves it.
func (r *Runner) link(d *digest.Digest) (string, error) {
	token, err := subscribers.MintToken()
	if err != nil {
		return "", err
	}
	manage := r.BaseURL + "/manage/" + token
	d.ManageURL, d.UnsubscribeURL = manage, r.BaseURL+"/unsubscribe/"+token
	d.ViewURL = manage + "/digest/" + d.Period
	return token, nil
}
