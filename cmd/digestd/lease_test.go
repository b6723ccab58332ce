package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/digestd/digestd/digest/mailer/smtptest"
)

// holdLease makes the database's delivery lease another process's, pid
// 4242 on web1, for the next d.
func (e *env) holdLease(d time.Duration) {
	e.t.Helper()
	now := time.Now()
	if _, err := e.db().Exec(`INSERT INTO leases (name, id, host, pid, started_ms, taken_ms, renewed_ms, expires_ms)
		VALUES ('deliver', 'other', 'web1', 4242, ?, ?, ?, ?)`, now.Add(-time.Hour).UnixMilli(), now.UnixMilli(),
		now.UnixMilli(), now.Add(d).UnixMilli()); err != nil {
		e.t.Fatal(err)
	}
}

// TestSecondPassFindsTheLease: while another process runs a delivery
// pass, `digestd run` waits for it up to --wait and then exits 1 naming
// that process, `digestd status` names it too, and `serve` skips its own
// pass and says why; once that process's lease lapses (it was killed),
// `run` goes ahead.
func TestSecondPassFindsTheLease(t *testing.T) {
	relay := smtptest.Start(t)
	tests := []struct {
		name     string
		lease    time.Duration
		wait     string
		wantCode int
		wantErr  string
		wantSent int
	}{
		{"held past --wait", time.Hour, "1s", exitFailure,
			`another delivery pass is running, waited 1s: pid 4242 on web1 \(started [-0-9: ]+ UTC\) holds it since [-0-9: ]+ UTC, renewed [0-9]s ago`, 0},
		{"lapses while run waits", 1500 * time.Millisecond, "10s", 0, "", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(relay.Messages())
			e := newEnv(t, startSources(t), relay)
			e.mustRun("subscribers", "import", writeReaders(t, e.dir, 3, 7))
			e.mustRun("fetch", "--date", fixtureDay, "--days", "1")
			e.holdLease(tt.lease)
			if got := e.mustRun("status"); !strings.Contains(got, "running:    a delivery pass, pid 4242 on web1") {
				t.Errorf("status: got\n%s\nwant it to name the pass running and its process", got)
			}
			start := time.Now()
			r := e.run("run", "--now", "--wait", tt.wait)
			took := time.Since(start)
			if r.code != tt.wantCode || !regexp.MustCompile(tt.wantErr).MatchString(r.stderr) {
				t.Errorf("run --now --wait %s: got exit %d, %q; want %d and %q", tt.wait, r.code, r.stderr, tt.wantCode, tt.wantErr)
			}
			if sent := len(relay.Messages()) - before; sent != tt.wantSent {
				t.Errorf("got %d messages, want %d", sent, tt.wantSent)
			}
			if took < time.Second {
				t.Errorf("run returned after %v, want it to wait for the lease", took)
			}
			t.Logf("%s: exit %d after %v: %s", tt.name, r.code, took.Round(100*time.Millisecond), strings.TrimSpace(r.stderr))
		})
	}

	t.Run("serve skips its pass", func(t *testing.T) {
		listen := fmt.Sprintf("127.0.0.1:%d", freePort(t))
		t.Setenv("DIGESTD_LOG_LEVEL", "info") // a skipped pass is no warning
		e := newEnv(t, startSources(t), relay, "listen: "+listen)
		e.mustRun("subscribers", "import", writeReaders(t, e.dir, 3, 7))
		e.holdLease(time.Hour)
		var logs syncBuffer
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan int, 1)
		go func() { served <- execute(ctx, []string{"--config", e.config, "serve"}, &logs, &logs) }()
		defer func() { cancel(); <-served }()
		waitFor(t, "http://"+listen+"/healthz")
		want := regexp.MustCompile(`msg="delivery pass skipped: another process is running one" holder="pid 4242 on web1 \(started [^)]+\)" since=`)
		for deadline := time.Now().Add(10 * time.Second); !want.MatchString(logs.String()); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("serve's log:\n%s\nwant a line matching %s", logs.String(), want)
			}
		}
		resp, err := http.Get("http://" + listen + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		metrics, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(metrics), `digestd_delivery_passes_total{result="skipped"} 1`) {
			t.Errorf("metrics: want one skipped pass counted, got:\n%s", grepLines(string(metrics), "delivery_passes"))
		}
		if n := e.count(`SELECT count(*) FROM runs WHERE kind = 'deliver'`); n != 0 {
			t.Errorf("got %d passes recorded, want none", n)
		}
	})
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for line := range strings.Lines(s) {
		if strings.Contains(line, sub) {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return strings.Join(out, "\n")
}
