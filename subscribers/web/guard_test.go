package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/subscribers"
	"github.com/digestd/digestd/subscribers/web"
)

// TestCrossSite posts every form as a browser on another site would: 403
// and nothing changes. The one-click unsubscribe is the exception RFC 8058
// needs: a mail provider may send it from anywhere.
func TestCrossSite(t *testing.T) {
	w := newWeb(t)
	sub := digesttest.AddReader(t, w.store, "ann@example.org", subscribers.StatusActive, "lora")
	tok := token(t, w.store, sub.ID, subscribers.TokenManage)
	pending := digesttest.AddReader(t, w.store, "bob@example.org", subscribers.StatusPending)
	confirm := token(t, w.store, pending.ID, subscribers.TokenConfirm)
	forms := []struct{ name, path, body string }{
		{"subscribe", "/subscribe", "email=new@example.org&topics=lora"},
		{"confirm", "/confirm/" + confirm, ""},
		{"manage", "/manage/" + tok, "topics=rag&paused=1"},
		{"rotate", "/manage/" + tok + "/rotate", "x=1"},
		{"send now", "/manage/" + tok + "/send", "x=1"},
		{"feed", "/manage/" + tok + "/feed", "x=1"},
		{"delete", "/manage/" + tok + "/delete", "confirm=yes"},
		{"more like this", "/manage/" + tok + "/more/2607.00042", ""},
		{"fewer like this", "/manage/" + tok + "/fewer/2607.00042", ""},
		{"undo a vote", "/manage/" + tok + "/undo/2607.00042", ""},
		{"library", "/manage/" + tok + "/library", "paste=2607.00001"},
		{"reset", "/manage/" + tok + "/reset", "confirm=yes"},
	}
	if err := w.store.Vote(t.Context(), sub.ID, "2607.00001", true); err != nil {
		t.Fatal(err)
	}
	browsers := []struct {
		name   string
		header http.Header
	}{
		{"Sec-Fetch-Site cross-site", http.Header{"Sec-Fetch-Site": {"cross-site"}}},
		{"Sec-Fetch-Site same-site", http.Header{"Sec-Fetch-Site": {"same-site"}}},
		{"old browser, foreign Origin", http.Header{"Origin": {"https://evil.example"}}},
	}
	for _, f := range forms {
		for _, b := range browsers {
			t.Run(f.name+", "+b.name, func(t *testing.T) {
				resp, body := w.send(t, "POST", f.path, f.body, b.header)
				if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Sent from another site") {
					t.Errorf("got %d\n%s\nwant 403 Sent from another site", resp.StatusCode, body)
				}
			})
		}
	}
	if n := digesttest.Count(t, w.db, `SELECT count(*) FROM subscribers`); n != 2 {
		t.Errorf("subscribers: got %d, want 2", n)
	}
	if got := status(t, w.store, sub.ID); got != subscribers.StatusActive {
		t.Errorf("status: got %s, want active", got)
	}
	if got := status(t, w.store, pending.ID); got != subscribers.StatusPending {
		t.Errorf("pending reader: got %s, want pending", got)
	}
	if votes, lib := digesttest.Count(t, w.db, `SELECT count(*) FROM votes WHERE up`), digesttest.Count(t, w.db, `SELECT count(*) FROM library`); votes != 1 || lib != 0 {
		t.Errorf("got %d votes and %d library papers, want the 1 vote cast before and no library", votes, lib)
	}
	if len(w.sends.sent) != 0 || w.conf.calls("new@example.org") != 0 {
		t.Errorf("got digests sent %q and %d confirmations, want none", w.sends.sent, w.conf.calls("new@example.org"))
	}
	if resp, _ := w.do(t, "GET", "/manage/"+tok, ""); resp.StatusCode != http.StatusOK {
		t.Errorf("manage link after the forged posts: got %d, want 200", resp.StatusCode)
	}
	// Our own pages' origin passes, by Sec-Fetch-Site or by Origin.
	for _, h := range []http.Header{{"Sec-Fetch-Site": {"same-origin"}}, {"Origin": {"http://digestd.test"}}, {}} {
		if resp, _ := w.send(t, "POST", "/manage/"+tok, "topics=lora", h); resp.StatusCode != http.StatusOK {
			t.Errorf("manage form with %v: got %d, want 200", h, resp.StatusCode)
		}
	}
	resp, _ := w.send(t, "POST", "/unsubscribe/"+tok, "List-Unsubscribe=One-Click", http.Header{"Sec-Fetch-Site": {"cross-site"}})
	if resp.StatusCode != http.StatusOK || status(t, w.store, sub.ID) != subscribers.StatusUnsubscribed {
		t.Errorf("one-click unsubscribe sent cross-site: got %d, status %s; want 200, unsubscribed", resp.StatusCode, status(t, w.store, sub.ID))
	}
}

// TestRateLimit sends a burst of posts from one client: past the burst,
// 429 with a page saying what to do, whatever the form.
func TestRateLimit(t *testing.T) {
	w := newWeb(t, web.Config{PostBurst: 5})
	form := url.Values{"email": {"ann@example.org"}}.Encode()
	var codes []int
	for range 8 {
		resp, body := w.post(t, "/subscribe", form)
		codes = append(codes, resp.StatusCode)
		if resp.StatusCode == http.StatusTooManyRequests &&
			(!strings.Contains(body, "Slow down") || resp.Header.Get("Retry-After") == "") {
			t.Errorf("429 without Retry-After or its page:\n%s", body)
		}
	}
	want := []int{200, 200, 200, 200, 200, 429, 429, 429}
	if !slices.Equal(codes, want) {
		t.Errorf("statuses: got %v, want %v", codes, want)
	}
	if resp, _ := w.do(t, "GET", "/", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("GET / after the burst: got %d, want 200 (only posts are limited)", resp.StatusCode)
	}
}

// TestUnsubscribeCountsPerLink: a client that has spent its form limit
// (a mail provider's server unsubscribing many readers, say) still
// unsubscribes each reader; one link hammered is refused past its own
// burst, and no other reader's link is.
func TestUnsubscribeCountsPerLink(t *testing.T) {
	w := newWeb(t, web.Config{PostBurst: 2})
	for range 3 {
		w.post(t, "/subscribe", "email=flood@example.org")
	}
	if resp, _ := w.post(t, "/subscribe", "email=flood@example.org"); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the client's forms after its burst: got %d, want 429", resp.StatusCode)
	}
	var links []string
	for i := range 3 {
		sub := digesttest.AddReader(t, w.store, fmt.Sprintf("reader%d@example.org", i), subscribers.StatusActive)
		links = append(links, "/unsubscribe/"+token(t, w.store, sub.ID, subscribers.TokenManage))
	}
	for i, link := range links {
		if resp, _ := w.do(t, "POST", link, "List-Unsubscribe=One-Click"); resp.StatusCode != http.StatusOK {
			t.Errorf("reader %d's one-click: got %d, want 200", i, resp.StatusCode)
		}
	}
	var codes []int
	for range 8 {
		resp, _ := w.do(t, "POST", links[0], "List-Unsubscribe=One-Click")
		codes = append(codes, resp.StatusCode)
	}
	if want := []int{200, 200, 200, 200, 429, 429, 429, 429}; !slices.Equal(codes, want) {
		t.Errorf("one link posted 8 more times: got %v, want %v (a burst of 5 in all)", codes, want)
	}
	if resp, _ := w.do(t, "POST", links[1], "List-Unsubscribe=One-Click"); resp.StatusCode != http.StatusOK {
		t.Errorf("another reader's link after the flood: got %d, want 200", resp.StatusCode)
	}
}

// TestReadsCountPerLink: the preview, "more like this", the digest in the
// browser and the feed are limited per link. A hammered link is refused
// past its burst (within the refill the test's own time allows); another
// reader's is not.
func TestReadsCountPerLink(t *testing.T) {
	w := newWeb(t)
	mine := digesttest.AddReader(t, w.store, "ann@example.org", subscribers.StatusActive, "lora")
	other := digesttest.AddReader(t, w.store, "bob@example.org", subscribers.StatusActive, "lora")
	feed, err := w.store.NewFeedToken(t.Context(), mine.ID)
	if err != nil {
		t.Fatal(err)
	}
	tok, otherTok := token(t, w.store, mine.ID, subscribers.TokenManage), token(t, w.store, other.ID, subscribers.TokenManage)
	// Links of other digests: each link counts on its own.
	tok2, otherTok2 := token(t, w.store, mine.ID, subscribers.TokenManage), token(t, w.store, other.ID, subscribers.TokenManage)
	tests := []struct {
		name, path, otherPath string
		burst                 int
		every                 time.Duration
	}{
		{"preview", "/manage/" + tok + "/preview?q=lora", "/manage/" + otherTok + "/preview?q=lora", 60, 300 * time.Millisecond},
		{"more like this", "/manage/" + tok2 + "/more/2607.00042", "/manage/" + otherTok2 + "/more/2607.00042", 60, 300 * time.Millisecond},
		{"feed", "/feed/" + feed + ".atom", "", 5, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			ok, limited := 0, 0
			for range tt.burst + 10 {
				resp, _ := w.do(t, "GET", tt.path, "")
				switch resp.StatusCode {
				case http.StatusOK:
					ok++
				case http.StatusTooManyRequests:
					limited++
				default:
					t.Fatalf("got %d, want 200 or 429", resp.StatusCode)
				}
			}
			refill := int(time.Since(start) / tt.every)
			if ok < tt.burst || ok > tt.burst+refill+1 || limited == 0 {
				t.Errorf("%d requests in %v: got %d answered, %d refused; want %d to %d answered and the rest refused",
					tt.burst+10, time.Since(start).Round(time.Millisecond), ok, limited, tt.burst, tt.burst+refill+1)
			}
			if tt.otherPath != "" {
				if resp, _ := w.do(t, "GET", tt.otherPath, ""); resp.StatusCode != http.StatusOK {
					t.Errorf("another reader's link after the flood: got %d, want 200", resp.StatusCode)
				}
			}
		})
	}
}

// TestHeaders checks the headers every answer carries, pages, script and
// 404 alike.
func TestHeaders(t *testing.T) {
	w := newWeb(t)
	for _, path := range []string{"/", "/static/app.js", "/static/style.css", "/no/such/page"} {
		resp, body := w.do(t, "GET", path, "")
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		if strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") ||
			!strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s: Content-Security-Policy %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: nosniff %q, referrer policy %q", path, h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
		}
		if strings.Contains(body, "<script>") || strings.Contains(body, " style=") || strings.Contains(body, " onclick=") {
			t.Errorf("%s: inline script or style, which the policy blocks", path)
		}
	}
	if resp, _ := w.do(t, "GET", "/static/app.js", ""); !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("app.js Content-Type: got %q", resp.Header.Get("Content-Type"))
	}
}

// capped is the error a Sender returns when the hourly mail cap is spent.
type capped struct{}

func (capped) Error() string             { return "smtp.max_per_hour (10) reached" }
func (capped) RetryAfter() time.Duration { return 15 * time.Minute }

type cappedSender struct{}

func (cappedSender) SendNow(context.Context, subscribers.Subscriber) (int, error) { return 0, capped{} }

// TestSendNowAtTheHourlyCap: "send me my digest now" once the hour's mail
// is spent says so, and when to try again.
func TestSendNowAtTheHourlyCap(t *testing.T) {
	w := newWeb(t, web.Config{Sender: cappedSender{}})
	sub := digesttest.AddReader(t, w.store, "ann@example.org", subscribers.StatusActive, "lora")
	resp, body := w.post(t, "/manage/"+token(t, w.store, sub.ID, subscribers.TokenManage)+"/send", "x=1")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "900" ||
		!strings.Contains(body, "Try again in 15 minutes") {
		t.Errorf("got %d, Retry-After %q\n%s\nwant 429, 900 and when to try again", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}
