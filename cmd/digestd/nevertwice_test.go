package main

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digestd/digestd/digest/mailer/smtptest"
	"github.com/digestd/digestd/digest/pipeline"
)

// TestNeverTwice follows two readers over three days. Day 1 Hugging Face
// features 2607.09657 and 2607.09424 and arXiv lists nothing; day 2 arXiv
// lists its page with 2607.09657 as a revised v2, 2607.09424 again, and a
// 2017 paper with accented authors; day 3 Hugging Face features 2607.09657
// again with more upvotes. Each paper reaches each reader once.
func TestNeverTwice(t *testing.T) {
	src := startSources(t)
	relay := smtptest.Start(t)
	e := newEnv(t, src, relay)
	page := readFixture(t, "arxiv_api_query_cat-csAI-OR-csLG_50entries.xml")

	src.arxivBody = readFixture(t, "arxiv_api_empty_totalResults0.xml")
	e.mustRun("fetch", "--date", fixtureDay, "--days", "1")
	e.mustRun("subscribers", "add", "ada@example.org", "--confirmed", "--topic", "title:pretraining", "--topic", `"foundation model"`)
	e.mustRun("subscribers", "add", "bob@example.org", "--confirmed", "--topic", "asia-europe author:wubben")
	day := time.Date(2026, 7, 14, 9, 0, 0, 0, time.UTC)
	got := e.deliverOn(t, relay, day)
	want := map[string][]string{"ada@example.org": {"2607.08765", "2607.09424", "2607.09657"}}
	checkDelivered(t, "day 1", got, want)
	why := got["ada@example.org"]
	for _, part := range []struct{ name, body, hit string }{
		{"text", why.text, "Scalable Visual *Pretraining* for Language Intelligence"},
		{"HTML", why.html, `>Pretraining</strong> for Language Intelligence`},
	} {
		for _, want := range []string{"matched: title:pretraining", part.hit} {
			if !strings.Contains(part.body, want) {
				t.Errorf("day 1: ada's %s part lacks %q", part.name, want)
			}
		}
	}

	src.arxivBody = revised(t, page, nonASCIIEntry(t))
	out := e.mustRun("fetch", "--date", "2026-07-14", "--days", "1")
	if want := "arxiv: 51 papers (49 new, 2 updated)"; !strings.Contains(out, want) {
		t.Errorf("day 2 fetch printed %q, want %q", out, want)
	}
	got = e.deliverOn(t, relay, day.AddDate(0, 0, 1))
	want = map[string][]string{
		"ada@example.org": {"2607.09503", "2607.09526"}, // new foundation models; not 2607.09424, not v2 of 2607.09657
		"bob@example.org": {"1707.08567"},               // published in 2017, new to digestd today
	}
	checkDelivered(t, "day 2", got, want)
	bob := got["bob@example.org"]
	for _, part := range []struct{ name, body, hit string }{
		{"text", bob.text, "*Asia-Europe*"},
		{"HTML", htmlUnescape(bob.html), `>Asia-Europe</strong>`},
	} {
		// The topic reads as stored: in its canonical form.
		for _, want := range []string{`matched: "asia europe" author:wubben`, part.hit} {
			if !strings.Contains(part.body, want) {
				t.Errorf("day 2: bob's %s part lacks %q", part.name, want)
			}
		}
	}

	src.hfBody = refeatured(t, "2607.09657", 150, "2026-07-16T00:00:00.000Z")
	out = e.mustRun("fetch", "--date", "2026-07-16", "--days", "1")
	if want := "huggingface: 1 papers (0 new, 1 updated)"; !strings.Contains(out, want) {
		t.Errorf("day 3 fetch printed %q, want %q", out, want)
	}
	checkDelivered(t, "day 3", e.deliverOn(t, relay, day.AddDate(0, 0, 2)), map[string][]string{})

	if n := e.count(`SELECT count(*) FROM papers WHERE arxiv_id = '2607.09657' AND version = 2 AND upvotes = 150`); n != 1 {
		t.Errorf("2607.09657 rows with v2 and 150 upvotes: got %d, want 1", n)
	}
	out = e.mustRun("topics", "test", "--days", "0", "--explain", "title:pretraining") +
		e.mustRun("topics", "test", "--days", "0", "--explain", `author:"D. Wübben"`)
	for _, want := range []string{
		`:q0 = 'title : "pretraining"'`,
		"2607.09657  Scalable Visual *Pretraining* for Language Intelligence",
		"https://arxiv.org/abs/2607.09657  sources: arxiv, huggingface",
		"matched: Pretraining\n",
		`:q0 = 'authors : ("d" * + "wubben")'`,
		"1707.08567  Proceedings of Workshop AEW10",
		"matched: author Dirk Wübben\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("topics test printed:\n%s\nwant it to contain %q", out, want)
		}
	}
}

// deliverOn runs a delivery pass with the clock at now, as the scheduler
// would that day, and returns the digests it sent by recipient.
func (e *env) deliverOn(t *testing.T, relay *smtptest.Server, now time.Time) map[string]digestMail {
	t.Helper()
	before := len(relay.Messages())
	a, err := openApp(context.Background(), e.config, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.now = func() time.Time { return now }
	if _, err := a.runner().Run(context.Background(), pipeline.RunOptions{All: true}); err != nil {
		t.Fatalf("delivery on %s: %v", now.Format(time.DateOnly), err)
	}
	sent := map[string]digestMail{}
	for _, m := range relay.Messages()[before:] {
		if _, dup := sent[m.To[0]]; dup {
			t.Errorf("%s: two digests to %s", now.Format(time.DateOnly), m.To[0])
		}
		sent[m.To[0]] = parseDigest(t, m.Data)
	}
	return sent
}

func checkDelivered(t *testing.T, day string, got map[string]digestMail, want map[string][]string) {
	t.Helper()
	for to, d := range got {
		if ids := d.paperIDs(); !slices.Equal(ids, want[to]) {
			t.Errorf("%s: %s got %v, want %v", day, to, ids, want[to])
		}
	}
	for to := range want {
		if _, ok := got[to]; !ok {
			t.Errorf("%s: no digest to %s, want %v", day, to, want[to])
		}
	}
}

// revised is the arXiv page with 2607.09657 as a v2 updated on 2026-07-14,
// its abstract one sentence longer, and entry added: one page of 51 entries.
func revised(t *testing.T, page []byte, entry string) []byte {
	t.Helper()
	s := string(page)
	for _, r := range [][2]string{
		{"<opensearch:totalResults>386601<", "<opensearch:totalResults>51<"},
		{"</feed>", entry + "\n</feed>"},
		{"2607.09657v1</id>\n    <title>Scalable Visual Pretraining for Language Intelligence</title>\n    <updated>2026-07-10T17:57:03Z",
			"2607.09657v2</id>\n    <title>Scalable Visual Pretraining for Language Intelligence</title>\n    <updated>2026-07-14T08:00:00Z"},
		{"scalable language intelligence.</summary>", "scalable language intelligence. Version 2 adds charts.</summary>"},
	} {
		if !strings.Contains(s, r[0]) {
			t.Fatalf("arXiv fixture lacks %q", r[0])
		}
		s = strings.Replace(s, r[0], r[1], 1)
	}
	return []byte(s)
}

// nonASCIIEntry is the entry of the 34-author fixture, Dirk Wübben among
// them.
func nonASCIIEntry(t *testing.T) string {
	t.Helper()
	s := string(readFixture(t, "arxiv_api_idlist_1707.08567_34authors_nonascii.xml"))
	i, j := strings.Index(s, "<entry>"), strings.LastIndex(s, "</entry>")
	if i < 0 || j < 0 || !strings.Contains(s, "Dirk Wübben") {
		t.Fatal("1707.08567 fixture: no entry with Dirk Wübben")
	}
	return s[i : j+len("</entry>")]
}

// refeatured is a Hugging Face day featuring only paper id again, with
// upvotes and on day.
func refeatured(t *testing.T, id string, upvotes int, day string) []byte {
	t.Helper()
	var items []map[string]any
	if err := json.Unmarshal(readFixture(t, "hf_daily_papers_limit25_2026-07-13_25items.json"), &items); err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		p := it["paper"].(map[string]any)
		if p["id"] == id {
			p["upvotes"], p["submittedOnDailyAt"] = upvotes, day
			b, err := json.Marshal([]any{it})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("Hugging Face fixture lacks %s", id)
	return nil
}
