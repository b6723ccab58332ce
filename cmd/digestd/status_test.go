package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// seedHistory gives an installation a known past: readers in four states,
// a digest waiting in the outbox, two the relay may have (one to go once
// more, one not again), four runs at fixed times — a fetch and a pass that
// went well, a failed fetch, and a pass that has not finished — and that
// pass's lease, held by another process.
func seedHistory(e *env) {
	e.t.Helper()
	e.mustRun("subscribers", "add", "ada@example.org", "--confirmed")
	e.mustRun("subscribers", "add", "bob@example.org", "--confirmed")
	e.mustRun("subscribers", "add", "cy@example.org", "--confirmed")
	e.mustRun("subscribers", "add", "dee@example.org")
	at := func(hhmmss string) int64 {
		t, err := time.Parse(time.DateTime, fixtureDay+" "+hhmmss)
		if err != nil {
			e.t.Fatal(err)
		}
		return t.Unix()
	}
	db := e.db()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE subscribers SET status = 'paused' WHERE email = 'cy@example.org'`, nil},
		{`INSERT INTO digests (subscriber_id, period, status, message_id, recipient, message, papers, window_end, created_at)
			VALUES (1, ?, 'pending', '<1@example.org>', 'ada@example.org', x'', 3, 0, ?)`, []any{fixtureDay, at("07:00:02")}},
		{`INSERT INTO runs (kind, started_at, finished_at, fetched) VALUES ('fetch', ?, ?, 42)`, []any{at("06:15:00"), at("06:15:42")}},
		{`INSERT INTO runs (kind, started_at, finished_at, due, sent, failed) VALUES ('deliver', ?, ?, 3, 2, 0)`, []any{at("07:00:00"), at("07:00:03")}},
		{`INSERT INTO runs (kind, started_at, finished_at, fetched, error) VALUES ('fetch', ?, ?, 0, ?)`, []any{at("09:15:00"), at("09:16:30"),
			"arxiv: get https://export.arxiv.org/api/query:\n503 Service Unavailable: giving up after 4 attempts"}},
		{`INSERT INTO runs (kind, started_at) VALUES ('deliver', ?)`, []any{at("10:00:00")}},
		{`INSERT INTO digests (subscriber_id, period, status, message_id, recipient, papers, window_end, created_at,
			maybe_delivered, retry_ms) VALUES (2, ?, 'pending', '<2@example.org>', 'bob@example.org', 3, 0, ?, 1, ?)`,
			[]any{fixtureDay, at("07:00:02"), at("10:10:00") * 1000}},
		{`INSERT INTO digests (subscriber_id, period, status, message_id, recipient, papers, window_end, created_at,
			maybe_delivered, sent_at) VALUES (2, '2026-07-12', 'sent', '<3@example.org>', 'bob@example.org', 3, 0, ?, 2, ?)`,
			[]any{at("07:00:02"), at("07:30:00")}},
		{`INSERT INTO leases (name, id, host, pid, started_ms, taken_ms, renewed_ms, expires_ms)
			VALUES ('deliver', 'seeded', 'web1', 4242, ?, ?, ?, ?)`,
			[]any{at("09:59:00") * 1000, at("10:00:00") * 1000, at("10:04:57") * 1000, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()}},
	} {
		if _, err := db.Exec(q.sql, q.args...); err != nil {
			e.t.Fatalf("%s: %v", q.sql, err)
		}
	}
}

// TestRunsGolden checks `digestd runs` against testdata/runs*.golden.
func TestRunsGolden(t *testing.T) {
	e := newEnv(t, startSources(t), nil)
	if got := e.mustRun("runs"); got != "no runs yet: `digestd fetch` and `digestd run` record theirs here\n" {
		t.Errorf("runs on a new database: got %q", got)
	}
	seedHistory(e)
	tests := []struct {
		name   string
		args   []string
		golden string
	}{
		{"all", []string{"runs"}, "runs.golden"},
		{"limit", []string{"runs", "--limit", "2"}, "runs_limit.golden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden(t, tt.golden, e.mustRun(tt.args...))
		})
	}
	if r := e.run("runs", "--limit", "0"); r.code != exitUsage {
		t.Errorf("runs --limit 0: got exit %d, want %d", r.code, exitUsage)
	}
}

// TestStatusGolden checks the status report at a fixed time against
// testdata/status.golden, and that `digestd status` prints it.
func TestStatusGolden(t *testing.T) {
	e := newEnv(t, startSources(t), nil)
	seedHistory(e)
	a, err := openApp(context.Background(), e.config, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.now = func() time.Time { return time.Date(2026, 7, 13, 10, 5, 0, 0, time.UTC) }
	var out bytes.Buffer
	if err := a.writeStatus(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	golden(t, "status.golden", out.String())
	if got := e.mustRun("status"); !bytes.HasPrefix([]byte(got), out.Bytes()[:bytes.IndexByte(out.Bytes(), '\n')]) {
		t.Errorf("digestd status: got %q, want it to start with the readers line", got)
	}
}

// TestRelative checks how status words a time from now.
func TestRelative(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-50 * time.Minute, "50m ago"},
		{2*time.Hour + 10*time.Minute, "in 2h10m"},
		{2 * time.Hour, "in 2h"},
		{-26*time.Hour - 20*time.Second, "26h ago"},
		{10 * time.Second, "now"},
	}
	for _, tt := range tests {
		if got := relative(tt.d); got != tt.want {
			t.Errorf("relative(%s): got %q, want %q", tt.d, got, tt.want)
		}
	}
}

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s: got\n%s\nwant\n%s", path, got, want)
	}
}
