package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"

	"github.com/digestd/digestd/subscribers"
)

// sendState carries one pass's sending bookkeeping.
type sendState struct {
	runner          *Runner
	log             *slog.Logger
	res             *RunResult
	connectFailures int
}

// flushPending sends the digests an earlier pass left in the outbox.
func (s *sendState) flushPending(ctx context.Context) error {
	var after int64
	for {
		page, err := s.runner.Store.Pending(ctx, after, 100)
		if err != nil {
			return fmt.Errorf("read outbox: %w", err)
		}
		if len(page) == 0 {
			return nil
		}
		for _, out := range page {
			if err := s.send(ctx, out); err != nil {
				return err
			}
		}
		after = page[len(page)-1].ID
	}
}

// send hands one stored digest to the mailer and records the outcome. A
// temporary failure leaves it pending for the next pass; a permanent refusal
// of the recipient marks the digest failed and the subscriber bounced.
func (s *sendState) send(ctx context.Context, out Outgoing) error {
	r := s.runner
	// A message in flight is finished, and its outcome recorded, even when
	// the pass is being stopped (SIGTERM): cutting DATA short would leave
	// the relay's state unknown, and an unrecorded send would go out twice.
	// The mailer's own timeout still bounds it.
	ctx = context.WithoutCancel(ctx)
	err := r.Mailer.Send(ctx, r.Headers.envelopeFrom(), out.Recipient, out.Message)
	if err == nil {
		s.connectFailures = 0
		s.res.Sent++
		s.log.Debug("digest sent", "to", out.Recipient, "message_id", out.MessageID)
		return r.Store.markSent(ctx, out.ID)
	}
	var se *SendError
	permanent := errors.As(err, &se) && !se.Temporary
	status := outboxPending
	if permanent {
		status = outboxFailed
	}
	if merr := r.Store.markAttempt(ctx, out.ID, status, err); merr != nil {
		return merr
	}
	if permanent {
		s.res.Failed++
		s.log.Warn("digest refused", "to", out.Recipient, "error", err)
		if se.Stage == "rcpt" {
			return r.Subscribers.SetStatus(ctx, out.SubscriberID, subscribers.StatusBounced)
		}
		return nil
	}
	s.res.Pending++
	s.log.Warn("digest not sent, kept in the outbox", "to", out.Recipient, "error", err)
	if se == nil || se.Stage == "connect" {
		s.connectFailures++
		if s.connectFailures >= maxConnectFailures {
			return fmt.Errorf("mail relay unreachable, %d attempts in a row failed (digests stay in the outbox for the next run): %w", s.connectFailures, err)
		}
	}
	return nil
}

// envelopeFrom is the SMTP envelope sender (MAIL FROM): the bare address of
// the From header, where bounces go.
func (h Headers) envelopeFrom() string {
	if a, err := mail.ParseAddress(h.From); err == nil {
		return a.Address
	}
	return h.From
}
