package digest

import (
	"context"
	"fmt"
	"time"

	"github.com/digestd/digestd/subscribers"
)

// flushPending queues the digests earlier passes left in the outbox, and
// expires those no longer worth sending.
func (r *Runner) flushPending(ctx context.Context, s *sendState) error {
	now := r.Now()
	var after int64
	for {
		// Pages are small: each row holds a whole message.
		page, err := r.Store.Pending(ctx, after, 20)
		if err != nil {
			return fmt.Errorf("read outbox: %w", err)
		}
		if len(page) == 0 {
			return nil
		}
		for _, out := range page {
			if err := ctx.Err(); err != nil {
				return err
			}
			stale, err := r.expireStale(ctx, out, now, s)
			if err != nil {
				return err
			}
			if !stale {
				if err := s.enqueue(ctx, out); err != nil {
					return err
				}
			}
		}
		after = page[len(page)-1].ID
	}
}

// expireStale expires out when its reader no longer wants mail or its
// period is over, and reports whether it did. A digest the relay kept
// refusing all day is not sent the next morning next to its successor.
func (r *Runner) expireStale(ctx context.Context, out Outgoing, now time.Time, s *sendState) (bool, error) {
	sub, err := r.Subscribers.ByID(ctx, out.SubscriberID)
	if err != nil {
		return false, fmt.Errorf("digest %d: %w", out.ID, err)
	}
	var reason string
	switch {
	case sub.Status != subscribers.StatusActive:
		reason = fmt.Sprintf("expired: the subscriber is %s", sub.Status)
	case periodOver(sub, out.Period, now):
		reason = fmt.Sprintf("expired: period %s ended undelivered after %d attempts", out.Period, out.Attempts)
	default:
		return false, nil
	}
	if err := r.Store.expire(ctx, out.ID, reason); err != nil {
		return false, fmt.Errorf("digest %d: %w", out.ID, err)
	}
	s.count(func(res *RunResult) { res.Expired++ })
	if r.Observer != nil {
		r.Observer.DigestExpired()
	}
	s.log.Warn("digest expired", "to", out.Recipient, "period", out.Period, "reason", reason)
	return true, nil
}
