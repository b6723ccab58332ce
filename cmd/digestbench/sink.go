package main

import (
	"io"
	"log"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// sink is a loopback SMTP server that accepts every message and keeps only
// its size: holding 100,000 digests would make the benchmark measure
// itself.
type sink struct {
	srv *smtp.Server
	ln  net.Listener

	mu    sync.Mutex
	sizes []int
	first []byte // the first message, the model of the SMTP limit's messages
}

// startSink starts the server; its replies arrive rtt late (see
// distantConn).
func startSink(rtt time.Duration) (*sink, error) {
	s := &sink{}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return sinkSession{s}, nil }))
	s.srv.Domain = "sink.local"
	s.srv.ReadTimeout, s.srv.WriteTimeout = time.Minute, time.Minute
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.ln = ln
	if rtt > 0 {
		ln = distantListener{ln, rtt}
	}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *sink) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *sink) Close() error { return s.srv.Close() }

// take returns the sizes of the messages received since the last take.
func (s *sink) take() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	sizes := s.sizes
	s.sizes = nil
	return sizes
}

type sinkSession struct{ s *sink }

func (sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (sinkSession) Reset()                               {}
func (sinkSession) Logout() error                        { return nil }

func (ss sinkSession) Data(r io.Reader) error {
	s := ss.s
	s.mu.Lock()
	keep := s.first == nil
	s.mu.Unlock()
	if keep {
		data, err := io.ReadAll(r)
		s.mu.Lock()
		s.first, s.sizes = data, append(s.sizes, len(data))
		s.mu.Unlock()
		return err
	}
	n, err := io.Copy(io.Discard, r)
	s.mu.Lock()
	s.sizes = append(s.sizes, int(n))
	s.mu.Unlock()
	return err
}

// distantListener hands out distantConns.
type distantListener struct {
	net.Listener
	rtt time.Duration
}

func (l distantListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	d := &distantConn{Conn: c, rtt: l.rtt, out: make(chan delayed, 64)}
	go d.deliver()
	return d, nil
}

// distantConn is the server's end of a connection to a client a round trip
// rtt away: what the server writes reaches the client rtt later, while the
// server goes on (replies to pipelined commands travel together, as they
// would across a network).
type distantConn struct {
	net.Conn
	rtt       time.Duration
	out       chan delayed
	closeOnce sync.Once
}

type delayed struct {
	at   time.Time
	data []byte
}

func (c *distantConn) Write(p []byte) (int, error) {
	c.out <- delayed{time.Now().Add(c.rtt), append([]byte(nil), p...)}
	return len(p), nil
}

// Close closes the connection once what was written has arrived.
func (c *distantConn) Close() error {
	c.closeOnce.Do(func() { close(c.out) })
	return nil
}

func (c *distantConn) deliver() {
	defer c.Conn.Close()
	for d := range c.out {
		time.Sleep(time.Until(d.at))
		if _, err := c.Conn.Write(d.data); err != nil {
			for range c.out { // the client is gone: drop the rest
			}
			return
		}
	}
}
