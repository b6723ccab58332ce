package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/digest/mailer/smtptest"
	"github.com/digestd/digestd/digest/pipeline"
)

// TestRunRelayDownStopsWorkers: with the relay down the pass stops after a
// few tries, long before it has built every reader's digest (builders are
// fast: 200 readers, so stopping early shows), and what it built stays
// pending.
func TestRunRelayDownStopsWorkers(t *testing.T) {
	const readers = 200
	p := newPipeline(t)
	p.readers(t, readers)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r := p.runner(t, sender(t, closed))
	for range 2 {
		r.Mailers = append(r.Mailers, sender(t, closed))
	}
	res, err := r.Run(context.Background(), pipeline.RunOptions{All: true})
	if err == nil || !strings.Contains(err.Error(), "relay unreachable") || strings.Count(err.Error(), "relay unreachable") != 1 {
		t.Fatalf("got %v, want one error saying the relay is unreachable", err)
	}
	if res.Sent != 0 || res.Built == readers || p.status(t) != fmt.Sprintf("pending:%d", res.Built) {
		t.Errorf("got %+v and outbox %s, want the pass stopped early with every built digest pending", res, p.status(t))
	}
}

// TestRunSenderRefusedStops: a relay that refuses the sender would refuse
// every message, so the pass stops at once and nothing is marked failed.
func TestRunSenderRefusedStops(t *testing.T) {
	p := newPipeline(t)
	p.readers(t, 3)
	relay := smtptest.Start(t, smtptest.WithMailHook(func(string) error {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "sender not allowed"}
	}))
	res, err := p.workers(t, relay, 1).Run(context.Background(), pipeline.RunOptions{All: true})
	if err == nil || !strings.Contains(err.Error(), "mail relay refused the session") || !strings.Contains(err.Error(), "sender not allowed") {
		t.Fatalf("got %v, want one error saying the relay refused the sender", err)
	}
	tried := digesttest.Count(t, p.db, `SELECT count(*) FROM digests WHERE attempts > 0`)
	if got := p.status(t); got != fmt.Sprintf("pending:%d", res.Built) || tried != 1 || res.Failed != 0 {
		t.Errorf("got %+v, outbox %s, %d tried; want every built digest pending, 1 tried", res, got, tried)
	}
}

func TestRunReconnects(t *testing.T) {
	tests := []struct {
		name  string
		fault func(relay *smtptest.Server) error
	}{
		{"421 reply", func(*smtptest.Server) error {
			return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 4, 2}, Message: "closing"}
		}},
		{"dropped connection", func(relay *smtptest.Server) error { relay.DropConnections(); return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPipeline(t)
			p.readers(t, 4)
			var relay *smtptest.Server
			f := &refusals{fn: func(to string, try int) error {
				if to == "r2@example.org" && try == 1 {
					return tt.fault(relay)
				}
				return nil
			}}
			relay = smtptest.Start(t, smtptest.WithRcptHook(f.hook))
			res := run(t, p.workers(t, relay, 1), pipeline.RunOptions{All: true})
			if res.Sent != 4 || res.Pending != 0 {
				t.Errorf("got %+v, want all 4 sent", res)
			}
			if got := recipients(relay.Messages()); got != "r0@example.org r1@example.org r2@example.org r3@example.org" {
				t.Errorf("got mail to %q, want each reader once", got)
			}
			if got := relay.Connections(); got != 2 {
				t.Errorf("got %d connections, want 2: one reconnect", got)
			}
		})
	}
}

// TestRunConcurrentExactlyOnce sends through four connections to a relay
// that greylists a third of the recipients at random; passes repeat until
// the outbox is empty, and every reader has their digest exactly once.
func TestRunConcurrentExactlyOnce(t *testing.T) {
	p := newPipeline(t)
	subs := p.readers(t, 12)
	rng := rand.New(rand.NewPCG(1, 2))
	var mu sync.Mutex
	relay := smtptest.Start(t, smtptest.WithRcptHook(func(string) error {
		mu.Lock()
		defer mu.Unlock()
		if rng.IntN(3) == 0 {
			return tempError(451)
		}
		return nil
	}))
	r := p.workers(t, relay, 4)
	for pass := 0; p.status(t) != "sent:12"; pass++ {
		if pass == 5 {
			t.Fatalf("outbox after 5 passes: %s, want sent:12", p.status(t))
		}
		run(t, r, pipeline.RunOptions{All: true})
	}
	got := map[string]int{}
	for _, m := range relay.Messages() {
		got[strings.Join(m.To, ",")]++
	}
	for _, sub := range subs {
		if got[sub.Email] != 1 {
			t.Errorf("%s: got %d messages, want 1", sub.Email, got[sub.Email])
		}
	}
	if n := relay.Connections(); n < 2 || n > 4 {
		t.Errorf("got %d connections, want one per worker (2 to 4 used)", n)
	}
}

func TestRunRateLimit(t *testing.T) {
	p := newPipeline(t)
	p.readers(t, 12)
	relay := smtptest.Start(t)
	r := p.workers(t, relay, 3)
	r.Limits.RatePerSecond = 4
	// The clock stands still, so each wait is when that message may go,
	// counted from the start of the pass.
	var mu sync.Mutex
	var at []time.Duration
	r.Sleep = func(_ context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		at = append(at, d)
		return nil
	}
	if res := run(t, r, pipeline.RunOptions{All: true}); res.Sent != 12 {
		t.Fatalf("got %+v, want 12 sent", res)
	}
	slices.Sort(at)
	if len(at) != 12 || at[11] < 2750*time.Millisecond {
		t.Errorf("got send times %v, want 12 spread over 2.75s", at)
	}
	for i := range at {
		n := 0
		for _, b := range at[i:] {
			if b-at[i] < time.Second {
				n++
			}
		}
		if n > 4 {
			t.Errorf("got %d messages in the second after %s, want at most 4", n, at[i])
		}
	}
}

func TestRunHourlyCap(t *testing.T) {
	p := newPipeline(t)
	p.readers(t, 5)
	relay := smtptest.Start(t)
	r := p.workers(t, relay, 2)
	r.Limits.MaxPerHour = 3
	if res := run(t, r, pipeline.RunOptions{All: true}); res.Sent != 3 || res.Pending != 2 {
		t.Errorf("first pass: got %+v, want 3 sent, 2 pending", res)
	}
	if res := run(t, r, pipeline.RunOptions{All: true}); res.Sent != 0 || res.Pending != 2 {
		t.Errorf("second pass in the hour: got %+v, want nothing sent, 2 pending", res)
	}
	if got := len(relay.Messages()); got != 3 {
		t.Errorf("got %d messages, want 3", got)
	}
}

// TestRunStopFinishesMessageInFlight cancels a pass while the relay holds
// a message: that one is delivered and recorded, the rest stay pending.
func TestRunStopFinishesMessageInFlight(t *testing.T) {
	p := newPipeline(t)
	p.readers(t, 4)
	ctx, cancel := context.WithCancel(context.Background())
	held := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	relay := smtptest.Start(t, smtptest.WithDataHook(func([]byte) error {
		once.Do(func() { close(held); <-release })
		return nil
	}))
	r := p.workers(t, relay, 2)
	go func() {
		<-held
		cancel()
		time.Sleep(50 * time.Millisecond) // let the pass see the cancellation
		close(release)
	}()
	res, err := r.Run(ctx, pipeline.RunOptions{All: true})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got error %v, want context.Canceled", err)
	}
	sent := len(relay.Messages())
	if sent < 1 || sent > 2 || res.Sent != sent {
		t.Errorf("got %d messages and %+v, want the 1 or 2 in flight sent and recorded", sent, res)
	}
	want := fmt.Sprintf("pending:%d sent:%d", res.Built-sent, sent)
	if res.Built == sent {
		want = fmt.Sprintf("sent:%d", sent)
	}
	if got := p.status(t); got != want || res.Built == 4 && sent == 4 {
		t.Errorf("outbox: got %s, want the other built digests pending", got)
	}
}
