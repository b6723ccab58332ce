package smtptest

import (
	"errors"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

func TestServerReceives(t *testing.T) {
	s := Start(t, WithRcptHook(func(to string) error {
		if to == "nobody@example.org" {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		}
		return nil
	}))
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	body := "Subject: hi\r\n\r\n.dot line\r\nbye\r\n"
	if err := c.SendMail("a@example.org", []string{"b@example.org"}, strings.NewReader(body)); err != nil {
		t.Fatalf("send: %v", err)
	}
	var smtpErr *smtp.SMTPError
	err = c.SendMail("a@example.org", []string{"nobody@example.org"}, strings.NewReader(body))
	if !errors.As(err, &smtpErr) || smtpErr.Code != 550 {
		t.Errorf("got %v, want a 550 reply", err)
	}
	msgs := s.Messages()
	if len(msgs) != 1 || msgs[0].From != "a@example.org" || msgs[0].To[0] != "b@example.org" || string(msgs[0].Data) != body {
		t.Errorf("got messages %+v, want the one sent", msgs)
	}
	if got := s.Connections(); got != 1 {
		t.Errorf("got %d connections, want 1", got)
	}
}

func TestServerTLSAndAuth(t *testing.T) {
	s := Start(t, WithTLS(), WithAuth("user", "secret"))
	c, err := smtp.DialStartTLS(s.Addr(), s.ClientTLSConfig())
	if err != nil {
		t.Fatalf("dial with starttls: %v", err)
	}
	defer c.Close()
	if err := c.Auth(sasl.NewPlainClient("", "user", "wrong")); err == nil {
		t.Errorf("wrong password: got no error")
	}
	if err := c.Auth(sasl.NewPlainClient("", "user", "secret")); err != nil {
		t.Fatalf("auth: %v", err)
	}
	if err := c.SendMail("a@example.org", []string{"b@example.org"}, strings.NewReader("\r\nhi\r\n")); err != nil {
		t.Fatalf("send: %v", err)
	}
	if len(s.Messages()) != 1 {
		t.Errorf("got %d messages, want 1", len(s.Messages()))
	}
}
