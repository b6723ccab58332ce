package web_test

import (
	"encoding/xml"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/subscribers"
)

// atom is what a feed reader reads of the feed.
type atom struct {
	Entries []struct {
		Title string `xml:"title"`
		Link  struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Categories []struct {
			Term string `xml:"term,attr"`
		} `xml:"category"`
	} `xml:"entry"`
}

// feedLink asks for a feed link on the manage page and returns its path.
func feedLink(t *testing.T, w *webServer, manage string) string {
	t.Helper()
	resp, body := w.post(t, manage+"/feed", "")
	m := regexp.MustCompile(`href="http://digestd\.test(/feed/[A-Za-z0-9_-]+\.atom)"`).FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("feed link: got %d and no link in\n%s", resp.StatusCode, body)
	}
	return m[1]
}

func TestFeed(t *testing.T) {
	w := newWeb(t)
	sub := digesttest.AddReader(t, w.store, "ann@example.org", subscribers.StatusActive, "lora", "rag")
	manage := "/manage/" + token(t, w.store, sub.ID, subscribers.TokenManage)
	first := feedLink(t, w, manage)
	resp, body := w.do(t, "GET", first, "")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("GET the feed: got %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var doc atom
	if err := xml.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("%v in\n%s", err, body)
	}
	var got []string
	for _, e := range doc.Entries {
		var terms []string
		for _, c := range e.Categories {
			terms = append(terms, c.Term)
		}
		got = append(got, e.Title+" <"+e.Link.Href+"> "+strings.Join(terms, ","))
	}
	// Newest first; the paper both topics caught is there once, with both.
	want := []string{
		"Paper on lora <https://arxiv.org/abs/lora> lora",
		"Paper on rag <https://arxiv.org/abs/rag> rag",
		"A survey of everything <https://arxiv.org/abs/2607.00001> lora,rag",
	}
	if !slices.Equal(got, want) {
		t.Errorf("entries:\ngot  %q\nwant %q", got, want)
	}

	second := feedLink(t, w, manage)
	if resp, _ := w.do(t, "GET", first, ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the replaced feed link: got %d, want 404", resp.StatusCode)
	}
	if resp, _ := w.post(t, manage+"/rotate", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("rotate: got %d", resp.StatusCode)
	}
	for _, path := range []string{second, "/feed/Zm9yZ2Vk.atom", "/feed/" + strings.TrimPrefix(manage, "/manage/") + ".atom"} {
		if resp, _ := w.do(t, "GET", path, ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: got %d, want 404", path, resp.StatusCode)
		}
	}
}
