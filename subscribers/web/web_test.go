package web_test

import (
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

	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/digest/pipeline"
	"github.com/digestd/digestd/subscribers"
	"github.com/digestd/digestd/subscribers/query"
	"github.com/digestd/digestd/subscribers/web"
	"github.com/digestd/digestd/templates"
)

// recordingConfirmer records the signups the web front queues instead of
// mailing their links.
type recordingConfirmer struct {
	mu     sync.Mutex
	queued []subscribers.Signup
}

func (c *recordingConfirmer) Queue(su subscribers.Signup) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queued = append(c.queued, su)
}

// calls counts the signups queued for email.
func (c *recordingConfirmer) calls(email string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, su := range c.queued {
		if strings.EqualFold(su.Subscriber.Email, email) {
			n++
		}
	}
	return n
}

// last is the signup queued last.
func (c *recordingConfirmer) last(t *testing.T) subscribers.Signup {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queued) == 0 {
		t.Fatal("no signup queued")
	}
	return c.queued[len(c.queued)-1]
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
}

// stubPreviewer previews every query with a paper named after it and one
// paper every query catches, so a test sees which queries reached it.
type stubPreviewer struct{}

func (stubPreviewer) Preview(_ context.Context, _ int64, q *query.Query, _ int) ([]web.PreviewPaper, error) {
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
// database; cfg may change the POST rate limit and the Sender.
func newWeb(t *testing.T, cfg ...web.Config) *webServer {
	t.Helper()
	st, db := digesttest.Subscribers(t)
	conf := &recordingConfirmer{}
	pages, err := fs.Sub(templates.FS, "pages")
	if err != nil {
		t.Fatal(err)
	}
	c := web.Config{}
	if len(cfg) > 0 {
		c = cfg[0]
	}
	sends := &countingSender{}
	c.Store, c.Confirmer, c.Previewer, c.Pages = st, conf, stubPreviewer{}, pages
	if c.Sender == nil {
		c.Sender = sends
	}
	c.Archive, c.TopicsHelp = stubArchive{}, "<h1>Topics: the query language</h1>"
	papers := digesttest.NewStore(t, db)
	digesttest.Save(t, papers, append(digesttest.Corpus(), feedbackPapers...))
	c.Papers, c.History = &pipeline.Archive{Store: papers}, papers
	trainer := &pipeline.Trainer{Store: papers, Subscribers: st}
	c.Learner = trainer
	c.Library = &pipeline.Library{Store: papers, Subscribers: st, Trainer: trainer}
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

// do sends a request without following redirects.
func (w *webServer) do(t *testing.T, method, path, body string) (*http.Response, string) {
	t.Helper()
	return w.send(t, method, path, body, nil)
}

// post sends a form as a browser on one of the pages would: same-origin.
func (w *webServer) post(t *testing.T, path, body string) (*http.Response, string) {
	t.Helper()
	return w.send(t, "POST", path, body, http.Header{"Sec-Fetch-Site": {"same-origin"}})
}

func (w *webServer) send(t *testing.T, method, path, body string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, w.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
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
	want := []string{"email", "topics", "frequency", "weekday", "hour", "timezone"}
	if !slices.Equal(fields, want) {
		t.Errorf("form fields: got %q, want %q", fields, want)
	}
}

// TestSubscribe posts the form for an address in each state: the same
// page for all; a signup queued for its mail unless the address was mailed
// just now; and nothing stored about a known reader changed.
func TestSubscribe(t *testing.T) {
	w := newWeb(t)
	form := url.Values{"topics": {"LoRA\r\n\r\nlong-context"}, "frequency": {"weekly"}, "weekday": {"3"},
		"hour": {"8"}, "timezone": {"Europe/Paris"}}
	posted := subscribers.Settings{Frequency: subscribers.Weekly, Weekday: time.Wednesday, Hour: 8, Timezone: "Europe/Paris"}
	tests := []struct {
		name, email string
		before      subscribers.Status // "" for an address never seen
		sentAgo     time.Duration      // a confirmation token this old; < 0 for none
		wantCalls   int
	}{
		{"new address", "new@example.org", "", -1, 1},
		{"pending, mailed an hour ago", "old@example.org", subscribers.StatusPending, time.Hour, 1},
		{"pending, mailed just now", "recent@example.org", subscribers.StatusPending, 0, 0},
		{"unsubscribed", "left@example.org", subscribers.StatusUnsubscribed, -1, 1},
		{"active", "active@example.org", subscribers.StatusActive, -1, 1},
		{"paused", "paused@example.org", subscribers.StatusPaused, -1, 1},
		{"bounced", "bounced@example.org", subscribers.StatusBounced, -1, 1},
	}
	var firstBody string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantStatus, wantSet, wantTopics := subscribers.StatusPending, posted, []string(nil)
			if tt.before != "" {
				sub := digesttest.AddReader(t, w.store, tt.email, tt.before, "rag")
				wantStatus, wantSet, wantTopics = tt.before, subscribers.DefaultSettings(), []string{"rag"}
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
				t.Errorf("confirmations queued: got %d, want %d", got, tt.wantCalls)
			}
			if tt.wantCalls > 0 {
				su := w.conf.last(t)
				if su.Token == "" || !slices.Equal(su.Topics, []string{"lora", `"long context"`}) || su.Settings.Timezone != "Europe/Paris" {
					t.Errorf("queued signup: got token %q, topics %q, %+v; want a token, the posted topics and settings",
						su.Token, su.Topics, su.Settings)
				}
			}
			sub, err := w.store.ByEmail(t.Context(), tt.email)
			if err != nil {
				t.Fatal(err)
			}
			if sub.Status != wantStatus || sub.Settings() != wantSet {
				t.Errorf("stored: got %s %+v, want %s %+v", sub.Status, sub.Settings(), wantStatus, wantSet)
			}
			if got := digesttest.Topics(t, w.store, sub.ID); !slices.Equal(got, wantTopics) {
				t.Errorf("topics: got %q, want %q", got, wantTopics)
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
	if n := digesttest.Count(t, w.db, `SELECT count(*) FROM subscribers`); n != 0 {
		t.Errorf("subscribers stored: got %d, want 0", n)
	}
	if n := w.conf.calls("ann@example.org"); n != 0 {
		t.Errorf("confirmations: got %d, want 0", n)
	}
}
