package mailer

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// TLS modes of SMTPConfig.TLS, as in the config key smtp.tls.
const (
	SMTPStartTLS      = "starttls"
	SMTPOpportunistic = "opportunistic"
	SMTPImplicitTLS   = "tls"
	SMTPNoTLS         = "none"
)

// SMTPConfig says how to reach the mail relay.
type SMTPConfig struct {
	Host string
	// Port defaults by TLS mode: 465 for "tls", 25 for "none", 587 otherwise.
	Port               int
	Username, Password string // AUTH only when Username is set
	// TLS is "starttls" (the default: STARTTLS required), "opportunistic",
	// "tls" (implicit TLS) or "none".
	TLS string
	// HELO is the name sent in EHLO; the machine's host name when empty.
	HELO string
	// Timeout bounds connecting and each message up to its final dot;
	// 30s when zero.
	Timeout time.Duration
	// DataTimeout bounds the wait for the reply to a message's final dot,
	// when the relay takes it in for good (RFC 5321 4.5.3.2.6 asks for 10
	// minutes, against duplicates); 10m when zero.
	DataTimeout time.Duration
	// TLSConfig replaces the system roots, e.g. to trust a test certificate.
	TLSConfig *tls.Config
}

// SMTP delivers stored messages over one SMTP connection, reused from
// message to message and reopened when the server has dropped it. Calls are
// serialised; run one SMTP per delivery worker.
type SMTP struct {
	host, addr  string
	timeout     time.Duration
	dataTimeout time.Duration
	opts        []mail.Option
	// implicitTLS is the TLS config the dialer wraps connections in for
	// mode "tls"; nil otherwise.
	implicitTLS *tls.Config

	mu   sync.Mutex
	conn *smtpConn // nil until the first Send, and after a broken connection
}

// smtpConn is one open SMTP session and the socket under it, which is what
// deadlines and cancellation act on.
type smtpConn struct {
	c   *smtp.Client
	raw net.Conn
	buf []byte // a message as DATA carries it, when it needs stuffing
}

// NewSMTP checks cfg; it connects only on the first Send.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if cfg.Host == "" {
		return nil, errors.New("smtp.host is empty")
	}
	if cfg.TLS == "" {
		cfg.TLS = SMTPStartTLS
	}
	policy := map[string]mail.TLSPolicy{
		SMTPStartTLS: mail.TLSMandatory, SMTPOpportunistic: mail.TLSOpportunistic, SMTPNoTLS: mail.NoTLS,
		// The dialer below does the TLS handshake itself; opportunistic lets
		// go-mail see the encrypted session and allow PLAIN and LOGIN on it.
		SMTPImplicitTLS: mail.TLSOpportunistic,
	}
	tlsPolicy, ok := policy[cfg.TLS]
	if !ok {
		return nil, fmt.Errorf("smtp.tls %q: want starttls, opportunistic, tls or none", cfg.TLS)
	}
	if cfg.Port == 0 {
		cfg.Port = map[string]int{SMTPImplicitTLS: 465, SMTPNoTLS: 25}[cfg.TLS]
		if cfg.Port == 0 {
			cfg.Port = 587
		}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.DataTimeout <= 0 {
		cfg.DataTimeout = 10 * time.Minute
	}
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		tlsConfig = cfg.TLSConfig.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = cfg.Host
	}
	opts := []mail.Option{
		mail.WithPort(cfg.Port), mail.WithTimeout(cfg.Timeout),
		mail.WithTLSPolicy(tlsPolicy), mail.WithTLSConfig(tlsConfig),
	}
	if cfg.HELO != "" {
		opts = append(opts, mail.WithHELO(cfg.HELO))
	}
	if cfg.Username != "" {
		// Auto-discovery picks the strongest mechanism and never sends a
		// password in the clear; with TLS off only PLAIN is left, which
		// go-mail still refuses unless the relay is on localhost.
		auth := mail.SMTPAuthAutoDiscover
		if cfg.TLS == SMTPNoTLS {
			auth = mail.SMTPAuthPlain
		}
		opts = append(opts, mail.WithSMTPAuth(auth), mail.WithUsername(cfg.Username), mail.WithPassword(cfg.Password))
	}
	if _, err := mail.NewClient(cfg.Host, opts...); err != nil {
		return nil, fmt.Errorf("smtp %s: %w", cfg.Host, err)
	}
	s := &SMTP{host: cfg.Host, addr: net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)), timeout: cfg.Timeout,
		dataTimeout: cfg.DataTimeout, opts: opts}
	if cfg.TLS == SMTPImplicitTLS {
		s.implicitTLS = tlsConfig
	}
	return s, nil
}

// Send delivers msg, a complete RFC 5322 message, from the envelope sender
// from to the single recipient to. A failure is a *SendError. When the
// reused connection turns out to be dead, the message is tried once more on
// a fresh one, unless the server may already have accepted it
// (SendError.MaybeDelivered).
func (s *SMTP) Send(ctx context.Context, from, to string, msg []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return &SendError{Addr: s.addr, Stage: "connect", Temporary: true, Err: err}
	}
	reused := s.conn != nil
	maybeDelivered, err := s.attempt(ctx, from, to, msg)
	var se *SendError
	if err != nil && reused && !maybeDelivered && ctx.Err() == nil &&
		errors.As(err, &se) && se.Temporary && (se.Code == 0 || se.Code == 421) {
		_, err = s.attempt(ctx, from, to, msg)
	}
	return err
}

// Close ends the session with QUIT. A connection the server already dropped
// is no failure: there is nothing left to close cleanly.
func (s *SMTP) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return nil
	}
	conn := s.conn
	s.conn = nil
	_ = conn.raw.SetDeadline(time.Now().Add(s.timeout))
	err := conn.c.Quit()
	_ = conn.raw.Close()
	if err != nil && !isNetworkError(err) {
		return fmt.Errorf("smtp %s: quit: %w", s.addr, err)
	}
	return nil
}

// connect dials and runs EHLO, STARTTLS and AUTH through go-mail. The dial
// function keeps the socket, so it is closed when the handshake fails and
// its I/O is cut short when ctx is cancelled.
func (s *SMTP) connect(ctx context.Context) (*smtpConn, error) {
	var raw net.Conn
	stop := func() bool { return false }
	dial := func(dctx context.Context, network, addr string) (net.Conn, error) {
		d := &net.Dialer{}
		var err error
		if s.implicitTLS != nil {
			raw, err = (&tls.Dialer{NetDialer: d, Config: s.implicitTLS}).DialContext(dctx, network, addr)
		} else {
			raw, err = d.DialContext(dctx, network, addr)
		}
		if err == nil {
			conn := raw
			stop = context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
		}
		return raw, err
	}
	client, err := mail.NewClient(s.host, append(s.opts[:len(s.opts):len(s.opts)], mail.WithDialContextFunc(dial))...)
	if err != nil {
		return nil, newSendError(ctx, s.addr, "connect", err)
	}
	c, err := client.DialToSMTPClientWithContext(ctx)
	stop()
	if err != nil {
		if raw != nil {
			_ = raw.Close()
		}
		return nil, newSendError(ctx, s.addr, "connect", err)
	}
	return &smtpConn{c: c, raw: raw}, nil
}

// attempt runs one SMTP transaction on the current connection, opening one
// if needed. maybeDelivered reports a failure after the message's final dot
// was sent: the server may have taken it, so it must not be sent again.
func (s *SMTP) attempt(ctx context.Context, from, to string, msg []byte) (maybeDelivered bool, err error) {
	if s.conn == nil {
		conn, err := s.connect(ctx)
		if err != nil {
			return false, err
		}
		s.conn = conn
	}
	conn := s.conn
	stop := context.AfterFunc(ctx, func() { _ = conn.raw.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := conn.raw.SetDeadline(time.Now().Add(s.timeout)); err != nil {
		s.drop()
		return false, newSendError(ctx, s.addr, "connect", err)
	}
	// The reply to the final dot gets its own, longer deadline: the relay
	// may be taking the message in for good (a content filter, a queue
	// write), and giving up then leaves it unknown whether it did. A
	// cancellation before or while it is set still cuts the wait short.
	awaitReply := func() {
		_ = conn.raw.SetDeadline(time.Now().Add(s.dataTimeout))
		if ctx.Err() != nil {
			_ = conn.raw.SetDeadline(time.Unix(1, 0))
		}
	}
	stage, maybeDelivered, err := conn.transact(from, to, msg, awaitReply)
	if err == nil {
		// The reply to the final dot ended the transaction: the next
		// one needs no RSET first (RFC 5321 4.1.4).
		return false, nil
	}
	se := newSendError(ctx, s.addr, stage, err)
	se.MaybeDelivered = maybeDelivered
	var reply *textproto.Error
	if !errors.As(err, &reply) || reply.Code == 421 || conn.c.Reset() != nil {
		s.drop()
	}
	return maybeDelivered, se
}

// transact runs one mail transaction. When the server offers PIPELINING
// (RFC 2920), MAIL, RCPT and DATA go in one write and their replies are
// read after it: two round trips a message instead of four. Across a
// network it is round trips, not bytes, that bound how many messages a
// connection carries a second.
func (c *smtpConn) transact(from, to string, msg []byte, awaitReply func()) (stage string, maybeDelivered bool, err error) {
	if ok, _ := c.c.Extension("PIPELINING"); ok {
		stage, err = c.pipelined(from, to)
	} else {
		stage, err = c.stepwise(from, to)
	}
	if err != nil {
		return stage, false, err
	}
	maybeDelivered, err = c.data(msg, awaitReply)
	if err != nil {
		return "data", maybeDelivered, err
	}
	return "", false, nil
}

// stepwise sends MAIL, RCPT and DATA one at a time, each after the reply
// to the one before.
func (c *smtpConn) stepwise(from, to string) (stage string, err error) {
	// go-mail's client writes the path as given: without its angle
	// brackets, strict servers answer 501.
	if err := c.c.Mail("<" + from + ">"); err != nil {
		return "mail", err
	}
	if err := c.c.Rcpt("<" + to + ">"); err != nil {
		return "rcpt", err
	}
	t := c.c.Text
	id, err := t.Cmd("DATA")
	if err != nil {
		return "data", err
	}
	t.StartResponse(id)
	defer t.EndResponse(id)
	_, _, err = t.ReadResponse(354)
	return "data", err
}

// pipelined sends MAIL, RCPT and DATA in one write, then reads the three
// replies, every one of them, to stay in step with the server. When MAIL
// or RCPT was refused, the server should refuse DATA too; one that
// answers 354 anyway gets an empty message, which has no recipient.
func (c *smtpConn) pipelined(from, to string) (stage string, err error) {
	if strings.ContainsAny(from+to, "\r\n") {
		return "mail", errors.New("smtp: an address holds a line break")
	}
	params := ""
	if ok, _ := c.c.Extension("SMTPUTF8"); ok && !isASCII(from+to) {
		params = " SMTPUTF8"
	}
	t := c.c.Text
	fmt.Fprintf(t.W, "MAIL FROM:<%s>%s\r\nRCPT TO:<%s>\r\nDATA\r\n", from, params, to)
	if err := t.W.Flush(); err != nil {
		return "mail", err
	}
	var refused error
	for _, r := range []struct {
		stage string
		code  int
	}{{"mail", 250}, {"rcpt", 25}, {"data", 354}} {
		_, _, err := t.ReadResponse(r.code)
		var reply *textproto.Error
		switch {
		case err != nil && !errors.As(err, &reply):
			// The connection broke: nothing more to read. A refusal
			// before it (a 421 closing the session) says more.
			if refused != nil {
				return stage, refused
			}
			return r.stage, err
		case err != nil && refused == nil:
			stage, refused = r.stage, err
		case err == nil && r.stage == "data" && refused != nil:
			if _, err := t.W.WriteString(".\r\n"); err != nil {
				return stage, err
			}
			if err := t.W.Flush(); err != nil {
				return stage, err
			}
			_, _, _ = t.ReadResponse(250)
		}
	}
	return stage, refused
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// data sends msg once the server is ready for it (its 354 to DATA).
// go-mail's Data writes through textproto's DotWriter, a byte at a time
// and in 4 KB writes (docs/PERFORMANCE.md, item 7); this stuffs the
// message itself when a line needs it (appendStuffed) and hands it to the
// connection in one write.
// awaitReply is called once the final dot is sent, before its reply is
// read. maybeDelivered reports a failure after the final dot was written:
// only the server's reply to it says for sure the message was refused.
func (c *smtpConn) data(msg []byte, awaitReply func()) (maybeDelivered bool, err error) {
	t := c.c.Text
	if !readyForData(msg) {
		c.buf = appendStuffed(c.buf[:0], msg)
		msg = c.buf
	}
	// The writer is empty after DATA, so a write this large goes straight
	// to the connection. A failure here is before the final dot: the
	// message did not get through.
	if _, err := t.W.Write(msg); err != nil {
		return false, err
	}
	t.W.WriteString(".\r\n")
	if err := t.W.Flush(); err != nil {
		return true, err
	}
	awaitReply()
	_, _, err = t.ReadResponse(250)
	var reply *textproto.Error
	return err != nil && !errors.As(err, &reply), err
}

// readyForData reports whether msg can go as DATA as it is: every line
// ends in CRLF and none starts with a dot. A composed message is CRLF
// throughout and rarely has a line that starts with a dot.
func readyForData(msg []byte) bool {
	if len(msg) == 0 || msg[0] == '.' || !bytes.HasSuffix(msg, []byte("\r\n")) {
		return false
	}
	// One look at each line break: a message is ~700 lines.
	for i := 0; ; {
		n := bytes.IndexByte(msg[i:], '\n')
		if n < 0 {
			return true
		}
		i += n + 1
		if i < 2 || msg[i-2] != '\r' || i < len(msg) && msg[i] == '.' {
			return false
		}
	}
}

// appendStuffed appends msg to buf as DATA carries it, the way textproto's
// DotWriter writes it: every line ending in CRLF, and a dot that starts a
// line doubled (RFC 5321 4.5.2).
func appendStuffed(buf, msg []byte) []byte {
	for len(msg) > 0 {
		line := msg
		if i := bytes.IndexByte(msg, '\n'); i >= 0 {
			line, msg = msg[:i], msg[i+1:]
		} else {
			msg = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) > 0 && line[0] == '.' {
			buf = append(buf, '.')
		}
		buf = append(buf, line...)
		buf = append(buf, '\r', '\n')
	}
	return buf
}

// drop forgets a connection in an unknown state; the next Send dials anew.
func (s *SMTP) drop() {
	if s.conn != nil {
		_ = s.conn.raw.Close()
		s.conn = nil
	}
}
