package digest

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
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
// the text part first (clients show the last part they understand), quoted-
// printable UTF-8, and the list headers mailbox providers expect from bulk
// mail. The Message-ID depends only on the subscriber, the period and the
// From domain, so a digest re-sent after a crash carries the same Message-ID
// and is recognisable as the same message. messageID is returned as it
// stands in the header, angle brackets included.
func ComposeDigest(h Headers, d *Digest, r Rendered) (msg []byte, messageID string, err error) {
	if d == nil {
		return nil, "", errors.New("compose digest: no digest")
	}
	domain, err := fromDomain(h.From)
	if err != nil {
		return nil, "", fmt.Errorf("compose digest for subscriber %d: %w", d.SubscriberID, err)
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%d|%s", d.SubscriberID, d.Period)))
	messageID = "digest-" + hex.EncodeToString(sum[:16]) + "@" + domain
	m, err := newMessage(h, d.To, r, messageID, d.Date)
	if err == nil {
		err = setListUnsubscribe(m, d.UnsubscribeURL, h.UnsubscribeMailto)
	}
	if err != nil {
		return nil, "", fmt.Errorf("compose digest for subscriber %d: %w", d.SubscriberID, err)
	}
	if id := oneLine(h.ListID); id != "" {
		m.SetGenHeader("List-Id", id)
	}
	m.SetBulk()
	b, err := h.write(m)
	if err != nil {
		return nil, "", fmt.Errorf("compose digest for subscriber %d: %w", d.SubscriberID, err)
	}
	return b, "<" + messageID + ">", nil
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
	m, err := newMessage(h, to, r, "confirm-"+hex.EncodeToString(random[:])+"@"+domain, time.Now())
	if err != nil {
		return nil, fmt.Errorf("compose confirmation: %w", err)
	}
	b, err := h.write(m)
	if err != nil {
		return nil, fmt.Errorf("compose confirmation: %w", err)
	}
	return b, nil
}

// newMessage sets what every digestd message has. Addresses go through
// go-mail's RFC 5322 parser and the subject through oneLine and RFC 2047
// encoding, so nothing can add a header line.
func newMessage(h Headers, to string, r Rendered, messageID string, date time.Time) (*mail.Msg, error) {
	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := m.From(h.From); err != nil {
		return nil, fmt.Errorf("from %q: %w", h.From, err)
	}
	if err := m.To(to); err != nil {
		return nil, fmt.Errorf("to %q: %w", to, err)
	}
	if h.ReplyTo != "" {
		if err := m.ReplyTo(h.ReplyTo); err != nil {
			return nil, fmt.Errorf("reply-to %q: %w", h.ReplyTo, err)
		}
	}
	subject := oneLine(r.Subject)
	if subject == "" {
		return nil, errors.New("subject is empty")
	}
	m.Subject(subject)
	if date.IsZero() {
		date = time.Now()
	}
	m.SetDateWithValue(date)
	m.SetMessageIDWithValue(messageID)
	m.SetGenHeader("Auto-Submitted", "auto-generated")
	m.SetBodyString(mail.TypeTextPlain, r.Text)
	m.AddAlternativeString(mail.TypeTextHTML, r.HTML)
	return m, nil
}

// write renders m and signs it when DKIM is set up.
func (h Headers) write(m *mail.Msg) ([]byte, error) {
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("write message: %w", err)
	}
	if h.DKIM == nil {
		return b.Bytes(), nil
	}
	return h.DKIM.Sign(b.Bytes())
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

// setListUnsubscribe offers the https link and, when configured, the mailto.
// One-click (RFC 8058 List-Unsubscribe-Post) is only allowed for https, so
// an http base URL (a local trial run) gets a plain List-Unsubscribe.
func setListUnsubscribe(m *mail.Msg, link, mailto string) error {
	u, err := headerURI(link, "https", "http")
	if err != nil {
		return fmt.Errorf("unsubscribe url: %w", err)
	}
	var extra []string
	if mailto != "" {
		mt, err := headerURI(mailto, "mailto")
		if err != nil {
			return fmt.Errorf("unsubscribe mailto: %w", err)
		}
		extra = append(extra, mt)
	}
	if strings.HasPrefix(u, "https:") {
		return m.SetListUnsubscribeOneClick(u, extra...)
	}
	m.SetListUnsubscribe(append([]string{u}, extra...)...)
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
