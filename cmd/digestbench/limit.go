package main

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"

	"github.com/digestd/digestd/digest"
)

// smtpLimit sends one message of each size through senders, one worker
// per sender as in a delivery pass, doing nothing else: the rate the relay
// and the connections allow, which a pass can approach but not beat.
func smtpLimit(ctx context.Context, senders []digest.Mailer, model []byte, sizes []int) error {
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
				if err := m.Send(ctx, "digest@bench.example", "reader@bench.example", body[:sizes[i]]); err != nil {
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

// paddedMessage is the model message followed by copies of its body, as
// long as the largest size: each prefix is a pre-rendered message of that
// size.
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
	return msg
}
