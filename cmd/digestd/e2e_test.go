package main

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/digestd/digestd/digest/mailer/smtptest"
)

// digestMail is a received digest, taken apart as a mail client would.
type digestMail struct {
	header     mail.Header
	partTypes  []string
	text, html string
}

func parseDigest(t *testing.T, data []byte) digestMail {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse message: %v", err)
	}
	d := digestMail{header: m.Header}
	mediaType, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type: got %q (%v), want multipart/alternative", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		d.partTypes = append(d.partTypes, ct)
		switch ct {
		case "text/plain":
			d.text = string(body)
		case "text/html":
			d.html = string(body)
		}
	}
	return d
}

var absLink = regexp.MustCompile(`https://arxiv\.org/abs/([0-9.]+)`)

// paperIDs lists the arXiv ids a digest's text part links to, once each.
func (d digestMail) paperIDs() []string {
	var ids []string
	for _, m := range absLink.FindAllStringSubmatch(d.text, -1) {
		if !slices.Contains(ids, m[1]) {
			ids = append(ids, m[1])
		}
	}
	slices.Sort(ids)
	return ids
}

var (
	tags   = regexp.MustCompile(`<[^>]*>`)
	hidden = regexp.MustCompile(`(?s)<head>.*?</head>|<div style="display:none[^>]*>.*?</div>`)
)

// visibleHTML is the HTML part's text as a reader sees it: no head, no
// hidden preheader, no tags.
func (d digestMail) visibleHTML() string {
	body := hidden.ReplaceAllString(d.html, "")
	return strings.Join(strings.Fields(htmlUnescape(tags.ReplaceAllString(body, ""))), " ")
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`).Replace(s)
}

// TestNightEndToEnd runs the nightly pipeline as an operator would: fetch
// from both sources, add two readers with different topics, deliver, and
// deliver again.
func TestNightEndToEnd(t *testing.T) {
	src := startSources(t)
	relay := smtptest.Start(t)
	e := newEnv(t, src, relay)

	out := e.mustRun("fetch", "--date", fixtureDay, "--days", "1")
	for _, want := range []string{"huggingface: 25 papers (25 new, 0 updated)", "arxiv: 50 papers (48 new, 2 updated)"} {
		if !strings.Contains(out, want) {
			t.Errorf("fetch printed %q, want a line %q", out, want)
		}
	}
	if got := e.count(`SELECT count(*) FROM papers`); got != 73 {
		t.Errorf("papers stored: got %d, want 73 (25 + 50, two papers in both sources)", got)
	}

	e.mustRun("subscribers", "add", "ada@example.org", "--confirmed", "--topic", "title:pretraining")
	e.mustRun("subscribers", "add", "bob@example.org", "--confirmed", "--topic", `title:"foundation model" -pathology`)
	e.mustRun("run", "--now")

	msgs := relay.Messages()
	if len(msgs) != 2 {
		t.Fatalf("messages after run --now: got %d, want 2", len(msgs))
	}
	want := map[string]map[string]string{
		"ada@example.org": {
			"2607.09657": "Scalable Visual Pretraining for Language Intelligence", // on HF and arXiv
			"2607.08765": "Enhancing In-context Panoramic Generation via Geometric-aware Pretraining",
		},
		"bob@example.org": {
			"2607.09424": "A Sovereign, Open-Source Foundation Model for German and English", // on HF and arXiv
		},
	}
	seen := map[string]bool{}
	for _, m := range msgs {
		if len(m.To) != 1 {
			t.Fatalf("recipients: got %v, want one", m.To)
		}
		to := m.To[0]
		seen[to] = true
		d := parseDigest(t, m.Data)
		if got := d.header.Get("To"); !strings.Contains(got, to) {
			t.Errorf("To header: got %q, want %s", got, to)
		}
		if !slices.Equal(d.partTypes, []string{"text/plain", "text/html"}) {
			t.Errorf("%s: parts: got %v, want text/plain then text/html", to, d.partTypes)
		}
		var wantIDs []string
		for id := range want[to] {
			wantIDs = append(wantIDs, id)
		}
		slices.Sort(wantIDs)
		if got := d.paperIDs(); !slices.Equal(got, wantIDs) {
			t.Errorf("%s: papers: got %v, want %v", to, got, wantIDs)
		}
		html := d.visibleHTML()
		for _, title := range want[to] {
			if n := strings.Count(html, title); n != 1 {
				t.Errorf("%s: title %q appears %d times in the HTML part, want once", to, title, n)
			}
		}
		checkListHeaders(t, d.header)
		if !strings.Contains(d.text, "https://papers.example.org/unsubscribe/") || !strings.Contains(d.text, "https://papers.example.org/manage/") {
			t.Errorf("%s: text part lacks the visible manage and unsubscribe links", to)
		}
	}
	if !seen["ada@example.org"] || !seen["bob@example.org"] {
		t.Errorf("recipients: got %v, want ada and bob", seen)
	}

	out = e.mustRun("run", "--now")
	if got := len(relay.Messages()); got != 2 {
		t.Errorf("messages after a second run --now: got %d, want still 2", got)
	}
	if !strings.Contains(out, "built 0") {
		t.Errorf("second run printed %q, want built 0", out)
	}
}

func checkListHeaders(t *testing.T, h mail.Header) {
	t.Helper()
	unsub := h.Get("List-Unsubscribe")
	if !regexp.MustCompile(`<https://papers\.example\.org/unsubscribe/[A-Za-z0-9_-]{20,}>`).MatchString(unsub) ||
		!strings.Contains(unsub, "<mailto:digest@example.org?subject=unsubscribe>") {
		t.Errorf("List-Unsubscribe: got %q, want the https one-click URL and a mailto", unsub)
	}
	for name, want := range map[string]string{
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"Precedence":            "bulk",
		"List-Id":               "digestd paper digest <digest.papers.example.org>",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
	if id := h.Get("Message-Id"); !regexp.MustCompile(`^<digest-[0-9a-f]{32}@example\.org>$`).MatchString(id) {
		t.Errorf("Message-ID: got %q, want <digest-…@example.org>", id)
	}
}

// TestPreviewSendsNothing renders a reader's digest to a file: the papers
// are there, and nothing is stored or sent.
func TestPreviewSendsNothing(t *testing.T) {
	relay := smtptest.Start(t)
	e := newEnv(t, startSources(t), relay)
	e.mustRun("fetch", "--date", fixtureDay, "--days", "1")
	e.mustRun("subscribers", "add", "ada@example.org", "--confirmed", "--topic", "title:pretraining")
	out := filepath.Join(t.TempDir(), "digest.html")
	e.mustRun("preview", "ada@example.org", "--out", out)
	html, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	d := digestMail{html: string(html)}
	for _, title := range []string{"Scalable Visual Pretraining for Language Intelligence", "Enhancing In-context Panoramic Generation via Geometric-aware Pretraining"} {
		if !strings.Contains(d.visibleHTML(), title) {
			t.Errorf("preview lacks %q", title)
		}
	}
	if n := len(relay.Messages()); n != 0 {
		t.Errorf("messages sent by preview: got %d, want 0", n)
	}
	if n := e.count(`SELECT count(*) FROM digests`); n != 0 {
		t.Errorf("digests stored by preview: got %d, want 0", n)
	}
	e.mustRun("run", "--now")
	r := e.run("preview", "ada@example.org")
	if r.code != 0 || !strings.Contains(r.stderr, "nothing new matches") || r.stdout != "" {
		t.Errorf("preview after the digest went out: got exit %d, stdout %q, stderr %q; want 0, nothing, and why", r.code, r.stdout, r.stderr)
	}
}
