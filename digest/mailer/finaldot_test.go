package mailer

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/digestd/digestd/digest/mailer/smtptest"
)

// TestSMTPSenderNoResendAfterFinalDot: when the connection breaks while the
// server answers the final dot, the server may have the message; sending it
// again would deliver a digest twice.
func TestSMTPSenderNoResendAfterFinalDot(t *testing.T) {
	var srv *smtptest.Server
	srv = smtptest.Start(t, smtptest.WithDataHook(func(data []byte) error {
		if bytes.Contains(data, []byte("drop")) {
			srv.DropConnections()
		}
		return nil
	}))
	s := newTestSender(t, srv, SMTPNoTLS, "", "")
	if err := s.Send(context.Background(), "a@example.org", "b@example.org", []byte("\r\nfirst\r\n")); err != nil {
		t.Fatalf("first send: %v", err)
	}
	err := s.Send(context.Background(), "a@example.org", "b@example.org", []byte("\r\ndrop\r\n"))
	var se *SendError
	if !errors.As(err, &se) || se.Stage != "data" || !se.Temporary || !se.MaybeDelivered {
		t.Errorf("got %v, want a temporary data error, maybe delivered", err)
	}
	// The server keeps the message once its hook returns, which may be
	// after the client saw the connection drop.
	for deadline := time.Now().Add(2 * time.Second); len(srv.Messages()) < 2 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if got := len(srv.Messages()); got != 2 {
		t.Errorf("got %d messages on the server, want 2 (no resend)", got)
	}
}

// TestSMTPSenderWaitsForTheFinalDot: the reply to the final dot has its
// own deadline, longer than the one of every other command: a relay that
// takes longer than smtp.timeout to take a message in delivers it, and
// one that takes longer than smtp.data_timeout leaves the message maybe
// delivered, not refused.
func TestSMTPSenderWaitsForTheFinalDot(t *testing.T) {
	tests := []struct {
		name      string
		answerIn  time.Duration
		wantMaybe bool
	}{
		{"answer past timeout, within data_timeout", 600 * time.Millisecond, false},
		{"no answer within data_timeout", 2 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, smtptest.WithDataHook(func([]byte) error {
				time.Sleep(tt.answerIn)
				return nil
			}))
			s, err := NewSMTP(SMTPConfig{Host: srv.Host(), Port: srv.Port(), TLS: SMTPNoTLS,
				Timeout: 300 * time.Millisecond, DataTimeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			start := time.Now()
			err = s.Send(context.Background(), "a@example.org", "b@example.org", testMessage(t, 1))
			took := time.Since(start)
			var se *SendError
			switch {
			case !tt.wantMaybe && err != nil:
				t.Errorf("got %v after %v, want the message delivered", err, took)
			case tt.wantMaybe && (!errors.As(err, &se) || !se.MaybeDelivered || se.Stage != "data"):
				t.Errorf("got %v, want a data error, maybe delivered", err)
			case tt.wantMaybe && (took < time.Second || took > 1900*time.Millisecond):
				t.Errorf("gave up after %v, want data_timeout (1s)", took)
			case tt.wantMaybe && !strings.Contains(err.Error(), "may have the message"):
				t.Errorf("got %q, want it to say the relay may have the message", err)
			}
			t.Logf("answer in %v: %v after %v", tt.answerIn, err, took.Round(time.Millisecond))
		})
	}
}
