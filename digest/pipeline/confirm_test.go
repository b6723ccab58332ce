package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"testing"
	"time"

	"github.com/digestd/digestd/digest/mailer/smtptest"
	"github.com/digestd/digestd/digest/pipeline"
	"github.com/digestd/digestd/subscribers"
)

// confirmations sends through relay under limits.
func (p *harness) confirmations(t *testing.T, relay *smtptest.Server, limits pipeline.Limits) *pipeline.Confirmations {
	t.Helper()
	return &pipeline.Confirmations{Subscribers: p.subs, Renderer: p.ren, Headers: mailHeaders,
		Mailer: sender(t, relay.Port()), BaseURL: "https://papers.example.org",
		Budget: pipeline.NewBudget(limits, p.store, p.subs), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

var confirmLink = regexp.MustCompile(`https://papers\.example\.org/confirm/([A-Za-z0-9_-]+)`)

func TestConfirmationsSend(t *testing.T) {
	p := newPipeline(t)
	sub := p.add(t, "new@example.org", subscribers.StatusPending, subscribers.DefaultSettings(), "video")
	relay := smtptest.Start(t)
	c := p.confirmations(t, relay, pipeline.Limits{})
	if err := c.SendConfirmation(context.Background(), sub); err != nil {
		t.Fatalf("SendConfirmation: %v", err)
	}
	msgs := relay.Messages()
	if got := recipients(msgs); got != "new@example.org" {
		t.Fatalf("got mail to %q, want new@example.org", got)
	}
	_, body := readMail(t, msgs[0].Data)
	m := confirmLink.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("got no /confirm/ link in:\n%s", body)
	}
	got, err := p.subs.Confirm(context.Background(), m[1])
	if err != nil || got.Status != subscribers.StatusActive || got.ID != sub.ID {
		t.Errorf("Confirm: got %+v (%v), want %s active", got, err, sub.Email)
	}
}

// signUp posts the subscribe form's wish for email, as the web front does.
func (p *harness) signUp(t *testing.T, email string, topics ...string) subscribers.Signup {
	t.Helper()
	su, err := p.subs.SignUp(context.Background(), email, subscribers.DefaultSettings(), topics)
	if err != nil || su.Token == "" {
		t.Fatalf("SignUp(%s): %+v, %v", email, su, err)
	}
	return su
}

// TestConfirmationsQueue: Queue returns while the relay holds every
// message; the worker then mails each signup its own link, with the
// topics it asked for, and stops when its context ends.
func TestConfirmationsQueue(t *testing.T) {
	p := newPipeline(t)
	release := make(chan struct{})
	relay := smtptest.Start(t, smtptest.WithDataHook(func([]byte) error { <-release; return nil }))
	c := p.confirmations(t, relay, pipeline.Limits{})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { c.Run(ctx); close(stopped) }()

	want := map[string]string{}
	for i := range 3 {
		su := p.signUp(t, fmt.Sprintf("r%d@example.org", i), fmt.Sprintf("topic%d", i))
		c.Queue(su)
		want[su.Subscriber.Email] = su.Token
	}
	if n := relay.Accepted(); n != 0 {
		t.Errorf("mails accepted while the relay holds them: got %d, want 0", n)
	}
	close(release)
	for deadline := time.Now().Add(10 * time.Second); len(relay.Messages()) < 3 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	for _, m := range relay.Messages() {
		_, body := readMail(t, m.Data)
		link := confirmLink.FindStringSubmatch(body)
		if link == nil || link[1] != want[m.To[0]] {
			t.Errorf("mail to %s: got link %v, want its own token", m.To[0], link)
		}
		delete(want, m.To[0])
	}
	if len(want) != 0 {
		t.Errorf("no confirmation mailed to %v", want)
	}
	cancel()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Error("Run did not return within 5s of its context's end")
	}
}

// TestBudgetSharedBySenders: confirmations, a delivery pass and "send
// now" count against one hourly cap, and confirmations asked for on the
// web get a tenth of it at most.
func TestBudgetSharedBySenders(t *testing.T) {
	p := newPipeline(t)
	relay := smtptest.Start(t)
	limits := pipeline.Limits{MaxPerHour: 20}
	c := p.confirmations(t, relay, limits)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Run(ctx)
	for i := range 5 {
		c.Queue(p.signUp(t, fmt.Sprintf("web%d@example.org", i)))
	}
	// The worker sends the two its share allows and drops the rest; a
	// command-line confirmation, the operator's, may still go.
	for deadline := time.Now().Add(10 * time.Second); len(relay.Messages()) < 2 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	cli := p.add(t, "cli@example.org", subscribers.StatusPending, subscribers.DefaultSettings())
	if err := c.SendConfirmation(context.Background(), cli); err != nil {
		t.Fatalf("command-line confirmation under the cap: %v", err)
	}
	if got := len(relay.Messages()); got != 3 {
		t.Errorf("confirmations mailed: got %d, want 3 (2 of 5 from the web, 1 from the command line)", got)
	}

	// The 3 mailed count against the cap (the 3 dropped do not): a pass
	// may send 17 more.
	readers := p.readers(t, 18)
	r := p.workers(t, relay, 1)
	r.Limits, r.Budget = limits, c.Budget
	if res := run(t, r, pipeline.RunOptions{All: true}); res.Sent != 17 || res.Pending != 1 {
		t.Errorf("pass: got %+v, want 17 sent, 1 pending", res)
	}
	var capErr *pipeline.CapError
	if _, err := r.SendNow(context.Background(), readers[0]); !errors.As(err, &capErr) {
		t.Errorf("send now at the cap: got %v, want a CapError", err)
	}
	if err := c.SendConfirmation(context.Background(), p.add(t, "late@example.org", subscribers.StatusPending,
		subscribers.DefaultSettings())); !errors.As(err, &capErr) {
		t.Errorf("command-line confirmation at the cap: got %v, want a CapError", err)
	}
	if got := len(relay.Messages()); got != 20 {
		t.Errorf("messages in all: got %d, want 20 (3 confirmations, 17 digests)", got)
	}
}
