package pipeline_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/digest/email"
	"github.com/digestd/digestd/digest/mailer"
	"github.com/digestd/digestd/digest/mailer/smtptest"
	"github.com/digestd/digestd/digest/pipeline"
	"github.com/digestd/digestd/digest/sqlite"
	"github.com/digestd/digestd/subscribers"
)

var mailHeaders = email.Headers{From: "digestd <digest@papers.example.org>", ListID: "digestd <digest.papers.example.org>"}

// pipeline is a database holding the papers of digesttest.HFDay1, with what a Runner needs.
type harness struct {
	db    *sql.DB
	store *sqlite.Store
	subs  *subscribers.Store
	ren   *email.Renderer
	now   time.Time
}

func newPipeline(t *testing.T) *harness {
	t.Helper()
	store, db := digesttest.Open(t)
	digesttest.Save(t, store, digesttest.Papers(t, digesttest.HFDay1))
	ren, err := email.NewRenderer(email.RenderConfig{SiteName: "digestd", BaseURL: "https://papers.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{db: db, store: store, subs: subscribers.NewStore(db), ren: ren, now: time.Date(2026, 7, 14, 9, 0, 0, 0, time.UTC)}
}

func (p *harness) add(t *testing.T, email string, status subscribers.Status, set subscribers.Settings, topics ...string) subscribers.Subscriber {
	t.Helper()
	sub, err := p.subs.Add(context.Background(), email, status, set, topics)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// sender is an SMTP client for the relay at port.
func sender(t *testing.T, port int) *mailer.SMTP {
	t.Helper()
	s, err := mailer.NewSMTP(mailer.SMTPConfig{Host: "127.0.0.1", Port: port, TLS: "none", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func (p *harness) runner(t *testing.T, m pipeline.Mailer) *pipeline.Runner {
	return &pipeline.Runner{
		Store: p.store, Subscribers: p.subs, Renderer: p.ren, Mailers: []pipeline.Mailer{m}, Headers: mailHeaders,
		Builder: &pipeline.Builder{Store: p.store, Subscribers: p.subs},
		BaseURL: "https://papers.example.org", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return p.now },
	}
}

func run(t *testing.T, r *pipeline.Runner, opt pipeline.RunOptions) pipeline.RunResult {
	t.Helper()
	res, err := r.Run(context.Background(), opt)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

// recipients lists who got mail, one entry per message, in order.
func recipients(msgs []smtptest.Message) string {
	var to []string
	for _, m := range msgs {
		to = append(to, strings.Join(m.To, ","))
	}
	return strings.Join(to, " ")
}

// readMail returns a message's headers and its decoded text and HTML parts.
func readMail(t *testing.T, data []byte) (mail.Header, string) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	var body strings.Builder
	mr := multipart.NewReader(m.Body, params["boundary"])
	for part, err := mr.NextPart(); err == nil; part, err = mr.NextPart() {
		io.Copy(&body, part)
	}
	return m.Header, body.String()
}

func TestRunDeliversEachPaperOnce(t *testing.T) {
	p := newPipeline(t)
	alice := p.add(t, "alice@example.org", subscribers.StatusActive, subscribers.DefaultSettings(), "video")
	bob := p.add(t, "bob@example.org", subscribers.StatusActive, subscribers.DefaultSettings())
	p.add(t, "carol@example.org", subscribers.StatusPending, subscribers.DefaultSettings())
	p.add(t, "dave@example.org", subscribers.StatusUnsubscribed, subscribers.DefaultSettings())
	relay := smtptest.Start(t)
	r := p.runner(t, sender(t, relay.Port()))
	sent := func(sub subscribers.Subscriber) int {
		return digesttest.Count(t, p.db, `SELECT count(*) FROM sent_papers WHERE subscriber_id = ?`, sub.ID)
	}

	if res := run(t, r, pipeline.RunOptions{All: true}); res.Sent != 2 || res.Built != 2 {
		t.Errorf("first run: got %+v, want 2 built and sent", res)
	}
	if got := recipients(relay.Messages()); got != "alice@example.org bob@example.org" {
		t.Errorf("got mail to %q, want alice and bob", got)
	}
	if got := digesttest.Count(t, p.db, `SELECT count(*) FROM digests d WHERE status = 'sent' AND message IS NULL AND attempts = 1
		AND papers = (SELECT count(*) FROM sent_papers s WHERE s.digest_id = d.id)`); got != 2 {
		t.Errorf("got %d sent digests, body dropped, papers in sent_papers; want 2", got)
	}
	videos := digesttest.Count(t, p.db, `SELECT count(*) FROM papers WHERE title || abstract LIKE '%video%'`)
	if got := sent(alice); got != videos || got == 0 {
		t.Errorf("alice: got %d papers, want the %d about video", got, videos)
	}
	if got := sent(bob); got != 25 {
		t.Errorf("bob (trending): got %d papers, want 25", got)
	}
	if res := run(t, r, pipeline.RunOptions{All: true}); res.Sent != 0 || len(relay.Messages()) != 2 {
		t.Errorf("second run: got %+v and %d messages, want nothing sent", res, len(relay.Messages()))
	}

	// The next day brings five new papers; bob gets exactly those.
	digesttest.Save(t, p.store, digesttest.Papers(t, digesttest.HFDay2))
	p.now = p.now.AddDate(0, 0, 1)
	run(t, r, pipeline.RunOptions{All: true})
	if got := digesttest.Count(t, p.db, `SELECT count(*) FROM sent_papers s JOIN papers p ON p.id = s.paper_id
		JOIN digests d ON d.id = s.digest_id WHERE s.subscriber_id = ? AND d.period = '2026-07-15'
		AND p.featured_on = unixepoch('2026-07-31')`, bob.ID); got != 5 || sent(bob) != 30 {
		t.Errorf("bob's second digest: got %d of the new papers (%d in all), want 5 (30)", got, sent(bob))
	}
	msgs := len(relay.Messages())

	// A paper featured again with more upvotes is not news.
	again := digesttest.Papers(t, digesttest.HFDay1)[:1]
	again[0].Upvotes += 100
	if res := digesttest.Save(t, p.store, again); res.Updated != 1 {
		t.Fatalf("re-feature: got %+v, want 1 updated", res)
	}
	p.now = p.now.AddDate(0, 0, 1)
	if res := run(t, r, pipeline.RunOptions{All: true}); res.Sent != 0 || res.Empty != 2 || len(relay.Messages()) != msgs {
		t.Errorf("after re-feature: got %+v, want both digests empty and nothing sent", res)
	}
}

func TestRunDueAtTheSubscribersHour(t *testing.T) {
	p := newPipeline(t)
	p.add(t, "daily@example.org", subscribers.StatusActive, subscribers.DefaultSettings())
	p.add(t, "weekly@example.org", subscribers.StatusActive,
		subscribers.Settings{Frequency: subscribers.Weekly, Weekday: time.Monday, Hour: 7, Timezone: "UTC"})
	relay := smtptest.Start(t)
	r := p.runner(t, sender(t, relay.Port()))
	steps := []struct {
		name, save, now, want string
	}{
		{"wednesday: daily due, weekly not", "", "2026-07-15T10:00:00Z", "daily@example.org"},
		{"next day before the hour", digesttest.HFDay2, "2026-07-16T06:59:59Z", ""},
		{"next day at the hour", "", "2026-07-16T07:00:00Z", "daily@example.org"},
		{"later that day", "", "2026-07-16T12:00:00Z", ""},
		{"monday before the hour", "", "2026-07-20T06:59:59Z", ""},
		{"monday at the hour", "", "2026-07-20T07:00:00Z", "weekly@example.org"},
		{"monday later", "", "2026-07-20T08:00:00Z", ""},
	}
	for _, st := range steps {
		if st.save != "" {
			digesttest.Save(t, p.store, digesttest.Papers(t, st.save))
		}
		p.now, _ = time.Parse(time.RFC3339, st.now)
		before := len(relay.Messages())
		run(t, r, pipeline.RunOptions{})
		if got := recipients(relay.Messages()[before:]); got != st.want {
			t.Errorf("%s: got mail to %q, want %q", st.name, got, st.want)
		}
	}
}

func TestRunDryRun(t *testing.T) {
	p := newPipeline(t)
	p.add(t, "alice@example.org", subscribers.StatusActive, subscribers.DefaultSettings(), "video")
	p.add(t, "bob@example.org", subscribers.StatusActive, subscribers.DefaultSettings())
	relay := smtptest.Start(t)
	r := p.runner(t, sender(t, relay.Port()))
	if res := run(t, r, pipeline.RunOptions{All: true, DryRun: true}); res.Built != 2 || res.Sent != 0 {
		t.Errorf("dry run: got %+v, want 2 built, none sent", res)
	}
	for _, table := range []string{"digests", "sent_papers", "tokens"} {
		if got := digesttest.Count(t, p.db, `SELECT count(*) FROM `+table); got != 0 {
			t.Errorf("dry run: got %d rows in %s, want 0", got, table)
		}
	}
	if res := run(t, r, pipeline.RunOptions{All: true}); len(relay.Messages()) != 2 || res.Sent != 2 {
		t.Errorf("run after dry run: got %+v and %d messages, want 2 sent", res, len(relay.Messages()))
	}
}

func TestRunBounce(t *testing.T) {
	p := newPipeline(t)
	p.add(t, "ok@example.org", subscribers.StatusActive, subscribers.DefaultSettings())
	gone := p.add(t, "gone@example.org", subscribers.StatusActive, subscribers.DefaultSettings())
	relay := smtptest.Start(t, smtptest.WithRcptHook(func(to string) error {
		if to == gone.Email {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		}
		return nil
	}))
	r := p.runner(t, sender(t, relay.Port()))
	if res := run(t, r, pipeline.RunOptions{All: true}); res.Sent != 1 || res.Failed != 1 {
		t.Errorf("got %+v, want 1 sent, 1 failed", res)
	}
	if got := recipients(relay.Messages()); got != "ok@example.org" {
		t.Errorf("got mail to %q, want ok@example.org", got)
	}
	if got := digesttest.Count(t, p.db, `SELECT count(*) FROM digests WHERE subscriber_id = ? AND status = 'failed' AND last_error LIKE '%550%'`, gone.ID); got != 1 {
		t.Errorf("got %d failed digests for gone@ with the 550, want 1", got)
	}
	if sub, err := p.subs.ByID(context.Background(), gone.ID); err != nil || sub.Status != subscribers.StatusBounced {
		t.Errorf("got subscriber status %s (%v), want bounced", sub.Status, err)
	}
}

// TestRunRelayDownKeepsDigests runs a pass with the relay down, then one
// with it back: the digests the first pass stored go out once each, composed
// again from what the outbox keeps of them — the same Message-ID, the papers
// recorded as sent, a manage link that works.
func TestRunRelayDownKeepsDigests(t *testing.T) {
	p := newPipeline(t)
	for _, email := range []string{"a@example.org", "b@example.org", "c@example.org"} {
		p.add(t, email, subscribers.StatusActive, subscribers.DefaultSettings())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	_, err = p.runner(t, sender(t, closed)).Run(context.Background(), pipeline.RunOptions{All: true})
	if err == nil || !strings.Contains(err.Error(), "relay unreachable, 3 attempts") || !strings.Contains(err.Error(), fmt.Sprint(closed)) {
		t.Fatalf("got %v, want an error naming the unreachable relay", err)
	}
	var pending string
	if err := p.db.QueryRow(`SELECT coalesce(group_concat(recipient || ' ' || message_id, ' '), '') FROM (SELECT * FROM digests
		WHERE status = 'pending' AND attempts = 1 ORDER BY id)`).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	papers := map[string][]string{} // recipient: arXiv ids of the papers stored as sent
	rows, err := p.db.Query(`SELECT d.recipient, p.arxiv_id FROM digests d JOIN sent_papers s ON s.digest_id = d.id
		JOIN papers p ON p.id = s.paper_id WHERE d.status = 'pending'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var to, id string
		if err := rows.Scan(&to, &id); err != nil {
			t.Fatal(err)
		}
		papers[to] = append(papers[to], id)
	}
	rows.Close()
	relay := smtptest.Start(t)
	r := p.runner(t, sender(t, relay.Port()))
	if res := run(t, r, pipeline.RunOptions{All: true}); res.Sent != 3 || res.Built != 0 {
		t.Errorf("with the relay back: got %+v, want the 3 pending sent, none built", res)
	}
	run(t, r, pipeline.RunOptions{All: true})
	var sent []string
	manage := regexp.MustCompile(`https://papers\.example\.org/manage/([A-Za-z0-9_-]+)`)
	for _, m := range relay.Messages() {
		h, body := readMail(t, m.Data)
		to := strings.Join(m.To, ",")
		sent = append(sent, to+" "+h.Get("Message-ID"))
		if len(papers[to]) == 0 {
			t.Errorf("to %s: no papers stored as sent", to)
		}
		for _, id := range papers[to] {
			if !strings.Contains(body, "arxiv.org/abs/"+id) {
				t.Errorf("to %s: paper %s, stored as sent, is not in the digest", to, id)
			}
		}
		link := manage.FindStringSubmatch(body)
		if link == nil {
			t.Errorf("to %s: no manage link in the digest", to)
			continue
		}
		if sub, err := p.subs.ByToken(context.Background(), link[1], subscribers.TokenManage); err != nil || sub.Email != to {
			t.Errorf("to %s: the manage link opens %q (%v)", to, sub.Email, err)
		}
	}
	if got := strings.Join(sent, " "); got != pending || strings.Count(pending, "@example.org ") != 3 {
		t.Errorf("got messages (to, Message-ID) %q, want the 3 pending digests once each: %q", got, pending)
	}
}

// TestRunSendsStoredMessageAsIs: a pending digest stored with its message,
// as digestd stored them before 1 December 2026, goes out as stored.
func TestRunSendsStoredMessageAsIs(t *testing.T) {
	p := newPipeline(t)
	p.add(t, "a@example.org", subscribers.StatusActive, subscribers.DefaultSettings())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	p.runner(t, sender(t, closed)).Run(context.Background(), pipeline.RunOptions{All: true})
	stored := "From: digest@papers.example.org\r\nTo: a@example.org\r\nSubject: stored\r\n\r\nAs stored.\r\n"
	if res, err := p.db.Exec(`UPDATE digests SET message = ? WHERE status = 'pending'`, []byte(stored)); err != nil {
		t.Fatal(err)
	} else if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("got %d pending digests after a pass with the relay down, want 1", n)
	}
	relay := smtptest.Start(t)
	run(t, p.runner(t, sender(t, relay.Port())), pipeline.RunOptions{All: true})
	if msgs := relay.Messages(); len(msgs) != 1 || string(msgs[0].Data) != stored {
		t.Errorf("got %d messages, the first %q; want the stored one, as stored", len(msgs), firstData(msgs))
	}
}

func firstData(msgs []smtptest.Message) string {
	if len(msgs) == 0 {
		return ""
	}
	return string(msgs[0].Data)
}

// TestRunLeavesDigestWhosePapersAnotherPassTook: `serve`'s pass and `run
// --now` can build a reader's digests for two periods at once; whichever
// stores second finds some of its papers taken. The pass goes on (it does
// not fail on the reader), stores nothing of that digest, and the reader's
// next pass sends what is left. A trigger plays the other pass: it gives
// each paper to the reader's digest just before the pass records it.
func TestRunLeavesDigestWhosePapersAnotherPassTook(t *testing.T) {
	p := newPipeline(t)
	alice := p.add(t, "alice@example.org", subscribers.StatusActive, subscribers.DefaultSettings(), "video")
	p.add(t, "bob@example.org", subscribers.StatusActive, subscribers.DefaultSettings())
	relay := smtptest.Start(t)
	r := p.runner(t, sender(t, relay.Port()))
	if _, err := p.db.Exec(fmt.Sprintf(`CREATE TRIGGER other_pass BEFORE INSERT ON sent_papers
		WHEN NEW.subscriber_id = %d BEGIN
		INSERT OR IGNORE INTO sent_papers VALUES (NEW.subscriber_id, NEW.paper_id, NEW.digest_id); END`, alice.ID)); err != nil {
		t.Fatal(err)
	}
	res := run(t, r, pipeline.RunOptions{All: true})
	if res.Built != 1 || res.Sent != 1 || recipients(relay.Messages()) != "bob@example.org" {
		t.Errorf("got %+v and mail to %q, want bob's digest sent and the pass not failed on alice", res, recipients(relay.Messages()))
	}
	if got := digesttest.Count(t, p.db, `SELECT count(*) FROM digests WHERE subscriber_id = ?`, alice.ID); got != 0 {
		t.Errorf("got %d digests stored for alice, want none", got)
	}
	if got := digesttest.Count(t, p.db, `SELECT count(*) FROM tokens WHERE subscriber_id = ? AND kind = 'manage'`, alice.ID); got != 0 {
		t.Errorf("got %d manage tokens for alice, want none for a digest not stored", got)
	}
	if _, err := p.db.Exec(`DROP TRIGGER other_pass`); err != nil {
		t.Fatal(err)
	}
	if res := run(t, r, pipeline.RunOptions{All: true}); res.Sent != 1 || recipients(relay.Messages()) != "bob@example.org alice@example.org" {
		t.Errorf("next pass: got %+v and mail to %q, want alice's digest", res, recipients(relay.Messages()))
	}
}
