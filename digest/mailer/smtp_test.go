package mailer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/email"
	"github.com/digestd/digestd/digest/mailer/smtptest"
	"github.com/digestd/digestd/internal/qp"
)

func newTestSender(t *testing.T, srv *smtptest.Server, mode string, user, pass string) *SMTP {
	t.Helper()
	s, err := NewSMTP(SMTPConfig{
		Host: srv.Host(), Port: srv.Port(), TLS: mode, Username: user, Password: pass,
		HELO: "digestd.test", Timeout: 5 * time.Second, TLSConfig: srv.ClientTLSConfig(),
	})
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// testMessage is a composed digest whose text part has a line starting with
// a dot, which quoted-printable encodes (=2E) so that no line of the
// message starts with one.
func testMessage(t *testing.T, n int) []byte {
	t.Helper()
	d := &digest.Digest{SubscriberID: 42, To: "reader@example.org", Period: fmt.Sprintf("2026-11-%02d", n),
		Date: time.Date(2026, 11, 28, 7, 0, 0, 0, time.UTC), UnsubscribeURL: "https://digest.example.org/unsubscribe/tok123"}
	msg, _, err := email.ComposeDigest(email.Headers{From: "digestd <digest@example.org>"}, d, email.Rendered{
		Subject: "2 new papers for you — Sat 28 Nov",
		HTML:    qp.Text("<html><body><p>Hello <strong>reader</strong> · ünïcode</p></body></html>"),
		Text:    qp.Text("Hello *reader* · ünïcode\n.a line starting with a dot\n" + strings.Repeat("long line ", 20) + "\n"),
	})
	if err != nil {
		t.Fatalf("email.ComposeDigest: %v", err)
	}
	if !bytes.Contains(msg, []byte("\r\n=2Ea line")) || bytes.Contains(msg, []byte("\n.")) {
		t.Fatalf("test message: want the text's line starting with a dot encoded, and no line starting with one")
	}
	return msg
}

func TestSMTPSenderReusesOneConnection(t *testing.T) {
	srv := smtptest.Start(t)
	s := newTestSender(t, srv, SMTPNoTLS, "", "")
	var sent [][]byte
	for i := range 5 {
		msg := testMessage(t, i+1)
		if err := s.Send(context.Background(), "bounce@example.org", "reader@example.org", msg); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		sent = append(sent, msg)
	}
	if got := srv.Connections(); got != 1 {
		t.Errorf("got %d connections, want 1", got)
	}
	got := srv.Messages()
	if len(got) != len(sent) {
		t.Fatalf("got %d messages, want %d", len(got), len(sent))
	}
	for i, m := range got {
		if m.From != "bounce@example.org" || len(m.To) != 1 || m.To[0] != "reader@example.org" {
			t.Errorf("message %d: got envelope %s -> %v", i, m.From, m.To)
		}
		if !bytes.Equal(m.Data, sent[i]) {
			t.Errorf("message %d: received bytes differ from the sent ones", i)
		}
	}
}

func TestSMTPSenderTLSModes(t *testing.T) {
	starttls, implicit, auth := smtptest.WithTLS(), smtptest.WithImplicitTLS(), smtptest.WithAuth("u", "p")
	tests := []struct {
		name      string
		opts      []smtptest.Option
		mode      string
		user      string // AUTH as user with password "p" when set
		untrusted bool   // use system roots, which do not know the test cert
		wantErr   string // "" for delivered
	}{
		{"starttls", []smtptest.Option{starttls}, SMTPStartTLS, "", false, ""},
		{"starttls required but not offered", nil, SMTPStartTLS, "", false, "does not support STARTTLS"},
		{"starttls with unknown certificate", []smtptest.Option{starttls}, SMTPStartTLS, "", true, "certificate"},
		{"opportunistic without starttls", nil, SMTPOpportunistic, "", false, ""},
		{"opportunistic with starttls", []smtptest.Option{starttls}, SMTPOpportunistic, "", false, ""},
		{"implicit tls", []smtptest.Option{implicit}, SMTPImplicitTLS, "", false, ""},
		{"auth over starttls", []smtptest.Option{starttls, auth}, SMTPStartTLS, "u", false, ""},
		{"auth over implicit tls", []smtptest.Option{implicit, auth}, SMTPImplicitTLS, "u", false, ""},
		{"plain auth on localhost without tls", []smtptest.Option{auth}, SMTPNoTLS, "u", false, ""},
		{"no password in clear when tls was wanted", []smtptest.Option{auth}, SMTPOpportunistic, "u", false, "authentication mechanism"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, tt.opts...)
			cfg := SMTPConfig{Host: srv.Host(), Port: srv.Port(), TLS: tt.mode, Username: tt.user, Password: "p", Timeout: 5 * time.Second}
			if !tt.untrusted {
				cfg.TLSConfig = srv.ClientTLSConfig()
			}
			s, err := NewSMTP(cfg)
			if err != nil {
				t.Fatalf("NewSMTP: %v", err)
			}
			defer s.Close()
			err = s.Send(context.Background(), "bounce@example.org", "reader@example.org", []byte("Subject: x\r\n\r\nhi\r\n"))
			if tt.wantErr == "" {
				if err != nil || len(srv.Messages()) != 1 {
					t.Fatalf("got %v and %d messages, want 1 delivered", err, len(srv.Messages()))
				}
				return
			}
			var se *SendError
			if !errors.As(err, &se) || se.Stage != "connect" || se.Temporary || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %#v (%v), want a permanent connect error containing %q", se, err, tt.wantErr)
			}
			t.Logf("error reads: %v", err)
		})
	}
}

func TestSMTPSenderWrongPassword(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithTLS(), smtptest.WithAuth("u", "p"))
	err := newTestSender(t, srv, SMTPStartTLS, "u", "wrong").Send(context.Background(), "a@example.org", "b@example.org", testMessage(t, 1))
	var se *SendError
	if !errors.As(err, &se) || se.Code != 535 || se.Temporary || se.Stage != "connect" {
		t.Fatalf("got %v, want a permanent 535 at connect", err)
	}
}

func TestSMTPSenderReplyCodes(t *testing.T) {
	reject := func(code int) error {
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 1, 1}, Message: "no"}
	}
	srv := smtptest.Start(t,
		smtptest.WithRcptHook(func(to string) error {
			switch to {
			case "gone@example.org":
				return reject(550)
			case "busy@example.org":
				return reject(451)
			}
			return nil
		}),
		smtptest.WithDataHook(func(data []byte) error {
			if bytes.Contains(data, []byte("spam")) {
				return reject(554)
			}
			return nil
		}))
	s := newTestSender(t, srv, SMTPNoTLS, "", "")
	tests := []struct {
		to, body string
		want     SendError
	}{
		{"gone@example.org", "hi", SendError{Code: 550, Temporary: false, Stage: "rcpt"}},
		{"busy@example.org", "hi", SendError{Code: 451, Temporary: true, Stage: "rcpt"}},
		{"reader@example.org", "spam", SendError{Code: 554, Temporary: false, Stage: "data"}},
	}
	for _, tt := range tests {
		err := s.Send(context.Background(), "a@example.org", tt.to, []byte("\r\n"+tt.body+"\r\n"))
		var se *SendError
		if !errors.As(err, &se) || se.Code != tt.want.Code || se.Temporary != tt.want.Temporary || se.Stage != tt.want.Stage {
			t.Errorf("to %s: got %#v, want %+v", tt.to, se, tt.want)
		}
	}
	if err := s.Send(context.Background(), "a@example.org", "reader@example.org", []byte("\r\nfine\r\n")); err != nil {
		t.Fatalf("send after refusals: %v", err)
	}
	if got := srv.Connections(); got != 1 {
		t.Errorf("got %d connections, want the refusals to keep the one connection", got)
	}
}

func TestSMTPSenderReconnectsAfterDrop(t *testing.T) {
	srv := smtptest.Start(t)
	s := newTestSender(t, srv, SMTPNoTLS, "", "")
	for i := range 3 {
		if err := s.Send(context.Background(), "a@example.org", "reader@example.org", testMessage(t, i+1)); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		srv.DropConnections()
	}
	if got := len(srv.Messages()); got != 3 {
		t.Errorf("got %d messages, want 3", got)
	}
	if got := srv.Connections(); got != 3 {
		t.Errorf("got %d connections, want 3", got)
	}
}

func TestSMTPSenderUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	s, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: port, TLS: SMTPNoTLS})
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	err = s.Send(context.Background(), "a@example.org", "b@example.org", []byte("\r\nhi\r\n"))
	want := fmt.Sprintf("smtp 127.0.0.1:%d: connect: connection refused", port)
	var se *SendError
	if err == nil || err.Error() != want || !errors.As(err, &se) || !se.Temporary {
		t.Errorf("got %v, want temporary %q", err, want)
	}
}

func TestSMTPSenderHonoursCancel(t *testing.T) {
	release := make(chan struct{})
	srv := smtptest.Start(t, smtptest.WithDataHook(func([]byte) error { <-release; return nil }))
	defer close(release)
	s := newTestSender(t, srv, SMTPNoTLS, "", "")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.Send(ctx, "a@example.org", "b@example.org", []byte("\r\nhi\r\n"))
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("got %v after %v, want the context's error promptly", err, time.Since(start))
	}
}

func TestNewSMTPSenderRejectsBadConfig(t *testing.T) {
	for _, cfg := range []SMTPConfig{{Host: "mail.example.org", TLS: "ssl"}, {TLS: SMTPStartTLS}, {Host: "mail.example.org", Port: 70000}} {
		if _, err := NewSMTP(cfg); err == nil || !strings.Contains(err.Error(), "smtp") {
			t.Errorf("%+v: got %v, want an error naming the smtp setting", cfg, err)
		}
	}
}

// TestSMTPSenderStuffsData: a message goes as DATA with CRLF line ends and
// a dot that starts a line doubled, whether it needs nothing done (as a
// composed message) or has bare LFs and leading dots; the server, undoing
// the stuffing, receives each message's lines intact.
func TestSMTPSenderStuffsData(t *testing.T) {
	srv := smtptest.Start(t)
	s := newTestSender(t, srv, SMTPNoTLS, "", "")
	msgs := []struct{ sent, received string }{
		{"Subject: ready\r\n\r\nno line starts with a dot\r\n", "Subject: ready\r\n\r\nno line starts with a dot\r\n"},
		{"Subject: dots\r\n\r\n.one\r\n..two\n.\r\nend", "Subject: dots\r\n\r\n.one\r\n..two\r\n.\r\nend\r\n"},
	}
	for _, m := range msgs {
		if err := s.Send(context.Background(), "bounce@example.org", "reader@example.org", []byte(m.sent)); err != nil {
			t.Fatalf("send %q: %v", m.sent, err)
		}
	}
	got := srv.Messages()
	if len(got) != len(msgs) {
		t.Fatalf("got %d messages, want %d", len(got), len(msgs))
	}
	for i, m := range msgs {
		if string(got[i].Data) != m.received {
			t.Errorf("message %d: got %q, want %q", i, got[i].Data, m.received)
		}
	}
	for msg, want := range map[string]bool{
		msgs[0].sent:            true,
		msgs[1].sent:            false,
		"\r\n":                  true,
		"a\r\nb\r\n":            true,
		"":                      false,
		"\n":                    false,
		"a\nb\r\n":              false, // a bare LF
		"a\r\n.b\r\n":           false, // a line starts with a dot
		".a\r\n":                false,
		"a\r\nb":                false, // no CRLF at the end
		"a\r\nb.\r\n.\r\n\r\n":  false,
		"a\r\nb.\r\n\r\nc.\r\n": true,
	} {
		if got := readyForData([]byte(msg)); got != want {
			t.Errorf("readyForData(%q) = %v, want %v", msg, got, want)
		}
	}
}

// scriptedRelay is an SMTP server that answers each command as it reads it
// and notes, for each, whether the client had already sent more: a client
// that pipelines sends RCPT and DATA before MAIL's reply. It refuses
// refused@example.org at RCPT yet answers DATA with 354, as a careless
// server might, and then refuses the (empty) message; at RCPT
// closing@example.org it answers 421 and closes the connection.
type scriptedRelay struct {
	ln         net.Listener
	pipelining bool
	mu         sync.Mutex
	log        []string
}

func startScriptedRelay(t *testing.T, pipelining bool) *scriptedRelay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &scriptedRelay{ln: ln, pipelining: pipelining}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go r.serve(conn)
		}
	}()
	return r
}

func (r *scriptedRelay) note(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, s)
}

// transcript is the commands read, "+" after those the client had sent
// more behind, and "body" for each message read after a 354.
func (r *scriptedRelay) transcript() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.log, " ")
}

func (r *scriptedRelay) serve(conn net.Conn) {
	defer conn.Close()
	in := bufio.NewReader(conn)
	reply := func(s string) { fmt.Fprint(conn, s+"\r\n") }
	reply("220 scripted ESMTP")
	refused := false
	for {
		line, err := in.ReadString('\n')
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.Fields(line + " x")[0])
		if in.Buffered() > 0 {
			r.note(verb + "+")
		} else {
			r.note(verb)
		}
		switch verb {
		case "EHLO":
			if r.pipelining {
				reply("250-scripted")
				reply("250-PIPELINING")
			} else {
				reply("250-scripted")
			}
			reply("250 8BITMIME")
		case "RCPT":
			if strings.Contains(line, "closing@") {
				reply("421 4.3.2 shutting down")
				return
			}
			refused = strings.Contains(line, "refused@")
			if refused {
				reply("550 5.1.1 no such user")
			} else {
				reply("250 ok")
			}
		case "DATA":
			reply("354 go ahead")
			body := 0
			for {
				l, err := in.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				body += len(l)
			}
			switch {
			case refused:
				r.note("empty-body")
				reply("554 5.5.1 no valid recipients")
			case body == 0:
				r.note("empty-body")
				reply("554 5.6.0 empty message")
			default:
				r.note("body")
				reply("250 queued")
			}
		case "QUIT":
			reply("221 bye")
			return
		default: // MAIL, RSET, NOOP
			reply("250 ok")
		}
	}
}

// TestSMTPSenderPipelines: with a server that offers PIPELINING, MAIL,
// RCPT and DATA go out together and no RSET follows a delivered message;
// with one that does not, one command at a time. A refused recipient
// leaves the session in step for the next message either way.
func TestSMTPSenderPipelines(t *testing.T) {
	for _, tt := range []struct {
		pipelining bool
		want       string
	}{
		{true, "EHLO MAIL+ RCPT+ DATA body MAIL+ RCPT+ DATA empty-body RSET MAIL+ RCPT+ DATA body QUIT"},
		{false, "EHLO MAIL RCPT DATA body MAIL RCPT RSET MAIL RCPT DATA body QUIT"},
	} {
		relay := startScriptedRelay(t, tt.pipelining)
		s, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: relay.ln.Addr().(*net.TCPAddr).Port,
			TLS: SMTPNoTLS, HELO: "digestd.test", Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		for i, to := range []string{"a@example.org", "refused@example.org", "b@example.org"} {
			err := s.Send(context.Background(), "bounce@example.org", to, testMessage(t, i+1))
			var se *SendError
			switch {
			case to == "refused@example.org" && (!errors.As(err, &se) || se.Code != 550 || se.Stage != "rcpt"):
				t.Errorf("pipelining %v, to %s: got %v, want a 550 at rcpt", tt.pipelining, to, err)
			case to != "refused@example.org" && err != nil:
				t.Errorf("pipelining %v, to %s: %v", tt.pipelining, to, err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if got := relay.transcript(); got != tt.want {
			t.Errorf("pipelining %v: the server read\n%s\nwant\n%s", tt.pipelining, got, tt.want)
		}
	}
}

// TestSMTPSenderPipelinedRelayCloses: a relay that answers a pipelined
// RCPT with 421 and hangs up leaves a temporary error that names the 421,
// and the next message goes out on a new connection.
func TestSMTPSenderPipelinedRelayCloses(t *testing.T) {
	relay := startScriptedRelay(t, true)
	s, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: relay.ln.Addr().(*net.TCPAddr).Port,
		TLS: SMTPNoTLS, HELO: "digestd.test", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Send(context.Background(), "bounce@example.org", "closing@example.org", testMessage(t, 1))
	var se *SendError
	if !errors.As(err, &se) || se.Code != 421 || !se.Temporary || se.Stage != "rcpt" {
		t.Errorf("got %v, want a temporary 421 at rcpt", err)
	}
	if err := s.Send(context.Background(), "bounce@example.org", "a@example.org", testMessage(t, 2)); err != nil {
		t.Errorf("the next message: %v", err)
	}
	if got := relay.transcript(); !strings.HasSuffix(got, "EHLO MAIL+ RCPT+ DATA body") {
		t.Errorf("the server read %q, want the next message on a new connection", got)
	}
}
