package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/digestd/digestd/subscribers"
	"github.com/digestd/digestd/subscribers/web"
)

// TestCSRF posts every form without its token, and with a token from
// another browser: 403, and nothing changes.
func TestCSRF(t *testing.T) {
	w := newWeb(t)
	sub := add(t, w.store, "ann@example.org", subscribers.StatusActive, "lora")
	tok := token(t, w.store, sub.ID, subscribers.TokenManage)
	other := newWeb(t) // another server's key: its tokens are forgeries here
	other.post(t, "/subscribe", "email=x@example.org")
	tests := []struct{ name, path, body string }{
		{"subscribe", "/subscribe", "email=new@example.org&topics=lora"},
		{"manage", "/manage/" + tok, "topics=rag&paused=1"},
		{"rotate", "/manage/" + tok + "/rotate", "x=1"},
		{"send now", "/manage/" + tok + "/send", "x=1"},
		{"delete", "/manage/" + tok + "/delete", "confirm=yes"},
		{"unsubscribe button", "/unsubscribe/" + tok, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name+" without token", func(t *testing.T) {
			resp, body := w.do(t, "POST", tt.path, tt.body)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "This form has expired") {
				t.Errorf("got %d\n%s\nwant 403 This form has expired", resp.StatusCode, body)
			}
		})
		t.Run(tt.name+" with a forged token", func(t *testing.T) {
			resp, _ := w.send(t, "POST", tt.path, tt.body+"&csrf="+url.QueryEscape(other.csrf), other.cookie)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("got %d, want 403", resp.StatusCode)
			}
		})
	}
	if n := count(t, w.db, `SELECT count(*) FROM subscribers`); n != 1 {
		t.Errorf("subscribers: got %d, want 1", n)
	}
	if got := status(t, w.store, sub.ID); got != subscribers.StatusActive {
		t.Errorf("status: got %s, want active", got)
	}
	if len(w.sends.sent) != 0 {
		t.Errorf("digests sent now: got %q, want none", w.sends.sent)
	}
	if resp, _ := w.do(t, "GET", "/manage/"+tok, ""); resp.StatusCode != http.StatusOK {
		t.Errorf("manage link after the forged posts: got %d, want 200", resp.StatusCode)
	}
}

// TestRateLimit sends a burst of posts from one address: past the burst,
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
