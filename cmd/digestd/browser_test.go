package main

import (
	"context"
	"fmt"
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

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/digestd/digestd/digest/mailer/smtptest"
)

// chromiumPath is Debian's Chromium unless DIGESTD_CHROMIUM names another.
func chromiumPath(t *testing.T) string {
	path := os.Getenv("DIGESTD_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		// The pages are only tested for real in a browser: no skipping.
		t.Fatalf("the browser test needs Chromium at %s: install the Debian package chromium (apt-get install -y chromium) or set DIGESTD_CHROMIUM", path)
	}
	return path
}

// artifactsDir is where the screenshots go: $DIGESTD_ARTIFACTS, else a
// folder under the system's temporary directory that outlives the test, so
// the pages can be looked at afterwards.
func artifactsDir(t *testing.T) string {
	dir := os.Getenv("DIGESTD_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "digestd-artifacts")
	}
	dir = filepath.Join(dir, "browser")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// browser is one headless Chromium tab and where its screenshots go.
type browser struct {
	t     *testing.T
	ctx   context.Context
	dir   string
	shots int
}

func newBrowser(t *testing.T) *browser {
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return &browser{t: t, ctx: ctx, dir: artifactsDir(t)}
}

// do runs actions, failing the test with what was being done.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// text returns the text of the first element sel matches.
func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// shoot saves the page as it looks on a phone (390 px) and on a laptop
// (1280 px), then leaves the laptop width on.
func (b *browser) shoot(name string) {
	b.t.Helper()
	b.shots++
	for _, width := range []int64{390, 1280} {
		b.do("viewport", chromedp.EmulateViewport(width, 800))
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			b.t.Fatalf("screenshot %s: %v", name, err)
		}
		file := filepath.Join(b.dir, fmt.Sprintf("%02d-%s-%d.png", b.shots, name, width))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
}

// TestBrowserSubscribeManageUnsubscribe walks a reader through the web front
// in headless Chromium against a real `digestd serve`: subscribe, confirm
// from the mail, tune topics with the live preview, unsubscribe.
func TestBrowserSubscribeManageUnsubscribe(t *testing.T) {
	b := newBrowser(t)
	relay := smtptest.Start(t)
	base, e := startServe(t, relay)

	// The script fills the time zone in from the browser's.
	berlin := chromedp.Func(func(ctx context.Context, tab *chromedp.Target) error {
		_, err := cdp.Call(ctx, tab, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Europe/Berlin"})
		return err
	})
	b.do("open /", berlin, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#email")))
	b.shoot("subscribe")
	b.do("subscribe", chromedp.SendKeys(chromedp.CSS("#email"), "ada@example.org"),
		chromedp.Click(chromedp.CSS(`form[action="/subscribe"] button[type=submit]`)),
		chromedp.WaitNotPresent(chromedp.CSS("#email")), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if got := b.text("main h1"); got != "Check your inbox" {
		t.Fatalf("after subscribing: got heading %q, want Check your inbox", got)
	}
	b.shoot("check-inbox")

	link := confirmLink(t, relay, base)
	b.do("open the confirmation link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("main form button")))
	if got := b.text("main h1"); got != "Confirm your subscription" {
		t.Fatalf("confirm link: got heading %q, want Confirm your subscription", got)
	}
	b.shoot("confirm")
	b.do("confirm", chromedp.Click(chromedp.CSS("main form button")),
		chromedp.WaitNotPresent(chromedp.CSS("main form")), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if got := b.text("main h1"); got != "You're subscribed" {
		t.Fatalf("after the button: got heading %q, want You're subscribed", got)
	}
	b.shoot("confirmed")
	manage, err := chromedp.Run(b.ctx, chromedp.AttributeValue(chromedp.CSS("main a.button"), "href"))
	if err != nil || !strings.HasPrefix(manage.Value, base+"/manage/") {
		t.Fatalf("confirmed page: manage link %q (%v)", manage.Value, err)
	}

	// The preview must change in place: a mark set on the window before
	// typing is still there once the new topic's papers show.
	b.do("open manage", chromedp.Navigate(manage.Value), chromedp.WaitVisible(chromedp.CSS("#topics")),
		chromedp.WaitVisible(chromedp.CSS("#preview h2")))
	b.shoot("manage")
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`window.notReloaded = true`)); err != nil {
		t.Fatal(err)
	}
	b.do("type a topic", chromedp.SendKeys(chromedp.CSS("#topics"), "agents"),
		chromedp.WaitVisible(chromedp.CSS(`#preview section[data-query="agents"] li mark`)))
	if kept, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`window.notReloaded === true`)); err != nil || !kept {
		t.Fatalf("the page reloaded while the preview updated (%v)", err)
	}
	if got := b.text(`#preview section[data-query="agents"] li mark`); !strings.EqualFold(got, "agents") {
		t.Errorf("preview highlights %q, want agents", got)
	}
	b.shoot("manage-preview")
	b.do("save", chromedp.Click(chromedp.CSS(`button[value=save]`)), chromedp.WaitVisible(chromedp.CSS(".notice")))
	b.shoot("saved")
	b.do("send now", chromedp.Click(chromedp.CSS(`form.send button`)),
		chromedp.WaitNotPresent(chromedp.CSS("form.send")), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if got := b.text("main h1"); got != "On its way" {
		t.Fatalf("send now: got heading %q, want On its way", got)
	}
	if msgs := relay.Messages(); len(msgs) != 2 {
		t.Errorf("mails after send now: got %d, want 2 (confirmation, digest)", len(msgs))
	} else if d := parseDigest(t, msgs[1].Data); len(d.paperIDs()) == 0 || d.header.Get("List-Unsubscribe") == "" {
		t.Errorf("digest sent now: %d papers, List-Unsubscribe %q", len(d.paperIDs()), d.header.Get("List-Unsubscribe"))
	}

	unsub := strings.Replace(manage.Value, "/manage/", "/unsubscribe/", 1)
	b.do("open unsubscribe", chromedp.Navigate(unsub), chromedp.WaitVisible(chromedp.CSS("main form button")))
	b.shoot("unsubscribe")
	// From the keyboard this time: focus the button, press Enter.
	b.do("unsubscribe", chromedp.Focus(chromedp.CSS("main form button")), chromedp.KeyEvent("\r"),
		chromedp.WaitNotPresent(chromedp.CSS("main form")), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if got := b.text("main h1"); got != "You're unsubscribed" {
		t.Fatalf("after the button: got heading %q, want You're unsubscribed", got)
	}
	b.shoot("unsubscribed")

	db := e.db()
	var status, tz, topics string
	if err := db.QueryRow(`SELECT status, timezone, (SELECT group_concat(query) FROM topics WHERE subscriber_id = s.id)
		FROM subscribers s WHERE email = 'ada@example.org'`).Scan(&status, &tz, &topics); err != nil {
		t.Fatal(err)
	}
	if status != "unsubscribed" || tz != "Europe/Berlin" || topics != "agents" {
		t.Errorf("stored: got %s, %s, topics %q; want unsubscribed, Europe/Berlin (from the browser), agents", status, tz, topics)
	}
}

// startServe runs `digestd serve` in-process with its mail going to relay,
// its base_url the local address and extra config lines, and waits until
// its start-up fetch and delivery pass are done. No scheduled pass runs
// during the test, so the mails the test counts are its own. The daemon is
// stopped when the test ends.
func startServe(t *testing.T, relay *smtptest.Server, extra ...string) (string, *env) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	base := "http://" + addr
	t.Setenv("DIGESTD_BASE_URL", base)
	t.Setenv("DIGESTD_SCHEDULE_DELIVER", "0 0 1 1 *")
	e := newEnv(t, startSources(t), relay, append([]string{"listen: " + addr}, extra...)...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- execute(ctx, []string{"--config", e.config, "serve"}, io.Discard, io.Discard) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop within 20s")
		}
	})
	waitFor(t, base+"/healthz")
	db := e.db()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var papers, passes int
		if err := db.QueryRow(`SELECT (SELECT count(*) FROM papers),
			(SELECT count(*) FROM runs WHERE kind = 'deliver' AND finished_at > 0)`).Scan(&papers, &passes); err != nil {
			t.Fatal(err)
		}
		if papers > 0 && passes > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("30s after start: %d papers, %d delivery passes done; want some of both", papers, passes)
		}
	}
	return base, e
}

// confirmLinkRE matches a confirmation link of the web front at base.
func confirmLinkRE(base string) *regexp.Regexp {
	return regexp.MustCompile(regexp.QuoteMeta(base) + `/confirm/[A-Za-z0-9_-]+`)
}

// confirmLink waits for the confirmation mail and returns its link.
func confirmLink(t *testing.T, relay *smtptest.Server, base string) string {
	t.Helper()
	re := confirmLinkRE(base)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, m := range relay.Messages() {
			if link := re.FindString(parseDigest(t, m.Data).text); link != "" {
				return link
			}
		}
	}
	t.Fatalf("no confirmation mail with a link to %s/confirm/ within 10s", base)
	return ""
}

// postForm posts a form as a browser on one of base's pages would: with
// base as its Origin.
func postForm(t *testing.T, base, path string, form url.Values) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	return http.DefaultClient.Do(req)
}

// press posts the empty form of a button on one of base's pages to path
// and returns the answer's status.
func press(t *testing.T, base, path string) int {
	t.Helper()
	resp, err := postForm(t, base, path, url.Values{})
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
