package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestOutboxOnlyOnThisHost runs `digestd serve` in outbox mode behind a
// reverse proxy: the browser on the host reads /outbox; a client the proxy
// forwards, or one that says it was forwarded, gets 404 for the list and
// for the message, which holds a reader's secret links.
func TestOutboxOnlyOnThisHost(t *testing.T) {
	listen := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	base := "http://" + listen
	e := newEnv(t, startSources(t), nil, "listen: "+listen)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan int, 1)
	go func() { served <- execute(ctx, []string{"--config", e.config, "serve"}, io.Discard, io.Discard) }()
	defer func() { cancel(); <-served }()
	waitFor(t, base+"/healthz")
	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httptest.NewServer(httputil.NewSingleHostReverseProxy(target))
	t.Cleanup(proxy.Close)

	if code := subscribeVia(t, base, "ada@example.org"); code != http.StatusOK {
		t.Fatalf("POST /subscribe: got %d, want 200", code)
	}
	var name string
	for deadline := time.Now().Add(10 * time.Second); name == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		name = regexp.MustCompile(`[\w.-]+ada[\w.-]*\.eml`).FindString(get(t, base+"/outbox", http.StatusOK))
	}
	if name == "" {
		t.Fatal("no message to ada listed at /outbox within 10s")
	}
	tests := []struct {
		name   string
		base   string
		header http.Header
		want   int
	}{
		{"on this host", base, nil, http.StatusOK},
		{"through a reverse proxy", proxy.URL, nil, http.StatusNotFound},
		{"X-Forwarded-For", base, http.Header{"X-Forwarded-For": {"203.0.113.9"}}, http.StatusNotFound},
		{"Forwarded", base, http.Header{"Forwarded": {"for=203.0.113.9"}}, http.StatusNotFound},
		{"X-Real-IP", base, http.Header{"X-Real-Ip": {"203.0.113.9"}}, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/outbox", "/outbox/" + name} {
				req, err := http.NewRequest(http.MethodGet, tt.base+path, nil)
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range tt.header {
					req.Header[k] = v
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tt.want {
					t.Errorf("GET %s: got %d, want %d", path, resp.StatusCode, tt.want)
				}
				if tt.want == http.StatusNotFound && (strings.Contains(string(body), "ada") || strings.Contains(string(body), "/confirm/")) {
					t.Errorf("GET %s: the refusal shows a message:\n%s", path, body)
				}
			}
		})
	}
}

// subscribeVia posts the subscribe form for email as a browser on base's
// page would and returns the status.
func subscribeVia(t *testing.T, base, email string) int {
	t.Helper()
	resp, err := postForm(t, base, "/subscribe", url.Values{"email": {email}, "topics": {"agents"}})
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestDoctorWarnsOfAnExposedOutbox: in outbox mode, a listen address other
// hosts can reach gets a warning from doctor, which still passes.
func TestDoctorWarnsOfAnExposedOutbox(t *testing.T) {
	src := startSources(t)
	tests := []struct {
		listen   string
		wantWarn bool
	}{
		{"127.0.0.1:8080", false},
		{"[::1]:8080", false},
		{"localhost:8080", false},
		{"0.0.0.0:8080", true},
		{":8080", true},
		{"192.0.2.10:8080", true},
		{"papers.example.org:8080", true},
	}
	for _, tt := range tests {
		t.Run(tt.listen, func(t *testing.T) {
			e := newEnv(t, src, nil, "listen: \""+tt.listen+"\"")
			r := e.run("doctor")
			if r.code != 0 {
				t.Errorf("exit status: got %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
			}
			warned := strings.Contains(r.stdout, "WARN  web: outbox mode listens beyond loopback")
			if warned != tt.wantWarn {
				t.Errorf("warning: got %v, want %v\n%s", warned, tt.wantWarn, r.stdout)
			}
		})
	}
}
