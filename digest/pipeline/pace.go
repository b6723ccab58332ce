package pipeline

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// Limits bound how fast delivery passes hand mail to the relay, as relays
// and mailbox providers throttle or block senders that burst.
type Limits struct {
	// RatePerSecond spaces the messages of a pass, all workers together;
	// 0 is no limit.
	RatePerSecond float64
	// MaxPerHour caps the digests sent in any hour, across passes; a pass
	// that reaches it leaves the rest pending for a later one. 0 is no cap.
	MaxPerHour int
}

// Retry is how a temporary refusal (4xx) is retried within a pass before
// the digest is left pending for the next pass.
type Retry struct {
	// Attempts is how many times a pass tries one message; 3 when 0.
	Attempts int
	// Backoff is the wait before the second try, doubled before each
	// further one, with jitter; 2s when 0.
	Backoff time.Duration
}

func (r Retry) attempts() int {
	if r.Attempts <= 0 {
		return 3
	}
	return r.Attempts
}

// delay is the wait before try number next (2, 3, ...): exponential, and
// spread over half to one and a half times that, so workers refused
// together do not come back together.
func (r Retry) delay(next int) time.Duration {
	d := r.Backoff
	if d <= 0 {
		d = 2 * time.Second
	}
	d <<= next - 2
	return d/2 + rand.N(d)
}

// pacer spaces calls to wait at least interval apart, however many
// goroutines call it: each caller reserves the next free slot and sleeps
// until it comes.
type pacer struct {
	interval time.Duration
	now      func() time.Time
	sleep    func(context.Context, time.Duration) error

	mu   sync.Mutex
	next time.Time
}

func newPacer(perSecond float64, now func() time.Time, sleep func(context.Context, time.Duration) error) *pacer {
	p := &pacer{now: now, sleep: sleep}
	if perSecond > 0 {
		p.interval = time.Duration(float64(time.Second) / perSecond)
	}
	return p
}

// wait returns when the caller may send, or with ctx's error.
func (p *pacer) wait(ctx context.Context) error {
	if p.interval == 0 {
		return ctx.Err()
	}
	p.mu.Lock()
	now := p.now()
	at := p.next
	if at.Before(now) {
		at = now
	}
	p.next = at.Add(p.interval)
	p.mu.Unlock()
	return p.sleep(ctx, at.Sub(now))
}

// sleep waits for d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
