package main

import (
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/digestd/digestd/digest/mailer/smtptest"
	"github.com/digestd/digestd/subscribers"
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
// links of a mail ahead of any click. A real Chromium fetches the
// confirmation, unsubscribe, manage and "more/fewer like this" links every
// way a page can ask it to, then opens each; the database does not change.
func TestBrowserPrefetchChangesNothing(t *testing.T) {
	b := newBrowser(t)
	relay := smtptest.Start(t)
	base, e := startServe(t, relay)
	e.mustRun("subscribers", "add", "ada@example.org", "--confirmed", "--topic", "agents")
	if code := subscribeVia(t, base, "dee@example.org"); code != http.StatusOK {
		t.Fatalf("POST /subscribe: got %d, want 200", code)
	}
	confirm := strings.TrimPrefix(confirmLink(t, relay, base), base)
	st := subscribers.NewStore(e.db())
	ada, err := st.ByEmail(t.Context(), "ada@example.org")
	if err != nil {
		t.Fatal(err)
	}
	manage, err := st.NewToken(t.Context(), ada.ID, subscribers.TokenManage)
	if err != nil {
		t.Fatal(err)
	}
	var paper string
	if err := e.db().QueryRow(`SELECT arxiv_id FROM papers ORDER BY id LIMIT 1`).Scan(&paper); err != nil {
		t.Fatal(err)
	}
	names := []string{"confirm", "unsubscribe", "manage", "more", "fewer"}
	paths := []string{confirm, "/unsubscribe/" + manage, "/manage/" + manage,
		"/manage/" + manage + "/more/" + paper, "/manage/" + manage + "/fewer/" + paper}
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
}
