package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/subscribers"
	"github.com/digestd/digestd/subscribers/web"
)

func TestPreview(t *testing.T) {
	w := newWeb(t)
	sub := digesttest.AddReader(t, w.store, "ann@example.org", subscribers.StatusActive, "lora")
	tok := token(t, w.store, sub.ID, subscribers.TokenManage)
	path := "/manage/" + tok + "/preview?q=" + url.QueryEscape("LoRA\nfoo)")
	tests := []struct {
		name    string
		fetch   bool
		want    []string
		wantNot []string
	}{
		{"fragment for the script", true, []string{`data-query="LoRA"`, "Paper on <mark>lora</mark>",
			"unmatched &#34;)&#34; at column 4", "foo)\n   ^</pre>"}, []string{"<html"}},
		{"page without script", false, []string{"<h1>Preview</h1>", "Paper on <mark>lora</mark>", "/manage/" + tok}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), "GET", w.url+path, nil)
			if tt.fetch {
				req.Header.Set("X-Requested-With", "fetch")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got %d, want 200", resp.StatusCode)
			}
			for _, want := range tt.want {
				if !strings.Contains(string(b), want) {
					t.Errorf("got no %q in\n%s", want, b)
				}
			}
			for _, not := range tt.wantNot {
				if strings.Contains(string(b), not) {
					t.Errorf("got %q in\n%s", not, b)
				}
			}
		})
	}
	// The Preview button posts the form: the page comes back with the
	// preview and the typed topics, and nothing is stored.
	resp, body := w.post(t, "/manage/"+tok, "action=preview&topics=rag&hour=7&timezone=UTC")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Paper on <mark>rag</mark>") || !strings.Contains(body, ">rag</textarea>") {
		t.Errorf("Preview button: got %d\n%s", resp.StatusCode, body)
	}
	if got := digesttest.Topics(t, w.store, sub.ID); !slices.Equal(got, []string{"lora"}) {
		t.Errorf("topics after a preview: got %q, want [lora]", got)
	}
}

// TestRotate: the new link works, every earlier one is dead.
func TestRotate(t *testing.T) {
	w := newWeb(t)
	sub := digesttest.AddReader(t, w.store, "ann@example.org", subscribers.StatusActive, "lora")
	old1, old2 := token(t, w.store, sub.ID, subscribers.TokenManage), token(t, w.store, sub.ID, subscribers.TokenManage)
	resp, body := w.post(t, "/manage/"+old1+"/rotate", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Your link is new") {
		t.Fatalf("got %d\n%s", resp.StatusCode, body)
	}
	i := strings.Index(body, `href="http://digestd.test/manage/`)
	if i < 0 {
		t.Fatalf("no new link in\n%s", body)
	}
	fresh := strings.SplitN(body[i+len(`href="http://digestd.test`):], `"`, 2)[0]
	for path, want := range map[string]int{"/manage/" + old1: 404, "/manage/" + old2: 404, "/unsubscribe/" + old2: 404, fresh: 200} {
		if resp, _ := w.do(t, "GET", path, ""); resp.StatusCode != want {
			t.Errorf("GET %s: got %d, want %d", path, resp.StatusCode, want)
		}
	}
}

func TestDeleteMe(t *testing.T) {
	w := newWeb(t)
	sub := digesttest.AddReader(t, w.store, "ann@example.org", subscribers.StatusActive, "lora")
	tok := token(t, w.store, sub.ID, subscribers.TokenManage)
	if resp, _ := w.post(t, "/manage/"+tok+"/delete", ""); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("without the box ticked: got %d, want 400", resp.StatusCode)
	}
	if n := digesttest.Count(t, w.db, `SELECT count(*) FROM subscribers`); n != 1 {
		t.Fatalf("subscribers after an unticked delete: got %d, want 1", n)
	}
	if resp, body := w.post(t, "/manage/"+tok+"/delete", "confirm=yes"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "deleted") {
		t.Errorf("got %d\n%s", resp.StatusCode, body)
	}
	for _, table := range []string{"subscribers", "topics", "tokens"} {
		if n := digesttest.Count(t, w.db, `SELECT count(*) FROM `+table); n != 0 {
			t.Errorf("%s rows left: got %d, want 0", table, n)
		}
	}
}

func TestExport(t *testing.T) {
	w := newWeb(t)
	sub := digesttest.AddReader(t, w.store, "ann@example.org", subscribers.StatusActive, "lora", "cat:cs.CL")
	resp, body := w.do(t, "GET", "/manage/"+token(t, w.store, sub.ID, subscribers.TokenManage)+"/export", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("got %d %v", resp.StatusCode, resp.Header)
	}
	var got subscribers.Export
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("%v in\n%s", err, body)
	}
	if got.Email != "ann@example.org" || got.Status != "active" || !slices.Equal(got.Topics, []string{"lora", "cat:cs.cl"}) || got.Digests == nil {
		t.Errorf("got %+v", got)
	}
}

// TestSendNow: a reader may ask for their digest once per ten minutes; a
// reader who left may not.
func TestSendNow(t *testing.T) {
	w := newWeb(t)
	ann := digesttest.AddReader(t, w.store, "ann@example.org", subscribers.StatusActive, "lora")
	bob := digesttest.AddReader(t, w.store, "bob@example.org", subscribers.StatusUnsubscribed, "lora")
	annPath := "/manage/" + token(t, w.store, ann.ID, subscribers.TokenManage) + "/send"
	steps := []struct {
		name, path string
		wantCode   int
		mention    string
	}{
		{"first ask", annPath, 200, "A digest of 3 papers is on its way to ann@example.org"},
		{"second ask", annPath, 429, "Slow down"},
		{"unsubscribed", "/manage/" + token(t, w.store, bob.ID, subscribers.TokenManage) + "/send", 400, "subscribe again"},
	}
	for _, tt := range steps {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := w.post(t, tt.path, "")
			if resp.StatusCode != tt.wantCode || !strings.Contains(body, tt.mention) {
				t.Errorf("got %d\n%s\nwant %d naming %q", resp.StatusCode, body, tt.wantCode, tt.mention)
			}
		})
	}
	if !slices.Equal(w.sends.sent, []string{"ann@example.org"}) {
		t.Errorf("sent: got %q, want [ann@example.org]", w.sends.sent)
	}
}

// TestManageMaxPapers: the field shows the operator's number until the
// reader picks one; 5 to 50 are accepted, and saving the operator's number
// keeps following it.
func TestManageMaxPapers(t *testing.T) {
	w := newWeb(t, web.Config{MaxPapers: 15})
	ann := digesttest.AddReader(t, w.store, "ann@example.org", subscribers.StatusActive, "lora")
	tok := token(t, w.store, ann.ID, subscribers.TokenManage)
	if _, body := w.do(t, "GET", "/manage/"+tok, ""); !strings.Contains(body, `name="max_papers" type="number" min="5" max="50" value="15"`) {
		t.Fatalf("new reader: got no field showing the operator's 15 in\n%s", body)
	}
	tests := []struct {
		value      string
		wantStatus int
		wantStored int
		wantShown  string
	}{
		{"5", 200, 5, `value="5"`},
		{"50", 200, 50, `value="50"`},
		{"15", 200, 0, `value="15"`},
		{"", 200, 0, `value="15"`},
		{"4", 400, 0, "max papers 4: want 5 to 50"},
		{"51", 400, 0, "max papers 51: want 5 to 50"},
		{"many", 400, 0, `max_papers &#34;many&#34;: want a number`},
	}
	for _, tt := range tests {
		t.Run("max_papers="+tt.value, func(t *testing.T) {
			form := url.Values{"topics": {"lora"}, "hour": {"7"}, "timezone": {"UTC"}, "max_papers": {tt.value}}
			resp, body := w.post(t, "/manage/"+tok, form.Encode())
			if resp.StatusCode != tt.wantStatus || !strings.Contains(body, tt.wantShown) {
				t.Fatalf("got %d, want %d with %q in\n%s", resp.StatusCode, tt.wantStatus, tt.wantShown, body)
			}
			if tt.wantStatus != 200 {
				return
			}
			got, err := w.store.ByID(t.Context(), ann.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.MaxPapers != tt.wantStored {
				t.Errorf("stored max papers: got %d, want %d", got.MaxPapers, tt.wantStored)
			}
		})
	}
}
