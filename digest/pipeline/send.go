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
	"github.com/digestd/digestd/digest/mailer"
	"github.com/digestd/digestd/digest/sqlite"
	"github.com/digestd/digestd/subscribers"
)

// softBounceNights is how many periods in a row a reader's digest may meet
// only temporary refusals (mailbox full, greylisting that never lifts)
// before the address counts as bounced, like one hard refusal would.
const softBounceNights = 3

// sendState carries one pass's sending bookkeeping. The producer (the
// goroutine that builds digests) feeds queue; the workers drain it.
type sendState struct {
	runner *Runner
	log    *slog.Logger
	pace   *pacer
	// lease is the pass's (or the send-now's): the digests it stores and
	// claims are its own while it is held.
	lease *sqlite.Lease
	// stop ends the pass early with its cause: the relay is down, or the
	// database failed under a worker.
	stop  context.CancelCauseFunc
	queue chan *digest.Outgoing

	// Only the producer touches these.
	budget int // sends the hourly cap still allows; -1: no cap
	capped bool

	mu              sync.Mutex
	res             *RunResult
	connectFailures int
}

// count changes the pass's result; workers and producer share it.
func (s *sendState) count(f func(*RunResult)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.res)
}

// enqueue hands a stored digest to the workers, unless the hourly cap is
// reached: then it stays pending for a later pass.
func (s *sendState) enqueue(ctx context.Context, out *digest.Outgoing) error {
	if s.budget == 0 {
		s.count(func(r *RunResult) { r.Pending++ })
		if !s.capped {
			s.capped = true
			s.log.Warn("smtp.max_per_hour reached: the remaining digests stay in the outbox for a later pass",
				"max_per_hour", s.runner.Limits.MaxPerHour)
		}
		return nil
	}
	select {
	case s.queue <- out:
		if s.budget > 0 {
			s.budget--
		}
		return nil
	case <-ctx.Done():
		s.count(func(r *RunResult) { r.Pending++ })
		return ctx.Err()
	}
}

// work sends the queued digests through m until the queue is closed. Once
// the pass is stopping, what is still queued stays pending.
func (s *sendState) work(ctx context.Context, m Mailer) {
	for out := range s.queue {
		if ctx.Err() != nil {
			s.count(func(r *RunResult) { r.Pending++ })
			continue
		}
		if err := s.send(ctx, m, out); err != nil {
			s.stop(err)
		}
		email.Recycle(out.Message)
	}
}

// send delivers one digest, trying a temporary refusal again after a
// backoff, and records each attempt. A non-nil error stops the pass.
func (s *sendState) send(ctx context.Context, m Mailer, out *digest.Outgoing) error {
	r := s.runner
	// A message in flight is finished, and its outcome recorded, even when
	// the pass is being stopped (SIGTERM): cutting DATA short would leave
	// the relay's state unknown, and an unrecorded send would go out twice.
	// The mailer's own timeout still bounds it.
	rec := context.WithoutCancel(ctx)
	for try := 1; ; try++ {
		var wait error
		if try > 1 {
			wait = r.sleep(ctx, r.Retry.delay(try))
		}
		if wait == nil {
			wait = s.pace.wait(ctx)
		}
		if wait != nil {
			s.count(func(r *RunResult) { r.Pending++ })
			return nil
		}
		if !s.lease.Held() {
			// Its lease may lapse before the relay answers: another
			// process could then claim the digest and send it too.
			s.count(func(r *RunResult) { r.Pending++ })
			return fmt.Errorf("digest %d to %s not sent: the lease was not renewed for half its term", out.ID, out.Recipient)
		}
		start := time.Now()
		err := m.Send(rec, r.Headers.EnvelopeFrom(), out.Recipient, out.Message)
		if err == nil {
			return s.delivered(rec, out, time.Since(start))
		}
		var se *mailer.SendError
		errors.As(err, &se)
		switch {
		case se != nil && se.MaybeDelivered:
			return s.maybeDelivered(rec, out, se)
		case relayTrouble(se):
			return s.unreachable(rec, out, se, err)
		case !se.Temporary:
			return s.refused(rec, out, se)
		}
		if err := r.Store.RecordDeferred(rec, s.lease, out.ID, err); err != nil {
			return err
		}
		s.count(func(*RunResult) { s.connectFailures = 0 })
		if try >= r.Retry.attempts() || ctx.Err() != nil {
			return s.deferred(rec, out, se, try)
		}
		s.log.Debug("temporary refusal, trying again", "to", out.Recipient, "attempt", try, "error", err)
	}
}

func (s *sendState) delivered(ctx context.Context, out *digest.Outgoing, took time.Duration) error {
	r := s.runner
	s.count(func(res *RunResult) { res.Sent++; s.connectFailures = 0 })
	if r.Observer != nil {
		r.Observer.MessageSent(took)
	}
	s.log.Debug("digest sent", "to", out.Recipient, "message_id", out.MessageID)
	return r.Store.RecordSent(ctx, out)
}

// relayTrouble tells a failure of the relay or the session, which every
// message would meet, from an answer about this message.
func relayTrouble(se *mailer.SendError) bool {
	return se == nil || se.Stage == "connect" || // no session
		se.Temporary && se.Code == 0 || // the connection broke mid-message
		se.Stage == "mail" && !se.Temporary // the sender is refused
}

// maybeDelivered handles a message whose final dot the relay did not
// answer: it may have it. The digest goes once more, no sooner than
// ResendAfter from now, with the same Message-ID, and never after that:
// a reader would rather see a digest twice (a copy their mailbox may
// merge, by its Message-ID) than lose one and its papers for good. Like a
// connection failure, it counts towards stopping the pass.
func (s *sendState) maybeDelivered(ctx context.Context, out *digest.Outgoing, se *mailer.SendError) error {
	r := s.runner
	final, err := r.Store.RecordMaybeDelivered(ctx, s.lease, out.ID, se, r.ResendAfter)
	if err != nil {
		return err
	}
	var n int
	s.count(func(res *RunResult) {
		res.MaybeDelivered++
		if !final {
			res.Pending++
		}
		s.connectFailures++
		n = s.connectFailures
	})
	if final {
		s.log.Warn("digest maybe delivered, the second time: not sent again", "to", out.Recipient,
			"message_id", out.MessageID, "error", se)
	} else {
		s.log.Warn("digest maybe delivered: a pass sends it once more after a while", "to", out.Recipient,
			"message_id", out.MessageID, "after", r.ResendAfter, "error", se)
	}
	if n >= maxConnectFailures {
		return fmt.Errorf("mail relay not answering, %d attempts in a row failed (digests stay in the outbox for the next run): %w", n, se)
	}
	return nil
}

// unreachable handles a message the relay did not answer for: it stays
// pending, and the pass stops once the relay looks down rather than
// failing every reader in turn.
func (s *sendState) unreachable(ctx context.Context, out *digest.Outgoing, se *mailer.SendError, err error) error {
	if merr := s.runner.Store.RecordDeferred(ctx, s.lease, out.ID, err); merr != nil {
		return merr
	}
	var n int
	s.count(func(r *RunResult) { r.Pending++; s.connectFailures++; n = s.connectFailures })
	s.log.Warn("digest not sent, kept in the outbox", "to", out.Recipient, "error", err)
	if se != nil && !se.Temporary {
		// A certificate, STARTTLS or sender refusal fails every message alike.
		return fmt.Errorf("mail relay refused the session (digests stay in the outbox for the next run): %w", err)
	}
	if n >= maxConnectFailures {
		return fmt.Errorf("mail relay unreachable, %d attempts in a row failed (digests stay in the outbox for the next run): %w", n, err)
	}
	return nil
}

// refused handles a permanent refusal: the digest fails for good. A
// refused recipient counts towards the reader's hard bounce limit; a
// refused message (its data, not the address) releases its papers to the
// reader's next digest.
func (s *sendState) refused(ctx context.Context, out *digest.Outgoing, se *mailer.SendError) error {
	r := s.runner
	record := r.Store.RecordFailed
	if se.Stage == "data" {
		record = r.Store.RecordFailedContent
	}
	if err := record(ctx, s.lease, out.ID, se); err != nil {
		return err
	}
	s.count(func(res *RunResult) { res.Failed++; s.connectFailures = 0 })
	if r.Observer != nil {
		r.Observer.DigestBounced()
	}
	s.log.Warn("digest refused", "to", out.Recipient, "error", se)
	if se.Stage != "rcpt" {
		return nil
	}
	n, err := r.Store.RecordHardBounce(ctx, out.SubscriberID)
	if err != nil || n < r.hardBounceLimit() {
		return readerGone(err)
	}
	return s.bounce(ctx, out, fmt.Sprintf("address refused %d times", n))
}

// deferred leaves a digest pending after the pass's tries. Refusals of
// the recipient that last several nights count as a bounce.
func (s *sendState) deferred(ctx context.Context, out *digest.Outgoing, se *mailer.SendError, tries int) error {
	s.count(func(r *RunResult) { r.Pending++ })
	s.log.Warn("digest not sent, kept in the outbox", "to", out.Recipient, "attempts", tries, "error", se)
	// 421 is the server closing shop and mail-stage refusals concern the
	// sender: neither says anything about the reader's address.
	if se.Code == 421 || se.Stage == "mail" {
		return nil
	}
	nights, err := s.runner.Store.RecordSoftFailure(ctx, out.SubscriberID, out.Period)
	if err != nil || nights < softBounceNights {
		return readerGone(err)
	}
	return s.bounce(ctx, out, fmt.Sprintf("address refused temporarily on %d nights", nights))
}

func (s *sendState) bounce(ctx context.Context, out *digest.Outgoing, why string) error {
	s.log.Warn("subscriber bounced", "email", out.Recipient, "reason", why)
	return readerGone(s.runner.Subscribers.SetStatus(ctx, out.SubscriberID, subscribers.StatusBounced))
}

// readerGone is err, unless it says the reader was deleted during the
// pass: with them went their digests and what their refusals counted,
// and the pass goes on.
func readerGone(err error) error {
	if errors.Is(err, subscribers.ErrNotFound) {
		return nil
	}
	return err
}
