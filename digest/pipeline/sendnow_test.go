package pipeline_test

import (
	"context"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/digest/mailer/smtptest"
	"github.com/digestd/digestd/digest/pipeline"
	"github.com/digestd/digestd/subscribers"
)

// TestSendNow: a digest asked for on the manage page is a real delivery of
// its own period; its papers never come again, tonight's digest holds only
// what arrived after it, and asking again with nothing new sends nothing.
func TestSendNow(t *testing.T) {
	p := newPipeline(t)
	ann := p.add(t, "ann@example.org", subscribers.StatusActive, subscribers.DefaultSettings(), "video")
	relay := smtptest.Start(t)
	r := p.runner(t, sender(t, relay.Port()))
	videos := digesttest.Count(t, p.db, `SELECT count(*) FROM papers WHERE title || abstract LIKE '%video%'`)

	n, err := r.SendNow(context.Background(), ann)
	if err != nil || n != videos || n == 0 {
		t.Fatalf("SendNow: got %d, %v; want the %d papers about video", n, err, videos)
	}
	if got := recipients(relay.Messages()); got != "ann@example.org" {
		t.Errorf("got mail to %q, want ann", got)
	}
	if got := digesttest.Count(t, p.db, `SELECT count(*) FROM digests WHERE subscriber_id = ? AND period = '2026-07-14-now-1'
		AND status = 'sent' AND papers = ?`, ann.ID, n); got != 1 {
		t.Errorf("got %d sent digests of period 2026-07-14-now-1 with %d papers, want 1", got, n)
	}
	if got := digesttest.Count(t, p.db, `SELECT count(*) FROM sent_papers WHERE subscriber_id = ?`, ann.ID); got != n {
		t.Errorf("got %d papers recorded as sent, want %d", got, n)
	}
	_, body := readMail(t, relay.Messages()[0].Data)
	if want := "https://papers.example.org/manage/"; !strings.Contains(body, want) || !strings.Contains(body, "/digest/2026-07-14-now-1") {
		t.Errorf("mail lacks its view-in-browser link to /digest/2026-07-14-now-1:\n%.600s", body)
	}

	if n, err := r.SendNow(context.Background(), ann); err != nil || n != 0 {
		t.Errorf("second SendNow, nothing new: got %d, %v; want 0, nil", n, err)
	}
	if res := run(t, r, pipeline.RunOptions{All: true}); res.Sent != 0 || res.Empty != 1 {
		t.Errorf("scheduled run after SendNow: got %+v, want an empty digest and nothing sent", res)
	}

	// A new paper on a topic ann adds: a second digest now, numbered 2.
	digesttest.Save(t, p.store, []digest.Paper{newPaper(1)})
	if err := p.subs.Update(context.Background(), ann.ID, subscribers.DefaultSettings(), []string{"video", "scheduling"}, ann.Status); err != nil {
		t.Fatal(err)
	}
	if n, err := r.SendNow(context.Background(), ann); err != nil || n != 1 {
		t.Errorf("SendNow with a new match: got %d, %v; want 1", n, err)
	}
	if got := digesttest.Count(t, p.db, `SELECT count(*) FROM digests WHERE subscriber_id = ? AND period = '2026-07-14-now-2'`, ann.ID); got != 1 {
		t.Errorf("got %d digests of period 2026-07-14-now-2, want 1", got)
	}
}

// TestSendNowRelayTrouble: a digest the relay puts off stays in the outbox
// for the next pass; one it refuses for good is an error.
func TestSendNowRelayTrouble(t *testing.T) {
	tests := []struct {
		name       string
		refuse     error
		wantErr    bool
		wantStatus string
	}{
		{"put off", tempError(451), false, "pending"},
		{"refused", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}, true, "failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPipeline(t)
			ann := p.add(t, "ann@example.org", subscribers.StatusActive, subscribers.DefaultSettings(), "video")
			relay := smtptest.Start(t, smtptest.WithRcptHook(func(string) error { return tt.refuse }))
			r := p.workers(t, relay, 1)
			n, err := r.SendNow(context.Background(), ann)
			if (err != nil) != tt.wantErr || (err == nil && n == 0) {
				t.Errorf("got %d, %v; want an error: %v", n, err, tt.wantErr)
			}
			if got := digesttest.Count(t, p.db, `SELECT count(*) FROM digests WHERE period = '2026-07-14-now-1' AND status = ?`, tt.wantStatus); got != 1 {
				t.Errorf("got %d digests %s, want 1", got, tt.wantStatus)
			}
		})
	}
}
