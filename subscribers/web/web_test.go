package web_test

import (
	"github.com/digestd/digestd/digest/digesttest"

	"context"
	"database/sql"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digestd/digestd/subscribers"
	"github.com/digestd/digestd/subscribers/query"
	"github.com/digestd/digestd/subscribers/web"
	"github.com/digestd/digestd/templates"
)

// recordingConfirmer mints the confirmation token as digest.Confirmations
// does (the web front's rate limit counts those tokens) and records the
// address instead of mailing the link.
type recordingConfirmer struct {
	store *subscribers.Store
	mu    sync.Mutex
	sent  []string
}

func (c *recordingConfirmer) SendConfirmation(ctx context.Context, sub subscribers.Subscriber) error {
	if _, err := c.store.NewToken(ctx, sub.ID, subscribers.TokenConfirm); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent = append(c.sent, sub.Email)
	return nil
}

func (c *recordingConfirmer) calls(email string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, e := range c.sent {
		if e == email {
			n++
		}
	}
	return n
}

// failOnLog makes anything the web front logs (a template or store error)
// fail the test: no case here expects one.
type failOnLog struct{ t *testing.T }

func (f failOnLog) Write(p []byte) (int, error) {
	f.t.Errorf("web front logged: %s", p)
	return len(p), nil
}

type webServer struct {
	url   string
	store *subscribers.Store
	db    *sql.DB
	conf  *recordingConfirmer
	sends *countingSender
	// cookie and csrf are a browser's form cookie and the token its forms
	// carry, fetched once from the subscribe page.
	cookie *http.Cookie
	csrf   string
}

// stubPreviewer previews every query with a paper named after it and one
// paper every query catches, so a test sees which queries reached it.
type stubPreviewer struct{}

func (stubPreviewer) Preview(_ context.Context, q *query.Query, _ int) ([]web.PreviewPaper, error) {
	return []web.PreviewPaper{
		{ID: q.String(), Title: []web.Span{{Text: "Paper on "}, {Text: q.String(), Hit: true}},
			URL: "https://arxiv.org/abs/" + q.String(), Meta: "Ann Author · 2 Jul 2026", Date: time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC)},
		{ID: "2607.00001", Title: []web.Span{{Text: "A survey of everything"}},
			URL: "https://arxiv.org/abs/2607.00001", Meta: "Bo Author · 1 Jul 2026", Date: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)},
	}, nil
}

// countingSender records who asked for a digest now and says it held
// three papers.
type countingSender struct {
	mu   sync.Mutex
	sent []string
}

func (c *countingSender) SendNow(_ context.Context, sub subscribers.Subscriber) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent = append(c.sent, sub.Email)
	return 3, nil
}

// newWeb serves the web front as cmd/digestd wires it, over a fresh
// database; cfg may change the POST rate limit.
func newWeb(t *testing.T, cfg ...web.Config) *webServer {
	t.Helper()
	st, db := newStore(t)
	conf := &recordingConfirmer{store: st}
	pages, err := fs.Sub(templates.FS, "pages")
	if err != nil {
		t.Fatal(err)
	}
	c := web.Config{}
	if len(cfg) > 0 {
		c = cfg[0]
	}
	sends := &countingSender{}
	c.Store, c.Confirmer, c.Previewer, c.Sender, c.Pages = st, conf, stubPreviewer{}, sends, pages
	c.Papers, c.Archive, c.TopicsHelp = stubPapers{}, stubArchive{}, "<h1>Topics: the query language</h1>"
	c.History = digesttest.NewStore(t, db)
	if c.MaxPapers == 0 {
		c.MaxPapers = 20
	}
	c.Log, c.BaseURL = slog.New(slog.NewTextHandler(failOnLog{t}, nil)), "http://digestd.test"
	front, err := web.New(c)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	front.Register(mux)
	mux.HandleFunc("/", front.NotFound)
	srv := httptest.NewServer(web.Secure(mux))
	t.Cleanup(srv.Close)
	return &webServer{url: srv.URL, store: st, db: db, conf: conf, sends: sends}
}

// do sends a request without cookies and without following redirects.
func (w *webServer) do(t *testing.T, method, path, body string) (*http.Response, string) {
	t.Helper()
	return w.send(t, method, path, body, nil)
}

// post sends a form as a browser that loaded one of the pages would: with
// the form cookie and the form token.
func (w *webServer) post(t *testing.T, path, body string) (*http.Response, string) {
	t.Helper()
	if w.cookie == nil {
		resp, page := w.do(t, "GET", "/", "")
		m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
		if len(resp.Cookies()) != 1 || m == nil {
			t.Fatalf("GET /: got cookies %v and no form token in\n%s", resp.Cookies(), page)
		}
		w.cookie, w.csrf = resp.Cookies()[0], m[1]
	}
	return w.send(t, "POST", path, body+"&csrf="+url.QueryEscape(w.csrf), w.cookie)
}

func (w *webServer) send(t *testing.T, method, path, body string, cookie *http.Cookie) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, w.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestIndex(t *testing.T) {
	w := newWeb(t)
	resp, body := w.do(t, "GET", "/", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: got %d, want 200", resp.StatusCode)
	}
	if !strings.Contains(body, `<form method="post" action="/subscribe"`) {
		t.Errorf("GET /: got no form posting to /subscribe in\n%s", body)
	}
	var fields []string
	for _, m := range regexp.MustCompile(`<(?:input|textarea|select)[^>]*\sname="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		fields = append(fields, m[1])
	}
	want := []string{"csrf", "email", "topics", "frequency", "weekday", "hour", "timezone"}
	if !slices.Equal(fields, want) {
		t.Errorf("form fields: got %q, want %q", fields, want)
	}
}

func TestSubscribe(t *testing.T) {
	w := newWeb(t)
	form := url.Values{"topics": {"LoRA\r\n\r\nlong-context"}, "frequency": {"weekly"}, "weekday": {"3"},
		"hour": {"8"}, "timezone": {"Europe/Paris"}}
	tests := []struct {
		name, email string
		before      subscribers.Status // "" for an address never seen
		sentAgo     time.Duration      // a confirmation token this old; < 0 for none
		wantCalls   int
		wantTopics  []string
	}{
		{"new address", "new@example.org", "", -1, 1, []string{"lora", `"long context"`}},
		{"pending, mailed an hour ago", "old@example.org", subscribers.StatusPending, time.Hour, 1, []string{"lora", `"long context"`}},
		{"pending, mailed just now", "recent@example.org", subscribers.StatusPending, 0, 0, []string{"lora", `"long context"`}},
		{"unsubscribed", "left@example.org", subscribers.StatusUnsubscribed, -1, 1, []string{"lora", `"long context"`}},
		{"active", "active@example.org", subscribers.StatusActive, -1, 0, []string{"rag"}},
		{"paused", "paused@example.org", subscribers.StatusPaused, -1, 0, []string{"rag"}},
	}
	var firstBody string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != "" {
				sub := add(t, w.store, tt.email, tt.before, "rag")
				if tt.sentAgo >= 0 {
					if _, err := w.store.NewToken(t.Context(), sub.ID, subscribers.TokenConfirm); err != nil {
						t.Fatal(err)
					}
					if _, err := w.db.ExecContext(t.Context(), `UPDATE tokens SET created_at = created_at - ? WHERE subscriber_id = ?`,
						int64(tt.sentAgo.Seconds()), sub.ID); err != nil {
						t.Fatal(err)
					}
				}
			}
			form.Set("email", tt.email)
			resp, body := w.post(t, "/subscribe", form.Encode())
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Check your inbox") {
				t.Fatalf("got %d %s, want 200 Check your inbox", resp.StatusCode, body)
			}
			// No enumeration: every address gets the same page.
			if body = strings.ReplaceAll(body, tt.email, "ADDRESS"); firstBody == "" {
				firstBody = body
			} else if body != firstBody {
				t.Errorf("got page\n%s\nwant the same page as for a new address\n%s", body, firstBody)
			}
			if got := w.conf.calls(tt.email); got != tt.wantCalls {
				t.Errorf("confirmations: got %d, want %d", got, tt.wantCalls)
			}
			sub, err := w.store.ByEmail(t.Context(), tt.email)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.before
			if want == "" {
				want = subscribers.StatusPending
			}
			if sub.Status != want {
				t.Errorf("status: got %s, want %s", sub.Status, want)
			}
			if got := topicQueries(t, w.store, sub.ID); !slices.Equal(got, tt.wantTopics) {
				t.Errorf("topics: got %q, want %q", got, tt.wantTopics)
			}
		})
	}
}

// TestSubscribeFiveTimes posts one address five times in quick succession:
// the same page every time, one confirmation mail.
func TestSubscribeFiveTimes(t *testing.T) {
	w := newWeb(t)
	form := url.Values{"email": {"ann@example.org"}, "topics": {"lora"}}.Encode()
	_, first := w.post(t, "/subscribe", form)
	for i := 2; i <= 5; i++ {
		resp, page := w.post(t, "/subscribe", form)
		if resp.StatusCode != http.StatusOK || page != first {
			t.Errorf("post %d: got %d\n%s\nwant 200 and the first page\n%s", i, resp.StatusCode, page, first)
		}
	}
	if got := w.conf.calls("ann@example.org"); got != 1 {
		t.Errorf("confirmations: got %d, want 1", got)
	}
}

func TestSubscribeRejects(t *testing.T) {
	w := newWeb(t)
	form := func(email, topics, hour, tz string) string {
		return url.Values{"email": {email}, "topics": {topics}, "hour": {hour}, "timezone": {tz}}.Encode()
	}
	tests := []struct {
		name, body string
		wantCode   int
		mention    string // escaped as the page shows it
	}{
		{"invalid topic", form("ann@example.org", "lora\nfoo)", "7", "UTC"), 400, "unmatched &#34;)&#34; at column 4"},
		{"display name", form("Ann <ann@example.org>", "", "7", "UTC"), 400, "want a single address"},
		{"header injection", form("ann@example.org\r\nBcc: x@y.org", "", "7", "UTC"), 400, "contains a line break"},
		{"no address", form("", "lora", "7", "UTC"), 400, "email address is empty"},
		{"unknown time zone", form("ann@example.org", "", "7", "Mars/Olympus"), 400, "Mars/Olympus"},
		{"hour 24", form("ann@example.org", "", "24", "UTC"), 400, "hour 24"},
		{"body over 64 KiB", form("ann@example.org", strings.Repeat("lora ", 14<<10), "7", "UTC"), 413, "larger than we accept"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := w.post(t, "/subscribe", tt.body)
			if resp.StatusCode != tt.wantCode || !strings.Contains(body, tt.mention) {
				t.Errorf("got %d\n%s\nwant %d naming %q", resp.StatusCode, body, tt.wantCode, tt.mention)
			}
		})
	}
	if n := count(t, w.db, `SELECT count(*) FROM subscribers`); n != 0 {
		t.Errorf("subscribers stored: got %d, want 0", n)
	}
	if n := w.conf.calls("ann@example.org"); n != 0 {
		t.Errorf("confirmations: got %d, want 0", n)
	}
}
