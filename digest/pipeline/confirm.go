package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/digestd/digestd/digest/email"
	"github.com/digestd/digestd/subscribers"
)

// Confirmations sends the double opt-in mail: a confirmation link and the
// settings and topics the click applies. The web front queues them, and
// one worker (Run) sends them in the background, so that the subscribe
// form answers at once, in the same time for any address; the command line
// sends at once (SendConfirmation). Both obey the Budget.
type Confirmations struct {
	Subscribers *subscribers.Store
	Renderer    *email.Renderer
	Headers     email.Headers
	Mailer      Mailer
	BaseURL     string
	// Budget is the pacing and hourly cap shared with the delivery passes.
	Budget *Budget
	Logger *slog.Logger

	once  sync.Once
	queue chan subscribers.Signup
}

// queueSize bounds the confirmations waiting for the worker. A flood of
// posts fills it, and what does not fit is dropped rather than held: a
// reader whose mail never came posts the form again.
const queueSize = 256

func (c *Confirmations) init() {
	c.once.Do(func() { c.queue = make(chan subscribers.Signup, queueSize) })
}

// Queue hands a signup's confirmation mail to Run and returns at once; a
// full queue drops it, which the log says.
func (c *Confirmations) Queue(su subscribers.Signup) {
	c.init()
	select {
	case c.queue <- su:
	default:
		c.Logger.Warn("confirmation dropped: the queue is full", "subscriber", su.Subscriber.ID, "queued", queueSize)
	}
}

// Run mails the queued confirmations one at a time until ctx is done;
// what is still queued then is dropped. A confirmation the hourly cap
// holds back is dropped too, and logged.
func (c *Confirmations) Run(ctx context.Context) {
	c.init()
	for {
		select {
		case <-ctx.Done():
			return
		case su := <-c.queue:
			if err := c.send(ctx, su, true); err != nil && ctx.Err() == nil {
				c.Logger.Error("confirmation not sent", "subscriber", su.Subscriber.ID, "error", err)
			}
		}
	}
}

// SendConfirmation mints a confirmation token for sub and mails its link
// at once, with the topics stored for them: `digestd subscribers add` and
// `import --confirm-by-email`. It waits its turn in the pacing; at the
// hourly cap it returns a *CapError and sub stays pending.
func (c *Confirmations) SendConfirmation(ctx context.Context, sub subscribers.Subscriber) error {
	topics, err := c.Subscribers.Topics(ctx, sub.ID)
	if err != nil {
		return err
	}
	su := subscribers.Signup{Subscriber: sub, Settings: sub.Settings(), Topics: make([]string, len(topics))}
	for i, t := range topics {
		su.Topics[i] = t.Query
	}
	if su.Token, err = c.Subscribers.NewToken(ctx, sub.ID, subscribers.TokenConfirm); err != nil {
		return err
	}
	return c.send(ctx, su, false)
}

// send mails su's confirmation link. One asked for on the web (web) may
// take only its share of the hourly cap.
func (c *Confirmations) send(ctx context.Context, su subscribers.Signup, web bool) error {
	to := su.Subscriber.Email
	ok, err := c.Budget.mayConfirm(ctx, web)
	if err == nil && !ok {
		err = &CapError{Max: c.Budget.limits.MaxPerHour}
	}
	if err == nil {
		err = c.Budget.pace.wait(ctx)
	}
	if err != nil {
		return fmt.Errorf("confirmation to %s: %w", to, err)
	}
	r, err := c.Renderer.RenderConfirmation(email.Confirmation{To: to, ConfirmURL: c.BaseURL + "/confirm/" + su.Token, Topics: su.Topics})
	if err != nil {
		return err
	}
	msg, err := email.ComposeConfirmation(c.Headers, to, r)
	if err != nil {
		return err
	}
	if err := c.Mailer.Send(ctx, c.Headers.EnvelopeFrom(), to, msg); err != nil {
		return fmt.Errorf("confirmation to %s: %w", to, err)
	}
	return c.Subscribers.ConfirmationMailed(context.WithoutCancel(ctx), su.Token)
}
