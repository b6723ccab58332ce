package email

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"slices"
	"strings"
	"testing"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/internal/qp"
)

var testHeaders = Headers{
	From:              "digestd <digest@example.org>",
	ReplyTo:           "help@example.org",
	ListID:            "digestd <digest.example.org>",
	UnsubscribeMailto: "mailto:unsubscribe@example.org?subject=unsubscribe",
}

var testRendered = Rendered{
	Subject: "2 new papers for you — Sat 28 Nov",
	HTML:    qp.Text("<html><body><p>Hello <strong>reader</strong> · ünïcode</p></body></html>"),
	Text:    qp.Text("Hello *reader* · ünïcode\n.a line starting with a dot\n" + strings.Repeat("long line ", 20) + "\n"),
}

// parseMessage reads a composed message the way a mail client would and
// returns its headers and its parts' headers and decoded bodies, in order.
func parseMessage(t *testing.T, raw []byte) (mail.Header, []multipart.Part, []string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("got content type %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	var parts []multipart.Part
	var bodies []string
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		body, err := readPart(p)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, *p)
		bodies = append(bodies, body)
	}
	return msg.Header, parts, bodies
}

// readPart reads a part's body as its Content-Transfer-Encoding says, with
// LF line breaks; 7bit bodies must hold printable ASCII lines of at most
// 998 bytes.
func readPart(p *multipart.Part) (string, error) {
	var r io.Reader = p
	cte := p.Header.Get("Content-Transfer-Encoding")
	switch cte {
	case "quoted-printable":
		r = quotedprintable.NewReader(p)
	case "7bit":
	default:
		return "", fmt.Errorf("transfer encoding %q, want 7bit or quoted-printable", cte)
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("decode %s part: %w", cte, err)
	}
	if cte == "7bit" {
		for i, line := range bytes.Split(body, []byte("\r\n")) {
			if len(line) > 998 || bytes.ContainsFunc(line, func(r rune) bool { return r != '\t' && (r < ' ' || r > '~') }) {
				return "", fmt.Errorf("7bit line %d is not 7bit: %q", i+1, line)
			}
		}
	}
	return strings.ReplaceAll(string(body), "\r\n", "\n"), nil
}

// encodings is the Content-Transfer-Encoding of each part.
func encodings(parts []multipart.Part) []string {
	var ctes []string
	for _, p := range parts {
		ctes = append(ctes, p.Header.Get("Content-Transfer-Encoding"))
	}
	return ctes
}

func TestComposeDigest(t *testing.T) {
	d := testDigest()
	raw, id, err := ComposeDigest(testHeaders, d, testRendered)
	if err != nil {
		t.Fatalf("ComposeDigest: %v", err)
	}
	wantID := "<digest-58f4589336c5fb2689b8f49ced9e3533@example.org>"
	if id != wantID {
		t.Errorf("got message id %q, want %q", id, wantID)
	}
	h, parts, bodies := parseMessage(t, raw)
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subject != testRendered.Subject {
		t.Errorf("got subject %q (%v), want %q", subject, err, testRendered.Subject)
	}
	for name, want := range map[string]string{
		"From":                  `"digestd" <digest@example.org>`,
		"To":                    "<reader@example.org>",
		"Reply-To":              "<help@example.org>",
		"Message-Id":            wantID,
		"Date":                  "Sat, 28 Nov 2026 07:00:00 +0000",
		"List-Unsubscribe":      "<https://digest.example.org/unsubscribe/tok123>, <mailto:unsubscribe@example.org?subject=unsubscribe>",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"List-Id":               "digestd <digest.example.org>",
		"Precedence":            "bulk",
		"Auto-Submitted":        "auto-generated",
		"Mime-Version":          "1.0",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
	if len(parts) != 2 {
		t.Fatalf("got %d parts, want 2", len(parts))
	}
	for i, want := range []string{"text/plain; charset=UTF-8", "text/html; charset=UTF-8"} {
		if got := parts[i].Header.Get("Content-Type"); got != want {
			t.Errorf("part %d: got content type %q, want %q", i, got, want)
		}
	}
	if bodies[0] != testRendered.Text.String() || bodies[1] != testRendered.HTML.String() {
		t.Errorf("got bodies %q, want text then html", bodies)
	}
	// A text part with characters outside ASCII, and an HTML part that may
	// not write them as references, go quoted-printable.
	if got := encodings(parts); !slices.Equal(got, []string{"quoted-printable", "quoted-printable"}) {
		t.Errorf("got transfer encodings %q, want quoted-printable for both", got)
	}

	again, id2, err := ComposeDigest(testHeaders, testDigest(), testRendered)
	if err != nil || id2 != id || !bytes.Contains(again, []byte("Message-ID: "+wantID)) {
		t.Errorf("recomposing the same digest: got id %q (%v), want %q again", id2, err, id)
	}
	d.Period = "2026-11-29"
	if _, other, _ := ComposeDigest(testHeaders, d, testRendered); other == id {
		t.Errorf("another period got the same message id %q", other)
	}
}

func TestComposeDigestHeaderVariants(t *testing.T) {
	tests := []struct {
		name        string
		headers     Headers
		unsubscribe string
		want        map[string]string
	}{
		{"https only", Headers{From: "digest@example.org"}, "https://d.example.org/u/t",
			map[string]string{"List-Unsubscribe": "<https://d.example.org/u/t>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click", "Reply-To": "", "List-Id": ""}},
		{"http has no one-click", Headers{From: "digest@example.org", UnsubscribeMailto: "mailto:u@example.org"}, "http://localhost:8080/unsubscribe/t",
			map[string]string{"List-Unsubscribe": "<http://localhost:8080/unsubscribe/t>, <mailto:u@example.org>", "List-Unsubscribe-Post": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := testDigest()
			d.UnsubscribeURL = tt.unsubscribe
			raw, _, err := ComposeDigest(tt.headers, d, testRendered)
			if err != nil {
				t.Fatalf("ComposeDigest: %v", err)
			}
			h, _, _ := parseMessage(t, raw)
			for name, want := range tt.want {
				if got := h.Get(name); got != want {
					t.Errorf("%s: got %q, want %q", name, got, want)
				}
			}
		})
	}
}

func TestComposeDigestRejectsHeaderInjection(t *testing.T) {
	tests := []struct {
		name    string
		headers Headers
		mutate  func(*digest.Digest)
	}{
		{"to with newline", testHeaders, func(d *digest.Digest) { d.To = "a@example.org\r\nBcc: b@example.org" }},
		{"unsubscribe url with newline", testHeaders, func(d *digest.Digest) { d.UnsubscribeURL = "https://x.example.org/u\r\nBcc: b@example.org" }},
		{"unsubscribe url with bracket", testHeaders, func(d *digest.Digest) { d.UnsubscribeURL = "https://x.example.org/u>, <https://evil.example" }},
		{"javascript unsubscribe", testHeaders, func(d *digest.Digest) { d.UnsubscribeURL = "javascript:alert(1)" }},
		{"bad from", Headers{From: "not an address"}, func(*digest.Digest) {}},
		{"mailto with space", Headers{From: "d@example.org", UnsubscribeMailto: "mailto:a@example.org Bcc"}, func(*digest.Digest) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := testDigest()
			tt.mutate(d)
			if _, _, err := ComposeDigest(tt.headers, d, testRendered); err == nil {
				t.Errorf("got no error, want one")
			}
		})
	}

	r := testRendered
	r.Subject = "Hello\r\nBcc: victim@example.org"
	raw, _, err := ComposeDigest(testHeaders, testDigest(), r)
	if err != nil {
		t.Fatalf("ComposeDigest: %v", err)
	}
	h, _, _ := parseMessage(t, raw)
	if h.Get("Bcc") != "" || h.Get("Subject") != "Hello Bcc: victim@example.org" {
		t.Errorf("got subject %q and bcc %q, want one subject line and no bcc", h.Get("Subject"), h.Get("Bcc"))
	}
}

// TestComposeSevenBit: the parts that can go as 7bit do — the HTML with
// its characters outside ASCII as references when the renderer allows
// it, an ASCII text as it is — and read as the bodies rendered; a part
// that cannot (a long line, a line that starts with a dot, a character
// outside ASCII in the text) goes quoted-printable.
func TestComposeSevenBit(t *testing.T) {
	long := "<p>" + strings.Repeat("word ", 200) + "</p>"
	for _, tt := range []struct {
		name       string
		r          Rendered
		want       []string
		html, text string
	}{
		{"html with references", Rendered{Subject: "s", CharRefs: true, HTML: qp.Text("<p>ünïcode · ▲ &amp; more</p>\n<p>line two</p>\n"), Text: qp.Text("Ascii only.\n")},
			[]string{"7bit", "7bit"}, "<p>&#252;n&#239;code &#183; &#9650; &amp; more</p>\n<p>line two</p>\n", "Ascii only.\n"},
		{"text outside ascii", Rendered{Subject: "s", CharRefs: true, HTML: qp.Text("<p>a</p>"), Text: qp.Text("ünïcode\n")},
			[]string{"quoted-printable", "7bit"}, "<p>a</p>", "ünïcode\n"},
		{"html without references", Rendered{Subject: "s", HTML: qp.Text("<p>ünïcode</p>"), Text: qp.Text("a\n")},
			[]string{"7bit", "quoted-printable"}, "<p>ünïcode</p>", "a\n"},
		{"a long line", Rendered{Subject: "s", CharRefs: true, HTML: qp.Text(long), Text: qp.Text("a\n")},
			[]string{"7bit", "quoted-printable"}, long, "a\n"},
		{"a line starting with a dot", Rendered{Subject: "s", CharRefs: true, HTML: qp.Text("<style>\n.bg { color: red; }\n</style>"), Text: qp.Text("a\n.b\n")},
			[]string{"quoted-printable", "quoted-printable"}, "<style>\n.bg { color: red; }\n</style>", "a\n.b\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			raw, _, err := ComposeDigest(testHeaders, testDigest(), tt.r)
			if err != nil {
				t.Fatalf("ComposeDigest: %v", err)
			}
			_, parts, bodies := parseMessage(t, raw)
			if got := encodings(parts); !slices.Equal(got, tt.want) {
				t.Errorf("got transfer encodings %q, want %q", got, tt.want)
			}
			if bodies[0] != tt.text || bodies[1] != tt.html {
				t.Errorf("got text %q and html %q, want %q and %q", bodies[0], bodies[1], tt.text, tt.html)
			}
		})
	}
}

func TestComposeConfirmation(t *testing.T) {
	raw, err := ComposeConfirmation(testHeaders, "new@example.org", Rendered{Subject: "Confirm your subscription to digestd", HTML: qp.Text("<p>hi</p>"), Text: qp.Text("hi\n")})
	if err != nil {
		t.Fatalf("ComposeConfirmation: %v", err)
	}
	h, parts, _ := parseMessage(t, raw)
	for _, name := range []string{"List-Unsubscribe", "List-Unsubscribe-Post", "List-Id", "Precedence"} {
		if got := h.Get(name); got != "" {
			t.Errorf("%s: got %q, want none on a transactional mail", name, got)
		}
	}
	if got := h.Get("To"); got != "<new@example.org>" {
		t.Errorf("To: got %q, want <new@example.org>", got)
	}
	if id := h.Get("Message-Id"); !strings.HasPrefix(id, "<confirm-") || !strings.HasSuffix(id, "@example.org>") {
		t.Errorf("Message-Id: got %q, want <confirm-…@example.org>", id)
	}
	if len(parts) != 2 || !strings.HasPrefix(parts[0].Header.Get("Content-Type"), "text/plain") {
		t.Errorf("want a text part then an html part")
	}
}
