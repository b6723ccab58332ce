// Package download fetches source APIs politely: one request at a time, a
// minimum interval between request starts, bounded retries that honour
// Retry-After, and a cap on the body size.
package download

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults used by New.
const (
	// DefaultTimeout bounds one attempt, body included.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxAttempts is the tries per Get, the first included.
	DefaultMaxAttempts = 4
	// DefaultMaxBodyBytes is 32 MiB, far above the largest API page.
	DefaultMaxBodyBytes = 32 << 20
	// DefaultBackoffBase is the wait before the first retry.
	DefaultBackoffBase = time.Second
	// DefaultMaxRetryAfter is the longest Retry-After honoured.
	DefaultMaxRetryAfter = 5 * time.Minute
)

// ErrBodyTooLarge is returned when a response body exceeds MaxBodyBytes.
var ErrBodyTooLarge = errors.New("response body too large")

// Client performs GET requests for one source. Its requests never overlap,
// because arXiv allows one connection at a time. The zero Client is not
// usable; create one with New and adjust its fields before the first Get.
type Client struct {
	// HTTP sends the requests; its Timeout bounds one attempt, body included.
	HTTP *http.Client
	// UserAgent identifies digestd to the APIs, as their terms ask.
	UserAgent string
	// MinInterval is the least time between the starts of two requests.
	MinInterval time.Duration
	// MaxAttempts bounds the tries per Get, the first included.
	MaxAttempts int
	// MaxBodyBytes bounds a response body.
	MaxBodyBytes int64
	// BackoffBase is the wait before the first retry; it doubles per retry
	// and is jittered so that several daemons do not retry in lockstep.
	BackoffBase time.Duration
	// MaxRetryAfter is the longest Retry-After honoured; a longer one ends
	// the Get with an error rather than stalling the nightly run.
	MaxRetryAfter time.Duration

	turn chan struct{} // holds one token; whoever takes it may send
	last time.Time     // start of the previous request; guarded by turn
}

// StatusError reports a final response whose status is not 2xx.
type StatusError struct {
	URL    string // with any password redacted
	Status int
}

// Error names the URL and the status.
func (e *StatusError) Error() string {
	return fmt.Sprintf("get %s: %d %s", e.URL, e.Status, http.StatusText(e.Status))
}

// New returns a Client with the default settings whose User-Agent names the
// digestd version.
func New(version string) *Client {
	c := &Client{
		HTTP:          &http.Client{Timeout: DefaultTimeout},
		UserAgent:     "digestd/" + version + " (+https://github.com/digestd/digestd)",
		MaxAttempts:   DefaultMaxAttempts,
		MaxBodyBytes:  DefaultMaxBodyBytes,
		BackoffBase:   DefaultBackoffBase,
		MaxRetryAfter: DefaultMaxRetryAfter,
		turn:          make(chan struct{}, 1),
	}
	c.turn <- struct{}{}
	return c
}

// Get fetches rawURL and returns its body and HTTP status. Network errors,
// timeouts, 429 and 5xx are retried with backoff, or after Retry-After when
// the server sends one. Any other status outside 2xx is final: Get returns
// the body and status together with a *StatusError, so that a caller can read
// an API's error document.
func (c *Client) Get(ctx context.Context, rawURL string) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("get: %w", err)
	}
	req.Header.Set("User-Agent", c.UserAgent)
	name := req.URL.Redacted()
	attempts := max(c.MaxAttempts, 1)
	for attempt := 1; ; attempt++ {
		body, status, header, err := c.do(ctx, req)
		wait := c.backoff(attempt)
		switch {
		case ctx.Err() != nil:
			return nil, 0, fmt.Errorf("get %s: %w", name, ctx.Err())
		case errors.Is(err, ErrBodyTooLarge):
			return nil, status, fmt.Errorf("get %s: %w: limit %d bytes", name, err, c.MaxBodyBytes)
		case err != nil:
			err = fmt.Errorf("get %s: %w", name, err)
		case status == http.StatusTooManyRequests || status >= 500:
			err = &StatusError{URL: name, Status: status}
			if d, ok := retryAfter(header.Get("Retry-After"), time.Now()); ok {
				if d > c.MaxRetryAfter {
					return body, status, fmt.Errorf("%w: retry-after %v exceeds the %v cap, giving up", err, d, c.MaxRetryAfter)
				}
				wait = d
			}
		case status < 200 || status > 299:
			return body, status, &StatusError{URL: name, Status: status}
		default:
			return body, status, nil
		}
		if attempt >= attempts {
			return body, status, fmt.Errorf("%w: giving up after %d attempts", err, attempt)
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, 0, fmt.Errorf("get %s: %w", name, err)
		}
	}
}

// do sends one attempt once it is this client's turn and MinInterval has
// passed since the previous start.
func (c *Client) do(ctx context.Context, req *http.Request) ([]byte, int, http.Header, error) {
	select {
	case <-c.turn:
	case <-ctx.Done():
		return nil, 0, nil, ctx.Err()
	}
	defer func() { c.turn <- struct{}{} }()
	if err := sleep(ctx, time.Until(c.last.Add(c.MinInterval))); err != nil {
		return nil, 0, nil, err
	}
	c.last = time.Now()
	resp, err := c.HTTP.Do(req)
	if err != nil {
		// The *url.Error repeats the URL, which Get already names.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.MaxBodyBytes+1))
	if err != nil {
		return nil, resp.StatusCode, resp.Header, fmt.Errorf("read body: %w", err)
	}
	if int64(len(body)) > c.MaxBodyBytes {
		return nil, resp.StatusCode, resp.Header, ErrBodyTooLarge
	}
	return body, resp.StatusCode, resp.Header, nil
}

// backoff is the jittered wait before retry number attempt: between half and
// all of BackoffBase doubled attempt-1 times.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.BackoffBase << min(attempt-1, 16)
	return d/2 + rand.N(d/2+1)
}

// retryAfter reads a Retry-After header, given in seconds or as an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(min(s, 1<<30)) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// sleep waits for d, or returns early with the context's error.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
