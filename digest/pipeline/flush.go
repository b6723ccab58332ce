package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/subscribers"
)

// flushPending claims the digests earlier passes, or a send-now, left in
// the outbox — those no live lease claims: a digest another process is
// sending is its own — and queues them, composed again, or expires those
// no longer worth sending.
func (r *Runner) flushPending(ctx context.Context, s *sendState) error {
	now := r.Now()
	var after int64
	for {
		// Pages are small: a row may hold a whole message.
		page, err := r.Store.ClaimPending(ctx, s.lease, after, 20)
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
			sub, err := r.Subscribers.ByID(ctx, out.SubscriberID)
			if errors.Is(err, subscribers.ErrNotFound) {
				// Deleted since the page was read: their digests went with them.
				continue
			}
			if err != nil {
				return fmt.Errorf("digest %d: %w", out.ID, err)
			}
			reason := staleReason(sub, out, now)
			if reason == "" && out.Message == nil {
				err := r.recompose(ctx, sub, out)
				switch {
				case errors.Is(err, errNoPapers):
					reason = "expired: it holds no stored papers"
				case errors.Is(err, subscribers.ErrNotFound):
					continue
				case err != nil:
					return fmt.Errorf("digest %d: %w", out.ID, err)
				}
			}
			if reason != "" {
				if err := r.expire(ctx, out, reason, s); err != nil {
					return err
				}
				continue
			}
			if err := s.enqueue(ctx, out); err != nil {
				return err
			}
		}
		after = page[len(page)-1].ID
	}
}

// staleReason says why out is no longer worth sending — its reader no
// longer wants mail, or its period is over — or "" when it is. A digest
// the relay kept refusing all day is not sent the next morning next to
// its successor.
func staleReason(sub subscribers.Subscriber, out *digest.Outgoing, now time.Time) string {
	switch {
	case sub.Status != subscribers.StatusActive:
		return fmt.Sprintf("expired: the subscriber is %s", sub.Status)
	case digest.PeriodOver(sub, out.Period, now):
		return fmt.Sprintf("expired: period %s ended undelivered after %d attempts", out.Period, out.Attempts)
	}
	return ""
}

// expire gives up on out for reason.
func (r *Runner) expire(ctx context.Context, out *digest.Outgoing, reason string, s *sendState) error {
	if err := r.Store.Expire(ctx, s.lease, out.ID, reason); err != nil {
		return fmt.Errorf("digest %d: %w", out.ID, err)
	}
	s.count(func(res *RunResult) { res.Expired++ })
	if r.Observer != nil {
		r.Observer.DigestExpired()
	}
	s.log.Warn("digest expired", "to", out.Recipient, "period", out.Period, "reason", reason)
	return nil
}

// errNoPapers means a pending digest holds no stored papers to compose it
// from: only a database edited by hand can have one.
var errNoPapers = errors.New("the digest holds no papers")

// recompose composes again a pending digest stored by a pass that did not
// send it (the relay put it off or was down, or digestd stopped): the
// papers it holds, ranked and highlighted by the reader's current topics,
// dated when it was built, with a new manage token. Its Message-ID is the
// one it was built with: it depends only on the reader, the period and
// the From domain.
func (r *Runner) recompose(ctx context.Context, sub subscribers.Subscriber, out *digest.Outgoing) error {
	items, err := r.Builder.storedItems(ctx, out.SubscriberID, out.ID)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return errNoPapers
	}
	d := &digest.Digest{SubscriberID: out.SubscriberID, To: out.Recipient, Period: out.Period,
		Date: out.Created.In(sub.Location()), Items: items}
	dr, err := r.compose(r.Renderer, d)
	if err != nil {
		return err
	}
	out.Message, out.MessageID = dr.out.Message, dr.out.MessageID
	gone, err := r.saveTokens(ctx, []subscribers.Grant{{SubscriberID: out.SubscriberID, Text: dr.token}})
	if err == nil && gone[out.SubscriberID] {
		err = fmt.Errorf("subscriber %d: %w", out.SubscriberID, subscribers.ErrNotFound)
	}
	return err
}

// saveTokens saves the manage tokens of stored digests. A reader deleted
// since has no row to save a token for, and their digests went with them:
// the others' tokens are saved without theirs, and gone names them.
func (r *Runner) saveTokens(ctx context.Context, grants []subscribers.Grant) (gone map[int64]bool, err error) {
	err = r.Subscribers.SaveTokens(ctx, subscribers.TokenManage, grants)
	if err == nil {
		return nil, nil
	}
	gone = map[int64]bool{}
	var kept []subscribers.Grant
	for _, g := range grants {
		_, lerr := r.Subscribers.ByID(ctx, g.SubscriberID)
		switch {
		case errors.Is(lerr, subscribers.ErrNotFound):
			gone[g.SubscriberID] = true
		case lerr != nil:
			return nil, err
		default:
			kept = append(kept, g)
		}
	}
	if len(gone) == 0 {
		return nil, err
	}
	return gone, r.Subscribers.SaveTokens(ctx, subscribers.TokenManage, kept)
}
