package main

import (
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/digestd/digestd/digest/mailer/smtptest"
)

// linkCounter is a reverse proxy in front of digestd that counts the GETs
// of each link, and those a browser made ahead of a click (Sec-Purpose:
// prefetch or prerender).
type linkCounter struct {
	proxy http.Handler
	mu    sync.Mutex
	gets  map[string]int
	ahead map[string]int
}

func (c *linkCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	if r.Method == http.MethodGet {
		c.gets[r.URL.Path]++
		if r.Header.Get("Sec-Purpose") != "" {
			c.ahead[r.URL.Path]++
		}
	}
	c.mu.Unlock()
	c.proxy.ServeHTTP(w, r)
}

func (c *linkCounter) count(path string) (gets, ahead int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gets[path], c.ahead[path]
}

// prefetchPage is a page of another site that makes the browser fetch
// links ahead of any click, every way it knows: prefetch and prerender
// hints, speculation rules, an image; then it is clicked through.
var prefetchPage = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><title>Links</title>
{{range .}}<link rel="prefetch" href="{{.}}">
<link rel="prerender" href="{{.}}">
{{end}}<script type="speculationrules">{"prefetch": [{"source": "list", "urls": [{{range $i, $u := .}}{{if $i}}, {{end}}"{{$u}}"{{end}}]}],
"prerender": [{"source": "list", "urls": [{{range $i, $u := .}}{{if $i}}, {{end}}"{{$u}}"{{end}}]}]}</script>
</head><body>
{{range .}}<p><a href="{{.}}">{{.}}</a> <img src="{{.}}" alt=""></p>
{{end}}</body></html>`))

// TestBrowserPrefetchChangesNothing: mail scanners and browsers fetch the
// links of a mail ahead of any click. A real Chromium fetches a
// confirmation link and the links of a digest — unsubscribe, manage and
// the "more/fewer like this" vote links — every way a page can ask it to,
// then opens each; the database does not change: no reader, topic, vote
// or library. Then the vote page's button, pressed in the browser, records
// the vote, and its undo takes it back.
func TestBrowserPrefetchChangesNothing(t *testing.T) {
	b := newBrowser(t)
	relay := smtptest.Start(t)
	base, e := startServe(t, relay)
	e.mustRun("subscribers", "add", "ada@example.org", "--confirmed", "--topic", "agents")
	if code := subscribeVia(t, base, "dee@example.org"); code != http.StatusOK {
		t.Fatalf("POST /subscribe: got %d, want 200", code)
	}
	confirm := strings.TrimPrefix(confirmLink(t, relay, base), base)
	if code := press(t, base, e.manageLink("ada@example.org")+"/send"); code != http.StatusOK {
		t.Fatalf("send ada her digest now: got %d, want 200", code)
	}
	digest := adaDigest(t, relay)
	link := func(label string) []string {
		var paths []string
		for _, m := range regexp.MustCompile(regexp.QuoteMeta(label)+`: (\S+)`).FindAllStringSubmatch(digest.text, -1) {
			paths = append(paths, strings.TrimPrefix(m[1], base))
		}
		if len(paths) == 0 {
			t.Fatalf("ada's digest has no %q link:\n%s", label, digest.text)
		}
		return paths
	}
	names := []string{"confirm", "unsubscribe", "manage", "more", "fewer", "more", "fewer"}
	more, fewer := link("More like this"), link("Fewer like this")
	if len(more) < 2 || len(fewer) < 2 {
		t.Fatalf("ada's digest has %d papers, want 2 or more", len(more))
	}
	manage, paper, _ := strings.Cut(more[0], "/more/")
	paths := []string{confirm, link("Unsubscribe")[0], manage, more[0], fewer[0], more[1], fewer[1]}
	before := e.readers()

	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	counter := &linkCounter{proxy: httputil.NewSingleHostReverseProxy(target), gets: map[string]int{}, ahead: map[string]int{}}
	proxy := httptest.NewServer(counter)
	t.Cleanup(proxy.Close)
	var links []string
	for _, p := range paths {
		links = append(links, proxy.URL+p)
	}
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		prefetchPage.Execute(w, links)
	}))
	t.Cleanup(page.Close)

	b.do("open a page that prefetches the links", chromedp.Navigate(page.URL), chromedp.WaitVisible(chromedp.CSS("p")))
	fetched := func() bool {
		for _, p := range paths {
			if gets, _ := counter.count(p); gets == 0 {
				return false
			}
		}
		return true
	}
	for deadline := time.Now().Add(10 * time.Second); !fetched() && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	var report []string
	for i, p := range paths {
		gets, ahead := counter.count(p)
		if gets == 0 {
			t.Errorf("%s: the browser did not fetch it from the page", links[i])
		}
		report = append(report, fmt.Sprintf("%s=%d/%d", names[i], gets, ahead))
	}
	for _, link := range links {
		b.do("open "+link, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	after := e.readers()
	if after != before {
		t.Errorf("stored after the browser fetched every link:\n%s\nwant as before:\n%s", after, before)
	}
	t.Logf("web: prefetched links (gets/ahead of a click) %s; stored readers changed=%v", strings.Join(report, " "), after != before)
	if code := press(t, base, confirm); code != http.StatusOK {
		t.Errorf("the button after all that: got %d, want 200 (the link still works)", code)
	}

	b.do("open a vote link", chromedp.Navigate(base+more[0]), chromedp.WaitVisible(chromedp.CSS("main .paper form button")))
	b.shoot("vote")
	b.do("press More like this", chromedp.Click(chromedp.CSS("main .paper form button")),
		chromedp.WaitVisible(chromedp.CSS(`main form[action$="/undo/`+paper+`"] button`)))
	if got := b.text("main h1"); got != "Noted: more like this" {
		t.Errorf("after the button: got heading %q, want Noted: more like this", got)
	}
	b.shoot("voted")
	if got := e.mustRun("votes", "list", "ada@example.org"); !strings.HasPrefix(got, paper+" up ") || strings.Count(got, "\n") != 1 {
		t.Errorf("votes after the button: got %q, want %s up", got, paper)
	}
	b.do("press Undo", chromedp.Click(chromedp.CSS(`main form[action$="/undo/`+paper+`"] button`)),
		chromedp.WaitNotPresent(chromedp.CSS("main .paper")), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if got := b.text("main h1"); got != "Vote taken back" {
		t.Errorf("after Undo: got heading %q, want Vote taken back", got)
	}
	if got := e.mustRun("votes", "list", "ada@example.org"); got != "" {
		t.Errorf("votes after Undo: got %q, want none", got)
	}
}

// adaDigest waits for the digest mailed to ada@example.org.
func adaDigest(t *testing.T, relay *smtptest.Server) digestMail {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, m := range relay.Messages() {
			if slices.Contains(m.To, "ada@example.org") {
				return parseDigest(t, m.Data)
			}
		}
	}
	t.Fatal("no digest mailed to ada@example.org within 10s")
	return digestMail{}
}
