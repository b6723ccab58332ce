package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"net/mail"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/digest/mailer"
	"github.com/digestd/digestd/digest/mailer/smtptest"
	"github.com/digestd/digestd/digest/pipeline"
	"github.com/digestd/digestd/digest/sqlite"
	"github.com/digestd/digestd/subscribers"
)

// process opens p's database again, as another digestd process would: on
// connections, a Store and a sent log handle of its own.
func (p *harness) process(t *testing.T) *harness {
	t.Helper()
	var file string
	if err := p.db.QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), file)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &harness{db: db, store: digesttest.NewStore(t, db), subs: subscribers.NewStore(db), ren: p.ren, now: p.now}
}

// messageIDs counts the copies of each Message-ID the relay holds.
func messageIDs(t *testing.T, msgs []smtptest.Message) map[string]int {
	t.Helper()
	ids := map[string]int{}
	for _, m := range msgs {
		h, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatal(err)
		}
		ids[h.Header.Get("Message-Id")]++
	}
	return ids
}

// TestPassesOneAtATime starts a pass in each of three processes on one
// database while the first sends through a slow relay. The second waits
// for the first to end and then finds nothing left to send; the third,
// which does not wait, does nothing and names the process running the
// pass. Every reader gets one message.
func TestPassesOneAtATime(t *testing.T) {
	p := newPipeline(t)
	p.readers(t, 30)
	var first sync.Once
	sending := make(chan struct{})
	relay := smtptest.Start(t, smtptest.WithDataHook(func([]byte) error {
		first.Do(func() { close(sending) })
		time.Sleep(5 * time.Millisecond)
		return nil
	}))
	runners := []*pipeline.Runner{p.workers(t, relay, 2), p.process(t).workers(t, relay, 2), p.process(t).workers(t, relay, 2)}
	results := make([]pipeline.RunResult, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, wait := range []time.Duration{0, 30 * time.Second} {
		wg.Go(func() {
			results[i], errs[i] = runners[i].Run(context.Background(), pipeline.RunOptions{All: true, Wait: wait})
		})
		<-sending
	}
	_, err := runners[2].Run(context.Background(), pipeline.RunOptions{All: true})
	var held *sqlite.LeaseHeldError
	if !errors.As(err, &held) || held.Holder.PID != os.Getpid() {
		t.Errorf("a pass that does not wait: got %v, want a LeaseHeldError naming this process", err)
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("passes: got %v and %v, want both to end well", errs[0], errs[1])
	}
	if results[0].Sent != 30 || results[1].Sent != 0 || results[1].Due != 0 {
		t.Errorf("got %+v and %+v, want the first to send all 30 and the second, after it, nothing", results[0], results[1])
	}
	for id, n := range messageIDs(t, relay.Messages()) {
		if n != 1 {
			t.Errorf("%s: got %d copies, want 1", id, n)
		}
	}
	if got := digesttest.Count(t, p.db, `SELECT count(*) FROM runs WHERE kind = 'deliver'`); got != 2 {
		t.Errorf("got %d passes recorded, want 2: the one that did not wait did not run", got)
	}
	if got := digesttest.Count(t, p.db, `SELECT count(*) FROM leases`); got != 0 {
		t.Errorf("got %d leases left, want none: each pass lets go of its own", got)
	}
}

// TestSendNowBesideAPass: while a reader's "send me my digest now" waits
// for the relay's answer, another process's pass finds that digest
// pending in the outbox; it is the send-now's, so the pass leaves it, and
// the reader gets it once.
func TestSendNowBesideAPass(t *testing.T) {
	p := newPipeline(t)
	ann := p.add(t, "ann@example.org", subscribers.StatusActive, subscribers.DefaultSettings())
	inData, release := make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	relay := smtptest.Start(t, smtptest.WithDataHook(func([]byte) error {
		if first.CompareAndSwap(false, true) {
			close(inData)
			<-release
		}
		return nil
	}))
	sendNow := p.workers(t, relay, 1)
	sent := make(chan error, 1)
	go func() {
		_, err := sendNow.SendNow(context.Background(), ann)
		sent <- err
	}()
	<-inData
	res, err := p.process(t).workers(t, relay, 1).Run(context.Background(), pipeline.RunOptions{All: true})
	close(release)
	if err != nil || res.Sent != 0 {
		t.Errorf("pass beside the send-now: got %+v, %v; want nothing sent", res, err)
	}
	if err := <-sent; err != nil {
		t.Fatalf("SendNow: %v", err)
	}
	if got := recipients(relay.Messages()); got != ann.Email {
		t.Errorf("got mail to %q, want ann once", got)
	}
	if got := p.status(t); got != "sent:1" {
		t.Errorf("outbox: got %s, want sent:1", got)
	}
}

// TestMaybeDeliveredSentOnceMore: the relay takes r0's message in but
// answers its final dot only after the client gave up. The digest is
// maybe delivered: it is not sent again by the next pass, but once by a
// pass after ResendAfter, with the same Message-ID; and never a third
// time, whatever the second attempt's outcome.
func TestMaybeDeliveredSentOnceMore(t *testing.T) {
	tests := []struct {
		name       string
		unanswered int // attempts of r0's the relay answers too late
		want       string
	}{
		{"answered the second time", 1, "sent maybe_delivered=1 attempts=2"},
		{"unanswered twice", 2, "sent maybe_delivered=2 attempts=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPipeline(t)
			p.readers(t, 2)
			var attempts atomic.Int32
			relay := smtptest.Start(t, smtptest.WithDataHook(func(data []byte) error {
				if bytes.Contains(data, []byte("r0@example.org")) && int(attempts.Add(1)) <= tt.unanswered {
					time.Sleep(700 * time.Millisecond)
				}
				return nil
			}))
			s, err := mailer.NewSMTP(mailer.SMTPConfig{Host: "127.0.0.1", Port: relay.Port(), TLS: "none",
				Timeout: 5 * time.Second, DataTimeout: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			r := p.runner(t, s)
			r.ResendAfter = 2 * time.Second
			passes := []struct {
				wait     time.Duration
				attempts int32
				sent     int
				maybe    int
			}{
				{0, 1, 1, 1}, // r1 sent, r0 unanswered
				{0, 1, 0, 0}, // at once: r0 waits
				{2500 * time.Millisecond, 2, 2 - tt.unanswered, tt.unanswered - 1}, // once more
				{2500 * time.Millisecond, 2, 0, 0},                                 // never again
			}
			for i, pass := range passes {
				time.Sleep(pass.wait)
				res := run(t, r, pipeline.RunOptions{All: true})
				if got := attempts.Load(); got != pass.attempts || res.Sent != pass.sent || res.MaybeDelivered != pass.maybe {
					t.Errorf("pass %d: got %d attempts to r0 and %+v, want %d attempts, %d sent, %d maybe delivered",
						i+1, got, res, pass.attempts, pass.sent, pass.maybe)
				}
			}
			var got string
			if err := p.db.QueryRow(`SELECT status || ' maybe_delivered=' || maybe_delivered || ' attempts=' || attempts
				FROM digests WHERE recipient = 'r0@example.org'`).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("r0's digest: got %s, want %s", got, tt.want)
			}
			for id, n := range messageIDs(t, relay.Messages()) {
				if n > 2 {
					t.Errorf("%s: got %d copies, want at most 2", id, n)
				}
			}
		})
	}
}

// TestRunContentRefusalReleasesPapers: a digest the relay refuses for good
// for what it holds (554 to its data) lets its papers go to the reader's
// next digest; one refused for its address (550 to RCPT) keeps them.
func TestRunContentRefusalReleasesPapers(t *testing.T) {
	tests := []struct {
		name       string
		opt        smtptest.Option
		wantPapers int // papers of ann's recorded as sent after the refusal
	}{
		{"554 to the data", smtptest.WithDataHook(func([]byte) error { return permError(554, 6, "message content rejected") }), 0},
		{"550 to the recipient", smtptest.WithRcptHook(func(string) error { return permError(550, 1, "no such user") }), 25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPipeline(t)
			ann := p.add(t, "ann@example.org", subscribers.StatusActive, subscribers.DefaultSettings())
			r := p.runner(t, sender(t, smtptest.Start(t, tt.opt).Port()))
			r.HardBounceLimit = 2
			if res := run(t, r, pipeline.RunOptions{All: true}); res.Failed != 1 {
				t.Fatalf("got %+v, want the digest failed", res)
			}
			if got := digesttest.Count(t, p.db, `SELECT count(*) FROM sent_papers WHERE subscriber_id = ?`, ann.ID); got != tt.wantPapers {
				t.Errorf("papers recorded as sent: got %d, want %d", got, tt.wantPapers)
			}
			relay := smtptest.Start(t)
			p.now = p.now.AddDate(0, 0, 1)
			res := run(t, p.runner(t, sender(t, relay.Port())), pipeline.RunOptions{All: true})
			if want := 25 - tt.wantPapers; res.Sent != min(want, 1) {
				t.Errorf("next day: got %+v, want the %d papers not sent yet in a digest", res, want)
			}
			if got := digesttest.Count(t, p.db, `SELECT count(*) FROM sent_papers WHERE subscriber_id = ?`, ann.ID); got != 25 {
				t.Errorf("next day: got %d papers sent to ann in all, want the 25 once", got)
			}
		})
	}
}

// TestRunGoesOnWhenAReaderIsDeleted: deleting a reader during a pass —
// just before their digest is stored, or while the relay refuses it —
// does not stop the pass: the others get their digests.
func TestRunGoesOnWhenAReaderIsDeleted(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, p *harness, gone subscribers.Subscriber) []smtptest.Option
	}{
		{"before their digest is stored", func(t *testing.T, p *harness, gone subscribers.Subscriber) []smtptest.Option {
			// The pass has listed the three readers and built their
			// digests; r1 goes as r0's is stored.
			if _, err := p.db.Exec(`CREATE TRIGGER remove AFTER INSERT ON digests WHEN NEW.recipient = 'r0@example.org'
				BEGIN DELETE FROM subscribers WHERE id = ` + strconv.FormatInt(gone.ID, 10) + `; END`); err != nil {
				t.Fatal(err)
			}
			return nil
		}},
		{"refused for good", func(t *testing.T, p *harness, gone subscribers.Subscriber) []smtptest.Option {
			return []smtptest.Option{smtptest.WithRcptHook(removing(t, p, gone, permError(550, 1, "no such user")))}
		}},
		{"put off", func(t *testing.T, p *harness, gone subscribers.Subscriber) []smtptest.Option {
			return []smtptest.Option{smtptest.WithRcptHook(removing(t, p, gone, tempError(451)))}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPipeline(t)
			subs := p.readers(t, 3)
			relay := smtptest.Start(t, tt.setup(t, p, subs[1])...)
			r := p.workers(t, relay, 1)
			r.HardBounceLimit = 1
			res, err := r.Run(context.Background(), pipeline.RunOptions{All: true})
			if err != nil {
				t.Fatalf("got %v, want the pass to go on", err)
			}
			if got := recipients(relay.Messages()); got != "r0@example.org r2@example.org" {
				t.Errorf("got mail to %q (%+v), want r0 and r2", got, res)
			}
			if _, err := p.subs.ByID(context.Background(), subs[1].ID); !errors.Is(err, subscribers.ErrNotFound) {
				t.Errorf("r1: got %v, want deleted", err)
			}
		})
	}
}

// permError is a 5xx reply: refused for good.
func permError(code, subject int, message string) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{5, subject, 0}, Message: message}
}

// removing is a RCPT hook that deletes gone, as `digestd subscribers
// remove` would during the pass, and then answers their address with
// reply.
func removing(t *testing.T, p *harness, gone subscribers.Subscriber, reply error) func(string) error {
	return func(to string) error {
		if to != gone.Email {
			return nil
		}
		if _, err := p.db.Exec(`DELETE FROM subscribers WHERE id = ?`, gone.ID); err != nil {
			t.Error(err)
		}
		return reply
	}
}
