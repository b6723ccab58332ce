package mailer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
)

// SendError is a failed delivery: where it failed, the SMTP reply code if the
// server gave one, and whether trying again later may work.
type SendError struct {
	Addr      string // the server's host:port
	Code      int    // SMTP reply code; 0 when the server gave none
	Temporary bool   // 4xx replies and network failures
	Stage     string // "connect", "mail", "rcpt" or "data"
	// MaybeDelivered: the failure came after the final dot of DATA, with
	// no answer to it (a timeout, a broken connection). The relay may
	// have taken the message, so sending it again may deliver it twice.
	MaybeDelivered bool
	Err            error
}

// Error reads "smtp 127.0.0.1:2525: connect: connection refused".
func (e *SendError) Error() string {
	msg := e.Err.Error()
	var op *net.OpError
	if errors.As(e.Err, &op) && op.Op == "dial" {
		// The dial error repeats the address; keep only why it failed.
		msg = op.Err.Error()
		var sys *os.SyscallError
		if errors.As(op.Err, &sys) {
			msg = sys.Err.Error()
		}
	}
	if e.MaybeDelivered {
		msg = "no answer to the final dot, the relay may have the message: " + msg
	}
	return fmt.Sprintf("smtp %s: %s: %s", e.Addr, e.Stage, msg)
}

// Unwrap returns the underlying error.
func (e *SendError) Unwrap() error { return e.Err }

// newSendError classifies err. Once ctx is done, whatever broke is a
// consequence of the cancellation, so the context's error is what callers see.
func newSendError(ctx context.Context, addr, stage string, err error) *SendError {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return &SendError{Addr: addr, Stage: stage, Temporary: true, Err: ctxErr}
	}
	e := &SendError{Addr: addr, Stage: stage, Err: err}
	var reply *textproto.Error
	if errors.As(err, &reply) {
		e.Code = reply.Code
		e.Temporary = reply.Code >= 400 && reply.Code < 500
	} else {
		e.Temporary = isNetworkError(err)
	}
	return e
}

// isNetworkError tells a broken or refused connection, worth retrying later,
// from a refusal (certificate, missing STARTTLS, bad address) that is not.
func isNetworkError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded)
}
