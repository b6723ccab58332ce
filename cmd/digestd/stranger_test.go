package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digestd/digestd/digest/mailer/smtptest"
	"github.com/digestd/digestd/subscribers"
)

// readers is what the database holds about every reader, one line each:
// address, status, schedule, papers per digest, confirmation time, topics;
// and how many links were used, votes cast and library papers stored.
func (e *env) readers() string {
	e.t.Helper()
	rows, err := e.db().Query(`SELECT s.email, s.status, s.frequency, s.weekday, s.hour, s.timezone, s.max_papers,
		s.confirmed_at, coalesce((SELECT group_concat(query, '; ') FROM topics WHERE subscriber_id = s.id), '')
		FROM subscribers s ORDER BY s.email`)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var email, status, freq, tz, topics string
		var weekday, hour, maxPapers, confirmed int
		if err := rows.Scan(&email, &status, &freq, &weekday, &hour, &tz, &maxPapers, &confirmed, &topics); err != nil {
			e.t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %s %s/%d/%d/%s max=%d confirmed=%d topics=[%s]\n", email, status, freq, weekday, hour, tz, maxPapers, confirmed, topics)
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
	fmt.Fprintf(&b, "links used: %d\n", e.count(`SELECT count(*) FROM tokens WHERE used_at > 0`))
	fmt.Fprintf(&b, "votes: %d up, %d down; library papers: %d\n", e.count(`SELECT count(*) FROM votes WHERE up`),
		e.count(`SELECT count(*) FROM votes WHERE NOT up`), e.count(`SELECT count(*) FROM library`))
	return b.String()
}

// subscribeAs posts the subscribe form for email from client ip, through
// the local proxy the config trusts, and returns the status and how long
// the answer took.
func subscribeAs(t *testing.T, base, email, ip string, form url.Values) (int, time.Duration) {
	t.Helper()
	form.Set("email", email)
	req, err := http.NewRequest(http.MethodPost, base+"/subscribe", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	req.Header.Set("X-Forwarded-For", ip)
	start := time.Now()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, took
}

// TestStrangerChangesNothingStored: someone posts the subscribe form with
// the addresses of an active, a paused, an unsubscribed and a pending
// reader, and other topics and hours. Nothing stored changes — not when
// the form is posted, not when a scanner opens the links of the mails it
// caused; only the owner's press of the button applies what was asked.
func TestStrangerChangesNothingStored(t *testing.T) {
	relay := smtptest.Start(t)
	base, e := startServe(t, relay, trustLocalProxy)
	e.mustRun("subscribers", "add", "ada@example.org", "--confirmed", "--topic", "title:pretraining",
		"--frequency", "weekly", "--weekday", "friday", "--hour", "9", "--timezone", "Europe/Berlin", "--max-papers", "10")
	e.mustRun("subscribers", "add", "bob@example.org", "--confirmed", "--topic", "agents")
	e.mustRun("subscribers", "add", "cy@example.org", "--confirmed", "--topic", "rag")
	e.mustRun("subscribers", "add", "dee@example.org", "--topic", "lora") // pending, mailed a confirmation
	st := subscribers.NewStore(e.db())
	for email, status := range map[string]subscribers.Status{"bob@example.org": subscribers.StatusPaused, "cy@example.org": subscribers.StatusUnsubscribed} {
		sub, err := st.ByEmail(t.Context(), email)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetStatus(t.Context(), sub.ID, status); err != nil {
			t.Fatal(err)
		}
	}
	mailsBefore := len(relay.Messages())
	before := e.readers()

	stranger := url.Values{"topics": {"casino\nlottery"}, "frequency": {"daily"}, "hour": {"3"}, "timezone": {"Pacific/Auckland"}}
	for i, email := range []string{"ada@example.org", "bob@example.org", "cy@example.org", "dee@example.org"} {
		if code, _ := subscribeAs(t, base, email, fmt.Sprintf("198.51.100.%d", i+1), stranger); code != http.StatusOK {
			t.Fatalf("POST /subscribe for %s: got %d, want 200", email, code)
		}
	}
	// dee was mailed a confirmation a moment ago: no second one.
	const wantMails = 3
	for deadline := time.Now().Add(10 * time.Second); len(relay.Messages()) < mailsBefore+wantMails && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if after := e.readers(); after != before {
		t.Errorf("stored after the stranger's posts:\n%s\nwant as before:\n%s", after, before)
	}
	links := map[string]string{}
	for _, m := range relay.Messages()[mailsBefore:] {
		d := parseDigest(t, m.Data)
		link := confirmLinkRE(base).FindString(d.text)
		if link == "" || !strings.Contains(d.text, "casino") {
			t.Errorf("mail to %s: got no confirmation link with the stranger's topics:\n%s", m.To[0], d.text)
		}
		links[m.To[0]] = link
	}
	if got := slices.Sorted(mapKeys(links)); !slices.Equal(got, []string{"ada@example.org", "bob@example.org", "cy@example.org"}) {
		t.Errorf("confirmations mailed to %q, want ada, bob and cy (dee was mailed just before)", got)
	}
	for _, link := range links {
		get(t, link, http.StatusOK) // a mail scanner opens every link
	}
	if after := e.readers(); after != before {
		t.Errorf("stored after the links were opened:\n%s\nwant as before:\n%s", after, before)
	}

	// The owner presses the button: what the form asked now applies.
	if code := press(t, base, strings.TrimPrefix(links["ada@example.org"], base)); code != http.StatusOK {
		t.Fatalf("the button: got %d, want 200", code)
	}
	ada := e.count(`SELECT count(*) FROM subscribers s WHERE email = 'ada@example.org' AND status = 'active' AND hour = 3
		AND timezone = 'Pacific/Auckland' AND max_papers = 10
		AND (SELECT group_concat(query, ';') FROM topics WHERE subscriber_id = s.id) = 'casino;lottery'`)
	if ada != 1 {
		t.Errorf("ada after her click:\n%s\nwant active, daily at 3 in Pacific/Auckland, her 10 papers, topics casino and lottery", e.readers())
	}
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestSubscribeAnswersBeforeTheRelay posts the subscribe form for known
// and unknown addresses, alternately, while the relay holds every message:
// every answer comes back at once, the confirmation goes out after, and
// the median answer times of the two kinds are printed. They do the same
// work (a signup held, a mail queued), so an answer's time tells no one
// whether an address is subscribed.
func TestSubscribeAnswersBeforeTheRelay(t *testing.T) {
	var hold atomic.Bool
	release := make(chan struct{})
	relay := smtptest.Start(t, smtptest.WithDataHook(func([]byte) error {
		if hold.Load() {
			<-release
		}
		return nil
	}))
	base, e := startServe(t, relay, trustLocalProxy)
	releaseOnce := sync.OnceFunc(func() { close(release) })
	t.Cleanup(releaseOnce) // before serve stops, should the test end early
	// The confirmation queue holds 256 (more are dropped, by design): the
	// posts stay below, so each is mailed once the relay answers.
	n := scale(120, 40)
	known := writeReaders(t, e.dir, n, 7)
	e.mustRun("subscribers", "import", known)
	mailsBefore := len(relay.Messages())

	hold.Store(true)
	form := url.Values{"topics": {"agents"}, "frequency": {"daily"}, "hour": {"7"}, "timezone": {"UTC"}}
	var knownTimes, unknownTimes []time.Duration
	for i := range 2 * n {
		email, times := fmt.Sprintf("new%d@example.org", i/2), &unknownTimes
		if i%2 == 1 {
			email, times = readerAddress(i/2), &knownTimes
		}
		code, took := subscribeAs(t, base, email, fmt.Sprintf("10.1.%d.%d", i/250, i%250), form)
		if code != http.StatusOK {
			t.Fatalf("POST /subscribe for %s: got %d, want 200", email, code)
		}
		*times = append(*times, took)
	}
	if got := relay.Accepted() - mailsBefore; got != 0 {
		t.Errorf("mails the relay accepted before it answered: got %d, want 0 (the answers did not wait for it)", got)
	}
	hold.Store(false)
	releaseOnce()
	for deadline := time.Now().Add(30 * time.Second); len(relay.Messages()) < mailsBefore+2*n && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if got := len(relay.Messages()) - mailsBefore; got != 2*n {
		t.Errorf("confirmations mailed once the relay answered: got %d, want %d", got, 2*n)
	}
	t.Logf("web: subscribe posts=%d each known and unknown, relay held; median answer known=%s unknown=%s",
		n, median(knownTimes).Round(time.Microsecond), median(unknownTimes).Round(time.Microsecond))
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
