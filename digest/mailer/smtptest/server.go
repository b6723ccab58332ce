// Package smtptest runs a real SMTP server inside a test process, so code that
// sends mail is tested against the protocol rather than a mock.
package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted.
type Message struct {
	From string
	To   []string
	Data []byte // as received, dot-stuffing undone, CRLF line ends
}

// Option configures a Server.
type Option func(*Server)

// WithRcptHook lets a test refuse recipients: a returned *smtp.SMTPError is
// sent as the reply (550, 451, ...).
func WithRcptHook(hook func(to string) error) Option {
	return func(s *Server) { s.rcptHook = hook }
}

// WithMailHook lets a test refuse the sender (MAIL FROM), like WithRcptHook.
func WithMailHook(hook func(from string) error) Option {
	return func(s *Server) { s.mailHook = hook }
}

// WithDataHook lets a test refuse a message after DATA, like WithRcptHook.
func WithDataHook(hook func(data []byte) error) Option {
	return func(s *Server) { s.dataHook = hook }
}

// WithTLS offers STARTTLS with a self-signed certificate made at start;
// clients trust it through ClientTLSConfig.
func WithTLS() Option {
	return func(s *Server) { s.startTLS = true }
}

// WithImplicitTLS makes the server speak TLS from the first byte (port 465
// style) with the same self-signed certificate as WithTLS.
func WithImplicitTLS() Option {
	return func(s *Server) { s.implicitTLS = true }
}

// WithDiscard counts the messages accepted without keeping them, for
// passes too large to hold in memory; Accepted reports the count.
func WithDiscard() Option {
	return func(s *Server) { s.discard = true }
}

// WithAuth offers AUTH PLAIN and requires it before MAIL. Without TLS the
// server offers it over plain text, which only a test should ever do.
func WithAuth(user, pass string) Option {
	return func(s *Server) { s.user, s.pass = user, pass }
}

// Server is an in-process SMTP server on 127.0.0.1.
type Server struct {
	srv                   *smtp.Server
	ln                    net.Listener
	clientTLS             *tls.Config
	rcptHook, mailHook    func(string) error
	dataHook              func([]byte) error
	startTLS, implicitTLS bool
	discard               bool
	user, pass            string

	mu       sync.Mutex
	messages []Message
	accepted int
	conns    []net.Conn
}

// Start starts a server on 127.0.0.1:0; it is closed when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{}
	for _, o := range opts {
		o(s)
	}
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "smtptest.local"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.AllowInsecureAuth = !s.startTLS && !s.implicitTLS
	var serverTLS *tls.Config
	if s.startTLS || s.implicitTLS {
		var err error
		if serverTLS, s.clientTLS, err = selfSigned(); err != nil {
			t.Fatalf("smtptest: certificate: %v", err)
		}
	}
	if s.startTLS {
		srv.TLSConfig = serverTLS
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s.ln = &countingListener{Listener: ln, s: s}
	if s.implicitTLS {
		s.ln = tls.NewListener(s.ln, serverTLS)
	}
	s.srv = srv
	go func() { _ = srv.Serve(s.ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Host is the server's IP address.
func (s *Server) Host() string { return s.ln.Addr().(*net.TCPAddr).IP.String() }

// Port is the server's port.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// ClientTLSConfig trusts the server's certificate; nil without WithTLS or
// WithImplicitTLS.
func (s *Server) ClientTLSConfig() *tls.Config {
	if s.clientTLS == nil {
		return nil
	}
	return s.clientTLS.Clone()
}

// Messages returns the messages accepted so far, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Accepted counts the messages accepted so far, kept or not.
func (s *Server) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// Connections counts the TCP connections the server accepted.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// DropConnections closes every open connection without a word, as a server
// restart or an idle timeout on a relay does; the listener stays up.
func (s *Server) DropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		_ = c.Close()
	}
}

type countingListener struct {
	net.Listener
	s *Server
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.s.mu.Lock()
		l.s.conns = append(l.s.conns, c)
		l.s.mu.Unlock()
	}
	return c, err
}

func (s *Server) newSession(*smtp.Conn) (smtp.Session, error) {
	return &session{s: s, authed: s.user == ""}, nil
}

type session struct {
	s      *Server
	authed bool
	msg    Message
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.s.user || pass != ss.s.pass {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if !ss.authed {
		return smtp.ErrAuthRequired
	}
	if ss.s.mailHook != nil {
		if err := ss.s.mailHook(from); err != nil {
			return err
		}
	}
	ss.msg = Message{From: from}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.s.rcptHook != nil {
		if err := ss.s.rcptHook(to); err != nil {
			return err
		}
	}
	ss.msg.To = append(ss.msg.To, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if ss.s.dataHook != nil {
		if err := ss.s.dataHook(data); err != nil {
			return err
		}
	}
	ss.msg.Data = data
	ss.s.mu.Lock()
	ss.s.accepted++
	if !ss.s.discard {
		ss.s.messages = append(ss.s.messages, ss.msg)
	}
	ss.s.mu.Unlock()
	return nil
}

func (ss *session) Reset()        { ss.msg = Message{} }
func (ss *session) Logout() error { return nil }

// selfSigned makes a short-lived certificate for 127.0.0.1 and localhost.
func selfSigned() (server, client *tls.Config, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "smtptest"},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
	client = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	return server, client, nil
}
