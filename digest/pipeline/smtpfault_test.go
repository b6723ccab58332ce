package pipeline_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/mail"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/digest/mailer"
	"github.com/digestd/digestd/digest/mailer/smtptest"
	"github.com/digestd/digestd/digest/pipeline"
)

// readerNumber is n of rn@example.org.
func readerNumber(addr string) int {
	n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(addr, "r"), "@example.org"))
	return n
}

// TestRunUnderMixedSMTPFaults sends one pass through a relay that refuses
// every tenth reader for good (550), answers 451 to a fifth at RCPT and
// another fifth at DATA, drops the connection after every twentieth
// reader's final dot (maybe delivered, for all digestd can tell) and
// stalls one RCPT past the timeout. The counts come out exact, and the
// digests left pending expire once their day is over, their papers going
// into the next day's digest.
func TestRunUnderMixedSMTPFaults(t *testing.T) {
	n := 100
	if os.Getenv("DIGESTD_TORTURE") != "" {
		n = 1000
	}
	p := newPipeline(t)
	p.readers(t, n)
	var mu sync.Mutex
	tries := map[string]int{}
	first := func(stage, to string) bool {
		mu.Lock()
		defer mu.Unlock()
		tries[stage+to]++
		return tries[stage+to] == 1
	}
	var relay *smtptest.Server
	stall := make(chan struct{})
	t.Cleanup(func() { close(stall) })
	relay = smtptest.Start(t, smtptest.WithRcptHook(func(to string) error {
		i := readerNumber(to)
		switch {
		case i%10 == 3:
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		case i%5 == 1 && first("rcpt", to):
			return tempError(451)
		case i == 7 && first("stall", to):
			select {
			case <-stall:
			case <-time.After(30 * time.Second):
			}
			return tempError(451)
		}
		return nil
	}), smtptest.WithDataHook(func(data []byte) error {
		m, err := mail.ReadMessage(bytes.NewReader(data))
		if err != nil {
			return err
		}
		a, err := mail.ParseAddress(m.Header.Get("To"))
		if err != nil {
			return err
		}
		to := a.Address
		switch i := readerNumber(to); {
		case i%5 == 2 && first("data", to):
			return tempError(451)
		case i%20 == 4 && first("drop", to):
			relay.DropConnections()
			return tempError(451)
		}
		return nil
	}))
	s, err := mailer.NewSMTP(mailer.SMTPConfig{Host: "127.0.0.1", Port: relay.Port(), TLS: "none", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	r := p.runner(t, s)
	r.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	start := time.Now()
	res := run(t, r, pipeline.RunOptions{All: true})
	took := time.Since(start)
	bounced, dropped := n/10, n/20
	if res.Sent != n-bounced-dropped || res.Failed != bounced || res.Pending != dropped || res.MaybeDelivered != dropped {
		t.Errorf("got %+v, want %d sent, %d failed, %d pending and maybe delivered", res, n-bounced-dropped, bounced, dropped)
	}
	if took > 20*time.Second {
		t.Errorf("pass took %v: the stalled RCPT was not cut by the 2s timeout", took)
	}
	if got := digesttest.Count(t, p.db, `SELECT count(*) FROM subscribers WHERE status = 'bounced'`); got != bounced {
		t.Errorf("bounced readers: got %d, want %d", got, bounced)
	}
	p.now = p.now.AddDate(0, 0, 2)
	res2 := run(t, r, pipeline.RunOptions{})
	// The expired digests' papers go into those readers' next digest.
	if res2.Expired != dropped || res2.Built != dropped || res2.Sent != dropped {
		t.Errorf("next pass two days later: got %+v, want %d expired and as many new digests sent", res2, dropped)
	}
	if got := len(relay.Messages()); got != n-bounced {
		t.Errorf("relay holds %d messages, want %d: one per reader not bounced", got, n-bounced)
	}
	t.Logf("smtp: readers=%d delivered=%d bounced=%d maybe_delivered=%d expired=%d retried_451=%d pass_time=%v",
		n, res.Sent, res.Failed, res.MaybeDelivered, res2.Expired, 2*n/5, took.Round(time.Millisecond))
}

// TestRunRelayAnswers421AtConnect: a relay that greets with 421 is down
// for the pass; every built digest stays pending and goes out once the
// relay is back.
func TestRunRelayAnswers421AtConnect(t *testing.T) {
	p := newPipeline(t)
	p.readers(t, 6)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			fmt.Fprintf(c, "421 4.3.2 Service not available, closing channel\r\n")
			bufio.NewReader(c).ReadString('\n')
			c.Close()
		}
	}()
	r := p.runner(t, sender(t, ln.Addr().(*net.TCPAddr).Port))
	res, err := r.Run(context.Background(), pipeline.RunOptions{All: true})
	if err == nil || !strings.Contains(err.Error(), "421") {
		t.Fatalf("got %v, want the pass stopped with the relay's 421", err)
	}
	if res.Sent != 0 || p.status(t) != fmt.Sprintf("pending:%d", res.Built) {
		t.Errorf("got %+v and outbox %s, want every built digest pending", res, p.status(t))
	}
	relay := smtptest.Start(t)
	res = run(t, p.runner(t, sender(t, relay.Port())), pipeline.RunOptions{All: true})
	if res.Sent != 6 || len(relay.Messages()) != 6 {
		t.Errorf("once the relay is back: got %+v and %d messages, want 6 sent once each", res, len(relay.Messages()))
	}
}

// TestRunStartTLSNotOffered: with STARTTLS required and a relay that does
// not offer it, the pass stops at the first message and sends nothing in
// the clear.
func TestRunStartTLSNotOffered(t *testing.T) {
	p := newPipeline(t)
	p.readers(t, 4)
	relay := smtptest.Start(t)
	s, err := mailer.NewSMTP(mailer.SMTPConfig{Host: "127.0.0.1", Port: relay.Port(), TLS: mailer.SMTPStartTLS, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	res, err := p.runner(t, s).Run(context.Background(), pipeline.RunOptions{All: true})
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("got %v, want the pass stopped naming STARTTLS", err)
	}
	if res.Sent != 0 || len(relay.Messages()) != 0 || p.status(t) != fmt.Sprintf("pending:%d", res.Built) {
		t.Errorf("got %+v, %d messages, outbox %s; want nothing sent, every built digest pending", res, len(relay.Messages()), p.status(t))
	}
}
