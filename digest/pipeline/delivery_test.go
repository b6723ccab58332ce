package pipeline_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/digest/mailer/smtptest"
	"github.com/digestd/digestd/digest/pipeline"
	"github.com/digestd/digestd/subscribers"
)

// readers adds n active daily readers without topics: r0@example.org, ...
func (p *harness) readers(t *testing.T, n int) []subscribers.Subscriber {
	t.Helper()
	var subs []subscribers.Subscriber
	for i := range n {
		subs = append(subs, p.add(t, fmt.Sprintf("r%d@example.org", i), subscribers.StatusActive, subscribers.DefaultSettings()))
	}
	return subs
}

// workers returns a runner sending through n connections to relay, whose
// backoffs take no time.
func (p *harness) workers(t *testing.T, relay *smtptest.Server, n int) *pipeline.Runner {
	t.Helper()
	r := p.runner(t, sender(t, relay.Port()))
	for range n - 1 {
		r.Mailers = append(r.Mailers, sender(t, relay.Port()))
	}
	r.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	return r
}

// tempError is a 4xx reply, as greylisting or a full mailbox gives.
func tempError(code int) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "try again later"}
}

// refusals answers RCPT with the error of its function, counting attempts
// per recipient.
type refusals struct {
	mu    sync.Mutex
	tries map[string]int
	fn    func(to string, try int) error
}

func (f *refusals) hook(to string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tries == nil {
		f.tries = map[string]int{}
	}
	f.tries[to]++
	if f.fn == nil {
		return nil
	}
	return f.fn(to, f.tries[to])
}

// status returns what the outbox holds, e.g. "pending:2 sent:1".
func (p *harness) status(t *testing.T) string {
	t.Helper()
	var s string
	if err := p.db.QueryRow(`SELECT coalesce(group_concat(status || ':' || n, ' '), '') FROM
		(SELECT status, count(*) n FROM digests GROUP BY status ORDER BY status)`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func (p *harness) subStatus(t *testing.T, id int64) subscribers.Status {
	t.Helper()
	sub, err := p.subs.ByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return sub.Status
}

func TestRunRetries451WithinThePass(t *testing.T) {
	p := newPipeline(t)
	p.readers(t, 3)
	f := &refusals{fn: func(to string, try int) error {
		if to != "r1@example.org" && try <= 2 {
			return tempError(451)
		}
		return nil
	}}
	relay := smtptest.Start(t, smtptest.WithRcptHook(f.hook))
	r := p.workers(t, relay, 1)
	var waits []time.Duration
	r.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	res := run(t, r, pipeline.RunOptions{All: true})
	if res.Sent != 3 || res.Pending != 0 {
		t.Errorf("got %+v, want 3 sent, none pending", res)
	}
	if got := recipients(relay.Messages()); got != "r0@example.org r1@example.org r2@example.org" {
		t.Errorf("got mail to %q, want each reader once", got)
	}
	if got := digesttest.Count(t, p.db, `SELECT count(*) FROM digests WHERE status = 'sent' AND attempts = 3`); got != 2 {
		t.Errorf("got %d digests sent on the third attempt, want 2", got)
	}
	// Two retries each for two readers: backoff doubles, with jitter of ±50%.
	slices.Sort(waits)
	if len(waits) != 4 || waits[0] < time.Second || waits[1] > 3*time.Second || waits[2] < 2*time.Second || waits[3] > 6*time.Second {
		t.Errorf("got backoffs %v, want two in [1s, 3s) and two in [2s, 6s)", waits)
	}
}

func TestRunKeepsRefusedDigestForLaterPasses(t *testing.T) {
	p := newPipeline(t)
	sub := p.readers(t, 1)[0]
	greylist := true
	f := &refusals{fn: func(string, int) error {
		if greylist {
			return tempError(451)
		}
		return nil
	}}
	relay := smtptest.Start(t, smtptest.WithRcptHook(f.hook))
	r := p.workers(t, relay, 1)
	for pass := range 2 {
		if res := run(t, r, pipeline.RunOptions{All: true}); res.Pending != 1 || res.Sent != 0 {
			t.Errorf("pass %d: got %+v, want the digest pending", pass, res)
		}
	}
	if got := p.status(t); got != "pending:1" {
		t.Errorf("outbox: got %s, want pending:1", got)
	}
	greylist = false
	if res := run(t, r, pipeline.RunOptions{All: true}); res.Sent != 1 || res.Built != 0 {
		t.Errorf("third pass: got %+v, want the pending digest sent", res)
	}
	if got := recipients(relay.Messages()); got != sub.Email {
		t.Errorf("got mail to %q, want %s once", got, sub.Email)
	}
	if got := digesttest.Count(t, p.db, `SELECT attempts FROM digests`); got != 7 {
		t.Errorf("got %d attempts, want 3 + 3 + 1", got)
	}
}

func TestRunExpiresDigestWhosePeriodIsOver(t *testing.T) {
	p := newPipeline(t)
	sub := p.readers(t, 1)[0]
	greylist := true
	relay := smtptest.Start(t, smtptest.WithRcptHook(func(string) error {
		if greylist {
			return tempError(452)
		}
		return nil
	}))
	r := p.workers(t, relay, 1)
	run(t, r, pipeline.RunOptions{All: true})
	papers := digesttest.Count(t, p.db, `SELECT papers FROM digests`)

	// The next day the relay takes mail again: yesterday's digest expires
	// and its papers go into today's.
	greylist = false
	p.now = p.now.AddDate(0, 0, 1)
	res := run(t, r, pipeline.RunOptions{})
	if res.Expired != 1 || res.Sent != 1 {
		t.Errorf("next day: got %+v, want 1 expired, 1 sent", res)
	}
	if got := digesttest.Count(t, p.db, `SELECT count(*) FROM digests WHERE period = '2026-07-14' AND status = 'expired'
		AND message IS NULL AND last_error LIKE 'expired: period 2026-07-14 ended undelivered after 3 attempts (last error: %452%'`); got != 1 {
		t.Errorf("got %d expired digests with the reason, want 1", got)
	}
	if got := digesttest.Count(t, p.db, `SELECT papers FROM digests WHERE period = '2026-07-15' AND status = 'sent'`); got != papers {
		t.Errorf("today's digest: got %d papers, want yesterday's %d", got, papers)
	}
	if got := recipients(relay.Messages()); got != sub.Email {
		t.Errorf("got mail to %q, want %s once", got, sub.Email)
	}
}

func TestRunBounceLimits(t *testing.T) {
	tests := []struct {
		name   string
		code   int
		limit  int
		nights int // passes on successive days until bounced
	}{
		{"550 bounces at once", 550, 1, 1},
		{"550 with hard_bounce_limit 2", 550, 2, 2},
		{"452 on three nights", 452, 1, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPipeline(t)
			subs := p.readers(t, 2)
			gone := subs[1]
			relay := smtptest.Start(t, smtptest.WithRcptHook(func(to string) error {
				if to != gone.Email {
					return nil
				}
				if tt.code >= 500 {
					return &smtp.SMTPError{Code: tt.code, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
				}
				return tempError(tt.code)
			}))
			r := p.workers(t, relay, 1)
			r.HardBounceLimit = tt.limit
			for night := 1; night <= tt.nights; night++ {
				if got := p.subStatus(t, gone.ID); got != subscribers.StatusActive {
					t.Fatalf("night %d: got %s before the limit, want active", night, got)
				}
				digesttest.Save(t, p.store, []digest.Paper{newPaper(night)})
				run(t, r, pipeline.RunOptions{All: true})
				p.now = p.now.AddDate(0, 0, 1)
			}
			if got := p.subStatus(t, gone.ID); got != subscribers.StatusBounced {
				t.Errorf("got %s, want bounced", got)
			}
			if got := p.subStatus(t, subs[0].ID); got != subscribers.StatusActive {
				t.Errorf("the other reader: got %s, want active", got)
			}
			// A bounced reader's digest still in the outbox is dropped.
			run(t, r, pipeline.RunOptions{All: true})
			if got := digesttest.Count(t, p.db, `SELECT count(*) FROM digests WHERE subscriber_id = ? AND status = 'pending'`, gone.ID); got != 0 {
				t.Errorf("got %d pending digests for the bounced reader, want 0", got)
			}
		})
	}
}

// newPaper is a paper of its own for day n of a test.
func newPaper(n int) digest.Paper {
	day := time.Date(2026, 7, 14, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n)
	return digest.Paper{
		ID: fmt.Sprintf("2607.%05d", 90000+n), Title: fmt.Sprintf("Paper number %d on scheduling", n),
		Abstract: "An abstract.", Authors: []string{"Ada Lovelace"}, Categories: []string{"cs.LG"},
		Upvotes: 1, PublishedAt: day, FeaturedOn: day, Source: "huggingface",
	}
}
