package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// mailpitBin is where `make test` and .ci/run install Mailpit.
const mailpitBin = "../../bin/mailpit"

// mailpit is a Mailpit process on loopback: an SMTP relay that keeps every
// message, with a REST API to inspect them.
type mailpit struct {
	t        *testing.T
	smtpPort int
	api      string
	log      bytes.Buffer
}

// startMailpit runs bin/mailpit with chaos available (off until set) and
// link checks allowed to reach loopback and self-signed certificates.
func startMailpit(t *testing.T) *mailpit {
	t.Helper()
	if _, err := os.Stat(mailpitBin); err != nil {
		t.Fatalf("%s is missing (%v): `make test` installs it, or run GOBIN=$PWD/bin go install github.com/axllent/mailpit@v1.33.1", mailpitBin, err)
	}
	m := &mailpit{t: t, smtpPort: freePort(t)}
	httpPort := freePort(t)
	m.api = fmt.Sprintf("http://127.0.0.1:%d/api/v1", httpPort)
	cmd := exec.Command(mailpitBin,
		"--smtp", fmt.Sprintf("127.0.0.1:%d", m.smtpPort), "--listen", fmt.Sprintf("127.0.0.1:%d", httpPort),
		"--database", filepath.Join(t.TempDir(), "mailpit.db"), "--smtp-disable-rdns", "--enable-chaos",
		"--allow-internal-http-requests", "--allow-untrusted-tls", "--disable-version-check")
	cmd.Stdout, cmd.Stderr = &m.log, &m.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("mailpit output:\n%s", m.log.String())
		}
	})
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(m.api + "/info"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return m
			}
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("mailpit not ready after 20s:\n%s", m.log.String())
		}
	}
}

// call sends a request to the API and decodes the JSON answer into out.
func (m *mailpit) call(method, path string, body, out any) {
	m.t.Helper()
	var in io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		in = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, m.api+path, in)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatalf("mailpit %s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		m.t.Fatalf("mailpit %s %s: %s: %s", method, path, res.Status, b)
	}
	if raw, ok := out.(*[]byte); ok {
		*raw = b
	} else if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			m.t.Fatalf("mailpit %s %s: %v", method, path, err)
		}
	}
}

// mailpitMessage is a message summary of GET /api/v1/messages.
type mailpitMessage struct {
	ID string
	To []struct{ Address string }
}

func (m *mailpit) messages() []mailpitMessage {
	m.t.Helper()
	var list struct{ Messages []mailpitMessage }
	m.call("GET", "/messages?limit=1000", nil, &list)
	return list.Messages
}

// startDigestd writes a config for digestd with the relay at port and
// base_url at a TLS proxy in front of where `serve` will listen.
func startDigestd(t *testing.T, smtpPort int) (*env, *httptest.Server) {
	t.Helper()
	listen := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	proxy := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: listen}))
	t.Cleanup(proxy.Close)
	e := &env{t: t, dir: t.TempDir(), src: startSources(t)}
	e.config = filepath.Join(e.dir, "config.yaml")
	conf := fmt.Sprintf(`database: %s
listen: %s
base_url: %s
log:
  level: warn
sources:
  huggingface:
    url: %s/api/daily_papers
  arxiv:
    url: %s/api/query
    interval: 10ms
smtp:
  host: 127.0.0.1
  port: %d
  tls: none
  from: "Paper digest <digest@example.org>"
  concurrency: 3
  retry_backoff: 10ms
`, filepath.Join(e.dir, "data", "digest.db"), listen, proxy.URL, e.src.hf.URL, e.src.arxiv.URL, smtpPort)
	if err := os.WriteFile(e.config, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return e, proxy
}

// serve runs `digestd serve` behind proxy until the test ends.
func (e *env) serve(proxy *httptest.Server) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() { done <- execute(ctx, []string{"--config", e.config, "serve"}, io.Discard, io.Discard) }()
	e.t.Cleanup(func() { cancel(); <-done })
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		res, err := proxy.Client().Get(proxy.URL + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Since(start) > 10*time.Second {
			e.t.Fatalf("digestd serve not up at %s: %v", proxy.URL, err)
		}
	}
}

// checkMailpitDigest checks one delivered digest through Mailpit's API:
// List-Unsubscribe, MIME structure, HTML compatibility and every link.
func checkMailpitDigest(t *testing.T, m *mailpit, id, base string) {
	t.Helper()
	var msg struct {
		ListUnsubscribe struct{ Header, Errors, HeaderPost string }
	}
	m.call("GET", "/message/"+id, nil, &msg)
	lu := msg.ListUnsubscribe
	if lu.Errors != "" || !strings.Contains(lu.Header, "<"+base+"/unsubscribe/") || !strings.Contains(lu.Header, "<mailto:") {
		t.Errorf("List-Unsubscribe %q: got errors %q, want the https link and a mailto, no errors", lu.Header, lu.Errors)
	}
	if lu.HeaderPost != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post: got %q, want List-Unsubscribe=One-Click", lu.HeaderPost)
	}

	var raw []byte
	m.call("GET", "/message/"+id+"/raw", nil, &raw)
	if d := parseDigest(t, raw); !slices.Equal(d.partTypes, []string{"text/plain", "text/html"}) {
		t.Errorf("MIME parts: got %v, want multipart/alternative of text/plain then text/html", d.partTypes)
	}

	var html struct {
		Total struct {
			Tests                           int
			Supported, Partial, Unsupported float64
		}
	}
	m.call("GET", "/message/"+id+"/html-check", nil, &html)
	score := fmt.Sprintf("mailpit html-check: %.1f%% supported, %.1f%% partial, %.1f%% unsupported (%d tests)",
		html.Total.Supported, html.Total.Partial, html.Total.Unsupported, html.Total.Tests)
	t.Log(score)
	if html.Total.Tests == 0 || html.Total.Supported < 80 {
		t.Errorf("html-check: got %s, want at least 80%% supported", score)
	}

	var links struct {
		Links []struct {
			URL        string
			StatusCode int
			Status     string
		}
	}
	m.call("GET", "/message/"+id+"/link-check", nil, &links)
	ours := 0
	for _, l := range links.Links {
		// Paper links go to arXiv and Hugging Face, which a test does not reach.
		if !strings.HasPrefix(l.URL, base) {
			continue
		}
		ours++
		if l.StatusCode != http.StatusOK {
			t.Errorf("link-check %s: got %d %s, want 200", l.URL, l.StatusCode, l.Status)
		}
	}
	line := fmt.Sprintf("mailpit link-check: %d links to digestd all checked, %d links in all", ours, len(links.Links))
	t.Log(line)
	if ours < 2 {
		t.Errorf("link-check: got %d links to digestd, want the manage and unsubscribe links at least", ours)
	}
}

// TestMailpitEndToEnd runs digestd against Mailpit, a real SMTP server: a
// digest passes its checks, and with 30% of recipients refused with 451
// every digest still arrives, exactly once.
func TestMailpitEndToEnd(t *testing.T) {
	m := startMailpit(t)
	e, proxy := startDigestd(t, m.smtpPort)
	e.mustRun("fetch", "--date", fixtureDay, "--days", "1")
	e.mustRun("subscribers", "add", "ada@example.org", "--confirmed", "--topic", "title:pretraining")
	e.mustRun("run", "--now")
	msgs := m.messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages in mailpit, want 1", len(msgs))
	}
	e.serve(proxy)
	checkMailpitDigest(t, m, msgs[0].ID, proxy.URL)

	m.call("PUT", "/chaos", map[string]any{"Recipient": map[string]int{"ErrorCode": 451, "Probability": 30}}, nil)
	const readers = 12
	for i := range readers {
		e.mustRun("subscribers", "add", fmt.Sprintf("reader%d@example.org", i), "--confirmed")
	}
	passes := 0
	for ; passes == 0 || e.count(`SELECT count(*) FROM digests WHERE status = 'pending'`) > 0; passes++ {
		if passes == 6 {
			t.Fatalf("digests still pending after %d passes", passes)
		}
		e.mustRun("run", "--now")
	}
	got := map[string]int{}
	for _, msg := range m.messages() {
		for _, to := range msg.To {
			got[to.Address]++
		}
	}
	for i := range readers {
		if to := fmt.Sprintf("reader%d@example.org", i); got[to] != 1 {
			t.Errorf("%s: got %d messages, want exactly 1", to, got[to])
		}
	}
	delivered := e.count(`SELECT count(*) FROM digests WHERE status = 'sent' AND recipient LIKE 'reader%'`)
	attempted := e.count(`SELECT sum(attempts) FROM digests WHERE recipient LIKE 'reader%'`)
	line := fmt.Sprintf("mailpit chaos (451 to 30%% of RCPT): delivered %d of %d digests exactly once, %d attempts, %d delivery passes",
		delivered, readers, attempted, passes)
	t.Log(line)
	if delivered != readers || attempted < delivered {
		t.Errorf("got %s, want all %d delivered", line, readers)
	}
}
