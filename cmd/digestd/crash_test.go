package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/mail"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/digestd/digestd/digest/mailer/smtptest"
)

// torture reports whether the long variants run (`make torture`).
var torture = os.Getenv("DIGESTD_TORTURE") != ""

// scale picks the torture figure or the fast one for `make test`.
func scale(long, fast int) int {
	if torture {
		return long
	}
	return fast
}

// buildDigestd builds the binary once per test into its temp folder.
func buildDigestd(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "digestd")
	out, err := exec.Command("go", "build", "-tags", "sqlite_fts5", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// killer runs digestd as a child process and SIGKILLs it on demand.
type killer struct {
	t     *testing.T
	bin   string
	env   *env
	mu    sync.Mutex
	proc  *os.Process
	kills atomic.Int32
}

// kill SIGKILLs the running child, if any; it reports whether it did.
func (k *killer) kill() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.proc == nil || k.proc.Signal(syscall.SIGKILL) != nil {
		return false
	}
	k.proc = nil
	k.kills.Add(1)
	return true
}

// start runs `digestd args...`; wait returns nil on exit 0, else its error.
func (k *killer) start(args ...string) (wait func() error) {
	cmd := exec.Command(k.bin, append([]string{"--config", k.env.config}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		k.t.Fatal(err)
	}
	k.mu.Lock()
	k.proc = cmd.Process
	k.mu.Unlock()
	return func() error {
		err := cmd.Wait()
		k.mu.Lock()
		k.proc = nil
		k.mu.Unlock()
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL {
			return err
		}
		if err != nil {
			k.t.Fatalf("digestd %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		return nil
	}
}

// TestCrashLosesNoDigest SIGKILLs digestd during fetch, between messages
// and inside DATA, restarting until the pass completes: every reader gets
// a digest, never two different ones, and a kill re-sends at most the
// message in flight on each connection, with its Message-ID.
func TestCrashLosesNoDigest(t *testing.T) {
	readers, kills := scale(2000, 300), scale(10, 4)
	const concurrency = 3
	rng := rand.New(rand.NewPCG(7, uint64(time.Now().UnixNano())))
	k := &killer{t: t, bin: buildDigestd(t)}
	// Kills land at random message counts, each either from the DATA hook
	// (the relay holds the message, digestd never hears 250) or from
	// outside, wherever the pass is.
	var sent, killAt atomic.Int32
	var hookMode atomic.Bool
	relay := smtptest.Start(t, smtptest.WithDataHook(func([]byte) error {
		if sent.Add(1) >= killAt.Load() && hookMode.Load() && k.kill() {
			time.Sleep(20 * time.Millisecond)
		}
		return nil
	}))

	// A slow proxy in front of the sources gives the fetch kill its moment.
	src := startSources(t)
	var requests atomic.Int32
	slow := func(target string) *httptest.Server {
		u, _ := url.Parse(target)
		p := httputil.NewSingleHostReverseProxy(u)
		p.ErrorLog = log.New(io.Discard, "", 0) // the killed client's cancelled request
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if requests.Add(1) == 2 {
				k.kill()
			}
			p.ServeHTTP(w, r)
		}))
		t.Cleanup(s.Close)
		return s
	}
	// A killed pass's lease lapses 5s after its last renewal: the next
	// `run --now` waits that long for it (--wait is the lease's term).
	k.env = newEnv(t, &sources{hf: slow(src.hf.URL), arxiv: slow(src.arxiv.URL)}, relay,
		"  concurrency: 3", "  retry_backoff: 10ms", "schedule:", "  pass_lease: 5s")
	k.env.mustRun("subscribers", "import", writeReaders(t, k.env.dir, readers, 7))

	if k.start("fetch", "--date", fixtureDay, "--days", "1")() == nil {
		t.Fatal("fetch finished before the kill")
	}
	if err := k.start("fetch", "--date", fixtureDay, "--days", "1")(); err != nil {
		t.Fatalf("fetch after the kill: %v", err)
	}

	passes := 0
	for {
		passes++
		wait := k.start("run", "--now")
		stop := make(chan struct{})
		if int(k.kills.Load()) < kills {
			step := max(readers/(kills+1), 1)
			killAt.Store(sent.Load() + int32(1+rng.IntN(step)))
			hookMode.Store(rng.IntN(2) == 0)
			go func() {
				for !hookMode.Load() && sent.Load() < killAt.Load() {
					select {
					case <-stop:
						return
					case <-time.After(time.Millisecond):
					}
				}
				if !hookMode.Load() {
					k.kill()
				}
			}()
		}
		err := wait()
		close(stop)
		hookMode.Store(false)
		if err == nil && int(k.kills.Load()) >= kills {
			break
		}
		if passes > 4*kills {
			t.Fatalf("the pass did not complete after %d restarts", passes)
		}
	}

	got := map[string][]string{} // recipient → Message-IDs received
	for _, m := range relay.Messages() {
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatalf("message to %v: %v", m.To, err)
		}
		got[m.To[0]] = append(got[m.To[0]], msg.Header.Get("Message-Id"))
	}
	lost, duplicates, resends := 0, 0, 0
	for i := range readers {
		ids := got[readerAddress(i)]
		if len(ids) == 0 {
			lost++
		}
		for _, id := range ids[min(1, len(ids)):] {
			if id != ids[0] {
				duplicates++
			} else {
				resends++
			}
		}
	}
	n := int(k.kills.Load())
	t.Logf("crash: kills=%d readers=%d lost=%d duplicates=%d resends=%d", n, readers, lost, duplicates, resends)
	if lost != 0 || duplicates != 0 {
		t.Errorf("got lost=%d duplicates=%d, want 0 and 0", lost, duplicates)
	}
	if resends > n*concurrency {
		t.Errorf("resends: got %d, want at most %d (one per connection in flight at each of %d kills)", resends, n*concurrency, n)
	}
}

func readerAddress(i int) string { return fmt.Sprintf("reader%05d@example.org", i) }

// writeReaders writes a subscribers CSV of n active daily readers with no
// topic, who get the day's trending papers at hour (UTC).
func writeReaders(t *testing.T, dir string, n, hour int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("email,topics,frequency,hour,timezone\n")
	for i := range n {
		fmt.Fprintf(&b, "%s,,daily,%d,UTC\n", readerAddress(i), hour)
	}
	path := filepath.Join(dir, "readers.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
