package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/subscribers"
)

// votes lists a reader's stored votes as "id up|down".
func votes(t *testing.T, st *subscribers.Store, id int64) string {
	t.Helper()
	vs, err := st.Votes(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, v := range vs {
		dir := "down"
		if v.Up {
			dir = "up"
		}
		out = append(out, v.ArxivID+" "+dir)
	}
	return strings.Join(out, ", ")
}

// TestVote: a "more/fewer like this" GET records nothing, however often
// it comes; the page's button records the vote, the last one on a paper
// wins, and undo takes it back. Each answer says where the reader stands.
func TestVote(t *testing.T) {
	w := newWeb(t)
	ann := digesttest.AddReader(t, w.store, "ann@example.org", subscribers.StatusActive, "lora")
	tok := token(t, w.store, ann.ID, subscribers.TokenManage)
	base := "/manage/" + tok
	steps := []struct {
		name, method, path string
		wantStatus         int
		want               []string
		wantVotes          string
	}{
		{"GET more, a scanner", "GET", base + "/more/2607.00042", 200, []string{"More like this?</h1>", "Speculative Decoding for Agents"}, ""},
		{"GET fewer, a prefetch", "GET", base + "/fewer/2607.00042", 200, []string{"Fewer like this?</h1>"}, ""},
		{"POST more", "POST", base + "/more/2607.00042", 200,
			[]string{"Noted: more like this</h1>", "put papers like this one higher", `action="http://digestd.test` + base + `/undo/2607.00042"`}, "2607.00042 up"},
		{"GET more after the vote", "GET", base + "/more/2607.00042", 200, []string{"You asked for more papers like this one on "}, "2607.00042 up"},
		{"POST fewer on the same paper: the last vote wins", "POST", base + "/fewer/2607.00042v2", 200,
			[]string{"Noted: fewer like this</h1>", "put papers like this one lower"}, "2607.00042 down"},
		{"POST more on an old-style id", "POST", base + "/more/hep-th/0601001", 200, nil, "2607.00042 down, hep-th/0601001 up"},
		{"POST undo", "POST", base + "/undo/2607.00042", 200, []string{"Vote taken back</h1>", "Speculative Decoding for Agents"}, "hep-th/0601001 up"},
		{"POST undo again", "POST", base + "/undo/2607.00042", 200, []string{"Vote taken back</h1>"}, "hep-th/0601001 up"},
		{"POST on an unknown paper", "POST", base + "/more/2607.99999", 404, []string{"Link not found"}, "hep-th/0601001 up"},
		{"POST with a forged token", "POST", "/manage/forged/more/2607.00042", 404, []string{"Link not found"}, "hep-th/0601001 up"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			var resp *http.Response
			var body string
			if s.method == "POST" {
				resp, body = w.post(t, s.path, "")
			} else {
				resp, body = w.do(t, s.method, s.path, "")
			}
			if resp.StatusCode != s.wantStatus {
				t.Fatalf("got %d, want %d\n%s", resp.StatusCode, s.wantStatus, body)
			}
			if cc := resp.Header.Get("Cache-Control"); s.method == "GET" && cc != "no-store" {
				t.Errorf("Cache-Control: got %q, want no-store", cc)
			}
			for _, want := range s.want {
				if !strings.Contains(body, want) {
					t.Errorf("got no %q in\n%s", want, body)
				}
			}
			if got := votes(t, w.store, ann.ID); got != s.wantVotes {
				t.Errorf("votes: got %q, want %q", got, s.wantVotes)
			}
		})
	}
}

// TestVoteCounts: the manage page counts the reader's votes and library,
// and, once their model learned from papers stored here, names its
// strongest terms each way; the reset forgets it all, and only with its box
// ticked.
func TestVoteCounts(t *testing.T) {
	w := newWeb(t)
	ann := digesttest.AddReader(t, w.store, "ann@example.org", subscribers.StatusActive, "lora")
	tok := token(t, w.store, ann.ID, subscribers.TokenManage)
	_, body := w.do(t, "GET", "/manage/"+tok, "")
	for _, want := range []string{"Votes: <strong>0</strong> “more like this”, <strong>0</strong> “fewer like this”. Library: <strong>0</strong> papers.", "Nothing learned yet"} {
		if !strings.Contains(body, want) {
			t.Errorf("before any vote: got no %q in\n%s", want, body)
		}
	}
	// Up on the papers about context, down on the others of the corpus.
	for i, up := range []bool{true, false, false, false, false, true, false, false} {
		if resp, body := w.post(t, fmt.Sprintf("/manage/%s/%s/2607.%05d", tok, map[bool]string{true: "more", false: "fewer"}[up], i+1), ""); resp.StatusCode != 200 {
			t.Fatalf("vote %d: got %d\n%s", i+1, resp.StatusCode, body)
		}
	}
	if resp, body := w.post(t, "/manage/"+tok+"/library", "paste=2607.00042%0A2607.00001%0A10.1145/abc"); resp.StatusCode != 200 {
		t.Fatalf("library: got %d\n%s", resp.StatusCode, body)
	}
	_, body = w.do(t, "GET", "/manage/"+tok, "")
	for _, want := range []string{"Votes: <strong>2</strong> “more like this”, <strong>6</strong> “fewer like this”. Library: <strong>3</strong> papers.", "Raised: <code>", "<code>context</code>", "Lowered: <code>"} {
		if !strings.Contains(body, want) {
			t.Errorf("after 8 votes and a library: got no %q in\n%s", want, body)
		}
	}
	if resp, body := w.post(t, "/manage/"+tok+"/reset", ""); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "tick the box") {
		t.Errorf("reset without the box: got %d\n%s\nwant 400 naming the box", resp.StatusCode, body)
	}
	if got := votes(t, w.store, ann.ID); strings.Count(got, ",") != 7 {
		t.Errorf("votes after a reset without the box: got %q, want the 8", got)
	}
	resp, body := w.post(t, "/manage/"+tok+"/reset", "confirm=yes")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Forgotten") || !strings.Contains(body, "Nothing learned yet") {
		t.Errorf("reset: got %d\n%s\nwant 200, Forgotten, nothing learned", resp.StatusCode, body)
	}
	if v, l, m := digesttest.Count(t, w.db, `SELECT count(*) FROM votes`), digesttest.Count(t, w.db, `SELECT count(*) FROM library`), digesttest.Count(t, w.db, `SELECT count(*) FROM models`); v+l+m != 0 {
		t.Errorf("after the reset: got %d votes, %d library papers, %d models; want none", v, l, m)
	}
}
