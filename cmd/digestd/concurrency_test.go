package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digestd/digestd/digest/mailer/smtptest"
)

// syncBuffer is a log both digestd commands write to at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestWebUnderLoadDuringDelivery drives the web front at 200 requests a
// second (subscribe, manage, preview) while a delivery pass sends to every
// reader: no "database is locked", every request answered, latency printed.
// The fast variant, run by make test under the race detector beside the
// other packages' tests on two cores, asks 50 a second: at 200 the race
// detector's slowdown alone pushes requests past the client's timeout.
func TestWebUnderLoadDuringDelivery(t *testing.T) {
	readers, seconds, rate := scale(20000, 1000), scale(60, 5), scale(200, 50)
	manageLink := regexp.MustCompile(`/manage/[A-Za-z0-9_-]{16,}`)
	var tokMu sync.Mutex
	var manage []string
	relay := smtptest.Start(t, smtptest.WithDiscard(), smtptest.WithDataHook(func(data []byte) error {
		tokMu.Lock()
		defer tokMu.Unlock()
		if link := manageLink.FindString(unfold(data)); link != "" && len(manage) < 50 {
			manage = append(manage, link)
		}
		return nil
	}))
	listen := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	e := newEnv(t, startSources(t), relay, "  concurrency: 3", "listen: "+listen, trustLocalProxy)
	// The readers' hour is twelve hours away: the one pass is run --now's,
	// not also the pass serve runs at start for the readers due.
	e.mustRun("subscribers", "import", writeReaders(t, e.dir, readers, (time.Now().UTC().Hour()+12)%24))
	e.mustRun("fetch", "--date", fixtureDay, "--days", "1")

	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan int, 1)
	go func() { served <- execute(ctx, []string{"--config", e.config, "serve"}, &logs, &logs) }()
	defer func() { cancel(); <-served }()
	base := "http://" + listen
	waitFor(t, base+"/healthz")
	passDone := make(chan int, 1)
	go func() {
		passDone <- execute(context.Background(), []string{"--config", e.config, "run", "--now"}, &logs, &logs)
	}()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		tokMu.Lock()
		n := len(manage)
		tokMu.Unlock()
		if n >= 10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the delivery pass sent fewer than 10 digests in 30s")
		}
	}

	client := newFormClient(base).http
	var mu sync.Mutex
	var latencies []time.Duration
	failures := map[string]int{}
	request := func(i int) {
		tokMu.Lock()
		tok := manage[i%len(manage)]
		tokMu.Unlock()
		var req *http.Request
		switch i % 4 {
		case 0:
			form := url.Values{"email": {fmt.Sprintf("load%d@example.org", i)}, "topics": {"agents"}}
			req, _ = http.NewRequest(http.MethodPost, base+"/subscribe", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
		case 1:
			req, _ = http.NewRequest(http.MethodGet, base+tok, nil)
		case 2:
			req, _ = http.NewRequest(http.MethodGet, base+tok+"/preview?q="+url.QueryEscape(`"long context" OR agents`), nil)
		default:
			req, _ = http.NewRequest(http.MethodGet, base+"/", nil)
		}
		start := time.Now()
		resp, err := client.Do(req)
		took := time.Since(start)
		var body []byte
		if err == nil {
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		mu.Lock()
		defer mu.Unlock()
		latencies = append(latencies, took)
		switch {
		case err != nil:
			failures[err.Error()]++
		case bytes.Contains(body, []byte("database is locked")) || resp.StatusCode >= 500:
			failures[fmt.Sprintf("%s %s: %d", req.Method, req.URL.Path[:min(len(req.URL.Path), 9)], resp.StatusCode)]++
		case resp.StatusCode != http.StatusOK:
			failures[fmt.Sprintf("%s %s: %d", req.Method, req.URL.Path[:min(len(req.URL.Path), 9)], resp.StatusCode)]++
		}
	}
	// Request i starts at i/rate seconds, or at once when the generator
	// is behind: the load is the rate asked for, however busy the machine.
	var wg sync.WaitGroup
	sent := rate * seconds
	start := time.Now()
	for i := range sent {
		time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))))
		wg.Go(func() { request(i) })
	}
	wg.Wait()
	// The pass either ended under the load or outlasted it.
	pass := "ended_under_load"
	var code int
	select {
	case code = <-passDone:
	default:
		pass = "outlasted_load"
		code = <-passDone
	}
	if code != 0 {
		t.Errorf("run --now: exit %d", code)
	}
	locked := strings.Count(logs.String(), "database is locked")
	slices.Sort(latencies)
	p50, p99 := latencies[len(latencies)/2], latencies[len(latencies)*99/100]
	t.Logf("concurrency: requests=%d seconds=%d answered=%d failed=%d locked=%d readers=%d delivered=%d pass=%s p50=%v p99=%v",
		sent, seconds, len(latencies), sumValues(failures), locked, readers, relay.Accepted(), pass,
		p50.Round(100*time.Microsecond), p99.Round(100*time.Microsecond))
	if len(failures) > 0 || locked > 0 || len(latencies) != sent {
		t.Errorf("got failures %v and %d \"database is locked\", want none", failures, locked)
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, "locked") {
				t.Log(line)
			}
		}
	}
	if relay.Accepted() < readers {
		t.Errorf("delivered %d digests, want all %d readers", relay.Accepted(), readers)
	}
}

func sumValues(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
