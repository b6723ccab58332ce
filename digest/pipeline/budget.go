package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/digestd/digestd/digest/sqlite"
	"github.com/digestd/digestd/subscribers"
)

// Budget is the relay's limits, smtp.rate_per_second and smtp.max_per_hour,
// for all the mail one process sends: delivery passes, "send me my digest
// now" and confirmations share its pacing, and its hourly count is what
// the database says went out in the last hour, whichever process sent it:
// the digests the relay accepted and the confirmation links mailed.
type Budget struct {
	limits Limits
	store  *sqlite.Store
	subs   *subscribers.Store
	pace   *pacer
}

// NewBudget returns the budget the senders of one process share.
func NewBudget(limits Limits, store *sqlite.Store, subs *subscribers.Store) *Budget {
	return &Budget{limits: limits, store: store, subs: subs, pace: newPacer(limits.RatePerSecond, time.Now, sleep)}
}

// strangerShare is the part of the hourly cap that confirmations asked for
// on the web may take, one in strangerShare: anyone can post the subscribe
// form, and a flood of it must not spend the hour readers' digests need.
const strangerShare = 10

// capRetry is when a sender held back by the hourly cap is told to try
// again: the count is over a sliding hour, so room comes back bit by bit.
const capRetry = 15 * time.Minute

// CapError says that smtp.max_per_hour holds a message back.
type CapError struct{ Max int }

func (e *CapError) Error() string {
	return fmt.Sprintf("smtp.max_per_hour (%d) reached: try again later", e.Max)
}

// RetryAfter is when to try again.
func (e *CapError) RetryAfter() time.Duration { return capRetry }

// sent counts the messages of the last hour the cap holds: digests sent
// and confirmations.
func (b *Budget) sent(ctx context.Context) (digests, confirmations int, err error) {
	if digests, err = b.store.SentWithin(ctx, time.Hour); err != nil {
		return 0, 0, fmt.Errorf("read outbox: %w", err)
	}
	confirmations, err = b.subs.ConfirmationsMailedSince(ctx, time.Now().Add(-time.Hour))
	return digests, confirmations, err
}

// Left returns how many more messages the hourly cap allows now; -1
// without a cap.
func (b *Budget) Left(ctx context.Context) (int, error) {
	if b.limits.MaxPerHour <= 0 {
		return -1, nil
	}
	digests, confirmations, err := b.sent(ctx)
	if err != nil {
		return 0, err
	}
	return max(b.limits.MaxPerHour-digests-confirmations, 0), nil
}

// mayConfirm reports whether one more confirmation may go: under the
// cap, and for one asked for on the web, under its share of it.
func (b *Budget) mayConfirm(ctx context.Context, web bool) (bool, error) {
	limit := b.limits.MaxPerHour
	if limit <= 0 {
		return true, nil
	}
	digests, confirmations, err := b.sent(ctx)
	if err != nil {
		return false, err
	}
	if web && confirmations >= max(limit/strangerShare, 1) {
		return false, nil
	}
	return digests+confirmations < limit, nil
}

// budget is the Runner's Budget, or for a Runner without one (a test) a
// budget of its own from Limits, paced by the Runner's clock.
func (r *Runner) budget() *Budget {
	if r.Budget != nil {
		return r.Budget
	}
	return &Budget{limits: r.Limits, store: r.Store, subs: r.Subscribers, pace: newPacer(r.Limits.RatePerSecond, r.Now, r.sleep)}
}
