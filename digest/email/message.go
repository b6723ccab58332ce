package email

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	netmail "net/mail"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/internal/qp"
)

// Headers are the sender's side of every message: config smtp.from and
// smtp.reply_to, and the list identity of the digests.
type Headers struct {
	From, ReplyTo string
	// ListID is the List-Id value (RFC 2919): "digestd <digest.example.org>".
	ListID string
	// UnsubscribeMailto is an optional mailto: URI offered in
	// List-Unsubscribe next to the https link, for clients that only mail.
	UnsubscribeMailto string
	// DKIM, when set, signs every message.
	DKIM *DKIMSigner
}

// ComposeDigest builds the RFC 5322 message for d: multipart/alternative with
// the text part first (clients show the last part they understand), UTF-8,
// each part 7bit where it allows and quoted-printable else (appendBody),
// and the list headers mailbox providers expect from bulk mail. The
// Message-ID depends only on the subscriber, the period and the From
// domain, so a digest re-sent after a crash carries the same Message-ID
// and is recognisable as the same message. messageID is returned as it
// stands in the header, angle brackets included.
//
// The message is written into the room of a message sent before, when
// there is one: hand it back with Recycle once it is sent.
func ComposeDigest(h Headers, d *digest.Digest, r Rendered) (msg []byte, messageID string, err error) {
	buf := messageBuffer()
	if d == nil {
		return nil, "", errors.New("compose digest: no digest")
	}
	domain, err := fromDomain(h.From)
	if err != nil {
		return nil, "", fmt.Errorf("compose digest for subscriber %d: %w", d.SubscriberID, err)
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%d|%s", d.SubscriberID, d.Period)))
	messageID = "<digest-" + hex.EncodeToString(sum[:16]) + "@" + domain + ">"
	m, err := newMessage(h, d.To, r, messageID, d.Date)
	if err == nil {
		err = m.listUnsubscribe(d.UnsubscribeURL, h.UnsubscribeMailto)
	}
	if err != nil {
		return nil, "", fmt.Errorf("compose digest for subscriber %d: %w", d.SubscriberID, err)
	}
	if id := oneLine(h.ListID); id != "" {
		m.add("List-Id", id)
	}
	m.add("Precedence", "bulk")
	m.add("X-Auto-Response-Suppress", "All")
	b, err := h.write(buf, m, r)
	if err != nil {
		return nil, "", fmt.Errorf("compose digest for subscriber %d: %w", d.SubscriberID, err)
	}
	return b, messageID, nil
}

// ComposeConfirmation builds the double opt-in message. It is transactional
// mail the reader asked for, so it carries no list or bulk headers that would
// make providers file it away with newsletters.
func ComposeConfirmation(h Headers, to string, r Rendered) ([]byte, error) {
	domain, err := fromDomain(h.From)
	if err != nil {
		return nil, fmt.Errorf("compose confirmation: %w", err)
	}
	var random [16]byte
	_, _ = rand.Read(random[:]) // crypto/rand.Read never fails on supported platforms
	m, err := newMessage(h, to, r, "<confirm-"+hex.EncodeToString(random[:])+"@"+domain+">", time.Now())
	if err != nil {
		return nil, fmt.Errorf("compose confirmation: %w", err)
	}
	b, err := h.write(nil, m, r)
	if err != nil {
		return nil, fmt.Errorf("compose confirmation: %w", err)
	}
	return b, nil
}

// messageBuffers hold the room of messages sent, for the next ones
// composed: a pass composes ~50 KB a digest, and the collector need not
// find and clear all of it. It holds *[]byte.
var messageBuffers sync.Pool

// messageBuffer returns room for a message; nil when there is none.
func messageBuffer() []byte {
	if p, ok := messageBuffers.Get().(*[]byte); ok {
		return *p
	}
	return nil
}

// Recycle gives the room of msg, sent and no longer used, to the next
// message ComposeDigest composes.
func Recycle(msg []byte) {
	if cap(msg) > 0 {
		messageBuffers.Put(&msg)
	}
}

// header is one header field of a message being composed.
type header struct{ name, value string }

// message is the header of a message being composed, in order.
type message struct{ headers []header }

func (m *message) add(name, value string) {
	m.headers = append(m.headers, header{name, value})
}

// newMessage sets what every digestd message has. Addresses go through
// net/mail's RFC 5322 parser and the subject through oneLine and RFC 2047
// encoding, so nothing can add a header line.
func newMessage(h Headers, to string, r Rendered, messageID string, date time.Time) (*message, error) {
	from, err := netmail.ParseAddress(h.From)
	if err != nil {
		return nil, fmt.Errorf("from %q: %w", h.From, err)
	}
	rcpt, err := netmail.ParseAddress(to)
	if err != nil {
		return nil, fmt.Errorf("to %q: %w", to, err)
	}
	subject := oneLine(r.Subject)
	if subject == "" {
		return nil, errors.New("subject is empty")
	}
	if date.IsZero() {
		date = time.Now()
	}
	m := &message{}
	m.add("Date", date.Format(time.RFC1123Z))
	m.add("From", from.String())
	m.add("To", rcpt.String())
	if h.ReplyTo != "" {
		reply, err := netmail.ParseAddress(h.ReplyTo)
		if err != nil {
			return nil, fmt.Errorf("reply-to %q: %w", h.ReplyTo, err)
		}
		m.add("Reply-To", reply.String())
	}
	m.add("Subject", mime.QEncoding.Encode("UTF-8", subject))
	m.add("Message-ID", messageID)
	m.add("Auto-Submitted", "auto-generated")
	return m, nil
}

// write composes m with r's text and HTML as the two parts of a
// multipart/alternative body into buf, and signs it when DKIM is set up.
func (h Headers) write(buf []byte, m *message, r Rendered) ([]byte, error) {
	var random [16]byte
	_, _ = rand.Read(random[:]) // crypto/rand.Read never fails on supported platforms
	boundary := hex.EncodeToString(random[:])
	// One allocation, mostly: room for the bodies encoded.
	b := slices.Grow(buf[:0], 1024+r.Text.EncodedLen()+r.HTML.EncodedLen())
	for _, f := range m.headers {
		b = appendHeader(b, f.name, f.value)
	}
	b = append(b, "MIME-Version: 1.0\r\nContent-Type: multipart/alternative;\r\n boundary="...)
	b = append(b, boundary...)
	b = append(b, "\r\n"...)
	for _, part := range []struct {
		kind string
		body qp.Body
		refs bool
	}{{"text/plain", r.Text, false}, {"text/html", r.HTML, r.CharRefs}} {
		b = append(b, "\r\n--"...)
		b = append(b, boundary...)
		b = append(b, "\r\nContent-Type: "...)
		b = append(b, part.kind...)
		b = append(b, "; charset=UTF-8\r\nContent-Transfer-Encoding: "...)
		b = appendBody(b, part.body, part.refs)
	}
	b = append(b, "\r\n--"...)
	b = append(b, boundary...)
	b = append(b, "--\r\n"...)
	if h.DKIM == nil {
		return b, nil
	}
	return h.DKIM.Sign(b)
}

// appendBody appends the end of a part's Content-Transfer-Encoding
// field, the blank line and the body: 7bit where the body allows
// (qp.AppendSevenBit; refs as there), which most digests' HTML does once
// its characters outside ASCII are references, quoted-printable else.
func appendBody(b []byte, body qp.Body, refs bool) []byte {
	const sevenBit, quoted = "7bit\r\n\r\n", "quoted-printable\r\n\r\n"
	if b, ok := qp.AppendSevenBit(append(b, sevenBit...), body, refs); ok {
		return b
	}
	return qp.AppendBody(append(b, quoted...), body)
}

// appendHeader appends one header field, folded at spaces so that its
// lines keep to 78 characters where it can (RFC 5322 2.1.1). The values
// are single lines already: addresses formatted by net/mail, the subject
// RFC 2047 encoded, URIs checked by headerURI.
func appendHeader(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, ": "...)
	col := len(name) + 2
	for i, word := range strings.Split(value, " ") {
		if i > 0 {
			if col+1+len(word) > 78 {
				b = append(b, "\r\n"...)
				col = 0
			}
			b = append(b, ' ')
			col++
		}
		b = append(b, word...)
		col += len(word)
	}
	return append(b, "\r\n"...)
}

// fromDomain is the domain of the From address: Message-IDs live under it.
func fromDomain(from string) (string, error) {
	a, err := netmail.ParseAddress(from)
	if err != nil {
		return "", fmt.Errorf("from %q: %w", from, err)
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at < 0 || at == len(a.Address)-1 {
		return "", fmt.Errorf("from %q: no domain", from)
	}
	return a.Address[at+1:], nil
}

// listUnsubscribe offers the https link and, when configured, the mailto.
// One-click (RFC 8058 List-Unsubscribe-Post) is only allowed for https, so
// an http base URL (a local trial run) gets a plain List-Unsubscribe.
func (m *message) listUnsubscribe(link, mailto string) error {
	u, err := headerURI(link, "https", "http")
	if err != nil {
		return fmt.Errorf("unsubscribe url: %w", err)
	}
	value := "<" + u + ">"
	if mailto != "" {
		mt, err := headerURI(mailto, "mailto")
		if err != nil {
			return fmt.Errorf("unsubscribe mailto: %w", err)
		}
		value += ", <" + mt + ">"
	}
	m.add("List-Unsubscribe", value)
	if strings.HasPrefix(u, "https:") {
		m.add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	return nil
}

// headerURI checks that s is an absolute URI of one of schemes that can sit
// between angle brackets in a header: no space, control character or bracket.
func headerURI(s string, schemes ...string) (string, error) {
	if s == "" {
		return "", errors.New("empty")
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == '<' || r == '>' || r == 0x7f }) {
		return "", fmt.Errorf("%q has a character not allowed in a header", s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", err
	}
	for _, scheme := range schemes {
		if u.Scheme == scheme && (u.Host != "" || u.Opaque != "") {
			return s, nil
		}
	}
	return "", fmt.Errorf("%q: want a %s URI", s, strings.Join(schemes, " or "))
}

// EnvelopeFrom is the SMTP envelope sender (MAIL FROM): the bare address of
// the From header, where bounces go.
func (h Headers) EnvelopeFrom() string {
	if a, err := netmail.ParseAddress(h.From); err == nil {
		return a.Address
	}
	return h.From
}
