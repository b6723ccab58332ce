package main

import (
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/digestd/digestd/digest/mailer/smtptest"
)

// TestFetchBadResponseKeepsStoredPapers feeds each source a broken response
// after a good fetch: the error names the source and where it broke, and
// the papers stored before are intact.
func TestFetchBadResponseKeepsStoredPapers(t *testing.T) {
	src := startSources(t)
	e := newEnv(t, src, nil)
	e.mustRun("fetch", "--date", fixtureDay, "--days", "1")
	good := readFixture(t, "hf_daily_papers_limit25_2026-07-13_25items.json")
	feed := readFixture(t, "arxiv_api_query_cat-csAI-OR-csLG_50entries.xml")
	tests := []struct {
		name          string
		hf, arxiv     []byte
		want, notWant string
	}{
		{"truncated JSON", good[:len(good)/2], nil, "huggingface: 2026-07-13: decode response at byte", "arxiv:"},
		{"truncated XML", nil, feed[:len(feed)/3], "arxiv: decode feed: line", "huggingface:"},
		{"arXiv error feed", nil, readFixture(t, "arxiv_api_error_incorrect_id_format_http400.xml"), "arxiv: api error: incorrect id format for abc", "huggingface:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src.hfBody, src.arxivBody = tt.hf, tt.arxiv
			defer func() { src.hfBody, src.arxivBody = nil, nil }()
			r := e.run("fetch", "--date", fixtureDay, "--days", "1")
			if r.code != exitFailure {
				t.Errorf("exit status: got %d, want %d", r.code, exitFailure)
			}
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr: got %q, want it to contain %q", r.stderr, tt.want)
			}
			if strings.Contains(r.stderr, "digestd: "+tt.notWant) {
				t.Errorf("stderr: got %q, want no error from the source that worked", r.stderr)
			}
			if got := e.count(`SELECT count(*) FROM papers`); got != 73 {
				t.Errorf("papers after a failed fetch: got %d, want the 73 stored before", got)
			}
			var check string
			if err := e.db().QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
				t.Errorf("integrity_check: got %q (%v), want ok", check, err)
			}
		})
	}
}

// TestInvalidTopicIsRefused checks that a query that does not parse is
// refused where it is typed, with its column, and never stored.
func TestInvalidTopicIsRefused(t *testing.T) {
	e := newEnv(t, startSources(t), nil)
	r := e.run("subscribers", "add", "ada@example.org", "--confirmed", "--topic", "(rag OR retrieval")
	if r.code != exitUsage {
		t.Errorf("exit status: got %d, want %d", r.code, exitUsage)
	}
	if !strings.Contains(r.stderr, "column") {
		t.Errorf("stderr: got %q, want the column of the error", r.stderr)
	}
	if got := e.count(`SELECT count(*) FROM subscribers`); got != 0 {
		t.Errorf("subscribers after a refused add: got %d, want 0", got)
	}
	e.mustRun("subscribers", "add", "ada@example.org", "--confirmed")
	r = e.run("topics", "add", "ada@example.org", "lora)")
	if r.code != exitUsage || !strings.Contains(r.stderr, `")" at column 5`) {
		t.Errorf("topics add: got exit %d, stderr %q; want %d and the column of the stray )", r.code, r.stderr, exitUsage)
	}
	r = e.run("topics", "test", "title:")
	if r.code != exitUsage || !strings.Contains(r.stderr, "column") {
		t.Errorf("topics test: got exit %d, stderr %q; want %d and a column", r.code, r.stderr, exitUsage)
	}
}

// TestMaxPapersFlag: --max-papers takes 5 to 50; anything else is a usage
// error naming the bounds, and nothing is stored.
func TestMaxPapersFlag(t *testing.T) {
	e := newEnv(t, startSources(t), nil)
	tests := []struct {
		value    string
		wantCode int
		wantErr  string
	}{
		{"4", exitUsage, "max papers 4: want 5 to 50"},
		{"51", exitUsage, "max papers 51: want 5 to 50"},
		{"5", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			r := e.run("subscribers", "add", "ada"+tt.value+"@example.org", "--confirmed", "--max-papers", tt.value)
			if r.code != tt.wantCode || !strings.Contains(r.stderr, tt.wantErr) {
				t.Errorf("got exit %d, stderr %q; want %d naming %q", r.code, r.stderr, tt.wantCode, tt.wantErr)
			}
			want := 0
			if tt.wantCode == 0 {
				want = 1
			}
			if got := e.count(`SELECT count(*) FROM subscribers WHERE email = ? AND max_papers = ?`, "ada"+tt.value+"@example.org", tt.value); got != want {
				t.Errorf("stored: got %d, want %d", got, want)
			}
		})
	}
}

// TestTopicsTestShowsMatchedWords checks `topics test` against the stored
// papers: the papers the query catches, their matched words marked.
func TestTopicsTestShowsMatchedWords(t *testing.T) {
	e := newEnv(t, startSources(t), nil)
	e.mustRun("fetch", "--date", fixtureDay, "--days", "1")
	out := e.mustRun("topics", "test", `"long context" training`)
	for _, want := range []string{
		"3 papers match",
		"2607.09415  Self-Guided Test-Time *Training* for *Long-Context* LLMs",
		"https://arxiv.org/abs/2607.09415",
		"matched: Training, Long-Context",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("topics test printed:\n%s\nwant it to contain %q", out, want)
		}
	}
	out = e.mustRun("topics", "test", `"long context" lora`)
	if !strings.Contains(out, "0 papers match") {
		t.Errorf("no stored paper is about LoRA: got\n%s", out)
	}
}

// TestRelayDownKeepsDigestsInOutbox runs a pass with the relay unreachable:
// one clear error, every digest kept pending, and the next run sends each
// exactly once with the Message-ID it was stored with.
func TestRelayDownKeepsDigestsInOutbox(t *testing.T) {
	src := startSources(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	e := newEnv(t, src, nil, "  host: 127.0.0.1", "  port: "+strconv.Itoa(closedPort), "  tls: none")
	e.mustRun("fetch", "--date", fixtureDay, "--days", "1")
	for _, addr := range []string{"ada@example.org", "bob@example.org", "cy@example.org", "dee@example.org"} {
		e.mustRun("subscribers", "add", addr, "--confirmed")
	}
	r := e.run("run", "--now")
	if r.code != exitFailure {
		t.Errorf("exit status with the relay down: got %d, want %d", r.code, exitFailure)
	}
	if want := "mail relay unreachable"; !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "connection refused") {
		t.Errorf("stderr: got %q, want %q and the cause", r.stderr, want)
	}
	pending := e.count(`SELECT count(*) FROM digests WHERE status = 'pending'`)
	if pending == 0 {
		t.Fatalf("pending digests after the failed pass: got 0, want the built ones kept")
	}
	var stored []string
	rows, err := e.db().Query(`SELECT message_id FROM digests`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		stored = append(stored, id)
	}
	rows.Close()

	relay := smtptest.Start(t)
	e.writeConfig(relay)
	e.mustRun("run", "--now")
	e.mustRun("run", "--now")
	msgs := relay.Messages()
	if len(msgs) != 4 {
		t.Fatalf("messages once the relay is back: got %d, want 4 (one per reader)", len(msgs))
	}
	to := map[string]int{}
	received := map[string]bool{}
	for _, m := range msgs {
		to[m.To[0]]++
		received[parseDigest(t, m.Data).header.Get("Message-Id")] = true
	}
	for _, id := range stored {
		if !received[id] {
			t.Errorf("digest %s, pending in the outbox, was not sent with that Message-ID", id)
		}
	}
	for addr, n := range to {
		if n != 1 {
			t.Errorf("%s got %d digests, want 1", addr, n)
		}
	}
	if got := e.count(`SELECT count(*) FROM digests WHERE status = 'sent'`); got != 4 {
		t.Errorf("sent digests: got %d, want 4", got)
	}
}
