package main

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"

	"github.com/digestd/digestd/digest/pipeline"
)

// smtpLimit sends one message of each size through senders, one worker
// per sender as in a delivery pass, doing nothing else: the rate the relay
// and the connections allow, which a pass can approach but not beat.
func smtpLimit(ctx context.Context, senders []pipeline.Mailer, model []byte, sizes []int) error {
	body := paddedMessage(model, sizes)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, len(senders))
	for _, m := range senders {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(sizes) {
					return
				}
				if err := m.Send(ctx, "digest@bench.example", "reader@bench.example", lines(body, sizes[i])); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// paddedMessage is the model message followed by copies of its body, a
// copy longer than the largest size: each prefix that ends a line is a
// pre-rendered message.
func paddedMessage(model []byte, sizes []int) []byte {
	longest := 0
	for _, n := range sizes {
		longest = max(longest, n)
	}
	_, body, _ := bytes.Cut(model, []byte("\r\n\r\n"))
	if len(body) == 0 {
		body = []byte("digest\r\n")
	}
	msg := bytes.Clone(model)
	for len(msg) < longest {
		msg = append(msg, body...)
	}
	return append(msg, body...)
}

// lines is msg's first n bytes and the rest of the line the nth is on: a
// message of about n bytes that ends in CRLF, as a composed one does, so
// the sender sends it as it is.
func lines(msg []byte, n int) []byte {
	if i := bytes.Index(msg[n:], []byte("\r\n")); i >= 0 {
		return msg[:n+i+2]
	}
	return msg
}
