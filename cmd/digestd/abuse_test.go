package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/digestd/digestd/digest/mailer/smtptest"
)

// formClient posts forms to the web front as a browser on its pages
// would: same-origin.
type formClient struct {
	base string
	http *http.Client
}

func newFormClient(base string) *formClient {
	return &formClient{base: base, http: &http.Client{Timeout: 30 * time.Second}}
}

// post sends body to path from the client IP ip (X-Forwarded-For, which
// digestd believes from the trusted proxy at 127.0.0.1) and returns the
// status. A browser on another site's page sends it crossSite.
func (c *formClient) post(t *testing.T, path, ip string, body io.Reader, crossSite bool) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", ip)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if crossSite {
		req.Header.Set("Sec-Fetch-Site", "cross-site")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func (c *formClient) subscribe(t *testing.T, email, ip string, crossSite bool) int {
	t.Helper()
	form := url.Values{"email": {email}, "topics": {"agents"}, "frequency": {"daily"}, "hour": {"7"}, "timezone": {"UTC"}}
	return c.post(t, "/subscribe", ip, strings.NewReader(form.Encode()), crossSite)
}

// trustLocalProxy is the config of a reverse proxy on the same host: the
// tests set each request's client address in X-Forwarded-For.
const trustLocalProxy = "web:\n  trusted_proxies: [127.0.0.1/32]"

// TestWebAbuse floods the subscribe form from one IP, guesses tokens,
// posts from another site's page and with a 10 MB body, and (torture)
// holds a connection open with a slow request.
func TestWebAbuse(t *testing.T) {
	relay := smtptest.Start(t)
	listen := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	e := newEnv(t, startSources(t), relay, "listen: "+listen, trustLocalProxy)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan int, 1)
	go func() { served <- execute(ctx, []string{"--config", e.config, "serve"}, io.Discard, io.Discard) }()
	defer func() { cancel(); <-served }()
	base := "http://" + listen
	waitFor(t, base+"/healthz")
	c := newFormClient(base)

	if got := c.subscribe(t, "crosssite@example.org", "198.51.100.1", true); got != http.StatusForbidden {
		t.Errorf("POST /subscribe from another site's page: got %d, want 403", got)
	}
	big := strings.NewReader("email=big@example.org&topics=" + strings.Repeat("a", 10<<20))
	if got := c.post(t, "/subscribe", "198.51.100.2", big, false); got != http.StatusRequestEntityTooLarge {
		t.Errorf("POST /subscribe with 10 MB: got %d, want 413", got)
	}

	const posts, addresses = 1000, 5
	statuses := map[int]int{}
	for i := range posts {
		statuses[c.subscribe(t, fmt.Sprintf("flood%d@example.org", i%addresses), "203.0.113.9", false)]++
	}
	if statuses[http.StatusOK]+statuses[http.StatusTooManyRequests] != posts || statuses[http.StatusOK] > 25 {
		t.Errorf("1000 posts from one IP: got statuses %v, want at most 25 × 200 (the burst) and 429 after", statuses)
	}
	// The confirmations go out in the background: one to each address.
	for deadline := time.Now().Add(10 * time.Second); len(relay.Messages()) < addresses && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // room for a second mail to an address, were one queued
	perAddress := map[string]int{}
	for _, m := range relay.Messages() {
		perAddress[m.To[0]]++
	}
	most := 0
	for addr, n := range perAddress {
		most = max(most, n)
		if n > 1 {
			t.Errorf("%s got %d confirmation mails within 10 minutes, want 1", addr, n)
		}
	}
	if len(perAddress) != addresses {
		t.Errorf("addresses mailed a confirmation: got %d, want %d", len(perAddress), addresses)
	}

	guesses, notFound := 0, 0
	for _, route := range []string{"/confirm/", "/manage/", "/unsubscribe/", "/manage/%s/preview?q=x"} {
		for range 100 {
			b := make([]byte, 24)
			rand.Read(b)
			tok := base64.RawURLEncoding.EncodeToString(b)
			u := base + route + tok
			if strings.Contains(route, "%s") {
				u = base + fmt.Sprintf(route, tok)
			}
			resp, err := http.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			guesses++
			if resp.StatusCode == http.StatusNotFound {
				notFound++
			}
		}
	}
	if notFound != guesses {
		t.Errorf("token guesses: %d of %d answered 404, want all", notFound, guesses)
	}

	slow := "skipped"
	if torture {
		slow = slowClient(t, listen).Round(100 * time.Millisecond).String()
	}
	t.Logf("web: posts=%d ok=%d limited=%d confirmations_per_address<=%d guesses=%d not_found=%d cross_site=403 body_10MB=413 slow_client_cut=%s",
		posts, statuses[http.StatusOK], statuses[http.StatusTooManyRequests], most, guesses, notFound, slow)
}

// slowClient sends a request's header one byte a second and returns how
// long the server kept the connection open.
func slowClient(t *testing.T, addr string) time.Duration {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	go func() {
		for _, b := range []byte("POST /subscribe HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 60)) {
			if _, err := conn.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(time.Second)
		}
	}()
	conn.SetReadDeadline(time.Now().Add(40 * time.Second))
	io.Copy(io.Discard, bufio.NewReader(conn))
	took := time.Since(start)
	if took > 15*time.Second {
		t.Errorf("a slow client held its connection %v, want it cut by the 10s header timeout", took)
	}
	return took
}
