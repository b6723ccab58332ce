package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/digestd/digestd/digest/mailer/smtptest"
	"github.com/digestd/digestd/subscribers"
)

// TestServeDigestLinks follows the links of a delivered digest against
// `digestd serve`: view in browser, more like this (its vote page), the topics help, and
// "send me my digest now", which is a delivery recorded in the outbox.
func TestServeDigestLinks(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	relay := smtptest.Start(t)
	e := newEnv(t, startSources(t), relay, "listen: "+addr)
	e.mustRun("fetch", "--date", fixtureDay, "--days", "1")
	e.mustRun("subscribers", "add", "ada@example.org", "--confirmed", "--topic", "title:pretraining")
	e.mustRun("run", "--now")
	// A weekly reader whose day is two days off is not due while serve runs.
	e.mustRun("subscribers", "add", "cy@example.org", "--confirmed", "--topic", "agents", "--frequency", "weekly",
		"--weekday", time.Now().UTC().AddDate(0, 0, 2).Weekday().String())
	if got := len(relay.Messages()); got != 1 {
		t.Fatalf("messages after run --now: got %d, want 1", got)
	}
	d := parseDigest(t, relay.Messages()[0].Data)
	links := map[string]string{}
	for _, name := range []string{"View in browser", "More like this"} {
		m := regexp.MustCompile(name + `: https://papers\.example\.org(/\S+)`).FindStringSubmatch(d.text)
		if m == nil {
			t.Fatalf("text part has no %s link:\n%s", name, d.text)
		}
		links[name] = m[1]
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- execute(ctx, []string{"--config", e.config, "serve"}, io.Discard, io.Discard) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	base := "http://" + addr
	waitFor(t, base+"/healthz")

	if page := get(t, base+links["View in browser"], http.StatusOK); !strings.Contains(page, "Scalable Visual Pretraining") || strings.Contains(page, "View in browser") {
		t.Errorf("view in browser: got\n%.2000s\nwant the digest's papers and no link to itself", page)
	}
	if page := get(t, base+links["More like this"], http.StatusOK); !strings.Contains(page, "More like this</button>") || !strings.Contains(page, "for more papers like") {
		t.Errorf("more like this: got\n%.2000s\nwant the vote button and a topic proposal", page)
	}
	if page := get(t, base+"/help/topics", http.StatusOK); !strings.Contains(page, "<table>") || !strings.Contains(page, "<h2>Grammar</h2>") {
		t.Errorf("help: got\n%.2000s\nwant TOPICS.md rendered with its tables", page)
	}

	var cy int64
	if err := e.db().QueryRow(`SELECT id FROM subscribers WHERE email = 'cy@example.org'`).Scan(&cy); err != nil {
		t.Fatal(err)
	}
	token, err := subscribers.NewStore(e.db()).NewToken(context.Background(), cy, subscribers.TokenManage)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{}
	fetch(t, client, "GET", base+"/manage/"+token, nil)
	page := fetch(t, client, "POST", base+"/manage/"+token+"/send", url.Values{})
	if !strings.Contains(page, "On its way") {
		t.Fatalf("send now: got\n%s\nwant On its way", page)
	}
	if got := e.count(`SELECT count(*) FROM digests d JOIN subscribers s ON s.id = d.subscriber_id
		WHERE s.email = 'cy@example.org' AND d.period LIKE '%-now-1' AND d.status = 'sent'`); got != 1 {
		t.Errorf("cy's send-now digests in the outbox: got %d, want 1 sent", got)
	}
	if got := len(relay.Messages()); got != 2 {
		t.Errorf("messages after send now: got %d, want 2", got)
	}
}

// fetch sends a request through client and returns the body of a 200.
func fetch(t *testing.T, client *http.Client, method, u string, form url.Values) string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: got %d, want 200\n%s", method, u, resp.StatusCode, b)
	}
	return string(b)
}
