package pipeline

import (
	"context"
	"fmt"

	"github.com/digestd/digestd/digest/email"

	"github.com/digestd/digestd/subscribers"
)

// Confirmations sends the double opt-in mail: a fresh confirmation link for
// a pending (or returning) subscriber, with the topics they asked for.
type Confirmations struct {
	Subscribers *subscribers.Store
	Renderer    *email.Renderer
	Headers     email.Headers
	Mailer      Mailer
	BaseURL     string
}

// SendConfirmation mints a confirmation token for sub and mails its link.
func (c *Confirmations) SendConfirmation(ctx context.Context, sub subscribers.Subscriber) error {
	topics, err := c.Subscribers.Topics(ctx, sub.ID)
	if err != nil {
		return err
	}
	token, err := c.Subscribers.NewToken(ctx, sub.ID, subscribers.TokenConfirm)
	if err != nil {
		return err
	}
	queries := make([]string, len(topics))
	for i, t := range topics {
		queries[i] = t.Query
	}
	r, err := c.Renderer.RenderConfirmation(email.Confirmation{To: sub.Email, ConfirmURL: c.BaseURL + "/confirm/" + token, Topics: queries})
	if err != nil {
		return err
	}
	msg, err := email.ComposeConfirmation(c.Headers, sub.Email, r)
	if err != nil {
		return err
	}
	if err := c.Mailer.Send(ctx, c.Headers.EnvelopeFrom(), sub.Email, msg); err != nil {
		return fmt.Errorf("confirmation to %s: %w", sub.Email, err)
	}
	return nil
}
