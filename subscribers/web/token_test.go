package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/subscribers"
)

// token mints a token or fails the test.
func token(t *testing.T, st *subscribers.Store, id int64, kind subscribers.TokenKind) string {
	t.Helper()
	text, err := st.NewToken(t.Context(), id, kind)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// status returns a subscriber's stored status.
func status(t *testing.T, st *subscribers.Store, id int64) subscribers.Status {
	t.Helper()
	sub, err := st.ByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return sub.Status
}

// TestConfirmPage: the link of a confirmation mail shows the address, the
// schedule and the topics the click applies, and a button; only the
// button's POST confirms, once.
func TestConfirmPage(t *testing.T) {
	w := newWeb(t)
	digesttest.AddReader(t, w.store, "ann@example.org", subscribers.StatusActive, "rag")
	form := url.Values{"email": {"ann@example.org"}, "topics": {"LoRA\nagents"}, "frequency": {"weekly"}, "weekday": {"5"},
		"hour": {"9"}, "timezone": {"Europe/Berlin"}}
	if resp, _ := w.post(t, "/subscribe", form.Encode()); resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /subscribe: got %d, want 200", resp.StatusCode)
	}
	su := w.conf.last(t)
	path := "/confirm/" + su.Token
	for range 3 { // a scanner, a prefetch, the reader
		resp, body := w.do(t, "GET", path, "")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("GET: got %d, Cache-Control %q, want 200 no-store", resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
		for _, want := range []string{"ann@example.org", "weekly, on Fridays, at 09:00, Europe/Berlin time", "<code>lora</code>",
			"<code>agents</code>", "replaces its schedule and topics", `<form method="post" action="http://digestd.test` + path + `"`,
			"Confirm and subscribe</button>"} {
			if !strings.Contains(body, want) {
				t.Errorf("GET: page without %q:\n%s", want, body)
			}
		}
	}
	sub, err := w.store.ByEmail(t.Context(), "ann@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if got := digesttest.Topics(t, w.store, sub.ID); sub.Settings() != subscribers.DefaultSettings() || !slices.Equal(got, []string{"rag"}) {
		t.Errorf("after the GETs: got %+v %q, want the defaults and [rag] unchanged", sub.Settings(), got)
	}

	resp, body := w.post(t, path, "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "subscribed</h1>") {
		t.Fatalf("POST: got %d\n%s\nwant 200 You're subscribed", resp.StatusCode, body)
	}
	sub, err = w.store.ByID(t.Context(), sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := subscribers.Settings{Frequency: subscribers.Weekly, Weekday: time.Friday, Hour: 9, Timezone: "Europe/Berlin"}
	if got := digesttest.Topics(t, w.store, sub.ID); sub.Settings() != want || !slices.Equal(got, []string{"lora", "agents"}) {
		t.Errorf("after the POST: got %+v %q, want %+v [lora agents]", sub.Settings(), got, want)
	}
	m := regexp.MustCompile(`href="http://digestd\.test(/manage/[^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("got no manage link in\n%s", body)
	}
	if resp, _ := w.do(t, "GET", m[1], ""); resp.StatusCode != http.StatusOK {
		t.Errorf("GET the manage link: got %d, want 200", resp.StatusCode)
	}
	if resp, _ := w.post(t, path, ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("second POST: got %d, want 404", resp.StatusCode)
	}
	if resp, _ := w.do(t, "GET", path, ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET after confirming: got %d, want 404", resp.StatusCode)
	}
}

func TestManagePage(t *testing.T) {
	w := newWeb(t)
	sub := digesttest.AddReader(t, w.store, "ann@example.org", subscribers.StatusActive, "LoRA", `author:"Tri Dao"`)
	tok := token(t, w.store, sub.ID, subscribers.TokenManage)
	resp, body := w.do(t, "GET", "/manage/"+tok, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got %d, want 200", resp.StatusCode)
	}
	for _, want := range []string{"ann@example.org", "lora\nauthor:&#34;tri dao&#34;</textarea>", `href="http://digestd.test/unsubscribe/` + tok + `"`} {
		if !strings.Contains(body, want) {
			t.Errorf("got page without %q:\n%s", want, body)
		}
	}
}

func TestManageSave(t *testing.T) {
	w := newWeb(t)
	def := subscribers.DefaultSettings()
	berlin := subscribers.Settings{Frequency: subscribers.Weekly, Weekday: time.Friday, Hour: 9, Timezone: "Europe/Berlin", MaxPapers: 10}
	tests := []struct {
		name       string
		before     subscribers.Status
		form       url.Values // over topics=lora and the default settings
		wantCode   int
		mention    string
		wantStatus subscribers.Status
		wantSet    subscribers.Settings
		wantTopics []string
	}{
		{"topics and settings", "active", url.Values{"topics": {"rag\r\nQuantiz*"}, "frequency": {"weekly"}, "weekday": {"5"},
			"hour": {"9"}, "timezone": {"Europe/Berlin"}, "max_papers": {"10"}}, 200, "Saved", "active", berlin, []string{"rag", "quantiz*"}},
		{"pause", "active", url.Values{"paused": {"1"}}, 200, "Saved", "paused", def, []string{"lora"}},
		{"resume", "paused", nil, 200, "Saved", "active", def, []string{"lora"}},
		{"resubscribe", "unsubscribed", url.Values{"resubscribe": {"1"}}, 200, "Saved", "active", def, []string{"lora"}},
		{"no topics", "active", url.Values{"topics": {""}}, 200, "Saved", "active", def, nil},
		{"bad topic", "active", url.Values{"topics": {"rag\nfoo)"}, "hour": {"9"}, "paused": {"1"}}, 400,
			"unmatched &#34;)&#34; at column 4", "active", def, []string{"lora"}},
		{"bad time zone", "active", url.Values{"timezone": {"Mars/Olympus"}}, 400, "Mars/Olympus", "active", def, []string{"lora"}},
		{"body over 64 KiB", "active", url.Values{"topics": {strings.Repeat("rag ", 20<<10)}}, 413, "larger than we accept",
			"active", def, []string{"lora"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := digesttest.AddReader(t, w.store, "reader"+string(rune('a'+i))+"@example.org", tt.before, "lora")
			form := url.Values{"topics": {"lora"}, "frequency": {"daily"}, "weekday": {"1"}, "hour": {"7"}, "timezone": {"UTC"}}
			for k, v := range tt.form {
				form[k] = v
			}
			resp, body := w.post(t, "/manage/"+token(t, w.store, sub.ID, subscribers.TokenManage), form.Encode())
			if resp.StatusCode != tt.wantCode || !strings.Contains(body, tt.mention) {
				t.Errorf("got %d\n%s\nwant %d naming %q", resp.StatusCode, body, tt.wantCode, tt.mention)
			}
			got, err := w.store.ByID(t.Context(), sub.ID)
			if err != nil {
				t.Fatal(err)
			}
			set := subscribers.Settings{Frequency: got.Frequency, Weekday: got.Weekday, Hour: got.Hour,
				Timezone: got.Timezone, MaxPapers: got.MaxPapers}
			if got.Status != tt.wantStatus || set != tt.wantSet {
				t.Errorf("got %s %+v, want %s %+v", got.Status, set, tt.wantStatus, tt.wantSet)
			}
			if topics := digesttest.Topics(t, w.store, sub.ID); !slices.Equal(topics, tt.wantTopics) {
				t.Errorf("topics: got %q, want %q", topics, tt.wantTopics)
			}
		})
	}
}

func TestUnsubscribe(t *testing.T) {
	w := newWeb(t)
	sub := digesttest.AddReader(t, w.store, "ann@example.org", subscribers.StatusActive, "lora")
	path := "/unsubscribe/" + token(t, w.store, sub.ID, subscribers.TokenManage)
	steps := []struct {
		name, method, body string
		want               []string
		wantStatus         subscribers.Status
	}{
		{"GET shows a button", "GET", "", []string{`<form method="post"`, "Unsubscribe</button>", "/manage/"}, "active"},
		{"one-click POST", "POST", "List-Unsubscribe=One-Click", []string{"will get no more digests"}, "unsubscribed"},
		{"second POST", "POST", "List-Unsubscribe=One-Click", []string{"will get no more digests"}, "unsubscribed"},
	}
	for _, tt := range steps {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := w.do(t, tt.method, path, tt.body)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" {
				t.Errorf("got %d Location %q, want 200 and no redirect", resp.StatusCode, resp.Header.Get("Location"))
			}
			for _, want := range tt.want {
				if !strings.Contains(body, want) {
					t.Errorf("got page without %q:\n%s", want, body)
				}
			}
			if got := status(t, w.store, sub.ID); got != tt.wantStatus {
				t.Errorf("status: got %s, want %s", got, tt.wantStatus)
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	w := newWeb(t)
	sub := digesttest.AddReader(t, w.store, "ann@example.org", subscribers.StatusPending, "lora")
	manage := token(t, w.store, sub.ID, subscribers.TokenManage)
	confirm := token(t, w.store, sub.ID, subscribers.TokenConfirm)
	const forged = "Zm9yZ2VkLXRva2VuLW9mLTI0LWJ5dGVzLi4u"
	expiredManage := token(t, w.store, sub.ID, subscribers.TokenManage)
	expiredConfirm := token(t, w.store, sub.ID, subscribers.TokenConfirm)
	for _, tok := range []string{expiredManage, expiredConfirm} {
		if _, err := w.db.ExecContext(t.Context(), `UPDATE tokens SET expires_at = ? WHERE hash = ?`,
			time.Now().Add(-time.Minute).Unix(), digesttest.TokenKey(tok)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct{ name, method, path, body string }{
		{"expired confirm page", "GET", "/confirm/" + expiredConfirm, ""},
		{"expired confirm post", "POST", "/confirm/" + expiredConfirm, ""},
		{"expired manage page", "GET", "/manage/" + expiredManage, ""},
		{"expired manage post", "POST", "/manage/" + expiredManage, "topics=rag&paused=1"},
		{"expired one-click", "POST", "/unsubscribe/" + expiredManage, "List-Unsubscribe=One-Click"},
		{"forged preview", "GET", "/manage/" + forged + "/preview?q=lora", ""},
		{"forged export", "GET", "/manage/" + forged + "/export", ""},
		{"forged rotate", "POST", "/manage/" + forged + "/rotate", "x=1"},
		{"forged delete", "POST", "/manage/" + forged + "/delete", "confirm=yes"},
		{"forged confirm page", "GET", "/confirm/" + forged, ""},
		{"forged confirm post", "POST", "/confirm/" + forged, ""},
		{"forged manage page", "GET", "/manage/" + forged, ""},
		{"forged manage post", "POST", "/manage/" + forged, "topics=rag&paused=1"},
		{"forged unsubscribe page", "GET", "/unsubscribe/" + forged, ""},
		{"forged unsubscribe post", "POST", "/unsubscribe/" + forged, "List-Unsubscribe=One-Click"},
		{"manage token confirms nothing", "POST", "/confirm/" + manage, ""},
		{"confirm token manages nothing", "GET", "/manage/" + confirm, ""},
		{"confirm token unsubscribes no one", "POST", "/unsubscribe/" + confirm, "List-Unsubscribe=One-Click"},
		{"unknown path", "GET", "/no/such/page", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			send := w.do
			if tt.method == "POST" && !strings.HasPrefix(tt.body, "List-Unsubscribe") {
				send = func(t *testing.T, _, path, body string) (*http.Response, string) { return w.post(t, path, body) }
			}
			resp, body := send(t, tt.method, tt.path, tt.body)
			if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "Link not found") {
				t.Errorf("got %d\n%s\nwant 404 Link not found", resp.StatusCode, body)
			}
		})
	}
	if got := status(t, w.store, sub.ID); got != subscribers.StatusPending {
		t.Errorf("status: got %s, want pending", got)
	}
	if got := digesttest.Topics(t, w.store, sub.ID); !slices.Equal(got, []string{"lora"}) {
		t.Errorf("topics: got %q, want [lora]", got)
	}
}

// TestOneClickMultipart: RFC 8058 lets the mail provider send its one-click
// POST as multipart/form-data, without cookies; a garbled body is a 400.
func TestOneClickMultipart(t *testing.T) {
	w := newWeb(t)
	sub := digesttest.AddReader(t, w.store, "ann@example.org", subscribers.StatusActive, "lora")
	path := "/unsubscribe/" + token(t, w.store, sub.ID, subscribers.TokenManage)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("List-Unsubscribe", "One-Click")
	mw.Close()
	for _, tt := range []struct {
		name, contentType, body string
		want                    int
	}{
		{"garbled", "multipart/form-data; boundary=nope", "--x\r\n", http.StatusBadRequest},
		{"one-click", mw.FormDataContentType(), body.String(), http.StatusOK},
	} {
		resp, err := http.Post(w.url+path, tt.contentType, strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, resp.StatusCode, tt.want)
		}
	}
	if got := status(t, w.store, sub.ID); got != subscribers.StatusUnsubscribed {
		t.Errorf("status: got %s, want unsubscribed", got)
	}
}
