package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeSubscribeConfirmAndStop runs `digestd serve` in outbox mode: the
// pages answer, a subscription's confirmation mail lands in the outbox and
// is listed at /outbox, its link's button confirms, and SIGTERM (context
// cancel) stops the daemon with status 0.
func TestServeSubscribeConfirmAndStop(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	e := newEnv(t, startSources(t), nil, "listen: "+addr)
	t.Setenv("DIGESTD_LOG_LEVEL", "info")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- execute(ctx, []string{"--config", e.config, "serve"}, io.Discard, &stderr)
	}()
	base := "http://" + addr
	waitFor(t, base+"/healthz")

	body := get(t, base+"/", http.StatusOK)
	for _, field := range []string{`name="email"`, `name="topics"`, `name="frequency"`, `name="hour"`, `name="timezone"`} {
		if !strings.Contains(body, field) {
			t.Errorf("GET /: no form field %s", field)
		}
	}
	get(t, base+"/no/such/page", http.StatusNotFound)

	resp, err := postForm(t, base, "/subscribe", url.Values{
		"email": {"ada@example.org"}, "topics": {"title:pretraining\ncat:cs.CL agents"},
		"frequency": {"daily"}, "hour": {"7"}, "timezone": {"Europe/Berlin"},
	})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "Check your inbox") {
		t.Fatalf("POST /subscribe: got %d %q, want 200 and Check your inbox", resp.StatusCode, page)
	}

	// The confirmation goes out in the background, a moment after the page.
	var listing, name string
	for deadline := time.Now().Add(10 * time.Second); name == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		listing = get(t, base+"/outbox", http.StatusOK)
		name = regexp.MustCompile(`[\w.-]+ada[\w.-]*\.eml`).FindString(listing)
	}
	if name == "" {
		t.Fatalf("GET /outbox lists no message to ada within 10s:\n%s", listing)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "data", "outbox", name)); err != nil {
		t.Errorf("outbox file: %v", err)
	}
	mail := get(t, base+"/outbox/"+name, http.StatusOK)
	link := regexp.MustCompile(`https://papers\.example\.org(/confirm/[A-Za-z0-9_-]+)`).FindStringSubmatch(mail)
	if link == nil {
		t.Fatalf("confirmation mail has no confirm link:\n%s", mail)
	}
	if got := e.count(`SELECT count(*) FROM subscribers WHERE status = 'pending'`); got != 1 {
		t.Errorf("pending subscribers before the click: got %d, want 1", got)
	}
	if page := get(t, base+link[1], http.StatusOK); !strings.Contains(page, "Confirm and subscribe") {
		t.Errorf("confirmation link: got\n%s\nwant a page with the button", page)
	}
	if got := e.count(`SELECT count(*) FROM subscribers WHERE status = 'pending'`); got != 1 {
		t.Errorf("pending subscribers after opening the link: got %d, want 1 (a GET confirms nothing)", got)
	}
	if code := press(t, base, link[1]); code != http.StatusOK {
		t.Fatalf("the confirmation button: got %d, want 200", code)
	}
	if got := e.count(`SELECT count(*) FROM subscribers WHERE email = 'ada@example.org' AND status = 'active' AND timezone = 'Europe/Berlin'`); got != 1 {
		t.Errorf("active subscribers after the click: got %d, want 1", got)
	}
	if got := e.count(`SELECT count(*) FROM topics`); got != 2 {
		t.Errorf("topics stored: got %d, want 2", got)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exit status after cancel: got %d, want 0\n%s", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop within 20s of SIGTERM")
	}
	if !strings.Contains(stderr.String(), "mail is written as .eml files to") {
		t.Errorf("log does not say where mail goes:\n%s", stderr.String())
	}
}

func waitFor(t *testing.T, u string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(u); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not answer 200 within 30s", u)
}

func get(t *testing.T, u string, want int) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Errorf("GET %s: got %d, want %d", u, resp.StatusCode, want)
	}
	return string(b)
}
