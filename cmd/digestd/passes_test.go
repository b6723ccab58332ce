package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/digestd/digestd/digest/mailer/smtptest"
	"github.com/digestd/digestd/subscribers"
)

// children are the digestd processes a test started, by pid.
type children struct {
	t   *testing.T
	bin string
	cfg string

	mu    sync.Mutex
	procs map[int]*child
}

// child is one digestd process: its command line, output and end.
type child struct {
	args []string
	cmd  *exec.Cmd
	out  syncBuffer
	done chan struct{} // closed once it has exited; then err is its end
	err  error
}

// start runs `digestd args...` with env added to the test's environment.
func (c *children) start(env []string, args ...string) *child {
	c.t.Helper()
	ch := &child{args: args, done: make(chan struct{})}
	ch.cmd = exec.Command(c.bin, append([]string{"--config", c.cfg}, args...)...)
	ch.cmd.Env = append(os.Environ(), env...)
	ch.cmd.Stdout, ch.cmd.Stderr = &ch.out, &ch.out
	if err := ch.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.mu.Lock()
	c.procs[ch.cmd.Process.Pid] = ch
	c.mu.Unlock()
	go func() {
		ch.err = ch.cmd.Wait()
		close(ch.done)
	}()
	return ch
}

// byPID returns the running child with that pid, if any.
func (c *children) byPID(pid int) *child {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ch := c.procs[pid]; ch != nil && !ch.exited() {
		return ch
	}
	return nil
}

func (ch *child) exited() bool {
	select {
	case <-ch.done:
		return true
	default:
		return false
	}
}

// killed reports whether the child ended by SIGKILL.
func (ch *child) killed() bool {
	var ee *exec.ExitError
	return errors.As(ch.err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL
}

// received is one message the relay took in: whose, which digest
// (Message-ID), its papers, and when its DATA was being answered.
type received struct {
	to, id     string
	papers     []string
	start, end time.Time
	unanswered bool // the relay answered its final dot too late
}

// readDigest returns the Message-ID, the recipient and the arXiv ids of
// the papers of a digest as the relay received it.
func readDigest(data []byte) (id, to string, papers []string, err error) {
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return "", "", nil, err
	}
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		return "", "", nil, err
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", "", nil, err
		}
		body, err := io.ReadAll(p)
		if err != nil {
			return "", "", nil, err
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain") {
			for _, l := range absLink.FindAllStringSubmatch(string(body), -1) {
				if !slices.Contains(papers, l[1]) {
					papers = append(papers, l[1])
				}
			}
		}
	}
	addr, err := mail.ParseAddress(m.Header.Get("To"))
	if err != nil {
		return "", "", nil, err
	}
	return m.Header.Get("Message-Id"), addr.Address, papers, nil
}

// TestPassesNeverTwice runs what an operator may run at once on one
// database: two `digestd serve` delivering every minute, `digestd run
// --now` started again and again, readers clicking "send me my digest
// now" on either daemon's web front, through a relay taking 20 ms a
// message that leaves the final dot of every hundredth reader's first
// copy unanswered past smtp.data_timeout. Midway, the process holding the
// delivery lease is SIGKILLed (a daemon is started again, as systemd
// would). Counted at the relay: every reader due gets a digest (lost=0),
// no Message-ID comes twice but for the one more copy of a digest maybe
// delivered, or of one in flight when its process was killed
// (duplicates=0), and no paper reaches a reader in two digests.
func TestPassesNeverTwice(t *testing.T) {
	readers, clicks := scale(2000, 300), scale(200, 30)
	begin := time.Now()
	deadline := begin.Add(time.Duration(scale(240, 90)) * time.Second)
	const concurrency, dataTimeout = 3, 2 * time.Second
	bin := buildDigestd(t)

	var (
		mu   sync.Mutex
		got  []received
		seen = map[string]bool{} // Message-IDs received
		bad  []error
	)
	relay := smtptest.Start(t, smtptest.WithDiscard(), smtptest.WithDataHook(func(data []byte) error {
		id, to, papers, err := readDigest(data)
		if err != nil {
			mu.Lock()
			bad = append(bad, err)
			mu.Unlock()
			return nil
		}
		r := &received{to: to, id: id, papers: papers, start: time.Now()}
		n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(to, "reader"), "@example.org"))
		mu.Lock()
		r.unanswered = n%100 == 0 && !seen[id]
		seen[id] = true
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		if r.unanswered {
			time.Sleep(dataTimeout + 500*time.Millisecond)
		}
		mu.Lock()
		r.end = time.Now()
		got = append(got, *r)
		mu.Unlock()
		return nil
	}))
	e := newEnv(t, startSources(t), relay, fmt.Sprintf("  concurrency: %d", concurrency), "  retry_backoff: 10ms",
		fmt.Sprintf("  data_timeout: %s", dataTimeout), "schedule:", `  deliver: "* * * * *"`, "  pass_lease: 5s", trustLocalProxy)
	e.mustRun("subscribers", "import", writeReaders(t, e.dir, readers, time.Now().UTC().Hour()))
	e.mustRun("fetch", "--date", fixtureDay, "--days", "1")
	db := e.db()
	// Readers who click hold a manage link, as their confirmation mail
	// gave them. They click from the last reader down, as the passes go
	// up: some digests asked for now come before the reader's scheduled
	// one, and some after.
	var tokens []string
	var grants []subscribers.Grant
	for i := range clicks {
		tok, err := subscribers.MintToken()
		if err != nil {
			t.Fatal(err)
		}
		sub, err := subscribers.NewStore(db).ByEmail(context.Background(), readerAddress(readers-1-i*readers/clicks))
		if err != nil {
			t.Fatal(err)
		}
		tokens, grants = append(tokens, tok), append(grants, subscribers.Grant{SubscriberID: sub.ID, Text: tok})
	}
	if err := subscribers.NewStore(db).SaveTokens(context.Background(), subscribers.TokenManage, grants); err != nil {
		t.Fatal(err)
	}

	procs := &children{t: t, bin: bin, cfg: e.config, procs: map[int]*child{}}
	ports := []int{freePort(t), freePort(t)}
	daemons := make([]*child, 2)
	forms := make([]*formClient, 2) // a browser on each daemon's front, under mu
	serve := func(i int) {
		daemons[i] = procs.start([]string{"DIGESTD_LOG_LEVEL=info", fmt.Sprintf("DIGESTD_LISTEN=127.0.0.1:%d", ports[i])}, "serve")
		base := fmt.Sprintf("http://127.0.0.1:%d", ports[i])
		waitFor(t, base+"/healthz")
		c := newFormClient(base)
		mu.Lock()
		forms[i] = c
		mu.Unlock()
	}
	serve(0)
	serve(1)
	stop := make(chan struct{})
	var wg sync.WaitGroup

	// `run --now`, one every 1.5s, each waiting up to the lease's term.
	var runs []*child
	var runsMu sync.Mutex
	wg.Go(func() {
		for {
			runsMu.Lock()
			runs = append(runs, procs.start(nil, "run", "--now"))
			runsMu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(1500 * time.Millisecond):
			}
		}
	})

	// Send-now clicks, spread over the first seconds, on both daemons.
	answers := map[string]int{}
	wg.Go(func() {
		for i, tok := range tokens {
			mu.Lock()
			c := forms[i%2]
			mu.Unlock()
			req, _ := http.NewRequest(http.MethodPost, c.base+"/manage/"+tok+"/send", nil)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.9.%d.%d", i>>8&255, i&255))
			answer := "error"
			if resp, err := c.http.Do(req); err == nil {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				switch {
				case resp.StatusCode == http.StatusOK && bytes.Contains(body, []byte("On its way")):
					answer = "sent"
				case resp.StatusCode == http.StatusOK:
					answer = "nothing_new"
				default:
					answer = strconv.Itoa(resp.StatusCode)
				}
			}
			mu.Lock()
			answers[answer]++
			mu.Unlock()
			time.Sleep(50 * time.Millisecond)
		}
	})

	// Midway, SIGKILL whoever holds the delivery lease.
	var killedAt time.Time
	var victim string
	for killedAt.IsZero() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		if relay.Accepted() < readers/3 {
			continue
		}
		var pid int
		if err := db.QueryRow(`SELECT pid FROM leases WHERE name = 'deliver'`).Scan(&pid); err != nil {
			continue
		}
		ch := procs.byPID(pid)
		if ch == nil || ch.cmd.Process.Signal(syscall.SIGKILL) != nil {
			continue
		}
		mu.Lock()
		killedAt, victim = time.Now(), strings.Join(ch.args, " ")
		mu.Unlock()
		for i, d := range daemons {
			if d == ch {
				<-ch.done
				serve(i) // systemd's Restart=on-failure
			}
		}
	}

	// Until every reader has mail and the outbox is empty.
	for {
		mu.Lock()
		to := map[string]bool{}
		for _, r := range got {
			to[r.to] = true
		}
		mu.Unlock()
		var pending int
		if err := db.QueryRow(`SELECT count(*) FROM digests WHERE status = 'pending'`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if len(to) == readers && pending == 0 && !killedAt.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("at the deadline: %d of %d readers have mail, %d digests pending", len(to), readers, pending)
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	runsMu.Lock()
	cli := map[string]int{}
	for _, r := range runs {
		<-r.done
		switch {
		case r.killed():
			cli["killed"]++
		case r.err == nil:
			cli["ran"]++
		case strings.Contains(r.out.String(), "another delivery pass is running"):
			cli["gave_up"]++
		default:
			t.Errorf("run --now: %v\n%s", r.err, r.out.String())
		}
	}
	runsMu.Unlock()
	skips := 0
	procs.mu.Lock()
	defer procs.mu.Unlock()
	for _, d := range procs.procs {
		if d.args[0] == "serve" && !d.exited() {
			d.cmd.Process.Signal(syscall.SIGTERM)
			<-d.done
		}
		skips += strings.Count(d.out.String(), "delivery pass skipped")
	}

	mu.Lock()
	defer mu.Unlock()
	for _, err := range bad {
		t.Errorf("relay: unreadable message: %v", err)
	}
	copies := map[string][]received{}
	for _, r := range got {
		copies[r.id] = append(copies[r.id], r)
	}
	// In flight at the kill, before the killed process could write down
	// its send: in the relay's hands then, answered in the half second
	// before, or still arriving in the half second after (what it had
	// written to its socket reaches the relay after it died).
	inFlight := func(r received) bool {
		return !killedAt.IsZero() && r.start.Before(killedAt.Add(500*time.Millisecond)) &&
			r.end.After(killedAt.Add(-500*time.Millisecond))
	}
	duplicates, resent, unanswered, killResends := 0, 0, 0, 0
	for _, cs := range copies {
		extra := len(cs) - 1
		switch {
		case slices.ContainsFunc(cs, func(r received) bool { return r.unanswered }):
			unanswered++
			if extra > 0 {
				resent++
				extra--
			}
		case inFlight(cs[0]) && extra > 0:
			killResends++
			extra--
		}
		duplicates += extra
	}
	duplicates += max(killResends-(concurrency+1), 0) // a kill resends at most what was in flight
	lost, papersTwice := 0, 0
	byReader := map[string]map[string]string{} // reader: paper: Message-ID
	for _, r := range got {
		if byReader[r.to] == nil {
			byReader[r.to] = map[string]string{}
		}
		for _, p := range r.papers {
			if id, ok := byReader[r.to][p]; ok && id != r.id {
				papersTwice++
			}
			byReader[r.to][p] = r.id
		}
	}
	for i := range readers {
		if len(byReader[readerAddress(i)]) == 0 {
			lost++
		}
	}
	t.Logf("passes: daemons=2 cli_runs=%d send_now=%d readers=%d duplicates=%d lost=%d papers_twice=%d "+
		"cli_ran=%d cli_gave_up=%d cli_killed=%d serve_skips=%d send_now_answers=%v killed=%q kill_resends=%d messages=%d seconds=%.0f",
		len(runs), len(tokens), readers, duplicates, lost, papersTwice, cli["ran"], cli["gave_up"], cli["killed"],
		skips, answers, victim, killResends, len(got), time.Since(begin).Seconds())
	t.Logf("maybe_delivered: unanswered=%d resent=%d data_timeout=%s", unanswered, resent, dataTimeout)
	if duplicates != 0 || lost != 0 || papersTwice != 0 {
		t.Errorf("got duplicates=%d lost=%d papers_twice=%d, want 0, 0 and 0", duplicates, lost, papersTwice)
	}
	if unanswered == 0 || resent != unanswered {
		t.Errorf("maybe delivered: got %d unanswered, %d resent; want some, each sent once more", unanswered, resent)
	}
	if killedAt.IsZero() {
		t.Error("no process held the delivery lease midway to be killed")
	}
	if answers["sent"] == 0 {
		t.Errorf("send-now answers: got %v, want some digests sent", answers)
	}
}
