package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/mailer/smtptest"
)

// hostile is what a poisoned feed puts in every text field: markup, an
// attribute break-out, template syntax, a header injection, a bidi
// override and zero-width characters.
const hostile = `Zebrafish <script>alert(1)</script> "><img src=x onerror=alert(2)> {{.}} {{template "x"}}` +
	"\r\nBcc: victim@example.net\r\n\u202Egnp.exe\u200b\u200d"

// megabyte makes a 1 MB string out of the hostile text.
var megabyte = strings.Repeat(hostile+" ", 1<<20/len(hostile))

// TestHostilePaperIsInert feeds a paper whose every field is hostile
// through fetch, match, render, compose and the web pages: no element or
// attribute comes from paper data, the text part and headers are sane,
// and the stored text is capped.
func TestHostilePaperIsInert(t *testing.T) {
	src := startSources(t)
	wrap := map[string]any{
		"paper": map[string]any{
			"id": "2607.99999", "title": hostile + megabyte, "summary": hostile + megabyte,
			"authors":      []map[string]string{{"name": hostile}, {"name": megabyte}},
			"organization": map[string]string{"name": hostile, "fullname": megabyte},
			"upvotes":      999, "publishedAt": fixtureDay + "T00:00:00.000Z", "submittedOnDailyAt": fixtureDay + "T12:00:00.000Z",
			"ai_summary": hostile, "ai_keywords": []string{hostile}, "githubRepo": "javascript:alert(3)",
			"projectPage": `"><script>alert(4)</script>`,
		},
		"title": hostile, "summary": hostile,
	}
	body, err := json.Marshal([]any{wrap})
	if err != nil {
		t.Fatal(err)
	}
	src.hfBody = body
	relay := smtptest.Start(t)
	listen := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	e := newEnv(t, src, relay, "listen: "+listen)
	e.mustRun("fetch", "--date", fixtureDay, "--days", "1")
	e.mustRun("subscribers", "add", "ada@example.org", "--confirmed", "--topic", "zebrafish")
	e.mustRun("run", "--now")
	msgs := relay.Messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want the one digest", len(msgs))
	}
	raw := msgs[0].Data
	d := parseDigest(t, raw)
	injected := checkHeaders(t, raw)
	if len(raw) > 150_000 || len(d.html) > 102_000 {
		t.Errorf("message %d bytes, HTML %d bytes: want under 150,000 and 102,000", len(raw), len(d.html))
	}
	bad, shown := checkInert(t, "HTML part", d.html)
	if !shown {
		t.Error("HTML part: the hostile title is not shown as text")
	}
	checkText(t, d.text)
	if got := e.count(`SELECT max(length(title)) FROM papers`); got > digest.MaxTitle {
		t.Errorf("stored title: %d characters, want at most %d", got, digest.MaxTitle)
	}
	if got := e.count(`SELECT max(length(CAST(abstract AS BLOB))) FROM papers`); got > digest.MaxAbstract {
		t.Errorf("stored abstract: %d bytes, want at most %d", got, digest.MaxAbstract)
	}

	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan int, 1)
	go func() { served <- execute(ctx, []string{"--config", e.config, "serve"}, io.Discard, io.Discard) }()
	defer func() { cancel(); <-served }()
	base := "http://" + listen
	waitFor(t, base+"/healthz")
	manage := regexp.MustCompile(`/manage/[A-Za-z0-9_-]+`).FindString(d.text)
	for _, p := range []string{manage, manage + "/preview?q=zebrafish"} {
		n, shown := checkInert(t, p, get(t, base+p, http.StatusOK))
		if strings.HasSuffix(p, "zebrafish") && !shown {
			t.Errorf("%s: the hostile title is not shown as text", p)
		}
		bad += n
	}
	t.Logf("hostile: pages=3 elements_from_data=%d headers_injected=%d message_bytes=%d title<=%d abstract<=%d",
		bad, injected, len(raw), digest.MaxTitle, digest.MaxAbstract)
}

// checkHeaders counts the headers a paper could have added.
func checkHeaders(t *testing.T, raw []byte) (injected int) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range m.Header {
		if k == "Bcc" || strings.Contains(strings.Join(vs, " "), "victim@") {
			injected++
			t.Errorf("header %s: %q: injected by a paper", k, vs)
		}
	}
	return injected
}

// checkInert parses page as HTML and counts the elements and attributes
// that came from paper data: an inline script, an image, an event handler,
// a javascript: link, the payload in an attribute. shown is whether the
// payload appears as text, as it should wherever the paper is listed.
func checkInert(t *testing.T, name, page string) (bad int, shown bool) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for n := range doc.Descendants() {
		switch n.Type {
		case html.ElementNode:
			// The pages' one script is /static/app.js, by src.
			if n.Data == "script" && (len(n.Attr) == 0 || n.Attr[0].Key != "src") || n.Data == "img" || n.Data == "iframe" {
				bad++
				t.Errorf("%s: a <%s> element from paper data", name, n.Data)
			}
			for _, a := range n.Attr {
				v := strings.ToLower(a.Val)
				if strings.HasPrefix(a.Key, "on") || strings.Contains(v, "javascript:") || strings.Contains(v, "alert(") {
					bad++
					t.Errorf("%s: <%s %s=%q> from paper data", name, n.Data, a.Key, a.Val)
				}
			}
		case html.TextNode:
			shown = shown || strings.Contains(n.Data, "<script>alert(1)</script>")
		}
	}
	return bad, shown
}

// checkText fails on a text part with control characters, bidi overrides
// or template syntax that was executed rather than shown.
func checkText(t *testing.T, text string) {
	t.Helper()
	if !utf8.ValidString(text) {
		t.Error("text part: invalid UTF-8")
	}
	for _, r := range text {
		if (r < 0x20 && r != '\r' && r != '\n' && r != '\t') || r == '\u202e' {
			t.Errorf("text part: character %U", r)
			break
		}
	}
	if !strings.Contains(text, "{{.}}") {
		t.Error("text part: the title's {{.}} is not shown as written")
	}
}
