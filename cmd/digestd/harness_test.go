package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/digest/mailer/smtptest"
	"github.com/digestd/digestd/digest/sqlite"
)

const fixtures = "../../testdata/fixtures/"

// sources are local HTTP servers standing in for Hugging Face and arXiv,
// replaying captured responses.
type sources struct {
	hf, arxiv *httptest.Server
	// hfBody and arxivBody, when set, replace the responses.
	hfBody, arxivBody []byte
}

// fixtureDay is the day the Hugging Face fixture was captured for.
const fixtureDay = "2026-07-13"

func startSources(t *testing.T) *sources {
	t.Helper()
	s := &sources{}
	hfDay := readFixture(t, "hf_daily_papers_limit25_2026-07-13_25items.json")
	s.hf = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case s.hfBody != nil:
			w.Write(s.hfBody)
		case r.URL.Query().Get("date") == fixtureDay:
			w.Write(hfDay)
		default:
			w.Write([]byte("[]"))
		}
	}))
	t.Cleanup(s.hf.Close)
	page := readFixture(t, "arxiv_api_query_cat-csAI-OR-csLG_50entries.xml")
	empty := readFixture(t, "arxiv_api_empty_totalResults0.xml")
	byID := digesttest.IDList(t)
	s.arxiv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		// The capture's totalResults is in the hundreds of thousands: later
		// pages come back empty, which ends the paging.
		switch {
		case s.arxivBody != nil:
			w.Write(s.arxivBody)
		case r.URL.Query().Get("id_list") != "":
			w.Write([]byte(byID(strings.Split(r.URL.Query().Get("id_list"), ","))))
		case r.URL.Query().Get("start") == "0":
			w.Write(page)
		default:
			w.Write(empty)
		}
	}))
	t.Cleanup(s.arxiv.Close)
	return s
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(fixtures + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// env is one digestd installation under test: a config file, its database
// folder, and the servers it talks to.
type env struct {
	t      *testing.T
	dir    string
	config string
	src    *sources
}

// newEnv writes a config pointing at src and, when smtp is set, at that
// relay (else digestd writes to its outbox folder). extra lines are appended.
func newEnv(t *testing.T, src *sources, smtp *smtptest.Server, extra ...string) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{t: t, dir: dir, config: filepath.Join(dir, "config.yaml"), src: src}
	e.writeConfig(smtp, extra...)
	return e
}

func (e *env) writeConfig(smtp *smtptest.Server, extra ...string) {
	var smtpConf string
	if smtp != nil {
		smtpConf = fmt.Sprintf("  host: %s\n  port: %d\n  tls: none\n", smtp.Host(), smtp.Port())
	}
	conf := fmt.Sprintf(`database: %s
base_url: https://papers.example.org
log:
  level: warn
sources:
  huggingface:
    url: %s/api/daily_papers
  arxiv:
    url: %s/api/query
    interval: 10ms
smtp:
%s  from: "Paper digest <digest@example.org>"
`, filepath.Join(e.dir, "data", "digest.db"), e.src.hf.URL, e.src.arxiv.URL, smtpConf)
	conf += strings.Join(extra, "\n")
	if err := os.WriteFile(e.config, []byte(conf), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

// result is what one digestd command printed and its exit status.
type result struct {
	stdout, stderr string
	code           int
}

// run runs one digestd command line in-process, as main would.
func (e *env) run(args ...string) result {
	e.t.Helper()
	var out, errb bytes.Buffer
	code := execute(context.Background(), append([]string{"--config", e.config}, args...), &out, &errb)
	return result{out.String(), errb.String(), code}
}

// mustRun runs a command that must succeed.
func (e *env) mustRun(args ...string) string {
	e.t.Helper()
	r := e.run(args...)
	if r.code != 0 {
		e.t.Fatalf("digestd %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// db opens the installation's database for assertions.
func (e *env) db() *sql.DB {
	e.t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(e.dir, "data", "digest.db"))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { db.Close() })
	return db
}

func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db().QueryRow(query, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// freePort returns a loopback port for a server a test starts later. It
// comes from below the kernel's ephemeral range, from which :0 listeners
// (the fixture servers, httptest) and outgoing connections get theirs, and
// is never handed out twice in one test binary. A port from the ephemeral
// range, free when checked, was once given to a fixture server before
// digestd could listen on it, and the test talked to the wrong server.
func freePort(t *testing.T) int {
	t.Helper()
	usedPorts.Lock()
	defer usedPorts.Unlock()
	low := 20_000
	high := max(ephemeralLow(), low+1000) // exclusive
	for range 1000 {
		port := low + rand.IntN(high-low)
		if usedPorts.m[port] {
			continue
		}
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		ln.Close()
		usedPorts.m[port] = true
		return port
	}
	t.Fatalf("no free loopback port in %d-%d", low, high-1)
	return 0
}

var usedPorts = struct {
	sync.Mutex
	m map[int]bool
}{m: map[int]bool{}}

// ephemeralLow is the first port of Linux's ephemeral range, 32768 unless
// the machine says otherwise.
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	var first, last int
	if n, _ := fmt.Sscan(string(b), &first, &last); n != 2 {
		return 32768
	}
	return first
}
