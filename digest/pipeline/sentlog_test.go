package pipeline_test

import (
	"database/sql"
	"sync/atomic"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/digest/mailer/smtptest"
	"github.com/digestd/digestd/digest/pipeline"
	"github.com/digestd/digestd/subscribers"
)

// sentLog opens the sent log beside p's database, as another digestd
// would.
func (p *harness) sentLog(t *testing.T) *sql.DB {
	t.Helper()
	var file string
	if err := p.db.QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file:"+file+"-sent?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// logSent writes a mark into the sent log: the relay accepted the digest
// at Unix time at.
func logSent(t *testing.T, log *sql.DB, digestID, subscriberID int64, period string, at int64) {
	t.Helper()
	if _, err := log.Exec(`INSERT INTO sent (digest_id, subscriber_id, period, at) VALUES (?, ?, ?, ?)`,
		digestID, subscriberID, period, at); err != nil {
		t.Fatal(err)
	}
}

// digestOf returns the row id and period of sub's latest digest.
func (p *harness) digestOf(t *testing.T, sub subscribers.Subscriber) (int64, string) {
	t.Helper()
	var (
		id     int64
		period string
	)
	if err := p.db.QueryRow(`SELECT id, period FROM digests WHERE subscriber_id = ? ORDER BY id DESC LIMIT 1`,
		sub.ID).Scan(&id, &period); err != nil {
		t.Fatal(err)
	}
	return id, period
}

// TestSentLogLeftByAKilledPass: a pass killed after the relay accepted a
// digest, its send in the sent log and not yet in the outbox, does not
// send that digest again: the next pass takes the log first. Marks that do
// not fit the database — a log left beside a database restored from a
// backup — change nothing, and the log ends empty.
func TestSentLogLeftByAKilledPass(t *testing.T) {
	p := newPipeline(t)
	subs := p.readers(t, 2)
	var down atomic.Bool
	down.Store(true)
	relay := smtptest.Start(t, smtptest.WithDataHook(func([]byte) error {
		if down.Load() {
			return tempError(451)
		}
		return nil
	}))
	r := p.workers(t, relay, 1)
	if res := run(t, r, pipeline.RunOptions{All: true}); res.Pending != 2 {
		t.Fatalf("relay putting off every message: got %+v, want 2 pending", res)
	}
	first, period := p.digestOf(t, subs[0])
	second, _ := p.digestOf(t, subs[1])
	log := p.sentLog(t)
	at := p.now.Unix() - 60
	logSent(t, log, first, subs[0].ID, period, at)
	logSent(t, log, second, subs[0].ID, period, at)   // another reader's digest
	logSent(t, log, second+1, subs[1].ID, period, at) // no such digest

	down.Store(false)
	if res := run(t, r, pipeline.RunOptions{All: true}); res.Sent != 1 {
		t.Errorf("next pass: got %+v, want 1 sent", res)
	}
	if got := recipients(relay.Messages()); got != subs[1].Email {
		t.Errorf("next pass sent to %q, want only %s: %s's digest went out before the kill", got, subs[1].Email, subs[0].Email)
	}
	if got := digesttest.Count(t, p.db, `SELECT count(*) FROM digests WHERE id = ? AND status = 'sent' AND sent_at = ?
		AND last_error = ''`, first, at); got != 1 {
		t.Errorf("%s's digest: not sent at the time its mark says", subs[0].Email)
	}
	if got := p.status(t); got != "sent:2" {
		t.Errorf("outbox: got %q, want sent:2", got)
	}
	if got := digesttest.Count(t, log, `SELECT count(*) FROM sent`); got != 0 {
		t.Errorf("sent log: got %d marks left, want none", got)
	}
}

// TestSentMarkAppliedTwiceChangesNothing: a mark the outbox has taken, but
// the log kept (the process was killed between the two), does not undo
// what happened since: here, the reader's address failures since.
func TestSentMarkAppliedTwiceChangesNothing(t *testing.T) {
	p := newPipeline(t)
	sub := p.readers(t, 1)[0]
	var refuse atomic.Bool
	relay := smtptest.Start(t, smtptest.WithRcptHook(func(string) error {
		if refuse.Load() {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		}
		return nil
	}))
	r := p.workers(t, relay, 1)
	r.HardBounceLimit = 3
	night := func(n int) {
		t.Helper()
		digesttest.Save(t, p.store, []digest.Paper{newPaper(n)})
		run(t, r, pipeline.RunOptions{All: true})
		p.now = p.now.AddDate(0, 0, 1)
	}
	night(1)
	delivered, period := p.digestOf(t, sub)
	var at int64
	if err := p.db.QueryRow(`SELECT sent_at FROM digests WHERE id = ?`, delivered).Scan(&at); err != nil {
		t.Fatal(err)
	}
	refuse.Store(true)
	night(2)
	logSent(t, p.sentLog(t), delivered, sub.ID, period, at)
	night(3)
	if got := digesttest.Count(t, p.db, `SELECT hard FROM delivery_failures WHERE subscriber_id = ?`, sub.ID); got != 2 {
		t.Errorf("got %d refusals counted, want 2: the old mark forgot the first", got)
	}
	if got := digesttest.Count(t, p.db, `SELECT attempts FROM digests WHERE id = ?`, delivered); got != 1 {
		t.Errorf("the delivered digest: got %d attempts, want 1", got)
	}
	if got := p.subStatus(t, sub.ID); got != subscribers.StatusActive {
		t.Errorf("got %s, want active: 2 refusals of 3", got)
	}
}
